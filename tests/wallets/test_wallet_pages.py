"""The read pages: wallet list filters and HTMX fragment, wallet page, assets, 404s, banners."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from custody_portal.models import RefreshRun
from wallets.models import Wallet

from .factories import WalletFactory, wallet_with_balances

pytestmark = pytest.mark.django_db


def _row_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-testid="wallet-row" data-wallet-id="(\d+)"', html)]


@pytest.fixture
def wallets():
    a = wallet_with_balances(btc=5 * 10**8, eth=10**18)
    a.name, a.custom_id, a.kind = "Alpha Treasury", "TRE-1", "warm"
    a.save()
    b = wallet_with_balances(btc=7 * 10**8)
    b.name, b.custom_id, b.kind = "Bravo Payroll", "PAY-9", "cold"
    b.save()
    c = wallet_with_balances(btc=0, ltc=3)
    c.name, c.custom_id = "Charlie Treasury", "TRE-2"
    c.save()
    return a, b, c


def test_search_matches_name_custom_id_and_exact_id(wallets, viewer_client):
    a, b, c = wallets

    by_name = _row_ids(viewer_client.get("/wallets/?q=treasury").content.decode())
    by_custom_id = _row_ids(viewer_client.get("/wallets/?q=PAY-").content.decode())
    by_id = _row_ids(viewer_client.get(f"/wallets/?q={b.id}").content.decode())

    assert by_name == [a.id, c.id]
    assert by_custom_id == [b.id]
    assert b.id in by_id


def test_kind_and_holds_asset_filters(wallets, viewer_client):
    a, b, c = wallets

    cold = _row_ids(viewer_client.get("/wallets/?kind=cold").content.decode())
    btc_holders = _row_ids(viewer_client.get("/wallets/?asset=btc").content.decode())

    assert cold == [b.id]
    assert btc_holders == [a.id, b.id]  # c has a zero BTC balance


def test_sort_by_an_assets_balance_puts_the_largest_first(wallets, viewer_client):
    a, b, c = wallets

    html = viewer_client.get("/wallets/?sort=balance:btc").content.decode()

    assert _row_ids(html) == [b.id, a.id, c.id]
    assert "7.00000000 BTC" in html and 'data-testid="asset-column"' in html


def test_sort_by_id_descending(wallets, viewer_client):
    ids = _row_ids(viewer_client.get("/wallets/?sort=-id").content.decode())

    assert ids == sorted(ids, reverse=True)


def test_list_is_paginated_by_fifty(viewer_client):
    WalletFactory.create_batch(55)

    first = viewer_client.get("/wallets/").content.decode()
    second = viewer_client.get("/wallets/?page=2").content.decode()
    beyond = viewer_client.get("/wallets/?page=99")

    assert len(_row_ids(first)) == 50 and len(_row_ids(second)) == 5
    assert "Page 1 of 2" in first and 'data-testid="page-next"' in first
    assert beyond.status_code == 200 and len(_row_ids(beyond.content.decode())) == 5


def test_invalid_filters_are_reported_and_ignored(wallets, viewer_client):
    response = viewer_client.get("/wallets/?sort=balance:nope&kind=lukewarm&page=abc")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="filter-error"' in html
    assert len(_row_ids(html)) == 3


def test_htmx_filter_request_gets_only_the_table(wallets, viewer_client, htmx):
    fragment = viewer_client.get("/wallets/?q=bravo", headers=htmx)
    restore = viewer_client.get(
        "/wallets/?q=bravo", headers={**htmx, "HX-History-Restore-Request": "true"}
    )

    assert fragment.content.decode().lstrip().startswith('<div id="wallet-table"')
    assert "<html" not in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
    assert "<html" in restore.content.decode()


def test_search_box_and_filters_are_wired_for_htmx(viewer_client):
    html = viewer_client.get("/wallets/").content.decode()

    assert 'data-testid="wallet-search"' in html
    assert 'hx-target="#wallet-table"' in html and 'hx-push-url="true"' in html


def test_removed_wallets_are_hidden_from_lists_but_their_page_says_so(wallets, viewer_client):
    a, b, c = wallets
    Wallet.objects.filter(pk=b.id).update(removed_at=timezone.now())

    listing = _row_ids(viewer_client.get("/wallets/").content.decode())
    holders = viewer_client.get("/assets/btc/").content.decode()
    page = viewer_client.get(f"/wallets/{b.id}/")

    assert b.id not in listing
    assert f'data-wallet-id="{b.id}"' not in holders
    assert page.status_code == 200
    assert 'data-testid="wallet-removed"' in page.content.decode()


def test_unknown_wallet_is_a_404_page(viewer_client):
    response = viewer_client.get("/wallets/987654/")

    assert response.status_code == 404
    assert "There is no wallet 987654 in the portal." in response.content.decode()
    assert 'data-testid="error-page"' in response.content.decode()
    assert 'data-testid="current-user"' in response.content.decode()  # the portal's layout


def test_unknown_sub_address_asset_is_a_404(wallets, viewer_client):
    assert viewer_client.get(f"/wallets/{wallets[0].id}/sub-addresses/eth/").status_code == 404


def test_asset_pages_list_holders_by_id_or_balance(wallets, viewer_client):
    a, b, c = wallets

    index = viewer_client.get("/assets/").content.decode()
    by_id = viewer_client.get("/assets/btc/").content.decode()
    by_balance = viewer_client.get("/assets/btc/?order_by=balance").content.decode()

    assert "12.00000000 BTC" in index  # 5 + 7, zero balance excluded
    holder = r'data-testid="holder-row" data-wallet-id="(\d+)"'
    assert [int(x) for x in re.findall(holder, by_id)] == sorted([a.id, b.id], reverse=True)
    assert [int(x) for x in re.findall(holder, by_balance)] == [b.id, a.id]
    assert viewer_client.get("/assets/notacoin/").status_code == 404


def test_wallet_page_shows_balances_funding_addresses_and_panels(wallets, viewer_client):
    a = wallets[0]

    html = viewer_client.get(f"/wallets/{a.id}/").content.decode()

    assert "5.00000000 BTC" in html and "1.000000000000000000 ETH" in html
    assert 'data-testid="copy-funding-btc"' in html
    for asset in ("btc", "bch", "ltc", "dash"):
        assert f'data-testid="sub-address-panel-{asset}"' in html
    assert 'data-testid="audit-list"' in html


def test_pages_render_from_the_local_copy_when_balance_is_down(
    wallets, dead_balance, viewer_client
):
    """GIVEN the last refresh failed because Balance is down
    WHEN a viewer opens the pages THEN they render from the database with a stale banner."""
    now = timezone.now()
    RefreshRun.objects.create(
        task="refresh_wallets",
        started_at=now - timedelta(hours=1),
        finished_at=now - timedelta(hours=1),
        status="succeeded",
    )
    RefreshRun.objects.create(
        task="refresh_wallets",
        started_at=now,
        finished_at=now,
        status="failed",
        error="Balance is unreachable: cannot connect to 127.0.0.1:1.",
        error_kind="balance",
    )

    for url in ("/wallets/", f"/wallets/{wallets[0].id}/", "/assets/", "/external-accounts/"):
        html = viewer_client.get(url).content.decode()
        assert 'data-testid="stale-banner"' in html, url
        assert "The last refresh from Balance failed" in html, url
        assert re.search(r"Synced 1\shour ago", html), url  # timesince uses a no-break space


def test_old_data_gets_a_stale_banner(wallets, viewer_client, settings):
    then = timezone.now() - timedelta(seconds=3 * settings.REFRESH_WALLETS_INTERVAL)
    RefreshRun.objects.create(
        task="refresh_wallets", started_at=then, finished_at=then, status="succeeded"
    )
    fresh_enough = viewer_client.get("/wallets/").content.decode()
    assert "This data may be out of date" in fresh_enough

    RefreshRun.objects.create(
        task="refresh_wallets",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        status="succeeded",
    )
    assert 'data-testid="stale-banner"' not in viewer_client.get("/wallets/").content.decode()


def test_external_accounts_page_lists_addresses(viewer_client):
    from .factories import ExternalAccountAddressFactory

    address = ExternalAccountAddressFactory(asset="ltc")

    html = viewer_client.get("/external-accounts/").content.decode()

    assert address.account.name in html and address.address in html


def test_text_from_balance_cannot_reorder_the_page(viewer_client):
    """A name made outside the portal may hold a bidi override (the portal refuses them on
    input): pages isolate such text in <bdi>, so it cannot reverse what follows it."""
    from custody_portal.audit import audit_record

    from .factories import SubAddressFactory

    wallet = wallet_with_balances(btc=1)
    wallet.name = "Ops \u202eteg"
    wallet.save()
    SubAddressFactory(wallet=wallet, asset="btc", name="Pay\u202eroll", notes="a\u202eb")
    audit_record(
        actor=None,
        action="sub_address.update",
        object_type="sub_address",
        object_id="btc:x",
        wallet_id=wallet.id,
        message="Updated name “Pay\u202eroll”",
    )

    html = viewer_client.get(f"/wallets/{wallet.id}/").content.decode()
    listing = viewer_client.get("/wallets/").content.decode()

    assert '<h1 data-testid="wallet-name"><bdi>Ops \u202eteg</bdi></h1>' in html
    assert "<bdi>Pay\u202eroll</bdi>" in html and "<bdi>a\u202eb</bdi>" in html
    assert '<bdi data-testid="audit-message">Updated name “Pay\u202eroll”</bdi>' in html
    assert "<bdi>Ops \u202eteg</bdi>" in listing
