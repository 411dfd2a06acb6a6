"""The reconciler: find `unknown` payouts in Balance's transactions (DESIGN.md §6).

Only documented fields are used (REFERENCE.md §5.1 internal-transaction struct): `source.id`,
`amounts[asset]` equal to the payout's total (read as Decimal, converted to base units
exactly), `is_batched` for batches, `created_at` from two minutes before the claim to the
policy's match window after it, and for FIL reward withdrawals the payout reference in
`notes`. The sandbox's `destinations` array on batch transactions is **not** read: Balance
does not document it.

Exactly one candidate, not already linked to another payout → `sent` with its id and status.
None → stays `unknown`; after the policy's give-up time it is flagged `needs_review`. Two or
more → ambiguous: flagged for a person with the candidate ids, never guessed. A candidate
that Balance reports `failed` or `canceled` is also left to a person.

Each run then follows `sent` payouts whose Balance status is still in progress (follow.py).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.dateparse import parse_datetime

from balance.client import BalanceClient
from balance.errors import BalanceError
from custody_portal.money import AmountError, to_base_units
from custody_portal.refresh import refresh_run

from ..models import ApprovalPolicy, Payout, PayoutKind, PayoutStatus
from .common import after_commit, audit, now, snapshot
from .follow import payouts_follow_sent
from .sending import payouts_mark_stuck_unknown

logger = logging.getLogger(__name__)

TASK = "reconcile_payouts"
CLOCK_SLACK = timedelta(minutes=2)
SETTLED_BADLY = ("failed", "canceled", "cancelled")


def payouts_reconcile() -> dict:
    """One recorded, single-flight reconciliation run (shown on the sync history page).

    Returns the run's counts. Raises RefreshAlreadyRunning when another run holds the lock,
    or the last BalanceError met (after finishing every wallet and sent payout it could read).
    """
    with refresh_run(TASK) as run:
        counts = {"stuck": 0, "checked": 0, "sent": 0, "review": 0, "unmatched": 0, "errors": 0}
        run.counts = counts
        counts["stuck"] = payouts_mark_stuck_unknown()
        policy = ApprovalPolicy.get_solo()
        pending = list(
            Payout.objects.filter(status=PayoutStatus.UNKNOWN, needs_review=False).order_by("id")
        )
        by_wallet: dict[int, list[Payout]] = defaultdict(list)
        for payout in pending:
            by_wallet[payout.source_wallet_id].append(payout)
        client = BalanceClient.from_settings()
        failure: BalanceError | None = None
        for wallet_id, payouts in by_wallet.items():
            try:
                # Payouts are internal transactions (from our own wallet, or a FIL reward
                # withdrawal into it): the documented `type` filter skips incoming deposits.
                transactions = client.list_wallet_transactions(wallet_id, type="internal")
            except BalanceError as exc:
                logger.warning("reconcile: wallet %s transactions: %s", wallet_id, exc)
                counts["errors"] += 1
                failure = exc
                continue
            for payout in payouts:
                counts["checked"] += 1
                counts[_reconcile_one(payout, transactions, policy)] += 1
        # Then sent payouts whose Balance status is still in progress (follow.py).
        failure = payouts_follow_sent(client=client, counts=counts, run=run) or failure
        if failure is not None:
            raise failure
    return counts


def _reconcile_one(payout: Payout, transactions: list, policy: ApprovalPolicy) -> str:
    candidates = [t for t in transactions if isinstance(t, dict) and _matches(payout, t, policy)]
    ids = [str(t.get("id")) for t in candidates]
    linked = set(
        Payout.objects.filter(balance_transaction_id__in=ids)
        .exclude(pk=payout.pk)
        .values_list("balance_transaction_id", flat=True)
    )
    candidates = [t for t in candidates if str(t.get("id")) not in linked]
    if len(candidates) == 1:
        tx = candidates[0]
        status = str(tx.get("status") or "")
        if status.lower() in SETTLED_BADLY:
            return _flag(
                payout,
                f"Balance transaction {tx['id']} matches this payout but Balance reports it "
                f"{status}; a person must decide.",
            )
        return _resolve_sent(payout, str(tx["id"]), status)
    if len(candidates) > 1:
        ids = ", ".join(str(t.get("id")) for t in candidates)
        return _flag(
            payout,
            f"Ambiguous: {len(candidates)} Balance transactions match this payout ({ids}); "
            "a person must pick the right one.",
        )
    give_up = (payout.claimed_at or payout.updated_at) + timedelta(
        minutes=policy.unknown_give_up_minutes
    )
    if now() >= give_up:
        return _flag(
            payout,
            f"No Balance transaction matched within {policy.unknown_give_up_minutes} minutes; "
            "a person must check Balance and resolve it.",
        )
    return "unmatched"


def _matches(payout: Payout, tx: dict, policy: ApprovalPolicy) -> bool:
    """Does the transaction look like this payout, on documented fields only?"""
    if tx.get("id") is None:
        return False
    amounts = tx.get("amounts")
    if not isinstance(amounts, dict):
        return False
    value = amounts.get(payout.asset)
    if value is None or isinstance(value, bool | float):
        return False
    try:
        if to_base_units(value, payout.asset) != int(payout.total):
            return False
    except (AmountError, TypeError, ValueError, ArithmeticError):
        return False
    if not _created_in_window(payout, tx.get("created_at"), policy):
        return False
    if payout.kind == PayoutKind.FIL_REWARD:
        notes = tx.get("notes")
        return isinstance(notes, str) and _mentions(notes, payout.reference)
    source = tx.get("source")
    if not isinstance(source, dict) or _as_int(source.get("id")) != payout.source_wallet_id:
        return False
    return tx.get("is_batched") is True


def _created_in_window(payout: Payout, created_at, policy: ApprovalPolicy) -> bool:
    if not isinstance(created_at, str) or payout.claimed_at is None:
        return False
    try:
        when = parse_datetime(created_at)
    except ValueError:
        return False
    if not isinstance(when, datetime) or when.tzinfo is None:
        return False
    start = payout.claimed_at - CLOCK_SLACK
    end = payout.claimed_at + timedelta(minutes=policy.reconcile_match_minutes)
    return start <= when <= end


def _mentions(notes: str, reference: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(reference)}(?![\w-])", notes) is not None


def _as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _resolve_sent(payout: Payout, transaction_id: str, balance_status: str) -> str:
    with transaction.atomic():
        row = Payout.objects.select_for_update().get(pk=payout.pk)
        if row.status != PayoutStatus.UNKNOWN:
            return "unmatched"
        before = snapshot(row)
        row.status = PayoutStatus.SENT
        row.balance_transaction_id = transaction_id
        row.balance_status = balance_status
        row.last_error = ""
        row.needs_review = False
        row.finished_at = now()
        row.save()
        audit(
            row,
            actor=None,
            action="payout.reconciled",
            before=before,
            after={**snapshot(row), "balance_transaction_id": transaction_id},
            message=f"Reconciled: found as Balance transaction {transaction_id} "
            f"({balance_status or 'status not given'}).",
        )
        from ..emails import notify_drafter

        after_commit(notify_drafter, row.pk, PayoutStatus.SENT)
    return "sent"


def _flag(payout: Payout, message: str) -> str:
    with transaction.atomic():
        row = Payout.objects.select_for_update().get(pk=payout.pk)
        if row.status != PayoutStatus.UNKNOWN or row.needs_review:
            return "unmatched"
        row.needs_review = True
        row.last_error = message
        row.save(update_fields=["needs_review", "last_error", "updated_at"])
        audit(row, actor=None, action="payout.needs_review", message=message)
    return "review"
