"""The wallet details refresh: spendable balances read in bounded runs, over HTTP."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from balance.errors import BalanceUnavailable
from custody_portal.models import RefreshRun
from custody_portal.money import to_base_units
from custody_portal.redis import get_redis
from custody_portal.selectors import home_context
from wallets import selectors, tasks
from wallets.models import Wallet, WalletBalance
from wallets.services import TASK_WALLET_DETAILS, wallet_details_refresh, wallets_refresh

pytestmark = pytest.mark.django_db

DETAIL_PATH = re.compile(r"^/api/v1/wallets/\d+$")


def detail_calls(sandbox) -> list[int]:
    """Wallet ids whose detail the portal asked the sandbox for, in order."""
    return [
        int(c["path"].rsplit("/", 1)[1])
        for c in sandbox.calls()
        if c["method"] == "GET" and DETAIL_PATH.match(c["path"])
    ]


def sandbox_spendables(sandbox, wallet_id: int) -> dict[str, int]:
    """The sandbox's own detail answer for one wallet, in base units."""
    detail = sandbox.client().get_wallet(wallet_id)
    return {a: to_base_units(v, a) for a, v in (detail.spendable_balance or {}).items()}


def stored_spendables(wallet_id: int) -> dict[str, int | None]:
    return dict(WalletBalance.objects.filter(wallet_id=wallet_id).values_list("asset", "spendable"))


def last_run() -> RefreshRun:
    return RefreshRun.objects.filter(task=TASK_WALLET_DETAILS).first()


def test_details_refresh_stores_the_sandbox_spendable_amounts(sandbox, refreshed):
    """GIVEN a local copy from the wallet list (every spendable unknown)
    WHEN the details refresh runs with a limit above the wallet count
    THEN every spendable equals the sandbox's detail, exactly, and the run row has the counts."""
    assert WalletBalance.objects.filter(spendable__isnull=True).count() == (
        WalletBalance.objects.count()
    )

    counts = wallet_details_refresh(limit=100)

    for wallet_id in Wallet.objects.values_list("id", flat=True):
        assert stored_spendables(wallet_id) == sandbox_spendables(sandbox, wallet_id)
    # Wallet 1's BTC is partly locked at the sandbox: 10.14108753 BTC of a larger total.
    btc = WalletBalance.objects.get(wallet_id=1, asset="btc")
    assert btc.spendable == 1_014_108_753 < btc.total
    assert counts == {
        "selected": 30,
        "fetched": 30,
        "updated": 30,
        "skipped": 0,
        "remaining_unknown": 0,
    }
    run = last_run()
    assert run.status == RefreshRun.Status.SUCCEEDED
    assert run.counts == counts
    assert not Wallet.objects.filter(detail_synced_at__isnull=True).exists()


def test_a_limit_reads_exactly_that_many_details_unknown_ones_first(sandbox, refreshed):
    """GIVEN 30 wallets with unknown spendables WHEN two runs with limit 10 follow each other
    THEN each asks Balance for exactly 10 details and nothing else, the second run takes the
    next 10 wallets, and the count of wallets still unknown goes down accordingly."""
    unknown_before = selectors.unknown_spendable_wallet_count()
    assert unknown_before > 20  # the seed data: almost every wallet holds something
    sandbox.control("DELETE", "calls")

    first = wallet_details_refresh(limit=10)

    first_ids = detail_calls(sandbox)
    assert len(first_ids) == 10 == len(sandbox.calls())  # no list or other calls
    assert first["fetched"] == 10
    assert first["remaining_unknown"] == unknown_before - 10
    assert all(Wallet.objects.get(pk=i).detail_synced_at for i in first_ids)
    sandbox.control("DELETE", "calls")

    second = wallet_details_refresh(limit=10)

    second_ids = detail_calls(sandbox)
    assert len(second_ids) == 10
    assert not set(first_ids) & set(second_ids)
    assert second["remaining_unknown"] == unknown_before - 20


def test_after_the_unknown_ones_the_oldest_details_come_first(sandbox, refreshed):
    """GIVEN every wallet's detail was read, three of them long ago
    WHEN a run with limit 3 follows THEN it reads exactly those three."""
    wallet_details_refresh(limit=100)
    long_ago = timezone.now() - timedelta(hours=1)
    oldest = [7, 13, 21]
    for minutes, wallet_id in enumerate(oldest):
        Wallet.objects.filter(pk=wallet_id).update(
            detail_synced_at=long_ago + timedelta(minutes=minutes)
        )
    sandbox.control("DELETE", "calls")

    wallet_details_refresh(limit=3)

    assert detail_calls(sandbox) == oldest
    assert not Wallet.objects.filter(detail_synced_at__lt=timezone.now() - timedelta(minutes=5))


def test_a_wallet_deleted_at_balance_is_skipped_without_failing_the_run(sandbox, refreshed):
    sandbox.control("DELETE", "wallets/2")

    counts = wallet_details_refresh(limit=100)

    assert (counts["fetched"], counts["skipped"]) == (29, 1)
    assert last_run().status == RefreshRun.Status.SUCCEEDED
    assert set(stored_spendables(2).values()) == {None}  # left for the wallets refresh
    assert Wallet.objects.get(pk=2).detail_synced_at is None
    assert stored_spendables(3) == sandbox_spendables(sandbox, 3)


