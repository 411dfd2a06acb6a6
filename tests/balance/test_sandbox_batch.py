"""POST /api/v2/send_batch_now in the sandbox: funds move atomically; control modes misbehave."""

from decimal import Decimal

import pytest
import requests

from .test_sandbox_support import Api

PATH = "/api/v2/send_batch_now"
TESTNET_BTC = "mztPG6nBar1mZ5J7T619iCuFP9SB5G9j5W"  # the seed's own example address
MAINNET_BTC = "1JfQeTopCr1SNk9qoF7qsfCcGtmNUvZdbg"


@pytest.fixture
def api(sandbox) -> Api:
    return Api(sandbox)


def _btc(api: Api, wallet_id: int) -> tuple[Decimal, Decimal]:
    wallet = api.ok("GET", f"/api/v1/wallets/{wallet_id}")
    return wallet["balance"].get("btc", Decimal(0)), wallet["spendable_balance"].get(
        "btc", Decimal(0)
    )


def _external_with_btc(api: Api) -> int:
    accounts = api.walk("/api/v1/external_accounts", page_size=100)
    return next(a["id"] for a in accounts if "btc" in a["funding_addresses"])


def _batch(api: Api, **overrides) -> dict:
    body = {
        "source_wallet_id": 1,
        "asset": "btc",
        "destinations": [
            {"type": "wallet", "id": 2, "amount": "10000000"},
            {"type": "external_account", "id": _external_with_btc(api), "amount": "2000000"},
            {"type": "public_address", "public_address": TESTNET_BTC, "amount": "1"},
        ],
    }
    body.update(overrides)
    return body


def test_batch_moves_funds_and_records_a_transaction(api, sandbox):
    api.control("POST", "wallets/1/balances", {"btc": "1234567891"})
    api.control("POST", "wallets/2/balances", {"btc": "5"})
    tx = api.ok("POST", PATH, _batch(api))
    assert (tx["type"], tx["status"], tx["is_batched"]) == ("transaction", "completed", True)
    assert tx["amounts"] == {"btc": Decimal("0.12000001")}
    assert tx["source"]["id"] == 1 and tx["destination"]["id"] == 2
    assert [d["amount"] for d in tx["destinations"]] == ["10000000", "2000000", "1"]
    (entry,) = tx["transaction_ids"]
    assert entry["currency"] == "btc" and len(entry["transaction_id"]) == 64
    assert _btc(api, 1) == (Decimal("12.22567890"), Decimal("12.22567890"))
    assert _btc(api, 2) == (Decimal("0.10000005"), Decimal("0.10000005"))
    assert api.ok("GET", f"/api/v1/transactions/{tx['id']}")["id"] == tx["id"]
    outgoing = api.ok("GET", "/api/v1/wallets/1/transactions")[0]
    assert (outgoing["id"], outgoing["direction"]) == (tx["id"], "outgoing")
    incoming = api.ok("GET", "/api/v1/wallets/2/transactions")[0]
    assert (incoming["id"], incoming["direction"]) == (tx["id"], "incoming")
    # Sub-address balances stay within the new total.
    assert sum(a["balance"] for a in api.ok("GET", "/api/v1/wallets/1/assets/btc")) == Decimal(
        "12.22567890"
    )


