"""Unknown is not empty: every 2xx the client cannot read as the documented shape raises
BalanceUnexpectedResponse — never a default (`[]`, `{}`, zero) a caller would take as truth.

Garbled answers come from the real sandbox over HTTP (`POST /_sandbox/faults`, with
`raw_body` for non-JSON bodies); each case names the endpoint it breaks.
"""

from decimal import Decimal
from typing import Any

import pytest

from balance.errors import (
    BalanceNotSent,
    BalanceOutcomeUnknown,
    BalanceRateLimited,
    BalanceUnexpectedResponse,
)

from .test_sandbox_support import Api


@pytest.fixture
def client(sandbox):
    return sandbox.client(get_retries=2, backoff=0)


def fault(sandbox, path: str, **rule) -> None:
    sandbox.control("POST", "faults", json={"path": path, **rule})


def calls_to(sandbox, path: str) -> list[dict]:
    return [c for c in sandbox.calls() if c["path"] == path]


# --- the wallets list: what "Refresh now" walks ----------------------------------------


def test_an_html_200_is_an_unexpected_response_not_a_plain_try_again(sandbox, client):
    """GIVEN Balance's load balancer answers 200 with an HTML maintenance page
    WHEN the client lists wallets
    THEN it raises BalanceUnexpectedResponse (outcome unknown), after the bounded GET retries."""
    html = "<html>Service temporarily unavailable</html>"
    fault(sandbox, "^/api/", raw_body=html, content_type="text/html")
    with pytest.raises(BalanceUnexpectedResponse, match="not JSON") as info:
        client.list_wallets()
    assert info.value.status == 200
    assert isinstance(info.value, BalanceOutcomeUnknown)
    assert len(calls_to(sandbox, "/api/v1/wallets")) == 3


@pytest.mark.parametrize(
    "body",
    [
        {"maintenance": True},
        {},
        {"page_info": {"has_next_page": False}},  # an envelope without any records
        {"page": [], "wallets": "soon"},  # `page` without page_info
        {"page": [{"cursor": "MQ==", "data": {"id": 1}}]},  # no page_info: is it the end?
        {"page": [], "page_info": {"has_next_page": "no"}},
        {"page": [], "page_info": {}},  # does not say whether there is more
        {"page": [{"cursor": "MQ=="}], "page_info": {"has_next_page": False}},  # no data
        "wallets",
        42,
        None,
    ],
    ids=[
        "maintenance",
        "empty-object",
        "page-info-only",
        "no-page-info",
        "records-without-page-info",
        "has-next-not-boolean",
        "has-next-missing",
        "item-without-data",
        "string",
        "number",
        "null",
    ],
)
def test_a_wallet_list_without_a_known_envelope_is_unreadable(sandbox, client, body):
    fault(sandbox, "^/api/v1/wallets$", status=200, body=body)
    with pytest.raises(BalanceUnexpectedResponse, match="cannot read"):
        client.list_wallets()


def test_has_next_page_without_a_cursor_raises_instead_of_ending_the_walk(sandbox, client):
    first = client.list_wallets()[0]
    page = {
        "page_info": {"has_next_page": True, "end_cursor": None},
        "page": [{"cursor": "MQ==", "data": _raw(sandbox, f"/api/v1/wallets/{first.id}")}],
    }
    fault(sandbox, "^/api/v1/wallets$", status=200, body=page)
    with pytest.raises(BalanceUnexpectedResponse, match="end_cursor"):
        client.list_wallets()


def test_a_page_that_repeats_its_cursor_raises_instead_of_looping(sandbox, client):
    record = _raw(sandbox, "/api/v1/wallets/1")
    page = {
        "page_info": {"has_next_page": True, "end_cursor": "MQ=="},
        "page": [{"cursor": "MQ==", "data": record}],
    }
    fault(sandbox, "^/api/v1/wallets$", status=200, body=page)
    with pytest.raises(BalanceUnexpectedResponse, match="came back twice"):
        client.list_wallets()
    queries = [c["query"] for c in calls_to(sandbox, "/api/v1/wallets")]
    assert [q.get("after") for q in queries] == [None, "MQ=="]


