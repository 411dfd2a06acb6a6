"""The sandbox's transport faults, seen by a plain HTTP client: non-JSON 2xx answers, a
connection cut after the request was read (with or without letting the handler commit),
and the call log entry each one leaves."""

import http.client
from urllib.parse import urlsplit

import pytest
import requests

from .test_sandbox_support import Api


@pytest.fixture
def api(sandbox) -> Api:
    return Api(sandbox)


def fault(api: Api, **rule) -> None:
    api.control("POST", "faults", rule)


def test_raw_body_answers_a_non_json_200_on_any_path(api, sandbox):
    fault(api, path="^/api/", raw_body="<html>Service temporarily unavailable</html>", count=2)
    for path in ("/api/v1/wallets", "/api/v1/stats"):
        response = api.get(path)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.text == "<html>Service temporarily unavailable</html>"
    assert api.get("/api/v1/stats").headers["Content-Type"].startswith("application/json")
    logged = sandbox.calls()
    assert [c["fault"]["kind"] for c in logged[:2]] == ["raw_body", "raw_body"]
    assert logged[2]["fault"] is None


def test_raw_body_takes_a_status_and_content_type(api):
    fault(api, path="stats", raw_body="busy", status=502, content_type="text/plain")
    response = api.get("/api/v1/stats")
    assert (response.status_code, response.text) == (502, "busy")
    assert response.headers["Content-Type"] == "text/plain"


def _send_raw(sandbox, method: str, path: str, body: bytes, headers: dict) -> None:
    """One request over http.client, so the exact exception of a cut connection shows."""
    url = urlsplit(sandbox.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers)
        conn.getresponse()
    finally:
        conn.close()


def test_reset_closes_the_connection_without_an_answer(api, sandbox):
    fault(api, path="^/api/v1/wallets/1$", reset=True, count=1)
    with pytest.raises(http.client.RemoteDisconnected):
        _send_raw(sandbox, "GET", "/api/v1/wallets/1", b"", {})
    [call] = sandbox.calls()
    assert call["status"] is None
    assert call["fault"] == {"kind": "reset", "commit": False, "handled_status": None}
    assert api.get("/api/v1/wallets/1").status_code == 200  # count 1: then normal


