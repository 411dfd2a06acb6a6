"""Filecoin in the sandbox (seed 001): storage providers, drift, withdrawals, termination fees."""

from decimal import Decimal

import pytest

from .test_sandbox_support import Api

SP_PATH = "/api/v1/wallets/1/assets/fil/storage_providers"
SP_KEYS = {"id", "storage_provider", "initial_pledge", "locked_rewards", "available_balance"}
SUMMARY_KEYS = {
    "active_sectors",
    "live_sectors",
    "faulty_sectors",
    "faulty_sectors_penalty_fil",
    "live_sectors_penalty_fil",
    "last_updated_at",
}
FEES_PATH = "/api/v2/assets/fil/sector_termination_fees"


@pytest.fixture
def api(sandbox) -> Api:
    # Wall-clock drift off: only ticks move the sectors, so the tests are exact.
    sandbox.control("POST", "options", json={"sector_step_seconds": 0})
    return Api(sandbox)


def test_list_and_detail(api):
    providers = api.ok("GET", SP_PATH)["storage_providers"]
    assert [p["id"] for p in providers] == [125, 126]
    assert all(set(p) == SP_KEYS and p["storage_provider"].startswith("t0") for p in providers)
    detail = api.ok("GET", f"{SP_PATH}/125")["storage_provider"]
    assert detail == providers[0]
    summary = api.ok("GET", f"{SP_PATH}/125", show_sector_summary="true")["storage_provider"]
    assert set(summary) == SP_KEYS | SUMMARY_KEYS
    assert summary["live_sectors"] == summary["active_sectors"] + summary["faulty_sectors"]
    assert api.error(api.get(f"{SP_PATH}/9999"), 404) == "Storage provider not found"
    other_wallet = api.get("/api/v1/wallets/2/assets/fil/storage_providers/125")
    assert api.error(other_wallet, 404) in ("Storage provider not found", "Wallet not found")


def _summary(api: Api) -> dict:
    return api.ok("GET", f"{SP_PATH}/125", show_sector_summary="true")["storage_provider"]


def test_sectors_drift_deterministically_and_sometimes_fault(api, sandbox):
    start = _summary(api)
    history = []
    for _ in range(40):
        sandbox.control("POST", "tick", json={"steps": 1})
        history.append(_summary(api))
    assert history[-1]["active_sectors"] != start["active_sectors"]
    assert any(s["faulty_sectors"] > 0 for s in history), "40 steps without a single fault"
    sandbox.reset()
    sandbox.control("POST", "options", json={"sector_step_seconds": 0})
    sandbox.control("POST", "tick", json={"steps": 40})
    replay = _summary(api)
    strip = ("last_updated_at",)
    assert {k: v for k, v in replay.items() if k not in strip} == {
        k: v for k, v in history[-1].items() if k not in strip
    }


def test_withdrawal_lifecycle(api, sandbox):
    available = api.ok("GET", f"{SP_PATH}/125")["storage_provider"]["available_balance"]
    fil_before = api.ok("GET", "/api/v1/wallets/1")["balance"]["fil"]
    tx = api.ok(
        "POST",
        f"{SP_PATH}/125/withdrawals",
        {"amount_afil": 123000000000, "fee": "fast", "notes": "Withdraw initial reward."},
    )
    assert (tx["type"], tx["status"], tx["is_batched"]) == ("transaction", "inactive", False)
    assert tx["amounts"] == {"fil": Decimal("0.000000123")}
    assert tx["source"]["kind"] == "external" and tx["destination"]["id"] == 1
    assert tx["notes"].startswith("Withdraw initial reward.\n\nBalance withdrawal from FIL miner")
    assert tx["fee_units"] == {"fil": "nanoFil"} and tx["fees"]["fil"] == Decimal("0.00025202")
    after = api.ok("GET", f"{SP_PATH}/125")["storage_provider"]["available_balance"]
    assert after == available - Decimal("0.000000123")
    sandbox.control("POST", "tick", json={"steps": 1})
    done = api.ok("GET", f"/api/v1/transactions/{tx['id']}")
    assert done["status"] == "completed" and done["transaction_ids"]
    fil_after = api.ok("GET", "/api/v1/wallets/1")["balance"]["fil"]
    assert fil_after == fil_before + Decimal("0.000000123")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"amount_afil": 1, "fee": "fast", "fee_rate": "slow"}, "fee and fee_rate differ"),
        ({"amount_afil": 1, "fee": "turbo"}, "fee must be"),
        ({"amount_afil": "1"}, "amount_afil must be"),
        ({"amount_afil": 1.5}, "amount_afil must be"),
        ({"amount_afil": 0}, "amount_afil must be"),
        ({}, "amount_afil"),
        ({"amount_afil": 1, "destination": 3}, "unpermitted parameter: destination"),
        ({"amount_afil": 10**40}, "Insufficient funds"),
    ],
)
def test_withdrawal_validation(api, body, message):
    assert message in api.error(api.post(f"{SP_PATH}/125/withdrawals", body), 400)


def test_withdrawal_accepts_fee_rate_alone_or_equal(api):
    for body in (
        {"amount_afil": 5, "fee_rate": "slow"},
        {"amount_afil": 5, "fee": 0.0002, "fee_rate": 0.0002},
    ):
        assert api.post(f"{SP_PATH}/125/withdrawals", body).status_code == 200


def test_withdrawal_needs_the_withdrawals_path(api):
    response = api.post(f"{SP_PATH}/125", {"amount_afil": 1})
    assert api.error(response, 404) == "Not found"


def test_termination_fees_rate_limit(api, sandbox):
    address = api.ok("GET", f"{SP_PATH}/125")["storage_provider"]["storage_provider"]
    sandbox.control("POST", "rate_limit", json={"termination_fees_window_s": 15})
    first = api.ok("GET", FEES_PATH, storage_provider_address=address)
    assert set(first) == {
        "live_sectors_penalty_fil",
        "faulty_sectors_penalty_fil",
        "last_updated_at",
    }
    limited = api.get(FEES_PATH, storage_provider_address=address)
    assert "Rate limit" in api.error(limited, 429)
    sandbox.control("POST", "rate_limit", json={"termination_fees_window_s": 0})
    assert api.get(FEES_PATH, storage_provider_address=address).status_code == 200
    assert api.error(api.get(FEES_PATH), 400).endswith("storage_provider_address")
    assert api.error(api.get(FEES_PATH, storage_provider_address="t09"), 404)
