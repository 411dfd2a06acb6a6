"""Four eyes: who may approve, how often, for how long, and what an edit does."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from custody_portal.errors import ApplicationError
from payouts.models import AssetThreshold, PayoutApproval, PayoutStatus
from payouts.selectors import payout_quorum
from payouts.services import (
    payout_approve,
    payout_content_hash,
    payout_send,
    payout_update,
)
from tests.payouts.conftest import draft, send_calls, three_lines

pytestmark = pytest.mark.usefixtures("refreshed")


def test_creator_cannot_approve(drafter, admin_user):
    """The service refuses the drafter, even one who holds the approve permission."""
    payout = draft(admin_user)
    with pytest.raises(ApplicationError) as exc:
        payout_approve(payout=payout, user=admin_user)
    assert exc.value.status == 403
    assert "someone else" in exc.value.message
    assert not PayoutApproval.objects.filter(payout=payout).exists()
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING_APPROVAL


def test_database_refuses_an_approval_by_the_drafter(drafter):
    """A bug, a shell or the admin cannot store a self-approval: the trigger refuses it."""
    payout = draft(drafter)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutApproval.objects.create(
            payout=payout,
            approver=drafter,
            content_hash=payout.content_hash,
            approved_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payouts_payoutapproval (payout_id, approver_id, content_hash, approved_at)"
            " VALUES (%s, %s, %s, %s)",
            [payout.pk, drafter.pk, payout.content_hash, timezone.now()],
        )
    assert not PayoutApproval.objects.filter(payout=payout).exists()


def test_database_refuses_turning_an_approval_into_the_drafters(drafter, approver, approver2):
    """Updating an approval's approver to the drafter, or the payout's drafter to one of its
    approvers, is refused too."""
    AssetThreshold.objects.create(asset="btc", threshold=1, required_approvals=2)
    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    approval = PayoutApproval.objects.get(payout=payout)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutApproval.objects.filter(pk=approval.pk).update(approver=drafter)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(payout).objects.filter(pk=payout.pk).update(created_by=approver)
    approval.refresh_from_db()
    assert approval.approver_id == approver.pk


def test_an_approver_counts_once(drafter, approver):
    AssetThreshold.objects.create(asset="btc", threshold=1, required_approvals=2)
    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    with pytest.raises(ApplicationError, match="already approved"):
        payout_approve(payout=payout, user=approver)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING_APPROVAL
    assert payout_quorum(payout=payout).current == 1
    # And the database's unique constraint, whatever the code path.
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutApproval.objects.create(
            payout=payout, approver=approver, content_hash="x", approved_at=timezone.now()
        )


def test_an_edit_voids_approvals(drafter, approver, approver2):
    """GIVEN a payout needing two approvals with one given
    WHEN the drafter edits an amount
    THEN no approval counts any more, and the approver can approve the new content."""
    AssetThreshold.objects.create(asset="btc", threshold=1, required_approvals=2)
    payout = draft(drafter)
    old_hash = payout.content_hash
    payout_approve(payout=payout, user=approver)
    payout = payout_update(
        payout=payout,
        user=drafter,
        source_wallet_id=payout.source_wallet_id,
        asset="btc",
        lines=three_lines(a="0.003"),
        note="corrected",
    )
    assert payout.content_hash != old_hash
    assert payout.content_hash == payout_content_hash(payout)
    assert payout_quorum(payout=payout).current == 0
    payout_approve(payout=payout, user=approver)
    payout_approve(payout=payout, user=approver2)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.APPROVED


def test_an_approval_of_older_content_does_not_count(drafter, approver):
    """An approval row whose hash differs from the payout's (stale) is not counted."""
    AssetThreshold.objects.create(asset="btc", threshold=1, required_approvals=2)
    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    PayoutApproval.objects.filter(payout=payout).update(content_hash="0" * 64)
    assert payout_quorum(payout=payout).current == 0


def test_approving_what_the_page_showed_after_an_edit_is_refused(drafter, approver):
    payout = draft(drafter)
    shown = payout.content_hash
    payout_update(
        payout=payout,
        user=drafter,
        source_wallet_id=payout.source_wallet_id,
        asset="btc",
        lines=three_lines(b="0.004"),
        note="",
    )
    with pytest.raises(ApplicationError, match="edited after you opened it"):
        payout_approve(payout=payout, user=approver, content_hash=shown)


