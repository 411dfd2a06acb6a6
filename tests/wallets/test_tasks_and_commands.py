"""Celery tasks (thin, never crash-loop), management commands, the watched refresh."""

import io

import pytest
from django.core.management import CommandError, call_command

from custody_portal.models import RefreshRun
from custody_portal.redis import get_redis
from wallets import tasks
from wallets.models import SubAddress, Wallet
from wallets.services import sub_addresses_refresh

pytestmark = pytest.mark.django_db


def test_refresh_wallets_task_runs_the_refresh(sandbox):
    counts = tasks.refresh_wallets()

    assert counts["created"] == 30
    assert Wallet.objects.count() == 30


def test_tasks_log_balance_failures_instead_of_raising(dead_balance):
    from .factories import SubAddressFactory

    SubAddressFactory(is_watched=True)

    assert tasks.refresh_wallets() is None
    assert tasks.refresh_watched_sub_addresses() is None
    assert tasks.refresh_sub_addresses(SubAddress.objects.get().wallet_id) is None

    run = RefreshRun.objects.get(task="refresh_wallets")
    assert run.status == RefreshRun.Status.FAILED
    assert "unreachable" in run.error


def test_task_skips_when_another_run_holds_the_lock(sandbox):
    lock = get_redis().lock("refresh:refresh_wallets:", timeout=30)
    lock.acquire(blocking=False)
    try:
        assert tasks.refresh_wallets() is None
    finally:
        lock.release()
    assert not Wallet.objects.exists()


def test_sub_address_task_for_a_wallet_that_is_gone_ends_quietly(db):
    assert tasks.refresh_sub_addresses(424242) is None


def test_refresh_wallets_command_prints_counts(sandbox):
    out = io.StringIO()

    call_command("refresh_wallets", "--page-size", "10", stdout=out)

    assert "pages=3 wallets=30 created=30 updated=0 removed=0" in out.getvalue()


def test_refresh_wallets_command_fails_with_balances_message(sandbox):
    sandbox.control(
        "POST",
        "faults",
        json={
            "path": "^/api/v1/wallets$",
            "status": 401,
            "count": 5,
            "body": {"error": "Invalid signature"},
        },
    )

    with pytest.raises(CommandError, match="Invalid signature"):
        call_command("refresh_wallets")

    run = RefreshRun.objects.get(task="refresh_wallets")
    assert run.error_kind == "auth"


def test_refresh_sub_addresses_command_for_one_wallet(sandbox, refreshed):
    out = io.StringIO()

    call_command("refresh_sub_addresses", "--wallet", "1", stdout=out)

    assert "wallets=1" in out.getvalue()
    assert SubAddress.objects.filter(wallet_id=1).exists()


def test_refresh_sub_addresses_command_unknown_wallet(db):
    with pytest.raises(CommandError, match="Wallet 999 is not in the portal"):
        call_command("refresh_sub_addresses", "--wallet", "999")


def test_watched_refresh_visits_only_wallets_with_a_watched_sub_address(
    sandbox, refreshed, settings
):
    """GIVEN wallet 1 has a watched sub-address in the local copy, other wallets none, and
    the sweep of other wallets turned off
    WHEN the periodic sub-address refresh runs
    THEN it reads wallet 1's detail and its four sub-address assets, and nothing else."""
    settings.REFRESH_SUB_ADDRESSES_SWEEP_LIMIT = 0
    sub_addresses_refresh(wallet_id=1)
    SubAddress.objects.filter(wallet_id=1).update(is_watched=False)
    SubAddress.objects.filter(pk=SubAddress.objects.filter(wallet_id=1).first().pk).update(
        is_watched=True
    )
    sandbox.control("DELETE", "calls")

    counts = tasks.refresh_watched_sub_addresses()

    paths = sorted(c["path"] for c in sandbox.calls())
    assert paths == sorted(
        ["/api/v1/wallets/1"]
        + [f"/api/v1/wallets/1/assets/{a}" for a in ("btc", "bch", "ltc", "dash")]
    )
    assert counts["wallets"] == 1
    assert Wallet.objects.get(pk=1).detail_synced_at is not None


def test_sub_address_refresh_is_idempotent(sandbox, refreshed):
    first = sub_addresses_refresh(wallet_id=1)
    second = sub_addresses_refresh(wallet_id=1)

    assert first["created"] > 0
    assert (second["created"], second["updated"], second["removed"]) == (0, 0, 0)


