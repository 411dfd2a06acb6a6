"""The `/_sandbox/` control surface: reset, call log, faults, latency, state edits."""

import time
from decimal import Decimal

import pytest
import requests

from .test_sandbox_support import Api


@pytest.fixture
def api(sandbox) -> Api:
    return Api(sandbox)


def test_health_and_info(api):
    assert api.control("GET", "health") == {"ok": True}
    info = api.control("GET", "info")
    assert info["seed"] == 7 and info["wallets"] == 30 and 125 in info["storage_providers"]


def test_reset_restores_seed_state_and_can_resize(api, sandbox):
    original = api.ok("GET", "/api/v1/wallets/1")
    api.ok("PUT", "/api/v1/wallets/1", {"name": "changed"})
    sandbox.reset()
    assert api.ok("GET", "/api/v1/wallets/1") == original
    sandbox.reset(seed=3, wallets=5)
    assert [w["id"] for w in api.walk("/api/v1/wallets")] == [5, 4, 3, 2, 1]


def test_call_log_records_requests_without_headers(api, sandbox):
    api.get("/api/v1/wallets", page_size=2)
    api.post("/api/v1/wallets/1/assets/btc", {"name": "logged", "is_watched": True})
    api.get("/api/v1/nothing")
    calls = sandbox.calls()
    assert [(c["method"], c["path"], c["status"]) for c in calls] == [
        ("GET", "/api/v1/wallets", 200),
        ("POST", "/api/v1/wallets/1/assets/btc", 200),
        ("GET", "/api/v1/nothing", 404),
    ]
    assert calls[0]["query"] == {"page_size": "2"} and calls[0]["body"] is None
    assert calls[1]["body"] == {"name": "logged", "is_watched": True}
    assert set(calls[0]) == {"method", "path", "query", "status", "body", "at", "fault"}
    assert calls[0]["fault"] is None
    text = sandbox.control("GET", "calls").text
    assert sandbox.secret_key not in text and "BalanceAPIAuth" not in text
    sandbox.control("DELETE", "calls")
    assert sandbox.calls() == []


def test_fault_with_count_fires_then_clears(api, sandbox):
    api.control(
        "POST",
        "faults",
        {
            "path": r"^/api/v1/wallets$",
            "method": "GET",
            "status": 503,
            "body": {"error": "Maintenance"},
            "count": 2,
        },
    )
    for _ in range(2):
        assert api.error(api.get("/api/v1/wallets"), 503) == "Maintenance"
    assert api.get("/api/v1/wallets").status_code == 200
    assert api.get("/api/v1/wallets/1").status_code == 200  # regex did not match
    assert [c["status"] for c in sandbox.calls()] == [503, 503, 200, 200]


def test_fault_until_cleared_and_method_filter(api):
    # No count = until cleared.
    api.control(
        "POST", "faults", {"path": "/api/v2/send_batch_now", "method": "POST", "status": 500}
    )
    for _ in range(3):
        assert "fault" in api.error(api.post("/api/v2/send_batch_now", {}), 500)
    api.control("DELETE", "faults")
    assert api.post("/api/v2/send_batch_now", {}).status_code == 400  # reached validation


# Latency is proven with a client-side read timeout, never by timing the call: the sandbox
# sleeps before it writes a byte, so a read timeout below the injected latency must fire,
# however slow the machine. The timeout is generous for an undelayed local call.
INJECTED_MS = 3_000
READ_TIMEOUT_S = 2.0


def _wait_for_logged_call(sandbox, path: str, count: int) -> list[dict]:
    """Block until the sandbox has answered `count` calls to `path` (the delayed one included),
    so a request still sleeping server-side cannot leak into the next test's call log."""
    deadline = time.monotonic() + 60  # a hang guard, not an assertion about speed
    while True:
        calls = [c for c in sandbox.calls() if c["path"] == path]
        if len(calls) >= count or time.monotonic() > deadline:
            return calls
        time.sleep(0.05)


def test_latency_only_fault_delays_then_answers(api, sandbox):
    api.control(
        "POST",
        "faults",
        {"path": "stats", "status": None, "latency_ms": INJECTED_MS, "count": 1},
    )
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.request("GET", "/api/v1/stats", timeout=READ_TIMEOUT_S)
    # Latency only: once the delay is over the request is served normally.
    assert [c["status"] for c in _wait_for_logged_call(sandbox, "/api/v1/stats", 1)] == [200]
    # The rule was for one call: the same call with the same timeout now succeeds.
    assert api.request("GET", "/api/v1/stats", timeout=READ_TIMEOUT_S).status_code == 200


def test_global_latency_applies_to_every_api_call_until_cleared(api, sandbox):
    api.control("POST", "latency", {"ms": INJECTED_MS})
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.request("GET", "/api/v1/stats", timeout=READ_TIMEOUT_S)
    assert [c["status"] for c in _wait_for_logged_call(sandbox, "/api/v1/stats", 1)] == [200]
    api.control("POST", "latency", {"ms": 0})
    assert api.request("GET", "/api/v1/stats", timeout=READ_TIMEOUT_S).status_code == 200


def test_balance_edit(api):
    edited = api.control(
        "POST", "wallets/3/balances", {"btc": "123", "fil": str(2**70), "spendable": {"btc": "100"}}
    )
    assert edited["id"] == 3
    wallet = api.ok("GET", "/api/v1/wallets/3")
    assert wallet["balance"]["btc"] == Decimal("0.00000123")
    assert wallet["spendable_balance"]["btc"] == Decimal("0.00000100")
    assert wallet["balance"]["fil"] == Decimal(2**70).scaleb(-18)
    assert wallet["spendable_balance"]["fil"] == wallet["balance"]["fil"]
    assert "btc" in wallet["funding_addresses"]


def test_wallet_delete_and_add(api, sandbox):
    api.control("DELETE", "wallets/5")
    assert api.error(api.get("/api/v1/wallets/5"), 404) == "Wallet not found"
    ids = [w["id"] for w in api.walk("/api/v1/wallets", page_size=100)]
    assert 5 not in ids and len(ids) == 29
    added = api.control("POST", "wallets", {"count": 3})["ids"]
    assert added == [31, 32, 33]
    assert api.ok("GET", "/api/v1/wallets")["page"][0]["data"]["id"] == 33


def test_control_rejects_bad_input(sandbox):
    bad = requests.post(
        f"{sandbox.url}/_sandbox/send_batch_now", json={"mode": "explode"}, timeout=5
    )
    assert bad.status_code == 400
    unknown = requests.get(f"{sandbox.url}/_sandbox/nothing", timeout=5)
    assert unknown.status_code == 404