def test_only_the_drafter_edits_and_only_while_pending(drafter, approver):
    payout = draft(drafter)
    with pytest.raises(ApplicationError) as exc:
        payout_update(
            payout=payout, user=approver, source_wallet_id=1, asset="btc", lines=three_lines()
        )
    assert exc.value.status == 403
    payout_approve(payout=payout, user=approver)
    with pytest.raises(ApplicationError, match="cannot be edited"):
        payout_update(
            payout=payout, user=drafter, source_wallet_id=1, asset="btc", lines=three_lines()
        )


def test_an_expired_approval_blocks_sending(sandbox, drafter, approver):
    """GIVEN an approved payout whose approval is older than the 24 h window
    WHEN the send task runs
    THEN Balance is not called and the payout goes back for approval with the reason."""
    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    PayoutApproval.objects.filter(payout=payout).update(
        approved_at=timezone.now() - timedelta(hours=25)
    )
    assert payout_send(payout_id=payout.pk) == PayoutStatus.PENDING_APPROVAL
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING_APPROVAL
    assert "approvals are still valid" in payout.last_error
    assert send_calls(sandbox) == []
    # The approver renews the approval; now it goes.
    payout_approve(payout=payout, user=approver)
    assert payout_send(payout_id=payout.pk) == PayoutStatus.SENT
    assert len(send_calls(sandbox)) == 1


def test_an_expired_payout_cannot_be_approved(drafter, approver):
    payout = draft(drafter)
    type(payout).objects.filter(pk=payout.pk).update(expires_at=timezone.now())
    with pytest.raises(ApplicationError, match="expired"):
        payout_approve(payout=payout, user=approver)


def test_quorum_above_a_threshold_needs_two(drafter, approver, approver2):
    """btc threshold 0.003: a 0.0035 BTC batch needs two approvers, a 0.0030 one needs one."""
    AssetThreshold.objects.create(asset="btc", threshold=300_000, required_approvals=2)
    big = draft(drafter)  # 0.001 + 0.002 + 0.0005 = 0.0035 BTC
    assert big.required_approvals == 2
    payout_approve(payout=big, user=approver)
    big.refresh_from_db()
    assert big.status == PayoutStatus.PENDING_APPROVAL
    payout_approve(payout=big, user=approver2)
    big.refresh_from_db()
    assert big.status == PayoutStatus.APPROVED

    at_threshold = draft(drafter, lines=three_lines(b="0.00199999", c="0.00000001"))
    assert int(at_threshold.total) == 300_000
    assert at_threshold.required_approvals == 1


def test_a_policy_raised_after_approval_is_applied_at_send(sandbox, drafter, approver):
    """The quorum is re-checked from the policy as it is when sending."""
    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    AssetThreshold.objects.create(asset="btc", threshold=1, required_approvals=2)
    assert payout_send(payout_id=payout.pk) == PayoutStatus.PENDING_APPROVAL
    payout.refresh_from_db()
    assert payout.required_approvals == 2
    assert send_calls(sandbox) == []


@pytest.mark.parametrize("role_user", ["drafter", "viewer"])
def test_only_approvers_approve(request, drafter, role_user):
    payout = draft(drafter)
    user = request.getfixturevalue(role_user)
    with pytest.raises(ApplicationError) as exc:
        payout_approve(payout=payout, user=user)
    assert exc.value.status == 403


def test_a_send_the_queue_refused_is_told_in_plain_words(
    monkeypatch, drafter, approver, django_capture_on_commit_callbacks
):
    def refuse(pk):
        raise ConnectionError("Error 111 connecting to localhost:6379")

    monkeypatch.setattr("payouts.tasks.send_payout.delay", refuse)
    payout = draft(drafter)
    with django_capture_on_commit_callbacks(execute=True):
        payout_approve(payout=payout, user=approver)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.APPROVED
    assert payout.last_error
    assert "ConnectionError" not in payout.last_error and "(" not in payout.last_error
