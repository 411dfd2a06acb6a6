"""Read-side helpers shared by pages: data freshness, alerts, the home page, the audit log."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEvent, PendingRemoval, RefreshRun


@dataclass(frozen=True)
class DataSet:
    task: str
    label: str
    interval_setting: str

    @property
    def interval(self) -> int:
        return getattr(settings, self.interval_setting)


# The refresh tasks whose freshness pages show. Apps add theirs here.
DATA_SETS: dict[str, DataSet] = {
    d.task: d
    for d in (
        DataSet("refresh_wallets", "Wallets and balances", "REFRESH_WALLETS_INTERVAL"),
        DataSet("refresh_sub_addresses", "Sub-addresses", "REFRESH_SUB_ADDRESSES_INTERVAL"),
        DataSet("refresh_wallet_details", "Spendable balances", "REFRESH_WALLET_DETAILS_INTERVAL"),
        DataSet(
            "refresh_storage_providers", "Storage providers", "REFRESH_STORAGE_PROVIDERS_INTERVAL"
        ),
    )
}


@dataclass(frozen=True)
class Freshness:
    """How fresh one data set is, for the "synced 2 min ago" line and the stale banner."""

    data_set: DataSet
    synced_at: datetime | None
    last_run: RefreshRun | None

    @property
    def failed(self) -> bool:
        """The last run failed, or was abandoned by a worker that died while running it."""
        if self.last_run is None:
            return False
        return self.last_run.status == RefreshRun.Status.FAILED or self.last_run.abandoned

    @property
    def running(self) -> bool:
        return (
            self.last_run is not None
            and self.last_run.status == RefreshRun.Status.RUNNING
            and not self.last_run.abandoned
        )

    @property
    def auth_problem(self) -> bool:
        return self.failed and self.last_run.error_kind == "auth"

    @property
    def stale(self) -> bool:
        """Stale when the last run failed, or the last success is older than 2× the interval."""
        if self.failed or self.synced_at is None:
            return True
        return timezone.now() - self.synced_at > timedelta(seconds=2 * self.data_set.interval)

    @property
    def error(self) -> str:
        if not self.failed:
            return ""
        if self.last_run.abandoned:
            return "The last refresh never finished (its worker stopped while running it)."
        return self.last_run.error


def freshness(task: str, scope: str = "") -> Freshness:
    """Freshness of one data set (two indexed queries)."""
    runs = RefreshRun.objects.filter(task=task, scope=scope)
    last_run = runs.exclude(status=RefreshRun.Status.SKIPPED).first()
    if last_run is not None and last_run.status == RefreshRun.Status.SUCCEEDED:
        synced_at = last_run.finished_at
    else:
        synced_at = (
            runs.filter(status=RefreshRun.Status.SUCCEEDED)
            .values_list("finished_at", flat=True)
            .first()
        )
    return Freshness(DATA_SETS[task], synced_at, last_run)


RUN_HISTORY_STATUSES = ("running", "succeeded", "failed")


def refresh_run_list(*, task: str = "", status: str = ""):
    """Refresh runs, newest first, optionally of one task and/or status (indexed)."""
    runs = RefreshRun.objects.all()
    if task:
        runs = runs.filter(task=task)
    if status:
        runs = runs.filter(status=status)
    return runs.order_by("-started_at", "-id")


def pending_removal_list() -> list[PendingRemoval]:
    """Removals a refresh held back, waiting for an agreeing walk or an operator (one query)."""
    return list(PendingRemoval.objects.order_by("data_set"))


def home_context() -> dict:
    """Everything the home page shows, in a constant number of queries."""
    from wallets.selectors import holdings_by_asset

    sets = [freshness(task) for task in DATA_SETS]
    alerts = []
    for f in sets:
        if f.auth_problem:
            # The run's error is the client's own sentence ("Balance refused the portal's
            # credentials: …"): said once, followed by what to check.
            alerts.append(
                (
                    "error",
                    f"{f.error.rstrip('.')}. Check BALANCE_ACCESS_ID and BALANCE_SECRET_KEY.",
                )
            )
        elif f.failed:
            alerts.append(("error", f"{f.data_set.label}: the last refresh failed: {f.error}"))
        elif f.stale and f.synced_at is not None:
            alerts.append(("stale", f"{f.data_set.label} have not been refreshed recently."))
        elif f.synced_at is None:
            alerts.append(("stale", f"{f.data_set.label} have never been refreshed yet."))
    context = {
        "freshness": sets,
        "alerts": alerts,
        "holdings": holdings_by_asset(),
        "pending_removals": pending_removal_list(),
    }
    # --- Filecoin card (filecoin app): providers by health, exposure, open alerts ---
    from filecoin.selectors import filecoin_summary

    context["filecoin"] = filecoin_summary()
    # --- end Filecoin card ---
    return context


AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    """The audit page's filters; empty values filter nothing. Dates are whole days in the
    portal's time zone, both ends included."""

    username: str = ""
    action: str = ""
    subject_type: str = ""
    subject_id: str = ""
    wallet_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def audit_event_list(*, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Audit events matching `filters`, newest first. Each filter has an index ending in the
    sequence (see AuditEvent.Meta), so a page is an index range scan at any size."""
    events = AuditEvent.objects.all()
    if filters.username:
        events = events.filter(actor_username=filters.username)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.subject_type:
        events = events.filter(object_type=filters.subject_type)
        if filters.subject_id:
            events = events.filter(object_id=filters.subject_id)
    if filters.wallet_id is not None:
        events = events.filter(wallet_id=filters.wallet_id)
    if filters.date_from:
        events = events.filter(created_at__gte=_start_of_day(filters.date_from))
    if filters.date_to:
        events = events.filter(created_at__lt=_start_of_day(filters.date_to + timedelta(days=1)))
    # The payload (the hashed copy of every field) is for verify_audit, not for pages.
    return events.defer("payload").order_by("-sequence")


@dataclass(frozen=True)
class AuditPage:
    """One page of events, newest first, with the cursors of its neighbours: `older` is the
    `before` of the next page back, `newer` the `after` of the page forward (None: none)."""

    events: list[AuditEvent]
    older: int | None
    newer: int | None


def audit_event_page(
    events: QuerySet[AuditEvent],
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """A keyset page of `events` by sequence: events below `before`, or just above `after`.

    Keyset rather than page numbers: no COUNT over a table that only grows, the same cost on
    page 1 and page 10,000, and a page does not shift while events are appended. At most two
    queries: the rows (one more than the page, to know whether older ones exist) and, away
    from the newest page, whether newer ones exist.
    """
    if after is not None:
        rows = list(events.filter(sequence__gt=after).order_by("sequence")[: size + 1])
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        has_older = events.filter(sequence__lte=after).exists()
    else:
        older_rows = events if before is None else events.filter(sequence__lt=before)
        rows = list(older_rows[: size + 1])
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = before is not None and events.filter(sequence__gte=before).exists()
    # An empty page (a cursor past the filtered events) still links back to its neighbours.
    older = newer = None
    if has_older:
        older = rows[-1].sequence if rows else after + 1
    if has_newer:
        newer = rows[0].sequence if rows else before - 1
    return AuditPage(events=rows, older=older, newer=newer)
