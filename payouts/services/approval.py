"""Approval workflow: approve, reject, cancel, send again.

Each step locks the payout row (`select_for_update`), checks who may do it and in which
status, writes, and records an audit event, all in one transaction. Reaching quorum moves the
payout to `approved` and queues the send task **after commit** (never before: a worker must
see the committed `approved` row to claim it).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction

from custody_portal.errors import ApplicationError
from custody_portal.money import format_coin
from custody_portal.text import clean_text
from wallets.models import Wallet

from ..models import ApprovalPolicy, Payout, PayoutApproval, PayoutKind, PayoutStatus
from ..selectors import available_funds, current_approvals, payout_quorum
from .common import (
    MAX_REASON,
    after_commit,
    audit,
    is_admin,
    locked,
    now,
    require_approver,
    require_status,
    required_approvals_for,
    snapshot,
)

logger = logging.getLogger(__name__)

QUEUED_PATIENCE = timedelta(minutes=5)


def payout_approve(
    *, payout: Payout, user: AbstractBaseUser, content_hash: str | None = None
) -> Payout:
    """Record `user`'s approval of the payout's current content; on quorum → `approved`.

    Refused: without the approve permission, by the drafter (also refused by the database),
    outside `pending_approval`, after the payout expired, twice by the same approver for the
    same content, or — when `content_hash` (the hash the approver's page showed) is given —
    when the payout changed since. The last approval needed is also refused when the total is
    above the wallet's available funds. TOTP step-up is the view's job, before calling this.
    """
    require_approver(user)
    with transaction.atomic():
        payout = locked(payout.pk)
        if payout.created_by_id == user.pk:
            raise ApplicationError(
                "You drafted this payout; someone else must approve it.", status=403
            )
        require_status(payout, PayoutStatus.PENDING_APPROVAL, action="approved")
        if payout.expires_at <= now():
            raise ApplicationError(
                "This payout has expired; it can no longer be approved.", status=409
            )
        if content_hash is not None and content_hash != payout.content_hash:
            raise ApplicationError(
                "This payout was edited after you opened it; review it again before approving.",
                status=409,
            )
        policy = ApprovalPolicy.get_solo()
        mine = PayoutApproval.objects.filter(payout=payout, approver=user).first()
        if (
            mine is not None
            and current_approvals(payout, policy=policy).filter(pk=mine.pk).exists()
        ):
            raise ApplicationError("You have already approved this payout.", status=409)
        try:
            with transaction.atomic():
                if mine is None:
                    PayoutApproval.objects.create(
                        payout=payout,
                        approver=user,
                        content_hash=payout.content_hash,
                        approved_at=now(),
                    )
                else:  # an approval of older content, or past its window: renew it
                    mine.content_hash = payout.content_hash
                    mine.approved_at = now()
                    mine.save(update_fields=["content_hash", "approved_at"])
        except IntegrityError as exc:  # the database's own guard (drafter, once per approver)
            raise ApplicationError("This approval is not allowed.", status=409) from exc
        payout.required_approvals = max(
            payout.required_approvals,
            required_approvals_for(asset=payout.asset, total=int(payout.total), policy=policy),
        )
        quorum = payout_quorum(payout=payout, policy=policy)
        audit(
            payout,
            actor=user,
            action="payout.approve",
            after={"content_hash": payout.content_hash, "approvals": quorum.current},
            message=f"Approved ({quorum.current} of {quorum.required}).",
        )
        if quorum.reached:
            _check_funds_for_approval(payout)
            before = snapshot(payout)
            payout.status = PayoutStatus.APPROVED
            payout.approved_at = now()
            payout.last_error = ""
            payout.save(
                update_fields=[
                    "status",
                    "approved_at",
                    "last_error",
                    "required_approvals",
                    "updated_at",
                ]
            )
            audit(
                payout,
                actor=user,
                action="payout.approved",
                before=before,
                after=snapshot(payout),
                message="Quorum reached; queued for sending.",
            )
            enqueue_send(payout.pk)
        else:
            payout.save(update_fields=["required_approvals", "updated_at"])
    return payout


def _check_funds_for_approval(payout: Payout) -> None:
    """Before the last approval: total ≤ available (local spendable − other reservations).

    The wallet row is locked first so two payouts of one wallet cannot both reserve the same
    funds. FIL reward withdrawals have no local figure here (the provider's balance lives at
    Balance); the send step checks them against Balance.
    """
    if payout.kind != PayoutKind.BATCH:
        return
    Wallet.objects.select_for_update().filter(pk=payout.source_wallet_id).first()
    funds = available_funds(
        wallet_id=payout.source_wallet_id, asset=payout.asset, exclude_payout_id=payout.pk
    )
    bound = funds.spendable if funds.spendable is not None else funds.balance
    available = bound - funds.reserved
    if int(payout.total) > available:
        raise ApplicationError(
            f"Not enough funds to approve: the total {format_coin(payout.total, payout.asset)} "
            f"is above the available {format_coin(max(available, 0), payout.asset)}.",
            status=409,
        )


def payout_reject(*, payout: Payout, user: AbstractBaseUser, reason: str) -> Payout:
    """An approver refuses the payout (pending or approved-but-not-sent); a reason is required.
    The drafter cannot reject their own payout (they cancel it)."""
    require_approver(user, "reject payouts")
    reason = clean_text(reason, field="reason", limit=MAX_REASON, multiline=True) if reason else ""
    if not reason:
        raise ApplicationError("Give a reason for the rejection.", status=400, field="reason")
    with transaction.atomic():
        payout = locked(payout.pk)
        if payout.created_by_id == user.pk:
            raise ApplicationError("You drafted this payout; cancel it instead.", status=403)
        require_status(
            payout, PayoutStatus.PENDING_APPROVAL, PayoutStatus.APPROVED, action="rejected"
        )
        before = snapshot(payout)
        payout.status = PayoutStatus.REJECTED
        payout.rejection_reason = reason
        payout.finished_at = now()
        payout.save(update_fields=["status", "rejection_reason", "finished_at", "updated_at"])
        audit(
            payout,
            actor=user,
            action="payout.reject",
            before=before,
            after=snapshot(payout),
            message=f"Rejected: {reason}",
        )
        _notify_drafter(payout, "rejected")
    return payout


def payout_cancel(*, payout: Payout, user: AbstractBaseUser) -> Payout:
    """The drafter (or an admin) withdraws the payout before it is sent."""
    with transaction.atomic():
        payout = locked(payout.pk)
        if payout.created_by_id != user.pk and not is_admin(user):
            raise ApplicationError("Only the drafter or an admin can cancel a payout.", status=403)
        require_status(
            payout, PayoutStatus.PENDING_APPROVAL, PayoutStatus.APPROVED, action="cancelled"
        )
        before = snapshot(payout)
        payout.status = PayoutStatus.CANCELLED
        payout.finished_at = now()
        payout.save(update_fields=["status", "finished_at", "updated_at"])
        audit(
            payout,
            actor=user,
            action="payout.cancel",
            before=before,
            after=snapshot(payout),
            message="Cancelled.",
        )
    return payout


def payout_send_again(*, payout: Payout, user: AbstractBaseUser) -> Payout:
    """An approver queues an `approved` payout whose last send provably never reached Balance
    (or could not be queued, or has waited in the queue for more than five minutes). The
    send step re-checks quorum, expiry and funds again."""
    require_approver(user, "send payouts")
    with transaction.atomic():
        payout = locked(payout.pk)
        if payout.created_by_id == user.pk:
            raise ApplicationError("You drafted this payout; an approver must send it.", status=403)
        require_status(payout, PayoutStatus.APPROVED, action="sent again")
        if not payout.last_error and now() - payout.updated_at < QUEUED_PATIENCE:
            # Queued moments ago: a worker will claim it. Past the patience the message may
            # have been lost (a flushed broker), and a person may queue it again — safely:
            # the claim lets only one task through.
            raise ApplicationError("This payout is already queued for sending.", status=409)
        previous = payout.last_error
        payout.last_error = ""
        payout.save(update_fields=["last_error", "updated_at"])
        audit(
            payout,
            actor=user,
            action="payout.send_again",
            before={"last_error": previous},
            message="Queued for sending again.",
        )
        enqueue_send(payout.pk)
    return payout


def enqueue_send(payout_id: int) -> None:
    """Queue the send task once the current transaction commits. If the broker cannot take
    it, the payout stays `approved` with a message, and "Send again" is offered."""

    def send() -> None:
        from ..tasks import send_payout

        try:
            send_payout.delay(payout_id)
        except Exception as exc:
            logger.exception("payouts: could not queue the send of payout %s", payout_id)
            Payout.objects.filter(pk=payout_id, status=PayoutStatus.APPROVED).update(
                last_error=f"The send could not be queued ({exc.__class__.__name__}); "
                "press “Send again”.",
            )

    transaction.on_commit(send)


def _notify_drafter(payout: Payout, event: str) -> None:
    from ..emails import notify_drafter

    after_commit(notify_drafter, payout.pk, event)