def test_reset_with_commit_runs_the_handler_first(api, sandbox):
    """GIVEN a reset-after-commit fault on sub-address creation
    WHEN a signed create arrives
    THEN the connection is cut without an answer, yet the address exists and the log says the
    handler answered 200."""
    path = "/api/v1/wallets/1/assets/btc"
    before = len(api.ok("GET", path))
    fault(api, path=f"^{path}$", method="POST", reset=True, commit=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post(path, {"name": "cut", "is_watched": False})
    after = api.ok("GET", path)
    assert len(after) == before + 1 and after[-1]["name"] == "cut"
    post = next(c for c in sandbox.calls() if c["method"] == "POST")
    assert post["status"] is None
    assert post["fault"] == {"kind": "reset", "commit": True, "handled_status": 200}


def test_a_status_fault_with_commit_replaces_the_real_answer(api, sandbox):
    path = "/api/v1/wallets/1/assets/btc"
    before = len(api.ok("GET", path))
    fault(api, path=f"^{path}$", method="POST", status=500, commit=True, count=1)
    assert "fault" in api.error(api.post(path, {"name": "committed"}), 500)
    assert len(api.ok("GET", path)) == before + 1
    post = next(c for c in sandbox.calls() if c["method"] == "POST")
    assert (post["status"], post["fault"]["handled_status"]) == (500, 200)


def test_without_commit_a_fault_answers_before_the_handler(api):
    path = "/api/v1/wallets/1/assets/btc"
    before = len(api.ok("GET", path))
    fault(api, path=f"^{path}$", method="POST", status=500, count=1)
    api.post(path, {"name": "never"})
    assert len(api.ok("GET", path)) == before


def test_a_commit_fault_still_checks_the_signature(api, sandbox):
    fault(api, path="^/api/v1/wallets/1$", raw_body="<html/>", commit=True)
    response = api.request("GET", "/api/v1/wallets/1", secret_key="wrong")
    assert response.text == "<html/>"
    assert sandbox.calls()[0]["fault"]["handled_status"] == 401


@pytest.mark.parametrize(
    "rule",
    [
        {"reset": True, "status": 500},
        {"reset": True, "raw_body": "x"},
        {"raw_body": "x", "body": {"a": 1}},
        {"raw_body": 5},
        {"content_type": "text/html"},
        {"reset": "yes"},
        {"commit": 1},
        {"colour": "red"},
    ],
)
def test_fault_rules_reject_contradictions(sandbox, rule):
    response = requests.post(f"{sandbox.url}/_sandbox/faults", json=rule, timeout=5)
    assert response.status_code == 400


# --- wallet transactions: bare array by default, cursor pages as an option --------------


def test_wallet_transactions_are_a_bare_array_unless_paginated(api):
    plain = api.ok("GET", "/api/v1/wallets/1/transactions")
    assert isinstance(plain, list) and len(plain) >= 3
    options = api.control("POST", "options", {"paginate_wallet_transactions": True})
    assert options["paginate_wallet_transactions"] is True
    first = api.ok("GET", "/api/v1/wallets/1/transactions", page_size=2)
    assert len(first["page"]) == 2 and first["page_info"]["has_next_page"] is True
    walked = api.walk("/api/v1/wallets/1/transactions", page_size=2)
    assert walked == plain


# --- transaction structs carry what a reconciler matches on --------------------------------

RECONCILER_FIELDS = ("id", "status", "created_at", "source", "amounts", "is_batched", "notes")


def test_every_internal_transaction_carries_the_documented_matching_fields(api):
    api.control("POST", "wallets/1/balances", {"btc": "100000000"})
    batch = api.ok(
        "POST",
        "/api/v2/send_batch_now",
        {
            "source_wallet_id": 1,
            "asset": "btc",
            "destinations": [{"type": "wallet", "id": 2, "amount": "1000"}],
        },
    )
    withdrawal = api.ok(
        "POST",
        "/api/v1/wallets/1/assets/fil/storage_providers/125/withdrawals",
        {"amount_afil": 1000, "notes": "PO-000042"},
    )
    internal = [
        t for t in api.walk("/api/v1/transactions", page_size=100) if t["type"] != "external"
    ]
    internal += [
        t for t in api.ok("GET", "/api/v1/wallets/1/transactions") if t["type"] != "external"
    ]
    internal += [batch, withdrawal, api.ok("GET", f"/api/v1/transactions/{batch['id']}")]
    assert len(internal) > 10
    for tx in internal:
        assert all(key in tx for key in RECONCILER_FIELDS), tx
        assert isinstance(tx["source"]["id"], int) and isinstance(tx["notes"], str)
        assert isinstance(tx["is_batched"], bool) and tx["amounts"]
    assert withdrawal["notes"].startswith("PO-000042\n\nBalance withdrawal from FIL miner")


def test_batch_destinations_are_sandbox_only_and_can_be_left_out(api):
    api.control("POST", "wallets/1/balances", {"btc": "100000000"})
    body = {
        "source_wallet_id": 1,
        "asset": "btc",
        "destinations": [{"type": "wallet", "id": 2, "amount": "1000"}],
    }
    assert "destinations" in api.ok("POST", "/api/v2/send_batch_now", body)
    api.control("POST", "options", {"batch_destinations": False})
    tx = api.ok("POST", "/api/v2/send_batch_now", body)
    assert "destinations" not in tx
    assert "destinations" not in api.ok("GET", f"/api/v1/transactions/{tx['id']}")
    assert tx["destination"]["id"] == 2  # the documented field stays