def test_sweep_discovers_sub_addresses_of_every_wallet(sandbox, refreshed):
    """GIVEN no sub-address in the local copy WHEN an admin runs the --all sweep
    THEN every wallet holding a sub-address asset is read, watched ones included, so the
    periodic watched refresh has something to follow."""
    out = io.StringIO()

    call_command("refresh_sub_addresses", "--all", stdout=out)

    holders = Wallet.objects.filter(balances__asset__in=("btc", "bch", "ltc", "dash")).distinct()
    assert f"wallets={holders.count()}" in out.getvalue()
    assert SubAddress.objects.filter(is_watched=True).exists()


def test_periodic_refresh_sweeps_never_read_wallets_first_within_the_limit(
    sandbox, refreshed, settings
):
    """GIVEN no sub-address was ever read and a sweep limit of 3
    WHEN the periodic refresh runs twice
    THEN each run sweeps 3 more wallets, lowest ids first, and marks them read."""
    settings.REFRESH_SUB_ADDRESSES_SWEEP_LIMIT = 3
    holders = sorted(
        Wallet.objects.filter(
            removed_at__isnull=True, balances__asset__in=("btc", "bch", "ltc", "dash")
        )
        .values_list("id", flat=True)
        .distinct()
    )
    sandbox.control("DELETE", "calls")

    first = tasks.refresh_watched_sub_addresses()
    first_read = {int(c["path"].split("/")[4]) for c in sandbox.calls()}
    sandbox.control("DELETE", "calls")
    tasks.refresh_watched_sub_addresses()
    second_read = {int(c["path"].split("/")[4]) for c in sandbox.calls()}

    watched_now = set(
        SubAddress.objects.filter(is_watched=True).values_list("wallet_id", flat=True)
    )
    assert first["wallets"] == 3
    assert first_read == set(holders[:3])
    # the second run re-reads wallets found watched in the first, and sweeps the next three
    assert second_read == watched_now | set(holders[3:6])
    assert Wallet.objects.filter(sub_addresses_synced_at__isnull=False).count() == 6


def test_sweep_finds_a_sub_address_watched_outside_the_portal(sandbox, refreshed, settings):
    """GIVEN an address watched at Balance that the portal has never read
    WHEN the periodic refresh runs THEN the sweep stores it, and later runs keep it fresh."""
    settings.REFRESH_SUB_ADDRESSES_SWEEP_LIMIT = 100
    watched = sandbox.client().create_sub_address(
        5, "ltc", name="Watched elsewhere", is_watched=True
    )
    address = next(a.address for a in watched if a.name == "Watched elsewhere")
    assert not SubAddress.objects.filter(address=address).exists()

    tasks.refresh_watched_sub_addresses()

    assert SubAddress.objects.get(address=address).is_watched is True


EMPTY_WALLET_PAGE = {"page_info": {"has_next_page": False, "end_cursor": None}, "page": []}


def test_a_held_back_removal_ends_the_task_quietly_with_a_failed_run(
    sandbox, refreshed, queued_refreshes, django_capture_on_commit_callbacks
):
    """GIVEN 30 wallets WHEN the periodic task's walk returns none
    THEN the task ends normally (no crash loop), the run is failed with the reason, nothing
    is removed, and no wallet details refresh is chained after it."""
    sandbox.control(
        "POST",
        "faults",
        json={"path": "^/api/v1/wallets$", "status": 200, "body": EMPTY_WALLET_PAGE},
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.refresh_wallets() is None

    run = RefreshRun.objects.filter(task="refresh_wallets").first()
    assert (run.status, run.error_kind) == ("failed", "removal")
    assert Wallet.objects.filter(removed_at__isnull=True).count() == 30
    assert queued_refreshes == []


def test_refresh_wallets_command_says_why_nothing_was_removed(sandbox, refreshed):
    sandbox.control(
        "POST",
        "faults",
        json={"path": "^/api/v1/wallets$", "status": 200, "body": EMPTY_WALLET_PAGE},
    )

    with pytest.raises(CommandError, match=r"Balance returned no wallets \(the portal holds 30\)"):
        call_command("refresh_wallets")


@pytest.fixture
def queued_refreshes(monkeypatch) -> list[str]:
    """Names of the refresh tasks queued (recorded instead of sent to the broker)."""
    sent: list[str] = []
    monkeypatch.setattr(tasks.refresh_wallet_details, "delay", lambda: sent.append("details"))
    monkeypatch.setattr(
        tasks.refresh_watched_sub_addresses, "delay", lambda: sent.append("sub_addresses")
    )
    return sent