def test_another_refusal_for_one_wallet_is_reported_without_failing_the_run(sandbox, refreshed):
    sandbox.control(
        "POST",
        "faults",
        json={"path": r"^/api/v1/wallets/4$", "status": 403, "body": {"error": "Forbidden"}},
    )

    counts = wallet_details_refresh(limit=100)

    assert counts["errors"] == ["wallet 4: Forbidden"]
    assert (counts["fetched"], counts["skipped"]) == (29, 0)
    assert last_run().status == RefreshRun.Status.SUCCEEDED


def test_a_balance_fault_midway_fails_the_run_and_keeps_the_details_read_before(sandbox, refreshed):
    """GIVEN Balance answers 503 for the 6th wallet of the run (every retry)
    WHEN the details refresh runs in batches of 2
    THEN the run is failed with Balance's message, and the 5 details read before are stored
    (two full batches and the pending one), the later wallets untouched."""
    order = selectors.wallets_needing_details(limit=100)
    broken = order[5]
    sandbox.control("POST", "faults", json={"path": rf"^/api/v1/wallets/{broken}$", "status": 503})

    with pytest.raises(BalanceUnavailable):
        wallet_details_refresh(limit=100, batch_size=2)

    run = last_run()
    assert run.status == RefreshRun.Status.FAILED
    assert run.error == "Balance failed (HTTP 503): Sandbox injected fault (HTTP 503)"
    assert (run.counts["fetched"], run.counts["updated"]) == (5, 5)
    for wallet_id in order[:5]:
        assert stored_spendables(wallet_id) == sandbox_spendables(sandbox, wallet_id)
    assert not Wallet.objects.filter(pk__in=order[5:], detail_synced_at__isnull=False).exists()
    assert ("error", f"Spendable balances: the last refresh failed: {run.error}") in (
        home_context()["alerts"]
    )


def test_the_wallets_refresh_keeps_spendables_whose_total_did_not_move(sandbox, refreshed):
    """GIVEN spendables read from the details WHEN the wallets list is refreshed again,
    one total having moved at Balance THEN only that spendable becomes unknown."""
    wallet_details_refresh(limit=100)
    sandbox.control("POST", "wallets/1/balances", json={"btc": "5"})

    wallets_refresh()

    assert WalletBalance.objects.get(wallet_id=1, asset="btc").spendable is None
    assert selectors.unknown_spendable_wallet_count() == 1
    assert stored_spendables(3) == sandbox_spendables(sandbox, 3)


@pytest.fixture
def queued(monkeypatch) -> list[str]:
    """The follow-up tasks a wallets refresh queues, recorded instead of sent."""
    sent: list[str] = []
    monkeypatch.setattr(tasks.refresh_wallet_details, "delay", lambda: sent.append("details"))
    monkeypatch.setattr(
        tasks.refresh_watched_sub_addresses, "delay", lambda: sent.append("sub-address sweep")
    )
    return sent


def test_the_wallets_refresh_task_queues_the_details_refresh(
    sandbox, queued, django_capture_on_commit_callbacks
):
    """On a new installation it also queues the first sub-address sweep: the one queued at
    worker start may have found no wallet yet."""
    with django_capture_on_commit_callbacks(execute=True):
        tasks.refresh_wallets()

    assert queued == ["details", "sub-address sweep"]


def test_once_sub_addresses_were_read_only_the_details_are_queued(
    sandbox, refreshed, queued, django_capture_on_commit_callbacks
):
    Wallet.objects.filter(pk=1).update(sub_addresses_synced_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        tasks.refresh_wallets()

    assert queued == ["details"]


def test_a_failed_wallets_refresh_queues_nothing(
    dead_balance, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.refresh_wallets() is None

    assert queued == []


def test_details_task_runs_the_refresh_and_skips_when_one_is_running(sandbox, refreshed):
    lock = get_redis().lock(f"refresh:{TASK_WALLET_DETAILS}:", timeout=30)
    lock.acquire(blocking=False)
    try:
        assert tasks.refresh_wallet_details() is None
    finally:
        lock.release()
    assert last_run() is None

    counts = tasks.refresh_wallet_details()

    assert counts["fetched"] == 30


def test_details_task_logs_balance_failures_instead_of_raising(sandbox, refreshed, dead_balance):
    assert tasks.refresh_wallet_details() is None
    assert "unreachable" in last_run().error


def test_details_refresh_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-wallet-details"]

    assert entry["task"] == tasks.refresh_wallet_details.name
    assert entry["schedule"] == settings.REFRESH_WALLET_DETAILS_INTERVAL


def test_command_prints_counts(sandbox, refreshed):
    out = io.StringIO()

    call_command("refresh_wallet_details", "--limit", "5", stdout=out)

    remaining = selectors.unknown_spendable_wallet_count()
    assert f"selected=5 fetched=5 updated=5 skipped=0 remaining_unknown={remaining}" in (
        out.getvalue()
    )


def test_wallet_page_says_how_old_the_spendable_amounts_are(sandbox, refreshed, viewer_client):
    before = viewer_client.get("/wallets/1/").content.decode()
    assert "Spendable amounts not read yet" in before
    assert 'data-testid="balance-spendable-btc"><span class="muted">unknown' in before

    wallet_details_refresh(limit=100)
    after = viewer_client.get("/wallets/1/").content.decode()

    assert "Spendable as of just now." in after
    assert "10.14108753 BTC" in after
    assert ">unknown<" not in after
