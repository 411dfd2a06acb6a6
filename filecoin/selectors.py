"""Read side of Filecoin: providers, totals, alerts, chart history (database only).

Constant query counts: the list is one query (health rank and 24 h change are SQL
expressions over stored columns), totals are summed from the rows it returns (a few hundred
providers at most; exact Python integers), a history range is one indexed range scan of one
table — raw snapshots for 24 h, hourly buckets for 7 d and 30 d, daily buckets for 1 y — so its
cost depends on the range, never on how much history is stored.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Case, Count, F, IntegerField, Min, Q, QuerySet, Value, When
from django.utils import timezone

from custody_portal.models import RefreshRun

from . import health
from .fields import sum_signed_base_units
from .models import (
    SECTOR_FIGURES,
    SectorRollup,
    SectorSnapshot,
    StorageProvider,
    StorageProviderAlert,
)
from .services.refresh import TASK_STORAGE_PROVIDERS
from .services.rollups import TASK_ROLLUP

# --- providers ------------------------------------------------------------------------------

# sort key → ORDER BY. "worst": health rank, then the largest faulty share, then the fastest
# growing one. Nulls (no sector summary yet) go last in every direction.
SORTS = {
    "worst": (
        "health_rank",
        F("faulty_share_ppm").desc(nulls_last=True),
        F("share_change_ppm").desc(nulls_last=True),
    ),
    "address": ("address",),
    "-address": ("-address",),
    "faulty": (F("faulty_sectors").asc(nulls_last=True),),
    "-faulty": (F("faulty_sectors").desc(nulls_last=True),),
    "share": (F("faulty_share_ppm").asc(nulls_last=True),),
    "-share": (F("faulty_share_ppm").desc(nulls_last=True),),
    "change": (F("share_change_ppm").asc(nulls_last=True),),
    "-change": (F("share_change_ppm").desc(nulls_last=True),),
    "penalty": (F("faulty_sectors_penalty").asc(nulls_last=True),),
    "-penalty": (F("faulty_sectors_penalty").desc(nulls_last=True),),
    "exposure": (F("termination_live_penalty").asc(nulls_last=True),),
    "-exposure": (F("termination_live_penalty").desc(nulls_last=True),),
    "available": ("available_balance",),
    "-available": ("-available_balance",),
    "locked": ("locked_rewards",),
    "-locked": ("-locked_rewards",),
}
DEFAULT_SORT = "worst"

# The provider table's columns: (sort key or "", label, numeric, first click sorts descending).
COLUMNS = (
    ("address", "Provider", False, False),
    ("worst", "Health", False, False),
    ("faulty", "Faulty / live sectors", True, True),
    ("share", "Faulty share", True, True),
    ("change", "24 h change", True, True),
    ("penalty", "Faulty / live penalties", True, True),
    ("exposure", "Termination exposure", True, True),
    ("available", "Available", True, False),
    ("locked", "Locked rewards", True, True),
    ("", "Data from", False, False),
)


def sort_columns(sort: str) -> list[dict]:
    """Header links: a first click sorts the column's natural way (largest first for counts
    and amounts, debt first for available), a second click reverses it."""
    columns = []
    for key, label, numeric, desc_first in COLUMNS:
        first = f"-{key}" if desc_first else key
        reverse = key if desc_first else f"-{key}"
        active = sort in (key, f"-{key}") and key != ""
        descending = sort.startswith("-")
        columns.append(
            {
                "key": key,
                "label": label,
                "numeric": numeric,
                "next": reverse if sort == first and key != "worst" else first,
                "aria_sort": ("descending" if descending else "ascending") if active else "",
                "arrow": ("↓" if descending else "↑") if active and key != "worst" else "",
            }
        )
    return columns


def provider_queryset(*, now: datetime) -> QuerySet[StorageProvider]:
    """Providers with `health_rank` (see health.py) and `share_change_ppm` (24 h change)."""
    return StorageProvider.objects.annotate(
        health_rank=health.health_rank(now),
        share_change_ppm=F("faulty_share_ppm") - F("faulty_share_24h_ago_ppm"),
    )


def provider_list(
    *, sort: str = DEFAULT_SORT, now: datetime | None = None
) -> list[StorageProvider]:
    """Active providers in the order asked (worst first by default), with their wallet."""
    now = now or timezone.now()
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    return list(
        provider_queryset(now=now)
        .filter(removed_at__isnull=True)
        .select_related("wallet")
        .order_by(*order, "address", "id")
    )


def provider_get(*, provider_id: int, now: datetime | None = None) -> StorageProvider | None:
    """One provider (removed ones too) with its health rank and wallet."""
    now = now or timezone.now()
    return provider_queryset(now=now).select_related("wallet").filter(pk=provider_id).first()


def health_name(provider: StorageProvider) -> str:
    """The displayed health of a provider from `provider_queryset`."""
    return health.HEALTH_ORDER[provider.health_rank]


@dataclass
class Totals:
    """Sums over a list of providers (exact attoFIL) and counts by health."""

    providers: int = 0
    by_health: dict[str, int] = field(default_factory=dict)
    active_sectors: int = 0
    live_sectors: int = 0
    faulty_sectors: int = 0
    available_balance: int = 0
    locked_rewards: int = 0
    live_sectors_penalty: int = 0
    faulty_sectors_penalty: int = 0
    exposure: int = 0
    exposure_known: int = 0
    exposure_oldest: datetime | None = None

    @property
    def exposure_missing(self) -> int:
        return self.providers - self.exposure_known


def provider_totals(providers: list[StorageProvider]) -> Totals:
    """Totals of the providers the list shows (already loaded: no query)."""
    totals = Totals(providers=len(providers))
    counts = Counter(health_name(p) for p in providers)
    totals.by_health = {name: counts.get(name, 0) for name in health.HEALTH_ORDER}
    for p in providers:
        for name in ("active_sectors", "live_sectors", "faulty_sectors"):
            setattr(totals, name, getattr(totals, name) + (getattr(p, name) or 0))
        totals.available_balance += int(p.available_balance)
        totals.locked_rewards += int(p.locked_rewards)
        totals.live_sectors_penalty += int(p.live_sectors_penalty or 0)
        totals.faulty_sectors_penalty += int(p.faulty_sectors_penalty or 0)
        if p.termination_live_penalty is not None:
            totals.exposure += int(p.termination_live_penalty)
            totals.exposure_known += 1
            fetched = p.termination_fetched_at
            if fetched and (totals.exposure_oldest is None or fetched < totals.exposure_oldest):
                totals.exposure_oldest = fetched
    return totals


@dataclass(frozen=True)
class FilecoinSummary:
    """The home page card: providers by health, total exposure, open alerts."""

    providers: int
    by_health: dict[str, int]
    exposure: int
    exposure_known: int
    exposure_oldest: datetime | None
    open_alerts: int


def filecoin_summary(*, now: datetime | None = None) -> FilecoinSummary:
    """Two aggregate queries, whatever the number of providers and alerts."""
    now = now or timezone.now()
    active = StorageProvider.objects.filter(removed_at__isnull=True).annotate(
        health_rank=health.health_rank(now)
    )
    counts = {
        f"n_{name}": Count("pk", filter=Q(health_rank=rank))
        for rank, name in enumerate(health.HEALTH_ORDER)
    }
    row = sum_signed_base_units(
        active,
        "termination_live_penalty",
        providers=Count("pk"),
        exposure_known=Count("termination_live_penalty"),
        exposure_oldest=Min("termination_fetched_at"),
        **counts,
    )
    return FilecoinSummary(
        providers=row["providers"],
        by_health={name: row[f"n_{name}"] for name in health.HEALTH_ORDER},
        exposure=row["termination_live_penalty"],
        exposure_known=row["exposure_known"],
        exposure_oldest=row["exposure_oldest"],
        open_alerts=open_alerts_queryset(now=now).filter(muted=0).count(),
    )


# --- alerts ---------------------------------------------------------------------------------


def _alert_queryset(*, now: datetime) -> QuerySet[StorageProviderAlert]:
    return StorageProviderAlert.objects.select_related(
        "provider", "acknowledged_by", "muted_by"
    ).annotate(
        muted=Case(
            When(muted_until__gt=now, then=Value(1)), default=Value(0), output_field=IntegerField()
        ),
        acknowledged=Case(
            When(acknowledged_at__isnull=False, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )


def open_alerts_queryset(*, now: datetime | None = None) -> QuerySet[StorageProviderAlert]:
    """Open alerts, needing attention first: not muted and not acknowledged, newest first;
    then acknowledged; then muted."""
    now = now or timezone.now()
    return (
        _alert_queryset(now=now)
        .filter(closed_at__isnull=True, provider__removed_at__isnull=True)
        .order_by("muted", "acknowledged", "-opened_at", "-id")
    )


ALERT_STATES = ("open", "closed", "all")


def alert_list(*, state: str = "open", provider_id: int | None = None, now: datetime | None = None):
    """Alerts (the history is kept): open ones in attention order, others newest first."""
    now = now or timezone.now()
    if state == "open":
        qs = open_alerts_queryset(now=now)
    else:
        qs = _alert_queryset(now=now).order_by("-opened_at", "-id")
        if state == "closed":
            qs = qs.filter(closed_at__isnull=False)
    if provider_id is not None:
        qs = qs.filter(provider_id=provider_id)
    return qs


def provider_alerts(*, provider_id: int, limit: int = 50, now: datetime | None = None) -> list:
    """A provider's alerts, open ones first, then the history (newest first)."""
    now = now or timezone.now()
    return list(
        _alert_queryset(now=now)
        .filter(provider_id=provider_id)
        .annotate(
            closed=Case(
                When(closed_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("closed", "-opened_at", "-id")[:limit]
    )


def refresh_history(*, limit: int = 10) -> list[RefreshRun]:
    """The latest storage-provider refreshes and roll-up runs."""
    return list(
        RefreshRun.objects.filter(task__in=(TASK_STORAGE_PROVIDERS, TASK_ROLLUP)).order_by(
            "-started_at", "-id"
        )[:limit]
    )


def reward_withdrawals(*, provider_id: int, limit: int = 10) -> list:
    """The provider's `fil_reward` payouts, newest first (the payouts app's rows)."""
    from payouts.models import Payout

    return list(
        Payout.objects.filter(kind="fil_reward", storage_provider_id=provider_id)
        .select_related("created_by")
        .order_by("-pk")[:limit]
    )


# --- history --------------------------------------------------------------------------------

RANGES: dict[str, tuple[timedelta, str]] = {
    "24h": (timedelta(hours=24), "raw"),
    "7d": (timedelta(days=7), SectorRollup.Resolution.HOUR),
    "30d": (timedelta(days=30), SectorRollup.Resolution.HOUR),
    "1y": (timedelta(days=365), SectorRollup.Resolution.DAY),
}
DEFAULT_RANGE = "24h"


class RangeInvalid(ValueError):
    """A range other than 24h, 7d, 30d or 1y."""


def parse_range(value: str | None, *, default: str = DEFAULT_RANGE) -> str:
    if value is None or value == "":
        return default
    if value not in RANGES:
        raise RangeInvalid(f"range must be one of {', '.join(RANGES)}; got “{value[:20]}”.")
    return value


@dataclass(frozen=True)
class HistoryPoint:
    """One point: a raw reading (min = max = last) or a bucket. `figures[name]` is
    (min, max, last), amounts in attoFIL; parts a page does not read are None."""

    at: datetime
    samples: int
    figures: dict[str, tuple[int, int, int]]


@dataclass(frozen=True)
class History:
    range: str
    resolution: str
    since: datetime
    points: list[HistoryPoint]


# What the provider page draws and tabulates of a bucket: every figure's last value, the most
# faulty sectors and the lowest available balance. The CSV and the API read every part.
PAGE_PARTS = {name: ("last",) for name in SECTOR_FIGURES} | {
    "faulty_sectors": ("max", "last"),
    "available_balance": ("min", "last"),
}
_PART_INDEX = {"min": 0, "max": 1, "last": 2}


def sector_history(
    *, provider_id: int, range_key: str, now: datetime | None = None, for_page: bool = False
) -> History:
    """The points of one range from the matching table (one query). `for_page`: read only
    the parts in PAGE_PARTS (the others are None) — a 30 d page reads 720 buckets, and 9
    columns instead of 21 is a third of the work."""
    now = now or timezone.now()
    span, resolution = RANGES[range_key]
    since = now - span
    if resolution == "raw":
        rows = (
            SectorSnapshot.objects.filter(provider_id=provider_id, last_updated_at__gte=since)
            .order_by("last_updated_at")
            .values_list("last_updated_at", *SECTOR_FIGURES)
        )
        points = []
        for row in rows:
            figures = {}
            for name, value in zip(SECTOR_FIGURES, row[1:], strict=True):
                number = int(value)
                figures[name] = (number, number, number)
            points.append(HistoryPoint(at=row[0], samples=1, figures=figures))
        return History(range_key, resolution, since, points)
    start = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if resolution == SectorRollup.Resolution.DAY:
        start = start.replace(hour=0)
    wanted = [
        (name, part)
        for name in SECTOR_FIGURES
        for part in (PAGE_PARTS[name] if for_page else ("min", "max", "last"))
    ]
    rows = (
        SectorRollup.objects.filter(
            provider_id=provider_id, resolution=resolution, bucket_start__gte=start
        )
        .order_by("bucket_start")
        .values_list("bucket_start", "samples", *(f"{n}_{p}" for n, p in wanted))
    )
    points = []
    for row in rows:
        parts: dict[str, list] = {name: [None, None, None] for name in SECTOR_FIGURES}
        for (name, part), value in zip(wanted, row[2:], strict=True):
            parts[name][_PART_INDEX[part]] = int(value)
        points.append(
            HistoryPoint(at=row[0], samples=row[1], figures={n: tuple(v) for n, v in parts.items()})
        )
    return History(range_key, resolution, since, points)
