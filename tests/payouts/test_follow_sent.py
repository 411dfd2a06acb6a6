"""The reconciler follows `sent` payouts until Balance's status for them is final."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from balance.errors import BalanceError
from custody_portal.models import AuditEvent, RefreshRun
from payouts.models import Payout, PayoutStatus
from payouts.selectors import available_funds
from payouts.services import payout_approve, payout_send, payouts_reconcile
from tests.payouts.conftest import SOURCE, draft, send_calls
from tests.payouts.ui import client_for

pytestmark = pytest.mark.usefixtures("refreshed")


@pytest.fixture(autouse=True)
def tick_exact(sandbox):
    sandbox.control("POST", "options", json={"sector_step_seconds": 0})


def pending_sent(sandbox, drafter, approver, *, then="failed", note="monthly") -> Payout:
    """A payout sent to Balance, which holds the batch as pending_generation and settles it
    to `then` after one tick."""
    sandbox.control(
        "POST", "batches", json={"mode": "pending", "then": then, "after_ticks": 1, "count": 1}
    )
    payout = draft(drafter, note=note)
    payout_approve(payout=payout, user=approver)
    assert payout_send(payout_id=payout.pk) == PayoutStatus.SENT
    payout.refresh_from_db()
    assert payout.balance_status == "pending_generation"
    return payout


def events(payout, action):
    return list(
        AuditEvent.objects.filter(object_type="payout", object_id=str(payout.pk), action=action)
    )


def test_a_payout_balance_later_fails_is_shown_failed_and_the_drafter_is_told(
    django_capture_on_commit_callbacks, sandbox, drafter, approver
):
    """GIVEN a sent payout Balance holds as pending_generation
    WHEN Balance settles it as failed and the reconciler runs
    THEN the payout stays `sent` (never sent again), its balance_status is `failed`, the
    change is audited, the drafter gets an email, and the page and list say the funds did
    not leave."""
    payout = pending_sent(sandbox, drafter, approver)
    sandbox.control("POST", "tick", json={"steps": 2})
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        counts = payouts_reconcile()

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SENT
    assert payout.balance_status == "failed"
    assert payout.balance_checked_at is not None
    assert counts["balance_failed"] == 1
    assert len(send_calls(sandbox)) == 1
    [event] = events(payout, "payout.balance_status")
    assert event.before == {"balance_status": "pending_generation"}
    assert event.after == {"balance_status": "failed"}
    [message] = mail.outbox
    assert message.to == [drafter.email]
    assert "did not leave" in message.subject

    page = client_for(approver).get(f"/payouts/{payout.pk}/").content.decode()
    assert "banner-error" in page and "the funds did not leave the wallet" in page
    assert "banner-ok" not in page
    listing = client_for(approver).get("/payouts/").content.decode()
    assert "Sent — Balance: failed" in listing


def test_a_failed_at_balance_payout_reserves_nothing(sandbox, drafter, approver):
    payout = pending_sent(sandbox, drafter, approver)
    sandbox.control("POST", "tick", json={"steps": 2})
    payouts_reconcile()
    funds = available_funds(wallet_id=SOURCE, asset="btc")
    assert funds.reserved == 0
    payout.refresh_from_db()
    assert payout.balance_did_not_send


def test_a_completed_batch_is_recorded_once_and_then_no_longer_read(sandbox, drafter, approver):
    payout = pending_sent(sandbox, drafter, approver, then="completed")
    assert payouts_reconcile()["balance_changed"] == 0  # still pending: nothing to record
    payout.refresh_from_db()
    assert payout.balance_status == "pending_generation" and payout.balance_checked_at

    sandbox.control("POST", "tick", json={"steps": 2})
    assert payouts_reconcile()["balance_changed"] == 1
    payout.refresh_from_db()
    assert payout.balance_status == "completed"
    assert not payout.balance_did_not_send

    sandbox.control("DELETE", "calls")
    assert payouts_reconcile()["followed"] == 0
    tx_path = f"/api/v1/transactions/{payout.balance_transaction_id}"
    assert not [c for c in sandbox.calls() if c["path"] == tx_path]


def test_a_garbled_answer_writes_nothing_and_the_others_are_still_followed(
    sandbox, drafter, approver
):
    """GIVEN two sent payouts that Balance then fails
    WHEN Balance's answer about the first is garbled
    THEN the first is unchanged, the second is recorded, and the run is recorded failed."""
    first = pending_sent(sandbox, drafter, approver, note="first")
    second = pending_sent(sandbox, drafter, approver, note="second")
    sandbox.control("POST", "tick", json={"steps": 2})
    sandbox.control(
        "POST",
        "faults",
        json={
            "path": f"^/api/v1/transactions/{first.balance_transaction_id}$",
            "raw_body": "<html>oops</html>",
        },
    )

    with pytest.raises(BalanceError):
        payouts_reconcile()

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.balance_status == "pending_generation" and first.balance_checked_at is None
    assert second.balance_status == "failed"
    assert events(first, "payout.balance_status") == []
    assert RefreshRun.objects.get(task="reconcile_payouts").status == RefreshRun.Status.FAILED


def test_an_answer_about_another_transaction_writes_nothing(sandbox, drafter, approver):
    payout = pending_sent(sandbox, drafter, approver)
    sandbox.control("POST", "tick", json={"steps": 2})
    sandbox.control(
        "POST",
        "faults",
        json={
            "path": f"^/api/v1/transactions/{payout.balance_transaction_id}$",
            "status": 200,
            "body": {"id": 999999, "status": "completed"},
        },
    )
    payouts_reconcile()
    payout.refresh_from_db()
    assert payout.balance_status == "pending_generation"


def test_payouts_sent_long_ago_are_no_longer_followed_and_the_page_says_so(
    sandbox, drafter, approver
):
    payout = pending_sent(sandbox, drafter, approver)
    Payout.objects.filter(pk=payout.pk).update(finished_at=timezone.now() - timedelta(days=8))
    sandbox.control("POST", "tick", json={"steps": 2})

    assert payouts_reconcile()["followed"] == 0
    payout.refresh_from_db()
    assert payout.balance_status == "pending_generation"
    page = client_for(approver).get(f"/payouts/{payout.pk}/").content.decode()
    assert 'data-testid="balance-follow-stopped"' in page