INVALID = [
    ({"source_wallet_id": 999}, 404, "Wallet not found"),
    ({"source_wallet_id": "1"}, 400, "source_wallet_id must be an integer"),
    ({"asset": "eth"}, 400, "Asset eth is not supported"),
    ({"destinations": []}, 400, "destinations must be a non-empty array"),
    ({"destinations": {"type": "wallet"}}, 400, "destinations must be a non-empty array"),
    ({"destinations": [{"type": "wallet", "id": 2, "amount": 100}]}, 400, "amount must be"),
    ({"destinations": [{"type": "wallet", "id": 2, "amount": "0"}]}, 400, "amount must be"),
    ({"destinations": [{"type": "wallet", "id": 2, "amount": "1.5"}]}, 400, "amount must be"),
    ({"destinations": [{"type": "wallet", "id": 2, "amount": "-3"}]}, 400, "amount must be"),
    ({"destinations": [{"type": "external", "id": 2, "amount": "1"}]}, 400, "type must be"),
    ({"destinations": [{"type": "wallet", "amount": "1"}]}, 400, "id must be an integer"),
    ({"destinations": [{"type": "wallet", "id": 999, "amount": "1"}]}, 404, "Wallet not found"),
    (
        {"destinations": [{"type": "external_account", "id": 999, "amount": "1"}]},
        404,
        "External account not found",
    ),
    (
        {
            "destinations": [
                {"type": "public_address", "id": 2, "public_address": TESTNET_BTC, "amount": "1"}
            ]
        },
        400,
        "id can not be used",
    ),
    (
        {
            "destinations": [
                {"type": "wallet", "id": 2, "public_address": TESTNET_BTC, "amount": "1"}
            ]
        },
        400,
        "can only be used with type public_address",
    ),
    (
        {
            "destinations": [
                {"type": "public_address", "public_address": MAINNET_BTC, "amount": "1"}
            ]
        },
        400,
        "not a valid btc address",
    ),
    (
        {"destinations": [{"type": "wallet", "id": 2, "amount": "1", "memo": "x"}]},
        400,
        "unpermitted parameter: destinations[0].memo",
    ),
    ({"fee": "fast"}, 400, "unpermitted parameter: fee"),
    (
        {"destinations": [{"type": "wallet", "id": 2, "amount": "1234567892"}]},
        400,
        "Insufficient funds",
    ),
]


@pytest.mark.parametrize(("overrides", "status", "message"), INVALID)
def test_invalid_batches_change_nothing(api, overrides, status, message):
    api.control("POST", "wallets/1/balances", {"btc": "1234567891"})
    before = (_btc(api, 1), _btc(api, 2))
    error = api.error(api.post(PATH, _batch(api, **overrides)), status)
    assert message in error
    assert (_btc(api, 1), _btc(api, 2)) == before


def test_spendable_limits_the_batch(api):
    api.control("POST", "wallets/1/balances", {"btc": "1000", "spendable": {"btc": "10"}})
    body = _batch(api, destinations=[{"type": "wallet", "id": 2, "amount": "11"}])
    assert api.error(api.post(PATH, body), 400).startswith("Insufficient funds")


def test_cold_source_is_refused(api):
    cold = api.walk("/api/v1/wallets", type="cold", page_size=100)[0]["id"]
    api.control("POST", f"wallets/{cold}/balances", {"btc": "1000"})
    body = _batch(
        api, source_wallet_id=cold, destinations=[{"type": "wallet", "id": 2, "amount": "1"}]
    )
    assert "warm" in api.error(api.post(PATH, body), 400)


def test_reject_mode_does_not_commit_and_counts_down(api):
    api.control(
        "POST",
        "send_batch_now",
        {"mode": "reject", "status": 403, "message": "Transaction limit reached", "count": 1},
    )
    before = _btc(api, 1)
    assert api.error(api.post(PATH, _batch(api)), 403) == "Transaction limit reached"
    assert _btc(api, 1) == before
    assert api.post(PATH, _batch(api)).status_code == 200


def test_commit_then_500_commits(api):
    api.control("POST", "send_batch_now", {"mode": "commit_then_500"})
    before = _btc(api, 1)[0]
    assert api.post(PATH, _batch(api)).status_code == 500
    assert _btc(api, 1)[0] == before - Decimal("0.12000001")
    # count null: the mode stays until reset
    assert api.post(PATH, _batch(api)).status_code == 500


def test_commit_then_timeout_commits_and_is_logged_before_the_answer(api, sandbox):
    api.control(
        "POST", "send_batch_now", {"mode": "commit_then_timeout", "delay_s": 1.5, "count": 1}
    )
    before = _btc(api, 1)[0]
    with pytest.raises(requests.ReadTimeout):
        api.post(PATH, _batch(api), timeout=0.4)
    assert _btc(api, 1)[0] == before - Decimal("0.12000001")
    logged = [c for c in sandbox.calls() if c["path"] == PATH]
    assert logged[-1]["status"] == 200 and logged[-1]["body"]["source_wallet_id"] == 1
    assert api.post(PATH, _batch(api)).status_code == 200  # count 1: back to normal
