"""BalanceClient against the real Balance sandbox over HTTP: every method, auth and faults.

The sandbox fixture runs `manage.py runsandbox` (seed 7, 30 wallets), reset before each test.
Tests discover the demo data through the API rather than hard-coding it.
"""

from decimal import Decimal

import pytest

from balance.client import BalanceClient
from balance.errors import (
    BalanceAuthError,
    BalanceNotSent,
    BalanceOutcomeUnknown,
    BalanceRejected,
    BalanceTimeout,
    BalanceUnavailable,
)
from balance.types import FundingAddress, StorageProvider, Wallet


@pytest.fixture
def client(sandbox):
    return sandbox.client(get_retries=2, backoff=0)


def _wallet_calls(sandbox):
    return [c for c in sandbox.calls() if c["path"] == "/api/v1/wallets"]


def test_list_wallets_walks_every_page_newest_first(sandbox, client):
    wallets = client.list_wallets(page_size=7)
    assert len(wallets) == 30
    ids = [w.id for w in wallets]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 30
    calls = _wallet_calls(sandbox)
    assert len(calls) == 5  # 7+7+7+7+2
    assert all(isinstance(w, Wallet) and w.spendable_balance is None for w in wallets)
    assert all(isinstance(v, Decimal) for w in wallets for v in w.balance.values())


def test_list_wallets_filters_by_kind(client):
    cold = client.list_wallets(kind="cold")
    assert cold and all(w.kind == "cold" for w in cold)


def test_get_wallet_includes_spendable_balances(client):
    first = client.list_wallets()[0]
    wallet = client.get_wallet(first.id)
    assert wallet.id == first.id
    assert wallet.spendable_balance is not None
    for ticker, total in wallet.balance.items():
        assert wallet.spendable_balance.get(ticker, Decimal(0)) <= total


def test_get_unknown_wallet_is_rejected_with_balances_message(client):
    with pytest.raises(BalanceRejected) as info:
        client.get_wallet(999_999)
    assert info.value.status == 404
    assert info.value.message


def test_wallets_holding_orders_by_balance_and_pages(client):
    by_balance = client.wallets_holding("btc", order_by="balance")
    assert by_balance
    amounts = [w.balance["btc"] for w in by_balance]
    assert amounts == sorted(amounts, reverse=True)
    assert all(a > 0 for a in amounts)
    by_id = client.wallets_holding("btc", order_by="id")
    assert [w.id for w in by_id] == sorted((w.id for w in by_id), reverse=True)
    assert client.wallets_holding("btc", page=999) == []


def test_wallets_holding_rejects_an_unknown_order(client):
    with pytest.raises(BalanceRejected):
        client.wallets_holding("btc", order_by="name")


def test_sub_addresses_create_then_update_persist(client):
    wallet = client.list_wallets()[0]
    before = client.list_sub_addresses(wallet.id, "btc")
    after = client.create_sub_address(
        wallet.id, "btc", name="Payroll deposits", notes="created by test", is_watched=True
    )
    assert len(after) == len(before) + 1
    new = next(a for a in after if a.name == "Payroll deposits")
    assert isinstance(new, FundingAddress)
    assert new.balance == 0 and new.is_watched and new.notes == "created by test"

    updated = client.update_sub_address(
        wallet.id, "btc", new.address, name="Renamed", is_watched=False
    )
    assert (updated.address, updated.name, updated.is_watched) == (new.address, "Renamed", False)
    assert updated.notes == "created by test"
    listed = {a.address: a for a in client.list_sub_addresses(wallet.id, "btc")}
    assert listed[new.address].name == "Renamed"


def test_sub_address_on_unsupported_currency_gives_balances_text(client):
    wallet = client.list_wallets()[0]
    with pytest.raises(BalanceRejected) as info:
        client.create_sub_address(wallet.id, "eth", name="x")
    assert info.value.message == "Currency eth does not support sub-addresses."
    assert info.value.status == 400


def test_external_accounts_list_and_detail(client):
    accounts = client.list_external_accounts(page_size=3)
    assert len(accounts) >= 4  # more than one page of 3
    one = client.get_external_account(accounts[0].id)
    assert one == accounts[0]
    assert one.addresses


def test_transaction_fees_are_public_and_per_currency(sandbox, client):
    fees = client.transaction_fees()
    assert {"slow", "medium", "fast"} <= set(fees["btc"])
    btc = client.transaction_fees("btc")
    assert btc["fast"]["fee_rate"] >= btc["slow"]["fee_rate"]
    assert isinstance(btc["fast"]["fee_rate"], Decimal)


def test_stats(client):
    stats = client.stats()
    assert "btc" in stats["total_assets_in_custody"]


def test_transactions_list_detail_and_per_wallet(client):
    transactions = client.list_transactions(page_size=5)
    assert transactions
    first = transactions[0]
    assert client.get_transaction(first["id"])["id"] == first["id"]
    completed = client.list_transactions(status="completed")
    assert all(t["status"] == "completed" for t in completed)


def _funded_pair(client, asset="btc"):
    holders = client.wallets_holding(asset, order_by="balance")
    source = client.get_wallet(holders[0].id)
    target = next(w for w in client.list_wallets() if w.id != source.id)
    return source, target


