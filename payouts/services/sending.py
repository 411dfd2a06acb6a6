"""Sending a payout to Balance exactly once (DESIGN.md §6).

1. **Claim**: a conditional `UPDATE … SET status='sending' WHERE status='approved'`, committed
   before anything else. Zero rows = another worker has it (or it is no longer approved):
   do nothing. Two deliveries of the task, ten racing workers: one claim wins.
2. **Re-check** what was true at approval: the content hash still matches the rows, quorum
   (current hash, unexpired approvals, the policy as it is now), expiry, and funds — reading
   the wallet's spendable balance (or the storage provider's available balance) from Balance.
   A failed re-check puts the payout back (`pending_approval` when approvals lapsed,
   `expired` past its validity, `approved` + `last_error` otherwise) without sending.
3. **Send once**: one `send_batch_now` (or FIL reward withdrawal). POSTs are never retried.
   The outcome is decided by what Balance may have done:
   - 2xx with a transaction id → `sent` (id and status stored);
   - `BalanceRejected` (Balance's 4xx) → `failed` with Balance's own message;
   - `BalanceNotSent` (the request provably never left) and `BalanceAuthError` (Balance
     refused our credentials before acting on anything) → back to `approved` with the reason;
     only an approver's "Send again" queues it again;
   - anything else — timeout, dropped connection, 5xx, unreadable answer, a 2xx without an
     id, any unexpected exception once the call started — → `unknown`. Nothing ever sends an
     `unknown` payout again; the reconciler or two people resolve it.
   A worker killed mid-call leaves the payout in `sending`; the sweep
   (`payouts_mark_stuck_unknown`) turns it `unknown` once the task time limit has passed.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from balance.client import BalanceClient
from balance.errors import (
    BalanceAuthError,
    BalanceError,
    BalanceNotSent,
    BalanceRejected,
)
from custody_portal.money import AmountError, format_coin, to_base_units

from ..models import ApprovalPolicy, Payout, PayoutKind, PayoutStatus
from ..selectors import payout_quorum, reserved_funds
from .common import (
    after_commit,
    audit,
    now,
    payout_content_hash,
    required_approvals_for,
    snapshot,
)

logger = logging.getLogger(__name__)


class _Recheck(Exception):
    """A re-check before sending failed: `status` is where the payout goes back to."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def payout_send(*, payout_id: int) -> str:
    """The send task's body: claim, re-check, send once, record the outcome.

    Returns the payout's resulting status ("" when it could not be claimed).
    """
    claimed_at = now()
    with transaction.atomic(durable=True):  # committed before any HTTP call
        claimed = Payout.objects.filter(pk=payout_id, status=PayoutStatus.APPROVED).update(
            status=PayoutStatus.SENDING, claimed_at=claimed_at, last_error=""
        )
        if not claimed:
            logger.info(
                "payout %s: not claimed (not approved, or another worker has it)", payout_id
            )
            return ""
        payout = Payout.objects.get(pk=payout_id)
        audit(payout, actor=None, action="payout.claim", message="Claimed by a worker for sending.")

    client = None
    try:
        client = BalanceClient.from_settings()
        _recheck(payout, client)
    except _Recheck as exc:
        return _put_back(payout, exc.status, exc.message)
    except BalanceAuthError as exc:
        return _put_back(payout, PayoutStatus.APPROVED, f"Not sent: {exc.message}")
    except BalanceError as exc:  # the read before sending failed: nothing was sent
        return _put_back(
            payout, PayoutStatus.APPROVED, f"Not sent: could not read the funds ({exc.message})"
        )
    except Exception as exc:
        logger.exception("payout %s: re-check crashed", payout_id)
        return _put_back(
            payout, PayoutStatus.APPROVED, f"Not sent: internal error ({exc.__class__.__name__})."
        )

    try:
        answer = _call_balance(payout, client)
    except BalanceRejected as exc:
        return _finish(payout, PayoutStatus.FAILED, error=f"Balance refused: {exc.message}")
    except (BalanceNotSent, BalanceAuthError) as exc:
        return _put_back(payout, PayoutStatus.APPROVED, f"Not sent: {exc.message}")
    except BaseException as exc:
        # Timeout, dropped connection, 5xx, unreadable answer, a bug after the call started,
        # even a soft time limit: Balance may have acted. Record it, never retry.
        _finish(payout, PayoutStatus.UNKNOWN, error=_unknown_cause(exc))
        if not isinstance(exc, Exception):
            raise
        return PayoutStatus.UNKNOWN
    return _record_answer(payout, answer)


