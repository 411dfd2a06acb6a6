"""Two-person manual resolution of an `unknown` payout (BTCPay lets one user "mark as paid";
we don't). One approver (or admin) proposes sent/failed with a reason; a different person
confirms, and only then the outcome applies. The database refuses a confirmation by the
proposer (check constraint `payout_resolution_two_people`)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction

from custody_portal.errors import ApplicationError
from custody_portal.roles import APPROVE
from custody_portal.text import clean_text

from ..models import Payout, PayoutResolution, PayoutStatus, ResolutionOutcome
from .common import (
    MAX_REASON,
    after_commit,
    audit,
    is_admin,
    locked,
    now,
    require_status,
    snapshot,
)

MAX_TRANSACTION_ID = 64


def _require_resolver(user: AbstractBaseUser) -> None:
    if not (user and user.is_authenticated and (user.has_perm(APPROVE) or is_admin(user))):
        raise ApplicationError("Only approvers and admins can resolve payouts.", status=403)


def payout_resolution_propose(
    *,
    payout: Payout,
    user: AbstractBaseUser,
    outcome: str,
    transaction_id: str = "",
    reason: str,
) -> PayoutResolution:
    """Propose the outcome of an `unknown` payout; it waits for a second person.

    `outcome` is "sent" (with the Balance transaction id when known) or "failed". A new
    proposal supersedes the open one (which was never applied).
    """
    _require_resolver(user)
    if outcome not in ResolutionOutcome.values:
        raise ApplicationError("The outcome is “sent” or “failed”.", field="outcome")
    reason = clean_text(reason, field="reason", limit=MAX_REASON, multiline=True) if reason else ""
    if not reason:
        raise ApplicationError("Give the reason (what you checked at Balance).", field="reason")
    transaction_id = (
        clean_text(transaction_id, field="transaction id", limit=MAX_TRANSACTION_ID)
        if transaction_id
        else ""
    )
    if outcome == ResolutionOutcome.FAILED and transaction_id:
        raise ApplicationError(
            "A failed payout has no Balance transaction; leave the id empty.",
            field="transaction_id",
        )
    with transaction.atomic():
        payout = locked(payout.pk)
        require_status(payout, PayoutStatus.UNKNOWN, action="resolved by hand")
        if transaction_id and (
            Payout.objects.filter(balance_transaction_id=transaction_id)
            .exclude(pk=payout.pk)
            .exists()
        ):
            raise ApplicationError(
                f"Balance transaction {transaction_id} is already linked to another payout.",
                field="transaction_id",
                status=409,
            )
        superseded = payout.resolutions.filter(state=PayoutResolution.State.OPEN).update(
            state=PayoutResolution.State.SUPERSEDED
        )
        resolution = PayoutResolution.objects.create(
            payout=payout,
            outcome=outcome,
            transaction_id=transaction_id,
            reason=reason,
            proposed_by=user,
            proposed_at=now(),
        )
        audit(
            payout,
            actor=user,
            action="payout.resolution_propose",
            after={"outcome": outcome, "transaction_id": transaction_id, "reason": reason},
            message=f"Proposed to resolve as {outcome}"
            + (f" (Balance transaction {transaction_id})" if transaction_id else "")
            + f": {reason}"
            + (" (replaces the previous proposal)" if superseded else ""),
        )
    return resolution


def payout_resolution_confirm(*, payout: Payout, user: AbstractBaseUser) -> Payout:
    """A second person confirms the open proposal; the payout becomes sent or failed."""
    _require_resolver(user)
    with transaction.atomic():
        payout = locked(payout.pk)
        require_status(payout, PayoutStatus.UNKNOWN, action="resolved by hand")
        resolution = (
            payout.resolutions.select_for_update().filter(state=PayoutResolution.State.OPEN).first()
        )
        if resolution is None:
            raise ApplicationError("There is no proposed resolution to confirm.", status=409)
        if resolution.proposed_by_id == user.pk:
            raise ApplicationError(
                "You proposed this resolution; a second person must confirm it.", status=403
            )
        resolution.state = PayoutResolution.State.CONFIRMED
        resolution.confirmed_by = user
        resolution.confirmed_at = now()
        try:
            with transaction.atomic():
                resolution.save(update_fields=["state", "confirmed_by", "confirmed_at"])
        except IntegrityError as exc:
            raise ApplicationError("This confirmation is not allowed.", status=409) from exc
        before = snapshot(payout)
        payout.status = resolution.outcome
        payout.needs_review = False
        payout.finished_at = now()
        if resolution.outcome == ResolutionOutcome.SENT:
            payout.balance_transaction_id = resolution.transaction_id
            payout.last_error = ""
        else:
            payout.last_error = (
                f"{resolution.proposed_by.get_username()} and {user.get_username()} "
                f"resolved it after checking Balance: {resolution.reason}"
            )
        try:
            with transaction.atomic():
                payout.save()
        except IntegrityError as exc:
            raise ApplicationError(
                f"Balance transaction {resolution.transaction_id} is already linked to another "
                "payout.",
                status=409,
            ) from exc
        audit(
            payout,
            actor=user,
            action="payout.resolution_confirm",
            before=before,
            after={**snapshot(payout), "balance_transaction_id": payout.balance_transaction_id},
            message=f"Confirmed the resolution as {resolution.outcome} proposed by "
            f"{resolution.proposed_by.get_username()}: {resolution.reason}",
        )
        from ..emails import notify_drafter

        after_commit(notify_drafter, payout.pk, payout.status)
    return payout
