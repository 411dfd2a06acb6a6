"""Path parameters are checked by the URL before any query or Balance call.

`/assets/%00/` reached PostgreSQL (which refuses NUL in text: a 500), and an address of `.` or
`..` made the portal send `PUT …/assets/` to Balance. Every such URL is now a 404: the styled
page for pages and HTMX, `{"detail": …}` JSON under /api/.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

PANEL = "/wallets/1/sub-addresses/btc"
API = "/api/wallets/1/sub-addresses/btc"

BAD_ADDRESSES = [".", "..", "%2E", "%2E%2E", "%00", "a%2Fb", "a%20b", "a.b", "x" * 121, "%E2%80%AE"]
BAD_ASSETS = ["%00", ".", "..", "x" * 17, "b-tc", "b.tc", "%C3%A9"]


def _assert_styled_404(response) -> None:
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-testid="error-page"' in html and "Not found" in html


def _balance_calls(sandbox) -> list[dict]:
    return sandbox.calls()


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_a_bad_address_never_reaches_balance(sandbox, refreshed, operator_client, htmx, address):
    sandbox.control("DELETE", "calls")

    edit = operator_client.post(f"{PANEL}/{address}/edit/", {"edit-btc-name": "x"})
    watch = operator_client.post(f"{PANEL}/{address}/watch/", {"is_watched": "true"}, headers=htmx)
    api = operator_client.patch(f"{API}/{address}/", {"name": "x"}, content_type="application/json")
    api_get = operator_client.get(f"{API}/{address}/")

    _assert_styled_404(edit)
    assert watch.status_code == 404 and watch["HX-Retarget"] == "#htmx-error"
    assert api.status_code == 404 and set(api.json()) == {"detail"}
    assert api_get.status_code == 404
    assert _balance_calls(sandbox) == []


@pytest.mark.parametrize("asset", BAD_ASSETS)
def test_a_bad_asset_is_a_404_before_any_query(db, viewer_client, operator_client, asset):
    with CaptureQueriesContext(connection) as queries:
        page = viewer_client.get(f"/assets/{asset}/")
    panel = operator_client.post(f"/wallets/1/sub-addresses/{asset}/create/", {})
    api = operator_client.post(
        f"/api/wallets/1/sub-addresses/{asset}/", {}, content_type="application/json"
    )

    _assert_styled_404(page)
    # Only the session and user are read; no query mentions the asset.
    assert not [q for q in queries.captured_queries if "balance" in q["sql"].lower()]
    _assert_styled_404(panel)
    assert api.status_code == 404 and "detail" in api.json()


@pytest.mark.postgres
def test_nul_in_a_path_is_a_404_on_postgresql_too(viewer_client, operator_client):
    """PostgreSQL refuses NUL in text (a 500 before): the converter stops it first. Runs when
    DATABASE_URL points at PostgreSQL (CI); SQLite runs the same URLs in the tests above."""
    _assert_styled_404(viewer_client.get("/assets/%00/"))
    _assert_styled_404(viewer_client.get("/wallets/1%00/"))
    _assert_styled_404(operator_client.post(f"{PANEL}/a%00b/edit/", {"edit-btc-name": "x"}))
    assert operator_client.get(f"{API}/a%00b/").status_code == 404


def test_a_wallet_id_beyond_64_bits_is_a_404(viewer_client, operator_client):
    huge = "9" * 30
    _assert_styled_404(viewer_client.get(f"/wallets/{huge}/"))
    assert viewer_client.get(f"/api/wallets/{huge}/").status_code == 404
    assert operator_client.post(f"/wallets/{huge}/refresh/").status_code == 404


def test_an_upper_case_ticker_still_finds_the_asset(refreshed, viewer_client):
    """People type `/assets/BTC/`: the converter lower-cases it, as the registry spells it."""
    response = viewer_client.get("/assets/BTC/")
    assert response.status_code == 200
    assert 'data-testid="holder-row"' in response.content.decode()


def test_good_addresses_still_reach_balance(sandbox, refreshed, operator_client):
    """The converter lets real addresses through: Balance answers for an unknown one."""
    response = operator_client.patch(
        f"{API}/mnotanaddressatall/", {"name": "x"}, content_type="application/json"
    )
    cashaddr = operator_client.patch(
        "/api/wallets/1/sub-addresses/bch/bchtest:qqnotreal0000/",
        {"name": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404 and response.json()["detail"] == "Address not found"
    assert cashaddr.status_code == 404 and cashaddr.json()["detail"] == "Address not found"
    assert [c["method"] for c in sandbox.calls()].count("PUT") == 2
