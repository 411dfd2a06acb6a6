"""Refresh runs: the shared single-flight mechanism, abandoned runs, and the sync history page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from balance.errors import BalanceAuthError, BalanceUnavailable
from custody_portal.models import RefreshRun
from custody_portal.refresh import RefreshAlreadyRunning, refresh_run
from custody_portal.selectors import freshness
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer_client():
    client = Client()
    client.force_login(UserFactory(role="viewer"))
    return client


def _run(task="refresh_wallets", status=RefreshRun.Status.SUCCEEDED, minutes_ago=1, **fields):
    started = timezone.now() - timedelta(minutes=minutes_ago)
    finished = None if status == RefreshRun.Status.RUNNING else started + timedelta(seconds=2)
    return RefreshRun.objects.create(
        task=task, status=status, started_at=started, finished_at=finished, **fields
    )


def test_refresh_run_records_success_with_counts():
    with refresh_run("refresh_wallets") as run:
        run.counts = {"wallets": 3}
    run.refresh_from_db()
    assert (run.status, run.counts, run.error) == ("succeeded", {"wallets": 3}, "")
    assert run.finished_at >= run.started_at


def test_refresh_run_records_balances_failure_and_reraises():
    with pytest.raises(BalanceUnavailable), refresh_run("refresh_wallets"):
        raise BalanceUnavailable("Balance is unreachable: cannot connect to x.")
    run = RefreshRun.objects.get()
    assert (run.status, run.error, run.error_kind) == (
        "failed",
        "Balance is unreachable: cannot connect to x.",
        "balance",
    )


def test_refresh_run_marks_an_auth_failure_for_the_home_alert():
    with pytest.raises(BalanceAuthError), refresh_run("refresh_wallets"):
        raise BalanceAuthError("Balance refused the portal's credentials: Invalid signature")
    assert freshness("refresh_wallets").auth_problem


def test_refresh_run_is_single_flight_per_task_and_scope():
    with refresh_run("refresh_wallets"):
        with pytest.raises(RefreshAlreadyRunning), refresh_run("refresh_wallets"):
            pass
        with refresh_run("refresh_wallets", scope="wallet:7"):  # another scope may run
            pass
    with refresh_run("refresh_wallets"):  # the lock was released
        pass
    assert RefreshRun.objects.filter(status="succeeded").count() == 3


def test_a_run_left_running_past_the_time_limit_counts_as_failed(settings):
    """GIVEN a worker killed mid-refresh long ago WHEN a page asks how fresh the data is
    THEN it is reported as a refresh that never finished, not as one still running."""
    settings.CELERY_TASK_TIME_LIMIT = 600
    _run(status=RefreshRun.Status.SUCCEEDED, minutes_ago=30)
    _run(status=RefreshRun.Status.RUNNING, minutes_ago=20)

    fresh = freshness("refresh_wallets")

    assert fresh.failed and not fresh.running and fresh.stale
    assert "never finished" in fresh.error


def test_a_recent_running_run_is_running_not_failed(settings):
    settings.CELERY_TASK_TIME_LIMIT = 600
    _run(status=RefreshRun.Status.RUNNING, minutes_ago=2)
    fresh = freshness("refresh_wallets")
    assert fresh.running and not fresh.failed


def test_sync_history_lists_runs_with_counts_errors_and_abandoned(viewer_client):
    _run(counts={"wallets": 40, "created": 2})
    _run(status=RefreshRun.Status.FAILED, error="Balance failed (HTTP 503): maintenance")
    _run(status=RefreshRun.Status.RUNNING, minutes_ago=60 * 3)

    response = viewer_client.get("/sync/")

    text = response.content.decode()
    assert response.status_code == 200
    # (jsonb on PostgreSQL does not keep key order: check each count on its own)
    assert "wallets=40" in text and "created=2" in text
    assert "Balance failed (HTTP 503): maintenance" in text
    assert 'data-status="abandoned"' in text
    assert "never finished" in text


def test_sync_history_filters_by_task_and_status(viewer_client):
    _run(task="refresh_wallets", counts={"marker": "wallets-ok"})
    _run(task="refresh_sub_addresses", counts={"marker": "subs-ok"})
    _run(task="refresh_wallets", status=RefreshRun.Status.FAILED, error="boom-wallets")

    text = viewer_client.get("/sync/?task=refresh_wallets&status=succeeded").content.decode()

    assert "marker=wallets-ok" in text
    assert "marker=subs-ok" not in text and "boom-wallets" not in text


def test_sync_history_names_every_task_in_words_and_filters_reconciliation(viewer_client):
    _run(task="reconcile_payouts", counts={"marker": "reconciled"})
    _run(task="rollup_sector_snapshots", counts={"marker": "rolled"})
    _run(task="refresh_wallet_details", counts={"marker": "details"})

    page = viewer_client.get("/sync/").content.decode()
    table = page.split('data-testid="run-table"', 1)[1]
    for raw in ("reconcile_payouts", "rollup_sector_snapshots", "refresh_wallet_details"):
        assert f"<td>{raw}</td>" not in table
    assert "Payout reconciliation" in table and "Wallet details" in table
    options = page.split('data-testid="run-filter-task"', 1)[1].split("</select>", 1)[0]
    for task, label in (
        ("refresh_wallets", "Wallets"),
        ("refresh_wallet_details", "Wallet details"),
        ("refresh_sub_addresses", "Sub-addresses"),
        ("refresh_storage_providers", "Storage providers"),
        ("rollup_sector_snapshots", "Sector history roll-up"),
        ("reconcile_payouts", "Payout reconciliation"),
    ):
        assert f'<option value="{task}" >{label}</option>' in options

    text = viewer_client.get("/sync/?task=reconcile_payouts").content.decode()
    assert "marker=reconciled" in text and "marker=rolled" not in text
    assert '<option value="reconcile_payouts" selected>' in text


def test_sync_history_htmx_request_gets_only_the_table(viewer_client):
    _run()
    response = viewer_client.get("/sync/?status=succeeded", headers={"HX-Request": "true"})
    text = response.content.decode()
    assert 'id="runs"' in text and "<html" not in text


def test_sync_history_needs_a_role(client):
    assert client.get("/sync/").status_code == 302
    client.force_login(UserFactory(role=None))
    assert client.get("/sync/").status_code == 403


def test_sync_history_query_count_does_not_grow_with_runs(
    viewer_client, django_assert_max_num_queries
):
    for _ in range(3):
        _run()
    with django_assert_max_num_queries(8) as few:
        viewer_client.get("/sync/")
    for _ in range(60):
        _run()
    with django_assert_max_num_queries(len(few.captured_queries)):
        viewer_client.get("/sync/")


def test_the_lock_is_released_when_the_run_row_cannot_be_written(monkeypatch):
    """GIVEN the database refuses the run row WHEN a refresh starts THEN the error surfaces
    and the next refresh is not blocked by a lock left behind."""
    from django.db import DatabaseError

    def refuse(**kwargs):
        raise DatabaseError("database is down")

    monkeypatch.setattr(RefreshRun.objects, "create", refuse)
    with pytest.raises(DatabaseError), refresh_run("refresh_wallets"):
        pass
    monkeypatch.undo()

    with refresh_run("refresh_wallets"):  # would raise RefreshAlreadyRunning before the fix
        pass


def test_a_run_longer_than_the_lock_timeout_keeps_its_lock_with_heartbeats(settings):
    """GIVEN a lock timeout of 1 s WHEN a run goes on for 2.5 s, beating every 0.2 s
    THEN a second run is refused throughout, and may start once the first has ended."""
    import time

    from custody_portal.refresh import refresh_heartbeat

    settings.CELERY_TASK_TIME_LIMIT = 1
    refused = 0
    with refresh_run("refresh_wallets") as run:
        started = time.monotonic()
        while time.monotonic() - started < 2.5:
            time.sleep(0.2)
            refresh_heartbeat(run)
            with pytest.raises(RefreshAlreadyRunning), refresh_run("refresh_wallets"):
                pass
            refused += 1
    assert refused >= 10
    with refresh_run("refresh_wallets"):
        pass
    assert RefreshRun.objects.filter(status="succeeded").count() == 2


def test_without_heartbeats_the_lock_expires_and_the_run_stops_at_its_next_beat(settings):
    """GIVEN a lock timeout of 1 s and a run that went 1.3 s without a heartbeat, while
    another run took the expired lock
    WHEN the first run beats again THEN it stops (failed, "its lock expired") instead of
    working alongside the other, and it does not release the other's lock."""
    import time

    from custody_portal.redis import get_redis
    from custody_portal.refresh import RefreshLockLost, refresh_heartbeat

    settings.CELERY_TASK_TIME_LIMIT = 1
    other = get_redis().lock("refresh:refresh_wallets:", timeout=30)
    with pytest.raises(RefreshLockLost), refresh_run("refresh_wallets") as run:
        time.sleep(1.3)
        assert other.acquire(blocking=False)
        refresh_heartbeat(run)
    try:
        run.refresh_from_db()
        assert (run.status, run.error_kind) == ("failed", "lock")
        assert "its lock expired" in run.error
        assert other.owned()
    finally:
        other.release()