def test_a_wallet_without_its_balance_is_unreadable_not_empty(sandbox, client):
    record = _raw(sandbox, "/api/v1/wallets/1")
    del record["balance"]
    fault(sandbox, "^/api/v1/wallets/1$", status=200, body=record)
    with pytest.raises(BalanceUnexpectedResponse, match="balance"):
        client.get_wallet(1)


@pytest.mark.parametrize(
    "amount", [None, "12.5", True], ids=["null-amount", "string-amount", "boolean-amount"]
)
def test_a_wallet_amount_that_is_not_a_number_is_unreadable_not_zero(sandbox, client, amount):
    record = _raw(sandbox, "/api/v1/wallets/1")
    record["balance"]["btc"] = amount
    fault(sandbox, "^/api/v1/wallets/1$", status=200, body=record)
    with pytest.raises(BalanceUnexpectedResponse):
        client.get_wallet(1)


def _raw(sandbox, path: str) -> Any:
    """An answer as the sandbox sends it, parsed plainly so it can go back into a fault rule."""
    response = Api(sandbox).get(path)
    assert response.status_code == 200
    return response.json()


# --- every other endpoint ------------------------------------------------------------------


def _fil_wallet_and_provider(client) -> tuple[int, int]:
    for wallet in client.wallets_holding("fil"):
        providers = client.list_storage_providers(wallet.id)
        if providers:
            return wallet.id, providers[0].id
    raise AssertionError("the seed has a FIL wallet with storage providers")


@pytest.mark.parametrize(
    ("path", "body", "call"),
    [
        ("^/api/v2/assets/btc$", {}, lambda c: c.wallets_holding("btc")),
        ("^/api/v2/assets/btc$", {"wallets": None}, lambda c: c.wallets_holding("btc")),
        ("^/api/v1/transaction_fees$", [], lambda c: c.transaction_fees()),
        ("^/api/v1/transaction_fees$", {"btc": 1}, lambda c: c.transaction_fees()),
        (
            "^/api/v1/transaction_fees/btc$",
            {"slow": {"fee_rate": 1}},
            lambda c: c.transaction_fees("btc"),
        ),
        ("^/api/v1/stats$", [], lambda c: c.stats()),
        ("^/api/v1/stats$", {}, lambda c: c.stats()),
        ("^/api/v1/transactions/5$", [], lambda c: c.get_transaction(5)),
        ("^/api/v1/transactions/5$", {"status": "completed"}, lambda c: c.get_transaction(5)),
        (
            "^/api/v1/transactions$",
            {"page_info": {"has_next_page": False}, "page": [{"cursor": "MQ==", "data": 7}]},
            lambda c: c.list_transactions(),
        ),
        ("^/api/v1/wallets/1/transactions$", [1, 2], lambda c: c.list_wallet_transactions(1)),
        ("^/api/v1/wallets/1/transactions$", {}, lambda c: c.list_wallet_transactions(1)),
        ("^/api/v1/wallets/1/transactions/5$", [], lambda c: c.get_wallet_transaction(1, 5)),
        ("^/api/v1/external_accounts/1$", {"id": 1}, lambda c: c.get_external_account(1)),
        (
            "^/api/v1/wallets/1/assets/btc$",
            {"addresses": []},
            lambda c: c.list_sub_addresses(1, "btc"),
        ),
        (
            "^/api/v1/wallets/1/assets/btc$",
            [{"address": "mabc", "name": "x"}],  # no balance
            lambda c: c.list_sub_addresses(1, "btc"),
        ),
    ],
    ids=[
        "holders-no-wallets",
        "holders-null-wallets",
        "fees-array",
        "fees-not-presets",
        "fee-missing-presets",
        "stats-array",
        "stats-no-totals",
        "transaction-array",
        "transaction-without-id",
        "transactions-item-not-object",
        "wallet-transactions-not-objects",
        "wallet-transactions-unknown-envelope",
        "wallet-transaction-array",
        "external-account-without-addresses",
        "sub-addresses-object",
        "sub-address-without-balance",
    ],
)
def test_an_unreadable_answer_from_any_endpoint_raises(sandbox, client, path, body, call):
    fault(sandbox, path, status=200, body=body)
    with pytest.raises(BalanceUnexpectedResponse, match="cannot read"):
        call(client)


