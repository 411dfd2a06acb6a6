"""The reconciler: documented fields only, one match or a person decides."""

from datetime import timedelta

import pytest
from django.utils import timezone

from custody_portal.models import AuditEvent, RefreshRun
from payouts.models import Payout, PayoutStatus
from payouts.services import (
    payout_approve,
    payout_create_fil_reward,
    payout_send,
    payouts_reconcile,
)
from tests.payouts.conftest import OTHER_WALLET, SOURCE, draft, send_calls

pytestmark = pytest.mark.usefixtures("refreshed")


def lost_answer(sandbox, drafter, approver, **draft_kwargs) -> Payout:
    """An approved payout whose send Balance committed, then answered 500."""
    payout = draft(drafter, **draft_kwargs)
    payout_approve(payout=payout, user=approver)
    sandbox.control("POST", "send_batch_now", json={"mode": "commit_then_500", "count": 1})
    assert payout_send(payout_id=payout.pk) == PayoutStatus.UNKNOWN
    payout.refresh_from_db()
    return payout


def test_a_run_is_recorded_for_the_sync_history_page(sandbox, drafter, approver):
    lost_answer(sandbox, drafter, approver)
    counts = payouts_reconcile()
    run = RefreshRun.objects.get(task="reconcile_payouts")
    assert run.status == RefreshRun.Status.SUCCEEDED
    assert run.counts == counts and counts["sent"] == 1


def test_reconciled_payout_is_audited(sandbox, drafter, approver):
    payout = lost_answer(sandbox, drafter, approver)
    payouts_reconcile()
    event = AuditEvent.objects.filter(object_type="payout", object_id=str(payout.pk)).latest("id")
    assert event.action == "payout.reconciled"


def test_two_matching_transactions_are_left_to_a_person(sandbox, drafter, approver):
    """GIVEN Balance holds two batches of the same wallet and total made around the claim
    WHEN the reconciler runs
    THEN it does not guess: the payout stays unknown, flagged, with both ids."""
    payout = lost_answer(sandbox, drafter, approver)
    twin = sandbox.client().send_batch_now(
        source_wallet_id=SOURCE,
        asset="btc",
        destinations=[{"type": "wallet", "id": OTHER_WALLET, "amount": 350_000}],
    )
    assert payouts_reconcile()["review"] == 1
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.UNKNOWN
    assert payout.needs_review
    assert "Ambiguous" in payout.last_error and str(twin["id"]) in payout.last_error


def test_a_transaction_linked_to_another_payout_is_not_a_candidate(sandbox, drafter, approver):
    """Two identical payouts lost their answers; the first reconciled takes one batch, the
    second takes the other — never the same one twice."""
    first = lost_answer(sandbox, drafter, approver)
    second = lost_answer(sandbox, drafter, approver, note="again")
    counts = payouts_reconcile()
    first.refresh_from_db()
    second.refresh_from_db()
    # Both batches match both payouts: each payout sees two candidates, so a person decides.
    assert counts["review"] == 2
    assert first.needs_review and second.needs_review

    # Once a person linked the first, the second has a single candidate left.
    Payout.objects.filter(pk=first.pk).update(
        status=PayoutStatus.SENT, balance_transaction_id=_batch_ids(sandbox)[0]
    )
    Payout.objects.filter(pk=second.pk).update(needs_review=False)
    assert payouts_reconcile()["sent"] == 1
    second.refresh_from_db()
    assert second.balance_transaction_id == _batch_ids(sandbox)[1]


def _batch_ids(sandbox) -> list[str]:
    txs = sandbox.client().list_wallet_transactions(SOURCE)
    recent = [t for t in txs if t.get("is_batched") and t["amounts"].get("btc") is not None]
    return sorted((str(t["id"]) for t in recent[:2]), key=int)


def test_a_transaction_outside_the_window_does_not_match(sandbox, drafter, approver):
    """The claim was 30 minutes later than the batch (window: 2 min before, 10 after)."""
    payout = lost_answer(sandbox, drafter, approver)
    Payout.objects.filter(pk=payout.pk).update(claimed_at=timezone.now() + timedelta(minutes=30))
    assert payouts_reconcile()["unmatched"] == 1
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.UNKNOWN


def test_a_different_total_does_not_match(sandbox, drafter, approver):
    payout = lost_answer(sandbox, drafter, approver)
    Payout.objects.filter(pk=payout.pk).update(total=350_001)
    assert payouts_reconcile()["unmatched"] == 1


def test_the_sandbox_only_destinations_array_is_not_read(sandbox, drafter, approver, monkeypatch):
    """Remove `destinations` from every transaction Balance returns: same result."""
    from balance.client import BalanceClient

    original = BalanceClient.list_wallet_transactions

    def without_destinations(self, wallet_id, **kwargs):
        return [
            {k: v for k, v in t.items() if k != "destinations"}
            for t in original(self, wallet_id, **kwargs)
        ]

    monkeypatch.setattr(BalanceClient, "list_wallet_transactions", without_destinations)
    payout = lost_answer(sandbox, drafter, approver)
    assert payouts_reconcile()["sent"] == 1
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SENT


def test_balance_unreachable_leaves_unknown_alone(sandbox, settings, drafter, approver):
    from balance.errors import BalanceError
    from tests.conftest import free_port

    payout = lost_answer(sandbox, drafter, approver)
    settings.BALANCE_API_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(BalanceError):
        payouts_reconcile()
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.UNKNOWN and not payout.needs_review
    assert RefreshRun.objects.get(task="reconcile_payouts").status == RefreshRun.Status.FAILED


def test_a_fil_reward_withdrawal_is_matched_by_its_reference_in_notes(sandbox, drafter, approver):
    """GIVEN a FIL reward withdrawal sent to Balance with its reference in `notes`
    WHEN its answer is treated as lost (unknown)
    THEN the reconciler finds it by reference and amount."""
    payout = payout_create_fil_reward(
        created_by=drafter,
        source_wallet_id=SOURCE,
        storage_provider_id=125,
        amount="0.5",
        fee="medium",
        note="monthly rewards",
    )
    payout_approve(payout=payout, user=approver)
    assert payout_send(payout_id=payout.pk) == PayoutStatus.SENT
    [call] = [c for c in sandbox.calls() if c["path"].endswith("/withdrawals")]
    assert call["body"] == {
        "amount_afil": 500_000_000_000_000_000,
        "fee": "medium",
        "notes": f"{payout.reference} monthly rewards",
    }
    payout.refresh_from_db()
    sent_id = payout.balance_transaction_id
    Payout.objects.filter(pk=payout.pk).update(
        status=PayoutStatus.UNKNOWN, balance_transaction_id="", balance_status=""
    )
    assert payouts_reconcile()["sent"] == 1
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SENT
    assert payout.balance_transaction_id == sent_id
    assert len([c for c in sandbox.calls() if c["path"].endswith("/withdrawals")]) == 1
    assert send_calls(sandbox) == []
