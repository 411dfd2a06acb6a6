"""Time-based transitions: payouts not approved in time expire, lapsed approvals send an
approved payout back for approval, and a payout stuck in `sending` becomes `unknown`."""

from __future__ import annotations

from django.db import transaction

from ..models import ApprovalPolicy, Payout, PayoutStatus
from ..selectors import payout_quorum
from .common import audit, now, snapshot
from .sending import payouts_mark_stuck_unknown


def payouts_expire() -> dict:
    """One sweep (beat): returns how many payouts moved, per kind of move."""
    counts = {"expired": 0, "back_to_approval": 0, "stuck": payouts_mark_stuck_unknown()}
    policy = ApprovalPolicy.get_solo()
    moment = now()
    pending = Payout.objects.filter(
        status=PayoutStatus.PENDING_APPROVAL, expires_at__lte=moment
    ).values_list("pk", flat=True)
    for payout_id in list(pending):
        with transaction.atomic():
            row = Payout.objects.select_for_update().get(pk=payout_id)
            if row.status != PayoutStatus.PENDING_APPROVAL or row.expires_at > moment:
                continue
            _move(row, PayoutStatus.EXPIRED, "Expired: not approved in time.")
            counts["expired"] += 1
    # Approved but not sent (waiting for "Send again"): approvals may lapse meanwhile.
    approved = Payout.objects.filter(status=PayoutStatus.APPROVED).values_list("pk", flat=True)
    for payout_id in list(approved):
        with transaction.atomic():
            row = Payout.objects.select_for_update().get(pk=payout_id)
            if (
                row.status != PayoutStatus.APPROVED
                or payout_quorum(payout=row, policy=policy).reached
            ):
                continue
            if row.expires_at <= moment:
                _move(row, PayoutStatus.EXPIRED, "Expired: its approvals lapsed before sending.")
                counts["expired"] += 1
            else:
                _move(
                    row,
                    PayoutStatus.PENDING_APPROVAL,
                    f"Its approvals lapsed (older than {policy.approval_valid_hours} h) before "
                    "it was sent; it needs approving again.",
                )
                counts["back_to_approval"] += 1
    return counts


def _move(row: Payout, status: str, message: str) -> None:
    before = snapshot(row)
    row.status = status
    row.last_error = message
    if status == PayoutStatus.EXPIRED:
        row.finished_at = now()
    row.save(update_fields=["status", "last_error", "finished_at", "updated_at"])
    audit(
        row,
        actor=None,
        action="payout.expire" if status == PayoutStatus.EXPIRED else "payout.approvals_lapsed",
        before=before,
        after=snapshot(row),
        message=message,
    )