def test_send_batch_now_moves_funds_once(sandbox, client):
    source, target = _funded_pair(client)
    result = client.send_batch_now(
        source_wallet_id=source.id,
        asset="btc",
        destinations=[{"type": "wallet", "id": target.id, "amount": 1_000}],
    )
    assert result["is_batched"] is True
    after = client.get_wallet(source.id)
    assert after.balance["btc"] == source.balance["btc"] - Decimal("0.00001000")
    sends = [c for c in sandbox.calls() if c["path"] == "/api/v2/send_batch_now"]
    assert len(sends) == 1
    assert sends[0]["body"]["destinations"][0]["amount"] == "1000"
    wallet_txs = client.list_wallet_transactions(source.id)
    assert any(t.get("id") == result["id"] for t in wallet_txs)
    assert client.get_wallet_transaction(source.id, result["id"])["id"] == result["id"]


def test_send_batch_now_insufficient_funds_is_rejected(client):
    source, target = _funded_pair(client)
    too_much = int(source.balance["btc"] * 10**8) + 1
    with pytest.raises(BalanceRejected) as info:
        client.send_batch_now(
            source_wallet_id=source.id,
            asset="btc",
            destinations=[{"type": "wallet", "id": target.id, "amount": too_much}],
        )
    assert info.value.status == 400


def test_send_batch_now_reject_mode_reaches_the_caller_verbatim(sandbox, client):
    source, target = _funded_pair(client)
    sandbox.control(
        "POST", "send_batch_now", json={"mode": "reject", "message": "Limit reached", "status": 403}
    )
    with pytest.raises(BalanceRejected) as info:
        client.send_batch_now(
            source_wallet_id=source.id,
            asset="btc",
            destinations=[{"type": "wallet", "id": target.id, "amount": 1}],
        )
    assert (info.value.status, info.value.message) == (403, "Limit reached")
    assert client.get_wallet(source.id).balance["btc"] == source.balance["btc"]


def test_send_batch_now_commit_then_500_is_outcome_unknown_and_not_retried(sandbox, client):
    source, target = _funded_pair(client)
    sandbox.control("POST", "send_batch_now", json={"mode": "commit_then_500"})
    with pytest.raises(BalanceOutcomeUnknown) as info:
        client.send_batch_now(
            source_wallet_id=source.id,
            asset="btc",
            destinations=[{"type": "wallet", "id": target.id, "amount": 5}],
        )
    assert info.value.status == 500
    sends = [c for c in sandbox.calls() if c["path"] == "/api/v2/send_batch_now"]
    assert len(sends) == 1
    # Balance did act: the outcome is "unknown" to the caller, not "failed".
    assert client.get_wallet(source.id).balance["btc"] == source.balance["btc"] - Decimal(
        "0.00000005"
    )


def test_send_batch_now_commit_then_timeout_is_a_timeout_sent_once(sandbox):
    client = sandbox.client(read_timeout=1, backoff=0)
    source, target = _funded_pair(client)
    sandbox.control("POST", "send_batch_now", json={"mode": "commit_then_timeout", "delay_s": 3})
    with pytest.raises(BalanceTimeout):
        client.send_batch_now(
            source_wallet_id=source.id,
            asset="btc",
            destinations=[{"type": "wallet", "id": target.id, "amount": 7}],
        )
    sends = [c for c in sandbox.calls() if c["path"] == "/api/v2/send_batch_now"]
    assert len(sends) == 1


def _fil_wallet_with_provider(client):
    for wallet in client.wallets_holding("fil"):
        providers = client.list_storage_providers(wallet.id)
        if providers:
            return wallet, providers
    raise AssertionError("the sandbox seed has no FIL wallet with storage providers")


def test_storage_providers_list_detail_and_sector_summary(client):
    wallet, providers = _fil_wallet_with_provider(client)
    assert all(isinstance(p, StorageProvider) for p in providers)
    plain = client.get_storage_provider(wallet.id, providers[0].id)
    assert plain.live_sectors is None
    summary = client.get_storage_provider(wallet.id, providers[0].id, show_sector_summary=True)
    assert summary.live_sectors is not None and summary.faulty_sectors is not None
    assert summary.active_sectors is not None and summary.last_updated_at
    assert isinstance(summary.available_balance, Decimal)


def test_reward_withdrawal_sends_fee_and_attofil_integer(sandbox, client):
    wallet, providers = _fil_wallet_with_provider(client)
    provider = max(providers, key=lambda p: p.available_balance)
    result = client.withdraw_storage_provider_rewards(
        wallet.id, provider.id, amount_afil=123_000_000_000, fee="fast", notes="rewards"
    )
    assert result["type"] == "transaction"
    call = next(c for c in sandbox.calls() if c["path"].endswith("/withdrawals"))
    assert call["body"] == {"amount_afil": 123_000_000_000, "fee": "fast", "notes": "rewards"}


def test_reward_withdrawal_above_available_is_rejected(client):
    wallet, providers = _fil_wallet_with_provider(client)
    with pytest.raises(BalanceRejected):
        client.withdraw_storage_provider_rewards(wallet.id, providers[0].id, amount_afil=10**40)


