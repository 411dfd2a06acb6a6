"""Following `sent` payouts until Balance's status for them is final (part of the reconciler).

Balance answers `send_batch_now` while the batch may still be in progress
(`pending_approval`, `approved`, `pending_generation`; `inactive` or an undocumented value is
treated as in progress too, REFERENCE §11 #12). It can later settle as `completed`, or as
`failed` / `canceled` — then the held funds are released and nothing left the wallet. The
payout's own state machine does not change: a `sent` payout stays `sent` (the portal's send
happened and is never repeated); only `balance_status` follows Balance, so the page, the list
and the drafter can see that the funds did not leave and a new payout is needed.

Each run reads at most `FOLLOW_BATCH` payouts, least recently read first, through the
documented `GET /api/v1/transactions/:id` (fields `id` and `status` only). Payouts sent more
than `BALANCE_FOLLOW_DAYS` ago are no longer read; the page says so. A read error or a
garbled answer for one payout writes nothing for it and does not stop the others.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from django.db import transaction
from django.db.models import F

from balance.client import BalanceClient
from balance.errors import BalanceError
from custody_portal.models import RefreshRun
from custody_portal.refresh import refresh_heartbeat

from ..models import (
    BALANCE_DID_NOT_SEND,
    BALANCE_FINAL_STATUSES,
    BALANCE_FOLLOW_DAYS,
    Payout,
    PayoutStatus,
)
from .common import after_commit, audit, now

logger = logging.getLogger(__name__)

FOLLOW_BATCH = 200
# A status is a short lower-case word (`pending_generation`); anything else is garbled.
STATUS_SHAPE = re.compile(r"^[a-z][a-z_]{0,31}$")
BALANCE_FAILED_EVENT = "balance_failed"


class Garbled(Exception):
    """Balance's answer about a transaction cannot be trusted: nothing is written."""


def payouts_to_follow(*, limit: int = FOLLOW_BATCH) -> list[Payout]:
    """Sent payouts whose Balance status is not final, sent within the follow window, least
    recently read first (never read first)."""
    return list(
        Payout.objects.filter(
            status=PayoutStatus.SENT,
            finished_at__gte=now() - timedelta(days=BALANCE_FOLLOW_DAYS),
        )
        .exclude(balance_transaction_id="")
        .exclude(balance_status__in=BALANCE_FINAL_STATUSES)
        .order_by(F("balance_checked_at").asc(nulls_first=True), "id")[:limit]
    )


def payouts_follow_sent(
    *, client: BalanceClient | None = None, counts: dict, run: RefreshRun | None = None
) -> BalanceError | None:
    """Read Balance's status of each sent payout still in progress and record changes.

    Adds `followed`, `balance_changed`, `balance_failed` and `errors` to `counts`. Returns the
    last BalanceError met (the caller records the run as failed after finishing), else None.
    `run` (the reconciler's recorded run) is kept alive between reads.
    """
    for key in ("followed", "balance_changed", "balance_failed"):
        counts.setdefault(key, 0)
    counts.setdefault("errors", 0)
    payouts = payouts_to_follow()
    if not payouts:
        return None
    client = client or BalanceClient.from_settings()
    failure: BalanceError | None = None
    unchanged: list[int] = []
    for payout in payouts:
        if run is not None:
            refresh_heartbeat(run)
        try:
            status = _read_status(client, payout)
        except (BalanceError, Garbled) as exc:
            logger.warning("reconcile: %s Balance status: %s", payout.reference, exc)
            counts["errors"] += 1
            if isinstance(exc, BalanceError):
                failure = exc
            continue
        counts["followed"] += 1
        if status == payout.balance_status:
            unchanged.append(payout.pk)
            continue
        if _record_status(payout, status):
            counts["balance_changed"] += 1
            if status in BALANCE_DID_NOT_SEND:
                counts["balance_failed"] += 1
    if unchanged:
        Payout.objects.filter(pk__in=unchanged).update(balance_checked_at=now())
    return failure


def _read_status(client: BalanceClient, payout: Payout) -> str:
    """Balance's current status of the payout's transaction (documented `id`, `status`)."""
    tx = client.get_transaction(payout.balance_transaction_id)
    if str(tx.get("id")) != payout.balance_transaction_id:
        raise Garbled(f"answer is about transaction {tx.get('id')!r}")
    status = tx.get("status")
    if not isinstance(status, str) or not STATUS_SHAPE.match(status.lower()):
        raise Garbled(f"unreadable status {status!r}")
    return status.lower()


def _record_status(payout: Payout, status: str) -> bool:
    """Store the new status (only if the payout is still sent with the status we read
    against), audit it, and tell the drafter when the funds did not leave."""
    with transaction.atomic():
        row = Payout.objects.select_for_update().get(pk=payout.pk)
        if row.status != PayoutStatus.SENT or row.balance_status != payout.balance_status:
            return False
        before = {"balance_status": row.balance_status}
        row.balance_status = status
        row.balance_checked_at = now()
        row.save(update_fields=["balance_status", "balance_checked_at", "updated_at"])
        tx = row.balance_transaction_id
        if status in BALANCE_DID_NOT_SEND:
            message = (
                f"Balance reports transaction {tx} {status}: the funds did not leave the wallet. "
                "Draft a new payout if it is still needed."
            )
        else:
            message = f"Balance transaction {tx} is now {status}."
        audit(
            row,
            actor=None,
            action="payout.balance_status",
            before=before,
            after={"balance_status": status},
            message=message,
        )
        if status in BALANCE_DID_NOT_SEND:
            from ..emails import notify_drafter

            after_commit(notify_drafter, row.pk, BALANCE_FAILED_EVENT)
    return True
