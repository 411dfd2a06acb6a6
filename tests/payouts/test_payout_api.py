"""JSON API: POST /api/payouts/ drafts a batch (operators), GET lists and shows payouts."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from custody_portal.models import AuditEvent
from payouts.models import Payout, PayoutLine, PayoutStatus
from payouts.services import payout_approve
from tests.payouts.conftest import ADDRESS, EXTERNAL, OTHER_WALLET, SOURCE, draft

pytestmark = pytest.mark.usefixtures("refreshed")

BODY = {
    "source_wallet_id": SOURCE,
    "asset": "btc",
    "destinations": [
        {"type": "wallet", "id": OTHER_WALLET, "amount": "0.001"},
        {"type": "external_account", "id": EXTERNAL, "amount": "0.002"},
        {"type": "public_address", "public_address": ADDRESS, "amount": "0.0005"},
    ],
    "note": "weekly settlement",
}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, body) -> tuple[int, dict]:
    raw = body if isinstance(body, str) else json.dumps(body)
    response = client.post("/api/payouts/", raw, content_type="application/json")
    return response.status_code, response.json()


def nothing_stored() -> bool:
    return (
        not Payout.objects.exists()
        and not PayoutLine.objects.exists()
        and not AuditEvent.objects.filter(object_type="payout").exists()
    )


def test_an_operator_drafts_a_batch(drafter):
    code, body = post(client_for(drafter), BODY)
    assert code == 201, body
    payout = Payout.objects.get()
    assert body["id"] == payout.pk
    assert body["reference"] == f"PO-{payout.pk:06d}"
    assert body["status"] == "pending_approval"
    assert body["total"] == "0.00350000"
    assert body["required_approvals"] == 1
    assert body["approvals"] == []
    assert body["balance_transaction_id"] == "" and body["last_error"] == ""
    assert [(line["type"], line["id"], line["amount"]) for line in body["lines"]] == [
        ("wallet", OTHER_WALLET, "0.00100000"),
        ("external_account", EXTERNAL, "0.00200000"),
        ("public_address", None, "0.00050000"),
    ]
    assert body["lines"][2]["public_address"] == ADDRESS
    assert int(payout.total) == 350_000


def test_errors_are_given_per_field_and_per_destination_index(drafter):
    body = {
        **BODY,
        "destinations": [
            {"type": "wallet", "id": OTHER_WALLET, "amount": "0.001"},
            {"type": "wallet", "id": SOURCE, "amount": "0.001"},
            {"type": "public_address", "public_address": "not-an-address", "amount": "0.1"},
            {"type": "external_account", "id": EXTERNAL, "amount": "0.123456789"},
            {"type": "wallet", "id": OTHER_WALLET, "amount": "0.002"},
            {"type": "wallet", "id": 3, "amount": "0"},
        ],
    }
    code, answer = post(client_for(drafter), body)
    assert code == 400
    lines = answer["errors"]["destinations"]
    assert sorted(lines) == ["1", "2", "3", "4", "5"]
    assert "its own destination" in lines["1"][0]
    assert "Not a valid BTC testnet address" in lines["2"][0]
    assert "at most 8 decimal places" in lines["3"][0]
    assert "Duplicate destination" in lines["4"][0] and "line 1" in lines["4"][0]
    assert "greater than zero" in lines["5"][0]
    assert answer["detail"]
    assert nothing_stored()


def test_bad_source_and_asset_are_reported_per_field(drafter):
    code, answer = post(client_for(drafter), {**BODY, "source_wallet_id": 4, "asset": "eth"})
    assert code == 400
    assert "only warm wallets send" in answer["errors"]["source_wallet_id"][0]
    assert "cannot be sent in a batch" in answer["errors"]["asset"][0]
    assert nothing_stored()


def test_a_total_above_the_available_funds_is_refused(drafter):
    """Wallet 1 holds 12.34567891 BTC (spendable not read yet locally): 13 BTC is too much."""
    body = {**BODY, "destinations": [{"type": "wallet", "id": OTHER_WALLET, "amount": "13"}]}
    code, answer = post(client_for(drafter), body)
    assert code == 400
    assert "more than the available" in answer["errors"]["non_field"][0]
    assert nothing_stored()


def test_unknown_keys_are_refused(drafter):
    code, answer = post(client_for(drafter), {**BODY, "priority": "high"})
    assert code == 400
    assert "Unknown field" in answer["errors"]["priority"][0]
    body = {**BODY, "destinations": [{**BODY["destinations"][0], "memo": "x"}]}
    code, answer = post(client_for(drafter), body)
    assert code == 400
    assert "Unknown field" in answer["errors"]["destinations"]["0"][0]
    assert nothing_stored()


def test_number_amounts_are_refused(drafter):
    """0.1 as a JSON number went through a binary float: refused, never rounded."""
    raw = json.dumps(BODY).replace('"0.002"', "0.002")
    code, answer = post(client_for(drafter), raw)
    assert code == 400
    assert "amounts are decimal strings" in answer["errors"]["destinations"]["1"][0].lower()
    assert nothing_stored()


def test_shape_problems_and_content_problems_are_reported_together(drafter):
    """A number amount on line 0 does not hide the bad address on line 1 or the unknown key."""
    body = {
        **BODY,
        "urgent": True,
        "destinations": [
            {"type": "wallet", "id": OTHER_WALLET, "amount": 0.1},
            {"type": "public_address", "public_address": "abc123", "amount": "0.1"},
            {"type": "wallet", "id": "2", "amount": "0.1"},
        ],
    }
    code, answer = post(client_for(drafter), body)
    assert code == 400
    errors = answer["errors"]
    assert "Unknown field" in errors["urgent"][0]
    assert "decimal strings" in errors["destinations"]["0"][0]
    assert "Not a valid BTC" in errors["destinations"]["1"][0]
    assert errors["destinations"]["2"] == ["id must be an integer for type wallet."]
    assert nothing_stored()


@pytest.mark.parametrize("raw", ["[]", '"x"', "{"])
def test_a_body_that_is_not_an_object_is_a_400(drafter, raw):
    code, answer = post(client_for(drafter), raw)
    assert code == 400
    assert answer["detail"]
    assert nothing_stored()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[" * 30_000 + "]" * 30_000, "The request body nests deeper than 32 levels."),
        ('{"destinations": ' + "[" * 40 + "]" * 40 + "}", "nests deeper than 32 levels"),
        ('{"note": "a", "note": "b"}', "The key “note” appears twice in one object."),
        ('{"source_wallet_id": NaN}', "NaN, which is not a JSON number"),
    ],
    ids=["deep-array", "deep-destinations", "repeated-key", "nan"],
)
def test_the_body_is_parsed_strictly(drafter, raw, message):
    """The same strict JSON as the sub-address API: a 30,000-deep array was a RecursionError
    500 page here, a repeated key silently kept the last value, NaN was a number."""
    code, answer = post(client_for(drafter), raw)
    assert code == 400, answer
    assert message in answer["detail"]
    assert nothing_stored()


def test_a_form_encoded_body_is_refused(drafter):
    response = client_for(drafter).post(
        "/api/payouts/", {"source_wallet_id": SOURCE, "asset": "btc"}
    )
    assert response.status_code == 415
    assert "Unsupported media type" in response.json()["detail"]
    assert nothing_stored()


@pytest.mark.parametrize("who", ["viewer", "approver"])
def test_only_operators_write(request, who):
    code, _ = post(client_for(request.getfixturevalue(who)), BODY)
    assert code == 403
    assert nothing_stored()


def test_anonymous_is_refused():
    response = Client().post("/api/payouts/", json.dumps(BODY), content_type="application/json")
    assert response.status_code in (401, 403)
    assert nothing_stored()


def test_list_filters_by_status_and_detail_shows_approvals(drafter, approver, viewer):
    pending = draft(drafter)
    approved = draft(drafter, lines=None, note="second")
    payout_approve(payout=approved, user=approver)
    client = client_for(viewer)
    everything = client.get("/api/payouts/").json()
    assert everything["count"] == 2
    only = client.get("/api/payouts/", {"status": "approved"}).json()
    assert [p["id"] for p in only["results"]] == [approved.pk]
    assert client.get("/api/payouts/", {"status": "nope"}).status_code == 400

    detail = client.get(f"/api/payouts/{approved.pk}/").json()
    assert detail["status"] == PayoutStatus.APPROVED
    assert detail["approvals"][0]["approver"] == approver.username
    assert detail["approvals"][0]["counts"] is True
    assert client.get(f"/api/payouts/{pending.pk}/").json()["approvals"] == []
    assert client.get("/api/payouts/999999/").status_code == 404


def test_the_list_runs_a_constant_number_of_queries(drafter, viewer):
    client = client_for(viewer)
    draft(drafter)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/payouts/")
    for _ in range(5):
        draft(drafter)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/payouts/")
    assert len(many) == len(few)


def test_there_is_no_approve_endpoint(drafter, admin_user):
    """Approval needs a TOTP step-up in the browser; the API offers no way to approve."""
    payout = draft(drafter)
    client = client_for(admin_user)
    answers = [
        client.post(path, "{}", content_type="application/json").status_code
        for path in (f"/api/payouts/{payout.pk}/approve/", f"/api/payouts/{payout.pk}/")
    ]
    assert answers == [404, 405]
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING_APPROVAL