@pytest.mark.django_db(transaction=True)
def test_a_slow_wallets_refresh_keeps_its_lock_past_the_timeout(sandbox, settings):
    """GIVEN a lock timeout of 1 s and Balance answering each list page in 0.6 s
    WHEN a wallets refresh walks 3 pages plus the external accounts (about 2.4 s)
    THEN a second wallets refresh started 1.5 s in is refused, and the first succeeds."""
    import threading
    import time

    from django.db import connections

    from wallets.services import wallets_refresh

    settings.CELERY_TASK_TIME_LIMIT = 1
    sandbox.control("POST", "latency", json={"ms": 600})
    outcome = {}

    def first():
        try:
            outcome["counts"] = wallets_refresh(page_size=10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    time.sleep(1.5)
    with pytest.raises(RefreshAlreadyRunning):
        wallets_refresh(page_size=10)
    thread.join(timeout=30)

    assert outcome["counts"]["pages"] == 3
    assert RefreshRun.objects.get(task="refresh_wallets").status == "succeeded"


def test_a_crash_is_recorded_in_words_for_operators_not_python():
    with pytest.raises(KeyError), refresh_run("refresh_wallets"):
        raise KeyError("balance")
    run = RefreshRun.objects.get()
    assert run.status == "failed"
    assert run.error.startswith("The refresh stopped on an internal error")
    assert "KeyError" not in run.error


def test_home_says_a_credentials_refusal_once(viewer_client):
    with pytest.raises(BalanceAuthError), refresh_run("refresh_wallets"):
        raise BalanceAuthError("Balance refused the portal's credentials: Invalid signature")

    html = viewer_client.get("/").content.decode()

    alert = html.split('data-testid="alert">')[1].split("</p>")[0]
    assert alert == (
        "Balance refused the portal&#x27;s credentials: Invalid signature. "
        "Check BALANCE_ACCESS_ID and BALANCE_SECRET_KEY."
    )