def _recheck(payout: Payout, client: BalanceClient) -> None:
    """Quorum, expiry and funds, right before sending (raises _Recheck)."""
    funds = _live_funds(payout, client)  # HTTP first, outside any lock
    with transaction.atomic():
        row = Payout.objects.select_for_update().get(pk=payout.pk)
        if row.status != PayoutStatus.SENDING or row.claimed_at != payout.claimed_at:
            raise _Recheck(row.status, "")  # someone else moved it (the sweep): leave it
        if payout_content_hash(row) != row.content_hash:
            raise _Recheck(
                PayoutStatus.PENDING_APPROVAL,
                "Not sent: the payout's contents no longer match what was approved; "
                "it needs new approvals.",
            )
        policy = ApprovalPolicy.get_solo()
        required = max(
            row.required_approvals,
            required_approvals_for(asset=row.asset, total=int(row.total), policy=policy),
        )
        if required != row.required_approvals:
            Payout.objects.filter(pk=row.pk).update(required_approvals=required)
            row.required_approvals = required
        quorum = payout_quorum(payout=row, policy=policy)
        if not quorum.reached:
            expired = row.expires_at <= now()
            raise _Recheck(
                PayoutStatus.EXPIRED if expired else PayoutStatus.PENDING_APPROVAL,
                f"Not sent: only {quorum.current} of {quorum.required} approvals are still "
                "valid (approvals expire after "
                f"{policy.approval_valid_hours} h, and the policy may have changed)."
                + (" The payout has expired." if expired else " Approve it again."),
            )
        reserved = _reserved_by_others(row)
        if int(row.total) > funds - reserved:
            raise _Recheck(
                PayoutStatus.APPROVED,
                f"Not sent: the total {format_coin(row.total, row.asset)} is above what is "
                f"available now ({format_coin(funds, row.asset)} at Balance − "
                f"{format_coin(reserved, row.asset)} reserved by other payouts). "
                "Send again once funds arrive, or cancel.",
            )


def _live_funds(payout: Payout, client: BalanceClient) -> int:
    """Spendable base units at Balance now: the wallet's spendable balance of the asset, or
    for a FIL reward withdrawal the storage provider's available balance."""
    if payout.kind == PayoutKind.FIL_REWARD:
        provider = client.get_storage_provider(payout.source_wallet_id, payout.storage_provider_id)
        coins = provider.available_balance
    else:
        wallet = client.get_wallet(payout.source_wallet_id)
        coins = (wallet.spendable_balance or {}).get(payout.asset)
        if coins is None:
            coins = wallet.balance.get(payout.asset, 0)
    try:
        return to_base_units(coins, payout.asset, truncate=True)
    except AmountError as exc:
        raise _Recheck(PayoutStatus.APPROVED, f"Not sent: unreadable balance ({exc}).") from exc


def _reserved_by_others(payout: Payout) -> int:
    if payout.kind == PayoutKind.FIL_REWARD:
        others = Payout.objects.filter(
            kind=PayoutKind.FIL_REWARD,
            source_wallet_id=payout.source_wallet_id,
            storage_provider_id=payout.storage_provider_id,
            status__in=(PayoutStatus.APPROVED, PayoutStatus.SENDING),
        ).exclude(pk=payout.pk)
        # Unknown FIL withdrawals are not subtracted: Balance's available balance already
        # excludes one that went, and the reconciler settles the rest.
        return sum(int(t) for t in others.values_list("total", flat=True))
    return reserved_funds(
        wallet_id=payout.source_wallet_id, asset=payout.asset, exclude_payout_id=payout.pk
    )


def _call_balance(payout: Payout, client: BalanceClient):
    """Exactly one POST to Balance (the client never retries a POST)."""
    if payout.kind == PayoutKind.FIL_REWARD:
        fee = int(payout.fee) if payout.fee.isdigit() else payout.fee
        notes = payout.reference + (f" {payout.note}" if payout.note else "")
        return client.withdraw_storage_provider_rewards(
            payout.source_wallet_id,
            payout.storage_provider_id,
            amount_afil=int(payout.total),
            fee=fee,
            notes=notes,
        )
    destinations = [
        {
            "type": line.destination_type,
            "id": line.destination_id,
            "public_address": line.public_address,
            "amount": int(line.amount),
        }
        for line in payout.lines.order_by("position")
    ]
    return client.send_batch_now(
        source_wallet_id=payout.source_wallet_id, asset=payout.asset, destinations=destinations
    )


