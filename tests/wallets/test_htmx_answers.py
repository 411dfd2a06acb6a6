"""What an HTMX request gets back besides a plain success: the login page for the whole
window when the session expired, and error fragments htmx is allowed to swap."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from .factories import SubAddressFactory, wallet_with_balances

pytestmark = pytest.mark.django_db


@pytest.fixture
def wallet():
    wallet = wallet_with_balances(btc=10**8)
    SubAddressFactory(wallet=wallet, asset="btc", address="mtestaddress1")
    return wallet


def _next(url: str) -> str:
    return parse_qs(urlsplit(url).query)["next"][0]


def test_expired_session_on_htmx_sends_the_page_to_login(wallet):
    """GIVEN a wallet page whose session is gone WHEN an HTMX action or fragment is asked for
    THEN the answer is HX-Redirect to the login page (not the login page's HTML to swap into
    the panel), and `next` is the page the user was on, not the fragment URL."""
    page = f"/wallets/{wallet.id}/"
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}?tab=1"}
    client = Client()

    for response in (
        client.post(f"{page}sub-addresses/btc/mtestaddress1/watch/", {}, headers=headers),
        client.get(f"{page}sub-addresses/btc/?edit=mtestaddress1", headers=headers),
        client.get("/wallets/?q=abc", headers=headers),
    ):
        assert response.status_code == 200
        assert response.content == b""
        assert urlsplit(response["HX-Redirect"]).path == "/login/"
        assert _next(response["HX-Redirect"]) == f"{page}?tab=1"
        assert not response.has_header("Location")


def test_expired_session_without_a_csrf_cookie_also_goes_to_login(wallet):
    """Cleared cookies take the CSRF cookie too: the CSRF refusal is not the problem to show."""
    client = Client(enforce_csrf_checks=True)
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver/wallets/{wallet.id}/"}

    response = client.post(f"/wallets/{wallet.id}/sub-addresses/btc/create/", {}, headers=headers)

    assert response.status_code == 200
    assert _next(response["HX-Redirect"]) == f"/wallets/{wallet.id}/"


def test_another_sites_page_is_never_the_next_page(wallet):
    headers = {"HX-Request": "true", "HX-Current-URL": "https://evil.example/wallets/1/"}

    response = Client().get(f"/wallets/{wallet.id}/sub-addresses/btc/", headers=headers)

    assert _next(response["HX-Redirect"]) == "/"


def test_a_plain_form_post_after_expiry_returns_to_its_page(wallet):
    """The POST-only URL as `next` would be a 405 after logging in: its form's page is used."""
    client = Client()

    response = client.post(
        f"/wallets/{wallet.id}/refresh/",
        headers={"Referer": f"http://testserver/wallets/{wallet.id}/"},
    )
    cross_site = client.post(
        f"/wallets/{wallet.id}/refresh/", headers={"Referer": "https://evil.example/"}
    )

    assert response.status_code == 302 and urlsplit(response["Location"]).path == "/login/"
    assert _next(response["Location"]) == f"/wallets/{wallet.id}/"
    assert _next(cross_site["Location"]) == "/"


def test_page_gets_keep_their_own_url_as_next(wallet):
    response = Client().get(f"/wallets/{wallet.id}/?x=1")

    assert response.status_code == 302
    assert _next(response["Location"]) == f"/wallets/{wallet.id}/?x=1"


def test_the_api_keeps_its_json_refusals(wallet):
    client = Client()
    headers = {"HX-Request": "true"}

    response = client.get("/api/wallets/", headers=headers)
    write = client.post(
        f"/api/wallets/{wallet.id}/sub-addresses/btc/", {}, content_type="application/json"
    )

    assert response.status_code in (401, 403) and "detail" in response.json()
    assert write.status_code in (401, 403) and not write.has_header("HX-Redirect")


def test_fragments_say_they_may_be_swapped_and_vary_on_htmx(wallet, viewer_client, htmx):
    fragment = viewer_client.get("/wallets/", headers=htmx)
    page = viewer_client.get("/wallets/")

    assert fragment["X-Portal-Fragment"] == "1" and "<html" not in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"] and "HX-Request" in page["Vary"]
    assert not page.has_header("X-Portal-Fragment")
    # A history restore asks for the whole page.
    restore = viewer_client.get("/wallets/", headers={**htmx, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()


def test_the_page_tells_htmx_to_swap_error_answers(viewer_client):
    """The error handling relies on this configuration (and on portal.js): keep it."""
    html = viewer_client.get("/wallets/").content.decode()

    assert '{"code": "[45]..", "swap": true, "error": true}' in html
    assert 'id="htmx-error"' in html
