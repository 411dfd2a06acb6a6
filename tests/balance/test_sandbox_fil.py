"""Filecoin in the sandbox (seed 001): storage providers, drift, withdrawals, termination fees."""

import json
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


# --- fee debt and the Filecoin controls (balance/sandbox/control_fil.py) ---------------------


def _set(sandbox, provider_id: int, **figures):
    return sandbox.control("POST", f"storage_providers/{provider_id}", json=figures)


def test_fault_fees_can_push_the_available_balance_below_zero(api, sandbox):
    """Filecoin fee debt: fees are charged even when the available balance cannot pay them."""
    _set(sandbox, 125, available_balance="1", locked_rewards="0", faulty_sectors=5000)

    sandbox.control("POST", "tick", json={"steps": 1})
    available = _summary(api)["available_balance"]

    assert available < 0
    refused = api.post(f"{SP_PATH}/125/withdrawals", {"amount_afil": 1})
    assert api.error(refused, 400).startswith("Insufficient funds: storage provider")
    assert "-" in api.error(refused, 400)


def test_a_pinned_provider_keeps_its_figures_and_reading_time(api, sandbox):
    response = _set(
        sandbox,
        125,
        active_sectors=900,
        faulty_sectors=100,
        available_balance="-2500000000000000000",
        last_updated_at="2024-01-02T03:04:05Z",
        pinned=True,
    )
    set_ = json.loads(response.content, parse_float=Decimal)
    sandbox.control("POST", "tick", json={"steps": 5})
    pinned = _summary(api)

    assert set_ == pinned
    assert (pinned["active_sectors"], pinned["faulty_sectors"], pinned["live_sectors"]) == (
        900,
        100,
        1000,
    )
    assert pinned["available_balance"] == Decimal("-2.500000000000000000")
    assert pinned["last_updated_at"] == "2024-01-02T03:04:05.000Z"

    _set(sandbox, 125, pinned=False)
    sandbox.control("POST", "tick", json={"steps": 1})
    moving = _summary(api)
    assert moving["last_updated_at"] != pinned["last_updated_at"]


def test_each_new_reading_has_a_later_time_even_within_a_second(api, sandbox):
    times = []
    for _ in range(3):
        sandbox.control("POST", "tick", json={"steps": 1})
        times.append(_summary(api)["last_updated_at"])

    assert times == sorted(set(times))


def test_a_deleted_provider_disappears_from_every_endpoint(api, sandbox):
    address = _summary(api)["storage_provider"]
    sandbox.control("POST", "rate_limit", json={"termination_fees_window_s": 0})

    sandbox.control("DELETE", "storage_providers/125")

    assert [p["id"] for p in api.ok("GET", SP_PATH)["storage_providers"]] == [126]
    assert api.error(api.get(f"{SP_PATH}/125"), 404) == "Storage provider not found"
    assert api.error(api.get(FEES_PATH, storage_provider_address=address), 404)
    assert 125 not in sandbox.control("GET", "info").json()["storage_providers"]


def test_more_providers_can_be_added_for_benchmarks(api, sandbox):
    before = sandbox.control("GET", "info").json()["storage_providers"]

    added = sandbox.control("POST", "storage_providers", json={"count": 5, "wallet_id": 1}).json()[
        "ids"
    ]

    assert added == list(range(max(before) + 1, max(before) + 6))
    listed = [p["id"] for p in api.ok("GET", SP_PATH)["storage_providers"]]
    assert listed == [125, 126, *added]
    addresses = {p["storage_provider"] for p in api.ok("GET", SP_PATH)["storage_providers"]}
    assert len(addresses) == 7


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"faulty_sectors": -1}, "faulty_sectors must be an integer"),
        ({"available_balance": 5}, "available_balance must be a string of signed base units"),
        ({"available_balance": "1.5"}, "available_balance must be a string of signed base units"),
        ({"last_updated_at": "yesterday"}, "last_updated_at must be"),
        ({"pinned": "yes"}, "pinned must be a boolean"),
        ({"colour": "red"}, "unpermitted parameter: colour"),
    ],
)
def test_provider_controls_validate_their_input(sandbox, body, message):
    import requests

    response = requests.post(f"{sandbox.url}/_sandbox/storage_providers/125", json=body, timeout=5)

    assert response.status_code == 400 and message in response.json()["error"]
