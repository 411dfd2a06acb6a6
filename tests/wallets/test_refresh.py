"""The wallets refresh against the Balance sandbox over HTTP."""

from decimal import Decimal

import pytest

from custody_portal.models import RefreshRun
from custody_portal.redis import get_redis
from custody_portal.refresh import RefreshAlreadyRunning
from wallets.models import ExternalAccount, FundingAddress, Wallet, WalletBalance
from wallets.services import wallets_refresh

pytestmark = pytest.mark.django_db


def _wallet_list_calls(sandbox) -> list[dict]:
    return [c for c in sandbox.calls() if c["method"] == "GET" and c["path"] == "/api/v1/wallets"]


def test_refresh_walks_every_page_and_stores_every_wallet(sandbox):
    """GIVEN 30 sandbox wallets and 12 more added through the control surface
    WHEN the refresh walks them 10 per page
    THEN it reads 5 pages, following each end cursor, and stores all 42 wallets."""
    sandbox.control("POST", "wallets", json={"count": 12})

    counts = wallets_refresh(page_size=10)

    assert counts["pages"] == 5
    assert counts["created"] == 42
    assert Wallet.objects.filter(removed_at__isnull=True).count() == 42
    calls = _wallet_list_calls(sandbox)
    assert len(calls) == 5
    assert all(str(c["query"].get("page_size")) == "10" for c in calls), calls
    assert "after" not in calls[0]["query"]
    assert all(c["query"].get("after") for c in calls[1:])
    run = RefreshRun.objects.get(task="refresh_wallets")
    assert run.status == RefreshRun.Status.SUCCEEDED
    assert run.counts["pages"] == 5 and run.counts["created"] == 42


def test_refresh_stores_balances_and_funding_addresses_exactly(sandbox):
    wallets_refresh(page_size=10)

    wallet = Wallet.objects.get(pk=1)
    totals = {b.asset: b.total for b in wallet.balances.all()}
    assert totals["btc"] == Decimal(1_234_567_891)
    assert totals["fil"] == Decimal(10_420_498_318_709_580_123_457)
    assert totals["eth"] == Decimal(7_250_000_000_000_000_001)
    assert totals["ltc"] == 0
    assert all(b.spendable is None for b in wallet.balances.all())  # the list has none
    assert FundingAddress.objects.filter(wallet=wallet).count() == len(totals)


def test_second_refresh_changes_nothing(sandbox):
    first = wallets_refresh(page_size=10)
    before = list(WalletBalance.objects.order_by("pk").values_list("pk", "total"))

    second = wallets_refresh(page_size=10)

    assert first["created"] == 30
    assert (second["created"], second["updated"], second["removed"]) == (0, 0, 0)
    assert second["external_accounts_created"] == 0
    assert second["external_accounts_updated"] == 0
    assert list(WalletBalance.objects.order_by("pk").values_list("pk", "total")) == before


def test_wallet_removed_at_balance_is_marked_removed(sandbox):
    """GIVEN a refreshed copy WHEN Balance drops wallet 5 and the refresh runs again
    THEN wallet 5 is kept but marked removed, and the run counts it."""
    wallets_refresh(page_size=10)
    sandbox.control("DELETE", "wallets/5")

    counts = wallets_refresh(page_size=10)

    assert counts["removed"] == 1
    assert Wallet.objects.get(pk=5).removed_at is not None
    assert Wallet.objects.filter(removed_at__isnull=True).count() == 29


def test_changed_balance_is_updated(sandbox):
    """GIVEN a refreshed copy WHEN wallet 2's BTC balance changes at Balance
    THEN only wallet 2 counts as updated and its new total is stored."""
    wallets_refresh(page_size=10)
    sandbox.control("POST", "wallets/2/balances", json={"btc": "777"})

    counts = wallets_refresh(page_size=10)

    assert (counts["created"], counts["updated"], counts["removed"]) == (0, 1, 0)
    assert WalletBalance.objects.get(wallet_id=2, asset="btc").total == 777


def test_refresh_is_single_flight(sandbox):
    lock = get_redis().lock("refresh:refresh_wallets:", timeout=30)
    assert lock.acquire(blocking=False)
    try:
        with pytest.raises(RefreshAlreadyRunning):
            wallets_refresh()
    finally:
        lock.release()
    assert not _wallet_list_calls(sandbox)
    assert not RefreshRun.objects.filter(task="refresh_wallets").exists()


def test_failed_walk_records_the_error_and_removes_nothing(sandbox):
    """GIVEN a refreshed copy WHEN Balance fails while the wallets are listed
    THEN the run is failed with Balance's message and no wallet is marked removed."""
    wallets_refresh(page_size=10)
    sandbox.control(
        "POST",
        "faults",
        json={
            "path": "^/api/v1/wallets$",
            "method": "GET",
            "status": 500,
            "count": 10,
            "body": {"error": "database is on fire"},
        },
    )

    from balance.errors import BalanceUnavailable

    with pytest.raises(BalanceUnavailable):
        wallets_refresh(page_size=10)

    run = RefreshRun.objects.filter(task="refresh_wallets").first()
    assert run.status == RefreshRun.Status.FAILED
    assert "database is on fire" in run.error
    assert not Wallet.objects.filter(removed_at__isnull=False).exists()


def test_external_accounts_are_refreshed_with_the_wallets(sandbox):
    counts = wallets_refresh()

    assert counts["external_accounts"] == ExternalAccount.objects.count() > 0
    account = ExternalAccount.objects.prefetch_related("addresses").first()
    assert account.addresses.filter(asset="btc").exists()


def test_assets_and_addresses_balance_no_longer_lists_are_deleted(db):
    """GIVEN a stored wallet with BTC and LTC WHEN Balance's list shows only BTC
    THEN the LTC balance and funding address go, and the BTC spendable (now unknown) clears."""
    from django.utils import timezone

    from balance.types import Wallet as BalanceWallet
    from wallets.services.store import upsert_wallet_page

    def page(balance, addresses):
        return [
            BalanceWallet(
                id=77,
                kind="warm",
                name="W",
                custom_id="",
                description="",
                balance=balance,
                funding_addresses=addresses,
            )
        ]

    upsert_wallet_page(
        page({"btc": Decimal("1"), "ltc": Decimal("2")}, {"btc": "mb", "ltc": "ml"}),
        timezone.now(),
    )
    WalletBalance.objects.filter(wallet_id=77, asset="btc").update(spendable=50)

    result = upsert_wallet_page(page({"btc": Decimal("1.5")}, {"btc": "mb"}), timezone.now())

    assert result.updated == 1
    assert list(
        WalletBalance.objects.filter(wallet_id=77).values_list("asset", "total", "spendable")
    ) == [("btc", 150_000_000, None)]
    assert list(FundingAddress.objects.filter(wallet_id=77).values_list("asset", flat=True)) == [
        "btc"
    ]