def test_sector_termination_fees(client):
    wallet, providers = _fil_wallet_with_provider(client)
    fees = client.sector_termination_fees(providers[0].storage_provider)
    assert "live_sectors_penalty_fil" in fees and "faulty_sectors_penalty_fil" in fees


def test_wrong_secret_is_an_auth_error_with_balances_text(sandbox):
    client = BalanceClient(base_url=sandbox.url, access_id=sandbox.access_id, secret_key="wrong")
    with pytest.raises(BalanceAuthError, match="Invalid signature"):
        client.list_wallets()


def test_unknown_access_id_is_an_auth_error(sandbox):
    client = BalanceClient(base_url=sandbox.url, access_id="nobody", secret_key=sandbox.secret_key)
    with pytest.raises(BalanceAuthError):
        client.stats()


def test_get_is_retried_through_a_transient_503(sandbox, client):
    sandbox.control("POST", "faults", json={"path": "^/api/v1/stats$", "status": 503, "count": 1})
    assert "total_assets_in_custody" in client.stats()
    stats_calls = [c for c in sandbox.calls() if c["path"] == "/api/v1/stats"]
    assert [c["status"] for c in stats_calls] == [503, 200]


def test_a_persistent_503_is_outcome_unknown_after_bounded_retries(sandbox, client):
    sandbox.control(
        "POST",
        "faults",
        json={"path": "^/api/v1/stats$", "status": 503, "body": {"error": "maintenance"}},
    )
    with pytest.raises(BalanceOutcomeUnknown, match="maintenance") as info:
        client.stats()
    assert info.value.status == 503
    assert len([c for c in sandbox.calls() if c["path"] == "/api/v1/stats"]) == 3


def test_a_slow_balance_times_out(sandbox):
    client = sandbox.client(read_timeout=0.5, get_retries=0)
    sandbox.control("POST", "latency", json={"ms": 1500})
    with pytest.raises(BalanceTimeout):
        client.stats()


def test_connection_refused_is_not_sent():
    from tests.conftest import free_port

    client = BalanceClient(
        base_url=f"http://127.0.0.1:{free_port()}", access_id="a", secret_key="b", get_retries=0
    )
    with pytest.raises(BalanceNotSent, match="unreachable"):
        client.stats()


@pytest.mark.parametrize(
    ("path", "body", "call"),
    [
        ("^/api/v1/wallets/1$", {"unexpected": True}, lambda c: c.get_wallet(1)),
        (
            "^/api/v1/wallets/1/assets/btc$",
            {"addresses": []},
            lambda c: c.list_sub_addresses(1, "btc"),
        ),
        ("^/api/v1/wallets$", {"page": [{"data": {"name": "no id"}}]}, lambda c: c.list_wallets()),
        (
            "^/api/v1/wallets/1/assets/btc$",
            {"error": None, "address": "x"},
            lambda c: c.create_sub_address(1, "btc", name="n"),
        ),
    ],
)
def test_an_unreadable_2xx_body_is_a_typed_error_not_a_crash(sandbox, client, path, body, call):
    """GIVEN Balance answers 200 with a body of another shape WHEN the client reads it
    THEN it raises BalanceUnexpectedResponse (a BalanceUnavailable), which every caller handles."""
    from balance.errors import BalanceUnexpectedResponse

    sandbox.control("POST", "faults", json={"path": path, "status": 200, "body": body})
    with pytest.raises(BalanceUnexpectedResponse, match="cannot read") as info:
        call(client)
    assert isinstance(info.value, BalanceUnavailable)


def test_wallet_transactions_walk_every_page_when_balance_paginates_them(sandbox, client):
    """GIVEN Balance answers a wallet's transactions in cursor pages (not documented either way)
    WHEN the client lists them with a small page size
    THEN it follows every page and returns the same records as the bare-array answer."""
    whole = client.list_wallet_transactions(1)
    assert len(whole) >= 3
    sandbox.control("POST", "options", json={"paginate_wallet_transactions": True})
    paged = client.list_wallet_transactions(1, page_size=1)
    assert paged == whole
    calls = [c for c in sandbox.calls() if c["path"] == "/api/v1/wallets/1/transactions"]
    assert len(calls) == 1 + len(whole)  # the bare array, then one page per record
    assert [c["query"].get("after") is not None for c in calls[1:]] == [False] + [True] * (
        len(whole) - 1
    )
    assert [len(p) for p in client.iter_wallet_transaction_pages(1, page_size=2)] == [
        min(2, len(whole) - i) for i in range(0, len(whole), 2)
    ]


def test_wallet_transactions_keep_the_documented_filters(sandbox, client):
    sandbox.control("POST", "options", json={"paginate_wallet_transactions": True})
    completed = client.list_wallet_transactions(1, status="completed", type="internal")
    assert completed and all(t["status"] == "completed" for t in completed)
    call = next(c for c in sandbox.calls() if c["path"] == "/api/v1/wallets/1/transactions")
    assert (call["query"]["status"], call["query"]["type"]) == ("completed", "internal")
