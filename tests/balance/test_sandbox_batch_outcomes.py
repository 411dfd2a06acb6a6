"""Batches that stay pending and then complete or fail (`POST /_sandbox/batches`), over ticks.

While pending, the total is held on the source (spendable drops, the total stays) and
nothing reaches the destinations; on `completed` the funds leave and wallet destinations are
credited; on `failed` the hold is released, so the source gets everything back.
"""

from decimal import Decimal

import pytest

from .test_sandbox_support import Api

PATH = "/api/v2/send_batch_now"


@pytest.fixture
def api(sandbox) -> Api:
    api = Api(sandbox)
    # Ticks only: no wall-clock steps, so "after N ticks" is exact.
    api.control("POST", "options", {"sector_step_seconds": 0})
    api.control("POST", "wallets/1/balances", {"btc": "100000000"})
    api.control("POST", "wallets/2/balances", {"btc": "5"})
    return api


def btc(api: Api, wallet_id: int) -> tuple[Decimal, Decimal]:
    """(total, spendable) in BTC."""
    wallet = api.ok("GET", f"/api/v1/wallets/{wallet_id}")
    return wallet["balance"]["btc"], wallet["spendable_balance"]["btc"]


def send(api: Api, units: str = "30000000") -> dict:
    body = {
        "source_wallet_id": 1,
        "asset": "btc",
        "destinations": [{"type": "wallet", "id": 2, "amount": units}],
    }
    return api.ok("POST", PATH, body)


def status(api: Api, tx_id: int) -> str:
    return api.ok("GET", f"/api/v1/transactions/{tx_id}")["status"]


def tick(api: Api, steps: int = 1) -> None:
    api.control("POST", "tick", {"steps": steps})


def test_by_default_a_batch_completes_at_once(api):
    tx = send(api)
    assert tx["status"] == "completed" and tx["completed_at"]
    assert btc(api, 1) == (Decimal("0.70000000"), Decimal("0.70000000"))
    assert btc(api, 2) == (Decimal("0.30000005"), Decimal("0.30000005"))


def test_a_pending_batch_completes_after_the_ticks(api):
    """GIVEN batches set to stay pending for 2 ticks then complete
    WHEN a batch is sent and the clock ticks
    THEN it is pending_generation with the funds held, and completes at the second tick."""
    control = api.control(
        "POST", "batches", {"mode": "pending", "then": "completed", "after_ticks": 2}
    )
    assert control["status"] == "pending_generation"
    tx = send(api)
    assert (tx["status"], tx["completed_at"], tx["transaction_ids"]) == (
        "pending_generation",
        None,
        [],
    )
    assert btc(api, 1) == (Decimal("1.00000000"), Decimal("0.70000000"))
    assert btc(api, 2) == (Decimal("0.00000005"), Decimal("0.00000005"))
    pending = api.ok("GET", "/api/v1/transactions", status="pending_generation")["page"]
    assert tx["id"] in [p["data"]["id"] for p in pending]

    tick(api)
    assert status(api, tx["id"]) == "pending_generation"
    tick(api)
    done = api.ok("GET", f"/api/v1/transactions/{tx['id']}")
    assert done["status"] == "completed" and done["completed_at"]
    assert len(done["transaction_ids"]) == 1
    assert btc(api, 1) == (Decimal("0.70000000"), Decimal("0.70000000"))
    assert btc(api, 2) == (Decimal("0.30000005"), Decimal("0.30000005"))


def test_a_pending_batch_that_fails_gives_the_funds_back(api):
    api.control("POST", "batches", {"mode": "pending", "then": "failed", "after_ticks": 1})
    tx = send(api)
    assert btc(api, 1) == (Decimal("1.00000000"), Decimal("0.70000000"))
    tick(api)
    failed = api.ok("GET", f"/api/v1/transactions/{tx['id']}")
    assert (failed["status"], failed["transaction_ids"]) == ("failed", [])
    assert btc(api, 1) == (Decimal("1.00000000"), Decimal("1.00000000"))
    assert btc(api, 2) == (Decimal("0.00000005"), Decimal("0.00000005"))
    in_wallet = api.ok("GET", f"/api/v1/wallets/1/transactions/{tx['id']}")
    assert in_wallet["status"] == "failed"


def test_the_pending_control_counts_down_then_batches_complete_at_once(api):
    api.control("POST", "batches", {"mode": "pending", "status": "approved", "count": 1})
    first = send(api, "1")
    second = send(api, "1")
    assert (first["status"], second["status"]) == ("approved", "completed")
    tick(api)
    assert status(api, first["id"]) == "completed"


def test_held_funds_limit_the_next_batch(api):
    api.control("POST", "batches", {"mode": "pending"})
    send(api, "60000000")
    response = api.post(
        PATH,
        {
            "source_wallet_id": 1,
            "asset": "btc",
            "destinations": [{"type": "wallet", "id": 2, "amount": "60000000"}],
        },
    )
    assert "Insufficient funds" in api.error(response, 400)


def test_a_reset_clears_the_pending_control(api, sandbox):
    api.control("POST", "batches", {"mode": "pending"})
    sandbox.reset()
    api.control("POST", "wallets/1/balances", {"btc": "100000000"})
    assert send(api)["status"] == "completed"


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "later"},
        {"mode": "pending", "then": "canceled"},
        {"mode": "pending", "status": "completed"},
        {"mode": "pending", "after_ticks": 0},
        {"mode": "pending", "colour": "red"},
    ],
)
def test_the_batches_control_rejects_bad_input(sandbox, body):
    import requests

    response = requests.post(f"{sandbox.url}/_sandbox/batches", json=body, timeout=5)
    assert response.status_code == 400
