"""A sub-address refresh racing a create or a watch toggle on the same wallet and asset.

The refresh, the per-wallet "Refresh from Balance" and the sub-address writes share no lock.
To hit the race deterministically, the concurrent write runs (for real, over HTTP) at the
one point where it hurts: after the refresh has read Balance's list, before it stores it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from wallets.models import SubAddress, Wallet
from wallets.services import store, sub_address_create, sub_address_update, sub_addresses_refresh

from .factories import SubAddressFactory

pytestmark = pytest.mark.django_db

WALLET_ID = 1  # the sandbox's showcase wallet: it has BTC sub-addresses


@pytest.fixture
def write_while_refreshing(monkeypatch):
    """Run `write()` between the refresh's list request and the storing of its answer; the
    returned list collects the addresses of each list the refresh stored."""

    def install(write) -> list[set[str]]:
        real = store.store_sub_addresses
        stored: list[set[str]] = []

        def store_after_write(**kwargs):
            write()
            stored.append({a.address for a in kwargs["addresses"]})
            return real(**kwargs)

        monkeypatch.setattr("wallets.services.refresh.store_sub_addresses", store_after_write)
        return stored

    return install


def test_sub_address_gone_at_balance_is_removed_by_the_refresh(sandbox, refreshed):
    """GIVEN a local BTC sub-address Balance does not have, written before the refresh
    WHEN the refresh reads and stores the BTC list
    THEN it is removed, and the local list is Balance's."""
    wallet = Wallet.objects.get(pk=WALLET_ID)
    ghost = SubAddressFactory(wallet=wallet, asset="btc", synced_at=timezone.now())

    counts = sub_addresses_refresh(wallet_id=WALLET_ID, assets=("btc",), with_detail=False)

    assert counts["removed"] == 1
    assert not SubAddress.objects.filter(pk=ghost.pk).exists()
    assert _local_btc() == _balance_btc(sandbox)


def test_sub_address_created_during_a_refresh_survives_it(
    sandbox, refreshed, operator, write_while_refreshing
):
    """GIVEN the wallet's BTC sub-addresses in the portal
    WHEN a refresh reads the BTC list, then an operator creates a sub-address, then the
    refresh stores the list it read (which lacks the new one)
    THEN the new sub-address stays: the portal shows what Balance has."""
    sub_addresses_refresh(wallet_id=WALLET_ID, assets=("btc",), with_detail=False)
    wallet = Wallet.objects.get(pk=WALLET_ID)
    created = {}

    def create():
        created["row"] = sub_address_create(
            user=operator,
            wallet=wallet,
            asset="btc",
            name="Opened mid-refresh",
            notes="",
            is_watched=False,
        )

    stored = write_while_refreshing(create)

    counts = sub_addresses_refresh(wallet_id=WALLET_ID, assets=("btc",), with_detail=False)

    new = created["row"].address
    assert len(stored) == 1 and new not in stored[0]  # the refresh stored a list without it
    assert SubAddress.objects.filter(wallet=wallet, asset="btc", address=new).exists()
    assert counts["removed"] == 0
    assert _local_btc() == _balance_btc(sandbox)


def test_watch_toggled_during_a_refresh_is_not_reverted(
    sandbox, refreshed, operator, write_while_refreshing
):
    """GIVEN the wallet's BTC sub-addresses in the portal, one not watched
    WHEN a refresh reads the BTC list, then an operator watches that address, then the refresh
    stores the list it read (where it is not watched yet)
    THEN the portal still shows it watched, as Balance does."""
    sub_addresses_refresh(wallet_id=WALLET_ID, assets=("btc",), with_detail=False)
    wallet = Wallet.objects.get(pk=WALLET_ID)
    target = SubAddress.objects.filter(wallet=wallet, asset="btc", is_watched=False).first()
    assert target is not None, "the sandbox seed has an unwatched BTC sub-address here"

    stored = write_while_refreshing(
        lambda: sub_address_update(
            user=operator, wallet=wallet, asset="btc", address=target.address, is_watched=True
        )
    )

    sub_addresses_refresh(wallet_id=WALLET_ID, assets=("btc",), with_detail=False)

    assert len(stored) == 1 and target.address in stored[0]
    at_balance = {a.address: a for a in sandbox.client().list_sub_addresses(WALLET_ID, "btc")}
    assert at_balance[target.address].is_watched is True
    target.refresh_from_db()
    assert target.is_watched is True


def _local_btc() -> set[str]:
    return set(
        SubAddress.objects.filter(wallet_id=WALLET_ID, asset="btc").values_list(
            "address", flat=True
        )
    )


def _balance_btc(sandbox) -> set[str]:
    return {a.address for a in sandbox.client().list_sub_addresses(WALLET_ID, "btc")}


def test_a_list_requested_before_rows_were_written_neither_deletes_nor_overwrites_them(
    sandbox, refreshed
):
    """GIVEN the BTC list read from Balance at `fetched_at`, then a create whose answer is
    stored, and a local row Balance does not have, written before `fetched_at`
    WHEN the earlier list is stored with its `fetched_at`
    THEN only the row older than the request is deleted; the rows the create wrote stay."""
    client = sandbox.client()
    wallet = Wallet.objects.get(pk=WALLET_ID)
    fetched_at = timezone.now()
    earlier = client.list_sub_addresses(WALLET_ID, "btc")
    later = client.create_sub_address(WALLET_ID, "btc", name="later")
    store.store_sub_addresses(wallet_id=WALLET_ID, asset="btc", addresses=later, now=timezone.now())
    new = next(a for a in later if a.name == "later")
    old = SubAddressFactory(wallet=wallet, asset="btc", synced_at=fetched_at - timedelta(seconds=1))

    result = store.store_sub_addresses(
        wallet_id=WALLET_ID,
        asset="btc",
        addresses=earlier,
        now=timezone.now(),
        fetched_at=fetched_at,
    )

    assert new.address not in {a.address for a in earlier}
    assert SubAddress.objects.filter(address=new.address).exists()
    assert not SubAddress.objects.filter(pk=old.pk).exists()
    assert result.removed == 1
    # Rows written after the request (all of `later`) were left as they were.
    assert (result.created, result.updated) == (0, 0)
