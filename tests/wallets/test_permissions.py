"""Who may do what: anonymous → login, viewers read, operators write (HTML and API)."""

import pytest
from django.test import Client

from wallets.models import SubAddress

from .factories import SubAddressFactory, wallet_with_balances

pytestmark = pytest.mark.django_db


@pytest.fixture
def wallet():
    wallet = wallet_with_balances(btc=10**8)
    SubAddressFactory(wallet=wallet, asset="btc", address="mtestaddress1")
    return wallet


def html_reads(w) -> list[str]:
    return [
        "/wallets/",
        f"/wallets/{w.id}/",
        f"/wallets/{w.id}/sub-addresses/btc/",
        "/assets/",
        "/assets/btc/",
        "/external-accounts/",
    ]


def html_writes(w) -> list[tuple[str, dict]]:
    panel = f"/wallets/{w.id}/sub-addresses/btc"
    return [
        ("/wallets/refresh/", {}),
        (f"/wallets/{w.id}/refresh/", {}),
        (f"{panel}/create/", {"btc-name": "x"}),
        (f"{panel}/refresh/", {}),
        (f"{panel}/mtestaddress1/edit/", {"edit-btc-name": "x"}),
        (f"{panel}/mtestaddress1/watch/", {"is_watched": "true"}),
    ]


def api_reads(w) -> list[str]:
    return [
        "/api/wallets/",
        f"/api/wallets/{w.id}/",
        f"/api/wallets/{w.id}/sub-addresses/btc/",
        f"/api/wallets/{w.id}/sub-addresses/btc/mtestaddress1/",
        "/api/external-accounts/",
    ]


def api_writes(w) -> list[tuple[str, str]]:
    return [
        ("post", f"/api/wallets/{w.id}/sub-addresses/btc/"),
        ("patch", f"/api/wallets/{w.id}/sub-addresses/btc/mtestaddress1/"),
        ("put", f"/api/wallets/{w.id}/sub-addresses/btc/mtestaddress1/"),
    ]


def test_anonymous_is_sent_to_the_login_page(wallet):
    client = Client()
    for url in html_reads(wallet):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url
    for url, data in html_writes(wallet):
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_anonymous_api_calls_are_refused(wallet):
    client = Client()
    for url in api_reads(wallet):
        assert client.get(url).status_code in (401, 403), url
    for method, url in api_writes(wallet):
        response = getattr(client, method)(url, {"name": "x"}, content_type="application/json")
        assert response.status_code in (401, 403), url


def test_viewer_can_read_every_page(wallet, viewer_client):
    for url in html_reads(wallet) + api_reads(wallet):
        assert viewer_client.get(url).status_code == 200, url


def test_viewer_sees_no_write_controls(wallet, viewer_client):
    page = viewer_client.get(f"/wallets/{wallet.id}/").content.decode()
    home = viewer_client.get("/").content.decode()

    assert 'data-testid="sub-address-create-btc"' not in page
    assert "watch-toggle-" not in page
    assert 'data-testid="wallet-refresh"' not in page
    assert 'data-testid="refresh-now"' not in home


def test_viewer_cannot_create_sub_address_or_change_anything(wallet, viewer_client, htmx):
    for url, data in html_writes(wallet):
        assert viewer_client.post(url, data).status_code == 403, url
        assert viewer_client.post(url, data, headers=htmx).status_code == 403, url
    for method, url in api_writes(wallet):
        response = getattr(viewer_client, method)(
            url, {"name": "x"}, content_type="application/json"
        )
        assert response.status_code == 403, url
    assert SubAddress.objects.get(address="mtestaddress1").name != "x"


def test_operator_can_create_sub_addresses_in_html_and_api(
    sandbox, refreshed, operator_client, htmx
):
    html = operator_client.post(
        "/wallets/1/sub-addresses/btc/create/", {"btc-name": "From the page"}, headers=htmx
    )
    api = operator_client.post(
        "/api/wallets/1/sub-addresses/btc/",
        {"name": "From the API"},
        content_type="application/json",
    )

    assert html.status_code == 200
    assert api.status_code == 201
    names = set(SubAddress.objects.filter(wallet_id=1, asset="btc").values_list("name", flat=True))
    assert {"From the page", "From the API"} <= names


def test_write_pages_refuse_get(wallet, operator_client):
    assert operator_client.get(f"/wallets/{wallet.id}/refresh/").status_code == 405
