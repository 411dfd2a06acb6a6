"""Provider health: which bad states a provider is in, and the one the pages show.

A provider can be in several bad states at once (an alert opens for each); its displayed
health is the worst of them, in this order: fee debt (it owes fees and cannot withdraw),
worsening (faulty share above 24 h ago), faulty (faulty sectors > 0), stale (Balance's
`last_updated_at` older than FILECOIN_STALE_AFTER: the figures may be out of date), then
healthy. Stale depends on the clock, so it is decided when read, never stored.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When

FEE_DEBT, WORSENING, FAULTY, STALE, HEALTHY = "fee_debt", "worsening", "faulty", "stale", "healthy"
# Worst first: the index is the sort rank of `/filecoin/`.
HEALTH_ORDER = (FEE_DEBT, WORSENING, FAULTY, STALE, HEALTHY)
HEALTH_LABELS = {
    FEE_DEBT: "fee debt",
    WORSENING: "worsening",
    FAULTY: "faulty",
    STALE: "stale",
    HEALTHY: "healthy",
}
BAD_STATES = HEALTH_ORDER[:-1]


def stale_before(now: datetime) -> datetime:
    """Readings older than this are stale."""
    return now - timedelta(seconds=settings.FILECOIN_STALE_AFTER)


def conditions(
    *,
    available_balance: int,
    faulty_sectors: int | None,
    worsening: bool,
    last_updated_at: datetime | None,
    now: datetime,
) -> list[str]:
    """The bad states a provider is in, worst first (empty: healthy)."""
    found = []
    if available_balance < 0:
        found.append(FEE_DEBT)
    if worsening:
        found.append(WORSENING)
    if faulty_sectors:
        found.append(FAULTY)
    if last_updated_at is None or last_updated_at < stale_before(now):
        found.append(STALE)
    return found


def health_of(states: list[str]) -> str:
    return states[0] if states else HEALTHY


def health_rank(now: datetime) -> Case:
    """SQL: the rank of each provider's displayed health (0 = fee debt … 4 = healthy), the
    same rules as `conditions`, so the list sorts and counts in the database."""
    stale = Q(last_updated_at__isnull=True) | Q(last_updated_at__lt=stale_before(now))
    return Case(
        When(available_balance__lt=0, then=Value(0)),
        When(worsening=True, then=Value(1)),
        When(faulty_sectors__gt=0, then=Value(2)),
        When(stale, then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )
