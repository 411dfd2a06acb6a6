"""Two-person resolution of unknown payouts; expiry of payouts and approvals."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from custody_portal.errors import ApplicationError
from payouts.models import Payout, PayoutApproval, PayoutResolution, PayoutStatus
from payouts.services import (
    payout_approve,
    payout_cancel,
    payout_reject,
    payout_resolution_confirm,
    payout_resolution_propose,
    payout_send,
    payout_send_again,
    payouts_expire,
)
from tests.payouts.conftest import draft, send_calls

pytestmark = pytest.mark.usefixtures("refreshed")


@pytest.fixture
def unknown(sandbox, drafter, approver) -> Payout:
    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    sandbox.control("POST", "faults", json={"path": "send_batch_now", "status": 502, "count": 1})
    assert payout_send(payout_id=payout.pk) == PayoutStatus.UNKNOWN
    payout.refresh_from_db()
    return payout


def test_a_resolution_needs_a_second_person(unknown, approver, approver2):
    """GIVEN an unknown payout
    WHEN one approver proposes "sent" with Balance's id
    THEN nothing changes until a different person confirms; the proposer cannot."""
    payout_resolution_propose(
        payout=unknown,
        user=approver,
        outcome="sent",
        transaction_id="4242",
        reason="Seen in Balance's UI",
    )
    unknown.refresh_from_db()
    assert unknown.status == PayoutStatus.UNKNOWN
    with pytest.raises(ApplicationError, match="second person"):
        payout_resolution_confirm(payout=unknown, user=approver)
    payout_resolution_confirm(payout=unknown, user=approver2)
    unknown.refresh_from_db()
    assert unknown.status == PayoutStatus.SENT
    assert unknown.balance_transaction_id == "4242"


def test_the_database_refuses_a_resolution_confirmed_by_its_proposer(unknown, approver):
    resolution = payout_resolution_propose(
        payout=unknown, user=approver, outcome="failed", reason="Balance says no such batch"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutResolution.objects.filter(pk=resolution.pk).update(confirmed_by=approver)


def test_resolved_as_failed(unknown, approver, approver2):
    payout_resolution_propose(
        payout=unknown, user=approver, outcome="failed", reason="Balance support confirmed"
    )
    payout_resolution_confirm(payout=unknown, user=approver2)
    unknown.refresh_from_db()
    assert unknown.status == PayoutStatus.FAILED
    assert "Balance support confirmed" in unknown.last_error


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcome": "maybe", "reason": "x"}, "sent"),
        ({"outcome": "sent", "reason": "  "}, "reason"),
        ({"outcome": "failed", "reason": "x", "transaction_id": "1"}, "no Balance transaction"),
    ],
)
def test_a_bad_proposal_is_refused(unknown, approver, kwargs, message):
    with pytest.raises(ApplicationError, match=message):
        payout_resolution_propose(payout=unknown, user=approver, **kwargs)
    assert not PayoutResolution.objects.exists()


def test_only_unknown_payouts_are_resolved_by_hand(drafter, approver):
    payout = draft(drafter)
    with pytest.raises(ApplicationError, match="cannot be resolved"):
        payout_resolution_propose(payout=payout, user=approver, outcome="sent", reason="x")


def test_operators_cannot_resolve(unknown, drafter):
    with pytest.raises(ApplicationError) as exc:
        payout_resolution_propose(payout=unknown, user=drafter, outcome="sent", reason="x")
    assert exc.value.status == 403


def test_a_pending_payout_expires(drafter):
    payout = draft(drafter)
    assert payouts_expire()["expired"] == 0
    Payout.objects.filter(pk=payout.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert payouts_expire()["expired"] == 1
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.EXPIRED


def test_lapsed_approvals_send_an_unsent_payout_back_for_approval(
    sandbox, settings, drafter, approver
):
    """An approved payout waiting for "Send again" whose approval lapsed goes back to
    pending approval (and the send task would refuse it anyway)."""
    from tests.conftest import free_port

    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    settings.BALANCE_API_URL = f"http://127.0.0.1:{free_port()}"
    assert payout_send(payout_id=payout.pk) == PayoutStatus.APPROVED
    PayoutApproval.objects.filter(payout=payout).update(
        approved_at=timezone.now() - timedelta(hours=25)
    )
    assert payouts_expire()["back_to_approval"] == 1
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING_APPROVAL
    assert send_calls(sandbox) == []


def test_reject_needs_a_reason_and_an_approver_other_than_the_drafter(
    drafter, approver, admin_user
):
    payout = draft(drafter)
    with pytest.raises(ApplicationError, match="reason"):
        payout_reject(payout=payout, user=approver, reason=" ")
    own = draft(admin_user)
    with pytest.raises(ApplicationError, match="cancel it instead"):
        payout_reject(payout=own, user=admin_user, reason="no")
    payout_reject(payout=payout, user=approver, reason="wrong destination")
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REJECTED
    assert payout.rejection_reason == "wrong destination"
    with pytest.raises(ApplicationError):
        payout_approve(payout=payout, user=approver)


def test_cancel_by_the_drafter_or_an_admin_before_sending(drafter, approver, admin_user):
    first, second = draft(drafter), draft(drafter, note="2")
    with pytest.raises(ApplicationError) as exc:
        payout_cancel(payout=first, user=approver)
    assert exc.value.status == 403
    payout_cancel(payout=first, user=drafter)
    payout_cancel(payout=second, user=admin_user)
    assert set(Payout.objects.values_list("status", flat=True)) == {PayoutStatus.CANCELLED}


def test_a_sent_payout_cannot_be_cancelled_or_sent_again(sandbox, drafter, approver):
    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    payout_send(payout_id=payout.pk)
    with pytest.raises(ApplicationError):
        payout_cancel(payout=payout, user=drafter)
    with pytest.raises(ApplicationError):
        payout_send_again(payout=payout, user=approver)
    assert len(send_calls(sandbox)) == 1


def test_reasons_with_a_bidi_override_are_refused(drafter, approver, unknown):
    """A U+202E in a resolution reason showed "Nothing was sent." reversed on the page."""
    payout = draft(drafter)
    with pytest.raises(ApplicationError, match="U\\+202E RIGHT-TO-LEFT OVERRIDE"):
        payout_reject(payout=payout, user=approver, reason="wrong\u202e destination")
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING_APPROVAL
    with pytest.raises(ApplicationError, match="U\\+202E RIGHT-TO-LEFT OVERRIDE"):
        payout_resolution_propose(
            payout=unknown, user=approver, outcome="failed", reason="no such batch \u202e"
        )
    assert not PayoutResolution.objects.exists()
