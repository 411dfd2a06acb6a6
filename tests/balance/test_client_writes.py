"""A write is sent once, and its failure says what Balance may have done.

Against the real sandbox: every fault after which Balance may have acted — the connection
cut after the batch committed, an unreadable 2xx, a 5xx, a 429, a read timeout — is
BalanceOutcomeUnknown, and the call log shows exactly one request. Where the fault let the
handler run first (`commit`), the batch really is there: "unknown" is not "failed".
"""

from decimal import Decimal

import pytest

from balance.errors import (
    BalanceNotSent,
    BalanceOutcomeUnknown,
    BalanceRateLimited,
    BalanceTimeout,
    BalanceUnexpectedResponse,
)

SEND = "/api/v2/send_batch_now"


@pytest.fixture
def client(sandbox):
    return sandbox.client(get_retries=2, backoff=0, read_timeout=1)


def funded_pair(client):
    source = client.get_wallet(client.wallets_holding("btc", order_by="balance")[0].id)
    target = next(w for w in client.list_wallets() if w.id != source.id)
    return source, target


def send(client, source, target, units: int) -> dict:
    return client.send_batch_now(
        source_wallet_id=source.id,
        asset="btc",
        destinations=[{"type": "wallet", "id": target.id, "amount": units}],
    )


def sends(sandbox) -> list[dict]:
    return [c for c in sandbox.calls() if c["path"] == SEND]


def batches_from(client, wallet_id: int) -> list[dict]:
    return [t for t in client.list_wallet_transactions(wallet_id) if t.get("is_batched")]


@pytest.mark.parametrize(
    ("rule", "error", "committed"),
    [
        ({"reset": True, "commit": True}, BalanceOutcomeUnknown, True),
        ({"reset": True}, BalanceOutcomeUnknown, False),
        ({"raw_body": "<html>Service temporarily unavailable</html>", "commit": True},
         BalanceUnexpectedResponse, True),
        ({"status": 200, "body": {"maintenance": True}, "commit": True},
         BalanceUnexpectedResponse, True),
        ({"status": 500, "commit": True}, BalanceOutcomeUnknown, True),
        ({"status": 503}, BalanceOutcomeUnknown, False),
        ({"status": 429, "body": {"error": "Too many requests"}}, BalanceRateLimited, False),
        ({"latency_ms": 3000, "commit": True}, BalanceTimeout, True),
    ],
    ids=[
        "reset-after-commit",
        "reset-before-handler",
        "html-200-after-commit",
        "json-200-without-id-after-commit",
        "500-after-commit",
        "503",
        "429",
        "read-timeout-after-commit",
    ],
)  # fmt: skip
def test_a_batch_whose_answer_is_lost_is_outcome_unknown_and_never_resent(
    sandbox, client, rule, error, committed
):
    """GIVEN a fault on send_batch_now WHEN the portal sends a batch THEN the client raises
    "outcome unknown" (not "not sent"), Balance saw one request, and the batch exists exactly
    when the fault let the handler commit it."""
    source, target = funded_pair(client)
    sandbox.control("POST", "faults", json={"path": f"^{SEND}$", "method": "POST", **rule})
    with pytest.raises(error) as info:
        send(client, source, target, 1_234)
    assert isinstance(info.value, BalanceOutcomeUnknown)
    assert not isinstance(info.value, BalanceNotSent)
    sandbox.control("DELETE", "faults")
    assert len(sends(sandbox)) == 1
    after = client.get_wallet(source.id)
    spent = Decimal("0.00001234") if committed else Decimal(0)
    assert after.balance["btc"] == source.balance["btc"] - spent
    assert len(batches_from(client, source.id)) == (1 if committed else 0)


def test_commit_then_reset_mode_commits_and_cuts_the_connection(sandbox, client):
    """GIVEN send_batch_now is set to commit_then_reset
    WHEN the portal sends a batch
    THEN the client sees the connection drop (outcome unknown, sent once), and the call log
    shows the request was handled with 200 but answered nothing."""
    source, target = funded_pair(client)
    sandbox.control("POST", "send_batch_now", json={"mode": "commit_then_reset", "count": 1})
    with pytest.raises(BalanceOutcomeUnknown, match="dropped after the request was sent"):
        send(client, source, target, 77)
    [call] = sends(sandbox)
    assert call["status"] is None
    assert call["fault"] == {"kind": "commit_then_reset", "commit": True, "handled_status": 200}
    [batch] = batches_from(client, source.id)
    assert batch["amounts"]["btc"] == Decimal("0.00000077")
    # count 1: the next batch is answered normally.
    assert send(client, source, target, 1)["is_batched"] is True


def test_a_withdrawal_whose_answer_is_lost_is_outcome_unknown_and_sent_once(sandbox, client):
    wallet_id, provider = _fil_provider(client)
    path = f"/api/v1/wallets/{wallet_id}/assets/fil/storage_providers/{provider.id}/withdrawals"
    sandbox.control("POST", "faults", json={"path": f"^{path}$", "reset": True, "commit": True})
    with pytest.raises(BalanceOutcomeUnknown):
        client.withdraw_storage_provider_rewards(
            wallet_id, provider.id, amount_afil=10**9, notes="PO-000042"
        )
    assert len([c for c in sandbox.calls() if c["path"] == path]) == 1
    created = client.list_transactions(page_size=1)[0]
    assert created["notes"].startswith("PO-000042")


def test_a_withdrawal_answered_without_a_transaction_id_is_unreadable(sandbox, client):
    wallet_id, provider = _fil_provider(client)
    path = f"/api/v1/wallets/{wallet_id}/assets/fil/storage_providers/{provider.id}/withdrawals"
    sandbox.control("POST", "faults", json={"path": path, "status": 200, "body": {"ok": True}})
    with pytest.raises(BalanceUnexpectedResponse, match="may have acted"):
        client.withdraw_storage_provider_rewards(wallet_id, provider.id, amount_afil=10**9)


def test_a_sub_address_create_cut_after_commit_is_outcome_unknown_and_sent_once(sandbox, client):
    path = "/api/v1/wallets/1/assets/btc"
    before = client.list_sub_addresses(1, "btc")
    sandbox.control(
        "POST",
        "faults",
        json={"path": f"^{path}$", "method": "POST", "reset": True, "commit": True},
    )
    with pytest.raises(BalanceOutcomeUnknown):
        client.create_sub_address(1, "btc", name="lost answer")
    assert len([c for c in sandbox.calls() if c["method"] == "POST"]) == 1
    after = client.list_sub_addresses(1, "btc")
    assert [a.name for a in after if a not in before] == ["lost answer"]


def _fil_provider(client):
    for wallet in client.wallets_holding("fil"):
        providers = client.list_storage_providers(wallet.id)
        if providers:
            return wallet.id, max(providers, key=lambda p: p.available_balance)
    raise AssertionError("the seed has a FIL wallet with storage providers")
