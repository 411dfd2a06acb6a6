"""Read-side helpers shared by pages: data freshness, alerts, the home page."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import RefreshRun


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


def home_context() -> dict:
    """Everything the home page shows, in a constant number of queries."""
    from wallets.selectors import holdings_by_asset

    sets = [freshness(task) for task in DATA_SETS]
    alerts = []
    for f in sets:
        if f.auth_problem:
            alerts.append(
                (
                    "error",
                    f"Balance refused the portal's credentials: {f.error} "
                    "Check BALANCE_ACCESS_ID and BALANCE_SECRET_KEY.",
                )
            )
        elif f.failed:
            alerts.append(("error", f"{f.data_set.label}: the last refresh failed: {f.error}"))
        elif f.stale and f.synced_at is not None:
            alerts.append(("stale", f"{f.data_set.label} have not been refreshed recently."))
        elif f.synced_at is None:
            alerts.append(("stale", f"{f.data_set.label} have never been refreshed yet."))
    context = {"freshness": sets, "alerts": alerts, "holdings": holdings_by_asset()}
    # --- Filecoin card (filecoin app): providers by health, exposure, open alerts ---
    from filecoin.selectors import filecoin_summary

    context["filecoin"] = filecoin_summary()
    # --- end Filecoin card ---
    return context
