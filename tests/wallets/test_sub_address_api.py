"""The JSON API for sub-addresses: same services, same messages, amounts as strings."""

import pytest

from custody_portal.models import AuditEvent
from wallets.models import SubAddress
from wallets.services import sub_addresses_refresh

from .factories import wallet_with_balances

pytestmark = pytest.mark.django_db

URL = "/api/wallets/1/sub-addresses/btc/"


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_api_creates_a_sub_address(sandbox, refreshed, operator, operator_client):
    response = _post(operator_client, URL, {"name": "API deposits", "is_watched": True})

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "API deposits" and body["is_watched"] is True
    assert body["balance"] == "0.00000000"
    assert SubAddress.objects.filter(address=body["address"], wallet_id=1).exists()
    assert AuditEvent.objects.get(action="sub_address.create").actor == operator


def test_api_lists_sub_addresses_with_string_amounts(sandbox, refreshed, viewer_client):
    sub_addresses_refresh(wallet_id=1)

    rows = viewer_client.get(URL).json()

    assert rows and all(isinstance(r["balance"], str) for r in rows)
    assert all(len(r["balance"].split(".")[1]) == 8 for r in rows)


def test_api_updates_and_toggles_watching(sandbox, refreshed, operator_client):
    sub_addresses_refresh(wallet_id=1)
    target = SubAddress.objects.filter(wallet_id=1, asset="btc").first()
    url = f"{URL}{target.address}/"

    patched = operator_client.patch(url, {"is_watched": True}, content_type="application/json")
    put = operator_client.put(
        url, {"name": "Via PUT", "notes": ""}, content_type="application/json"
    )

    assert patched.status_code == 200 and patched.json()["is_watched"] is True
    assert put.status_code == 200 and put.json()["name"] == "Via PUT"
    target.refresh_from_db()
    assert (target.name, target.is_watched) == ("Via PUT", True)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["sub_address.watch", "sub_address.update"]


def test_api_refuses_an_asset_without_sub_addresses(sandbox, refreshed, operator_client):
    response = _post(operator_client, "/api/wallets/1/sub-addresses/eth/", {"name": "x"})

    assert response.status_code == 400
    assert response.json() == {"detail": "Currency eth does not support sub-addresses."}


def test_api_passes_on_balances_rejection_message(sandbox, refreshed, operator_client):
    """Balance's own text and its status: an unknown address is a 404, not a 400."""
    response = operator_client.patch(
        f"{URL}mnotanaddressatall/", {"name": "x"}, content_type="application/json"
    )

    assert response.status_code == 404
    assert response.json()["detail"] == "Address not found"


def test_api_says_when_balance_is_unreachable(dead_balance, operator_client):
    wallet = wallet_with_balances(btc=1)

    response = _post(operator_client, f"/api/wallets/{wallet.id}/sub-addresses/btc/", {"name": "x"})

    assert response.status_code == 503
    assert response.json()["detail"].startswith("Balance is unreachable right now:")


def test_api_validates_input_before_calling_balance(sandbox, refreshed, operator_client):
    too_long = _post(operator_client, URL, {"name": "x" * 256})
    nothing = operator_client.patch(f"{URL}mwhatever/", {}, content_type="application/json")

    assert too_long.status_code == 400
    assert too_long.json() == {
        "detail": "The name is too long: at most 255 characters (it has 256).",
        "field": "name",
    }
    assert nothing.status_code == 400 and nothing.json()["detail"].startswith("Nothing to change")
    assert not [c for c in sandbox.calls() if c["method"] in ("POST", "PUT")]


def test_api_unknown_wallet_is_404(viewer_client, operator_client):
    assert viewer_client.get("/api/wallets/424242/").status_code == 404
    assert _post(operator_client, "/api/wallets/424242/sub-addresses/btc/", {}).status_code == 404


def test_api_wallet_list_filters_and_paginates(sandbox, refreshed, viewer_client):
    everything = viewer_client.get("/api/wallets/").json()
    holders = viewer_client.get("/api/wallets/?asset=fil&sort=balance:fil").json()
    bad = viewer_client.get("/api/wallets/?sort=balance:nope")

    assert everything["count"] == 30 and len(everything["results"]) == 30
    assert holders["count"] < 30
    fil = [
        next(b["total"] for b in w["balances"] if b["asset"] == "fil") for w in holders["results"]
    ]
    from decimal import Decimal

    assert [Decimal(x) for x in fil] == sorted((Decimal(x) for x in fil), reverse=True)
    assert bad.status_code == 400


def test_api_external_accounts_list_addresses(sandbox, refreshed, viewer_client):
    body = viewer_client.get("/api/external-accounts/").json()

    assert body["count"] == 10
    assert all(a["addresses"] for a in body["results"])