def test_storage_provider_answers_must_carry_their_wrapper(sandbox, client):
    wallet_id, provider_id = _fil_wallet_and_provider(client)
    providers = f"^/api/v1/wallets/{wallet_id}/assets/fil/storage_providers"
    plain = _raw(sandbox, f"/api/v1/wallets/{wallet_id}/assets/fil/storage_providers")
    record = plain["storage_providers"][0]
    fault(sandbox, providers + "$", status=200, body={"providers": [record]}, count=3)
    with pytest.raises(BalanceUnexpectedResponse, match="storage_providers"):
        client.list_storage_providers(wallet_id)
    fault(sandbox, providers + f"/{provider_id}$", status=200, body=record, count=3)
    with pytest.raises(BalanceUnexpectedResponse, match="storage_provider"):
        client.get_storage_provider(wallet_id, provider_id)
    fault(sandbox, providers + f"/{provider_id}$", status=200, body={"storage_provider": {}})
    with pytest.raises(BalanceUnexpectedResponse):
        client.get_storage_provider(wallet_id, provider_id)


def test_termination_fees_without_the_penalties_are_unreadable(sandbox, client):
    fault(sandbox, "sector_termination_fees", status=200, body={"last_updated_at": "x"})
    with pytest.raises(BalanceUnexpectedResponse, match="live_sectors_penalty_fil"):
        client.sector_termination_fees("t01000")


def test_an_empty_holders_page_is_the_documented_end_not_an_error(client):
    assert client.wallets_holding("btc", page=999) == []


# --- error statuses --------------------------------------------------------------------------


def test_a_5xx_is_outcome_unknown_with_its_status(sandbox):
    client = sandbox.client(get_retries=0)
    fault(sandbox, "^/api/v1/wallets/1$", status=502, raw_body="<html>Bad gateway</html>")
    with pytest.raises(BalanceOutcomeUnknown, match="HTTP 502") as info:
        client.get_wallet(1)
    assert info.value.status == 502
    assert not isinstance(info.value, BalanceNotSent)


def test_a_429_is_rate_limited_with_its_status_and_balances_text(sandbox):
    client = sandbox.client(get_retries=0)
    fault(sandbox, "^/api/v1/stats$", status=429, body={"error": "Slow down"})
    with pytest.raises(BalanceRateLimited, match="Slow down") as info:
        client.stats()
    assert info.value.status == 429
    assert isinstance(info.value, BalanceOutcomeUnknown)


def test_a_get_is_retried_through_a_transient_unreadable_answer(sandbox, client):
    fault(sandbox, "^/api/v1/wallets/1$", raw_body="<html>busy</html>", count=1)
    assert client.get_wallet(1).balance["btc"] > Decimal(0)
    calls = calls_to(sandbox, "/api/v1/wallets/1")
    assert [c["fault"] and c["fault"]["kind"] for c in calls] == ["raw_body", None]


def test_an_unreadable_record_is_described_without_python_names(sandbox):
    """GIVEN Balance answers a sub-address list whose record lacks `address`
    WHEN the client reads it
    THEN the error names the missing field in words staff read, not `KeyError: 'address'`."""
    sandbox.control(
        "POST",
        "faults",
        json={
            "path": r"/api/v1/wallets/1/assets/btc$",
            "status": 200,
            "body": [{"name": "x", "notes": None, "balance": 0, "is_watched": False}],
            "count": 1,
        },
    )
    with pytest.raises(BalanceUnexpectedResponse) as info:
        sandbox.client(get_retries=0).list_sub_addresses(1, "btc")
    assert "“address” is missing" in info.value.message
    assert "KeyError" not in info.value.message
