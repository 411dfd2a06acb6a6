"""Every page runs the same number of queries with 5 wallets as with 60."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from custody_portal.models import RefreshRun

from .factories import (
    ExternalAccountAddressFactory,
    SubAddressFactory,
    WalletFactory,
    wallet_with_balances,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/wallets/",
    "/wallets/?q=Wallet&kind=warm",
    "/wallets/?asset=btc",
    "/wallets/?sort=balance:eth",
    "/wallets/?asset=btc&sort=balance:ltc",
    "/assets/",
    "/assets/btc/?order_by=balance",
    "/external-accounts/",
    "/api/wallets/?sort=balance:btc",
    "/api/external-accounts/",
]
LIST_PAGE_BUDGET = 10


def _grow_to(count: int) -> None:
    from wallets.models import Wallet

    while Wallet.objects.count() < count:
        wallet = wallet_with_balances(btc=10**8, eth=3 * 10**18, ltc=5)
        SubAddressFactory(wallet=wallet)
        ExternalAccountAddressFactory()


def _queries(client, url: str) -> int:
    client.get(url)  # warm per-process caches (content types, templates)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_number_of_wallets(viewer_client):
    """GIVEN 5 wallets, then 60 WHEN each page is loaded THEN it runs the same queries."""
    now = timezone.now()
    RefreshRun.objects.create(
        task="refresh_wallets", started_at=now, finished_at=now, status="succeeded"
    )
    _grow_to(5)
    small = {url: _queries(viewer_client, url) for url in PAGES}

    _grow_to(60)
    large = {url: _queries(viewer_client, url) for url in PAGES}

    assert large == small
    assert small["/wallets/"] <= LIST_PAGE_BUDGET
    assert small["/wallets/?asset=btc&sort=balance:ltc"] <= LIST_PAGE_BUDGET


def test_wallet_page_query_count_does_not_grow_with_sub_addresses(viewer_client):
    wallet = wallet_with_balances(btc=1, ltc=2)
    SubAddressFactory(wallet=wallet)
    few = _queries(viewer_client, f"/wallets/{wallet.id}/")

    for asset in ("btc", "bch", "ltc", "dash"):
        SubAddressFactory.create_batch(10, wallet=wallet, asset=asset)
    WalletFactory.create_batch(5)
    many = _queries(viewer_client, f"/wallets/{wallet.id}/")

    assert many == few