def _record_answer(payout: Payout, answer) -> str:
    tx_id = answer.get("id") if isinstance(answer, dict) else None
    if tx_id is None or isinstance(tx_id, bool) or str(tx_id).strip() == "":
        return _finish(
            payout,
            PayoutStatus.UNKNOWN,
            error="Balance answered without a transaction id.",
        )
    status = answer.get("status")
    try:
        return _finish(
            payout,
            PayoutStatus.SENT,
            transaction_id=str(tx_id),
            balance_status=str(status) if status is not None else "",
        )
    except IntegrityError:
        return _finish(
            payout,
            PayoutStatus.UNKNOWN,
            error=f"Balance answered with transaction {tx_id}, which is already linked to "
            "another payout; a person must check.",
        )


# What an `unknown` outcome means; `last_error` holds only its cause (the page, the email and
# the API's `status` already say "outcome unknown": saying it twice read as two events).
UNKNOWN_MEANING = "Balance may have sent this payout; it will not be sent again."


def _unknown_cause(exc: BaseException) -> str:
    """What went wrong once the call had started, as one sentence for people."""
    if isinstance(exc, BalanceError):
        return sentence(exc.message)
    logger.error("payout send: unexpected error after the call started", exc_info=exc)
    return "The send stopped on an unexpected error after the call to Balance had started."


def sentence(text: str) -> str:
    """`text` ending with a full stop, so the next sentence does not run into it."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _finish(
    payout: Payout,
    status: str,
    *,
    error: str = "",
    transaction_id: str = "",
    balance_status: str = "",
) -> str:
    """Record the outcome of the call (only from `sending`, under the row lock)."""
    with transaction.atomic():
        row = Payout.objects.select_for_update().get(pk=payout.pk)
        if row.status != PayoutStatus.SENDING:
            logger.error(
                "payout %s: outcome %s arrived while it is %s", payout.pk, status, row.status
            )
            return row.status
        before = snapshot(row)
        row.status = status
        row.last_error = error
        row.balance_transaction_id = transaction_id
        row.balance_status = balance_status
        row.finished_at = now() if status in (PayoutStatus.SENT, PayoutStatus.FAILED) else None
        row.save(
            update_fields=[
                "status",
                "last_error",
                "balance_transaction_id",
                "balance_status",
                "finished_at",
                "updated_at",
            ]
        )
        message = {
            PayoutStatus.SENT: f"Sent: Balance transaction {transaction_id} ({balance_status}).",
            PayoutStatus.FAILED: error,
            PayoutStatus.UNKNOWN: f"Outcome unknown: {error} {UNKNOWN_MEANING}",
        }[status]
        audit(
            row,
            actor=None,
            action=f"payout.{status}",
            before=before,
            after={**snapshot(row), "balance_transaction_id": transaction_id},
            message=message,
        )
        from ..emails import notify_drafter

        after_commit(notify_drafter, row.pk, status)
    return status


def _put_back(payout: Payout, status: str, message: str) -> str:
    """A send that did not happen: back to `status` with the reason (only from `sending`)."""
    with transaction.atomic():
        row = Payout.objects.select_for_update().get(pk=payout.pk)
        if row.status != PayoutStatus.SENDING or not message:
            return row.status
        before = snapshot(row)
        row.status = status
        row.last_error = message
        if status == PayoutStatus.EXPIRED:
            row.finished_at = now()
        # The policy may have been raised since approval: the payout now needs that many.
        row.required_approvals = max(
            row.required_approvals,
            required_approvals_for(asset=row.asset, total=int(row.total)),
        )
        row.save(
            update_fields=[
                "status",
                "last_error",
                "finished_at",
                "required_approvals",
                "updated_at",
            ]
        )
        audit(
            row,
            actor=None,
            action="payout.not_sent",
            before=before,
            after=snapshot(row),
            message=message,
        )
    return status


def payouts_mark_stuck_unknown() -> int:
    """Payouts left in `sending` past the task time limit (their worker was killed or lost
    the database after calling Balance) become `unknown`: the call may have happened."""
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    cutoff = now() - limit
    count = 0
    ids = list(
        Payout.objects.filter(status=PayoutStatus.SENDING, claimed_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for payout_id in ids:
        with transaction.atomic():
            row = Payout.objects.select_for_update().get(pk=payout_id)
            if row.status != PayoutStatus.SENDING or row.claimed_at >= cutoff:
                continue
            before = snapshot(row)
            row.status = PayoutStatus.UNKNOWN
            row.last_error = (
                "The sending worker stopped without recording an answer "
                f"(still sending after {int(limit.total_seconds())} s)."
            )
            row.save(update_fields=["status", "last_error", "updated_at"])
            audit(
                row,
                actor=None,
                action="payout.unknown",
                before=before,
                after=snapshot(row),
                message=f"Outcome unknown: {row.last_error} {UNKNOWN_MEANING}",
            )
            from ..emails import notify_drafter

            after_commit(notify_drafter, row.pk, PayoutStatus.UNKNOWN)
            count += 1
    return count
