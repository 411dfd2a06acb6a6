"""Error answers in the portal's shapes: styled pages, HTMX fragments, API JSON; no traces."""

import pytest
from django.test import Client
from django.utils.html import escape

from custody_portal.error_pages import CSRF_MESSAGE, MESSAGES
from tests.factories import UserFactory

from .factories import SubAddressFactory, wallet_with_balances

pytestmark = pytest.mark.django_db


@pytest.fixture
def wallet():
    wallet = wallet_with_balances(btc=10**8)
    SubAddressFactory(wallet=wallet, asset="btc", address="mtestaddress1")
    return wallet


def _page(response) -> str:
    html = response.content.decode()
    assert 'data-testid="error-page"' in html and "<html" in html, html[:300]
    return html


# --- 403 ---------------------------------------------------------------------------------


def test_a_viewer_is_told_which_role_a_write_needs(wallet, viewer_client):
    response = viewer_client.post(f"/wallets/{wallet.id}/refresh/")

    assert response.status_code == 403
    assert (
        "This needs the operator role. You are signed in as vera (viewer). "
        "Ask an administrator to give you that role."
    ) in _page(response)


def test_an_htmx_403_is_a_fragment_for_the_error_slot(wallet, viewer_client, htmx):
    response = viewer_client.post(
        f"/wallets/{wallet.id}/sub-addresses/btc/mtestaddress1/watch/",
        {"is_watched": "true"},
        headers=htmx,
    )

    html = response.content.decode()
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#htmx-error" and response["HX-Reswap"] == "innerHTML"
    assert response["X-Portal-Fragment"] == "1"
    assert "<html" not in html and "This needs the operator role." in html


def test_a_user_without_any_role_is_told_so(wallet):
    client = Client()
    client.force_login(UserFactory(username="nobody", role=None))

    response = client.get("/wallets/")

    assert response.status_code == 403
    assert "This needs the viewer role. You are signed in as nobody (no role)." in _page(response)


def test_a_permission_denied_carrying_a_permission_names_its_role(rf, operator):
    from django.core.exceptions import PermissionDenied

    from custody_portal.error_pages import permission_denied_message
    from custody_portal.roles import APPROVE

    request = rf.get("/anything/")
    request.user = operator

    assert permission_denied_message(request, PermissionDenied(APPROVE)).startswith(
        "This needs the approver role. You are signed in as otto (operator)."
    )
    assert permission_denied_message(
        request, PermissionDenied("You cannot approve a payout you drafted.")
    ) == ("You cannot approve a payout you drafted. You are signed in as otto (operator).")


# --- CSRF --------------------------------------------------------------------------------


def test_a_stale_csrf_token_gets_a_page_that_says_reload(wallet):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(role="operator"))

    page = client.post(f"/wallets/{wallet.id}/refresh/")
    fragment = client.post(
        f"/wallets/{wallet.id}/sub-addresses/btc/refresh/", headers={"HX-Request": "true"}
    )

    assert page.status_code == 403 and escape(CSRF_MESSAGE) in _page(page)
    assert "CSRF verification failed" not in page.content.decode()  # not Django's own page
    assert fragment.status_code == 403 and fragment["HX-Retarget"] == "#htmx-error"
    assert escape(CSRF_MESSAGE) in fragment.content.decode()


# --- 404 / 405 ---------------------------------------------------------------------------


def test_an_unknown_url_is_a_styled_404_and_json_under_api(viewer_client):
    page = viewer_client.get("/no/such/page/")
    api = viewer_client.get("/api/no/such/thing/")

    assert page.status_code == 404 and escape(MESSAGES[404]) in _page(page)
    assert api.status_code == 404 and api.json() == {"detail": MESSAGES[404]}


def test_an_htmx_error_nothing_shaped_still_lands_in_the_error_slot(wallet, operator_client, htmx):
    """A GET on a POST-only URL is Django's bare 405: HTMX gets the portal's fragment."""
    response = operator_client.get(f"/wallets/{wallet.id}/refresh/", headers=htmx)

    assert response.status_code == 405
    assert response["HX-Retarget"] == "#htmx-error" and response["X-Portal-Fragment"] == "1"
    assert "htmx-error-message" in response.content.decode()


# --- 500 ---------------------------------------------------------------------------------


@pytest.fixture
def broken_assets_page(monkeypatch):
    def explode():
        raise RuntimeError("TypeError: string indices must be integers (secret detail)")

    monkeypatch.setattr("wallets.views.pages.selectors.holdings_by_asset", explode)


def test_an_unexpected_error_is_a_500_page_without_python(broken_assets_page, viewer):
    client = Client(raise_request_exception=False)
    client.force_login(viewer)

    page = client.get("/assets/")
    fragment = client.get("/assets/", headers={"HX-Request": "true"})

    assert page.status_code == 500 and escape(MESSAGES[500]) in _page(page)
    for response in (page, fragment):
        assert "secret detail" not in response.content.decode()
        assert "Traceback" not in response.content.decode()
    assert fragment.status_code == 500 and fragment["HX-Retarget"] == "#htmx-error"
    assert "<html" not in fragment.content.decode()


def test_a_visit_to_a_post_only_url_is_a_styled_page(wallet, operator_client):
    response = operator_client.get(f"/wallets/{wallet.id}/refresh/")

    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "Not a page" in _page(response)
