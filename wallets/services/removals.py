"""Removals after a complete walk, and the guard against "everything is gone" (DESIGN.md §11.7).

Wallets and external accounts are marked removed when a complete walk of Balance's list no
longer returns them. The set is decided by the walk's own ids (the records active when the
walk started, minus the ids it returned), never by timestamps another writer may move.

A walk that returned nothing while the portal holds records, or that would remove more than
half of them, is more likely a garbled or truncated answer than a real mass removal: it
removes nothing, remembers the proposal as a `PendingRemoval`, and the run fails with a
message saying so. The next complete walk that proposes exactly the same ids applies them
(its counts say so); an operator can also confirm from the home page. Any other complete walk
replaces or clears the proposal.
"""

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from redis.exceptions import RedisError

from custody_portal.audit import audit_record
from custody_portal.errors import ApplicationError
from custody_portal.models import RefreshRun
from custody_portal.refresh import RefreshAlreadyRunning, refresh_lock

from ..models import ExternalAccount, PendingRemoval, Wallet
from .enqueue import wallets_refresh_enqueue

logger = logging.getLogger(__name__)

DataSet = PendingRemoval.DataSet
UPDATE_BATCH = 500
# A walk proposing to remove more than this share of the active records is held back.
MAX_REMOVED_SHARE = 0.5
# The lock the wallets refresh holds (custody_portal.refresh): confirmations take it too, so
# no walk runs while a held-back removal is applied.
LOCK_TASK = "refresh_wallets"

_MODELS: dict[str, type[Model]] = {
    DataSet.WALLETS: Wallet,
    DataSet.EXTERNAL_ACCOUNTS: ExternalAccount,
}


@dataclass(frozen=True)
class RemovalOutcome:
    """What a walk's removal step did: `removed` applied; `held` ids kept back with `message`
    (the run must fail with it); `agreed` when it applied a removal an earlier walk held."""

    removed: int = 0
    held: int = 0
    agreed: bool = False
    message: str = ""


def active_ids(data_set: str) -> set[int]:
    """Ids of the data set's active records: taken when a walk starts, so a record added by
    someone else during the walk (it is not in this set) is never removed by it."""
    model = _MODELS[data_set]
    return set(model.objects.filter(removed_at__isnull=True).values_list("id", flat=True))


def removals_after_walk(
    *, data_set: str, active: set[int], seen: set[int], run: RefreshRun | None
) -> RemovalOutcome:
    """Apply, or hold back, the removals of one complete walk (see the module docstring).

    `active`: ids active when the walk started (`active_ids`); `seen`: every id the walk
    returned. Only call after the whole list was read: a walk that failed removes nothing.
    """
    missing = sorted(active - seen)
    label = DataSet(data_set).label
    with transaction.atomic():
        pending = PendingRemoval.objects.select_for_update().filter(data_set=data_set).first()
        if not missing:
            if pending is not None:
                pending.delete()
            return RemovalOutcome()
        digest = ids_hash(missing)
        if not _implausible(len(active), len(seen), len(missing)):
            if pending is not None:
                pending.delete()
            return RemovalOutcome(removed=_mark_removed(data_set, missing))
        same = pending is not None and pending.ids_hash == digest
        if same and (run is None or pending.first_run_id != run.pk):
            pending.delete()
            logger.warning("%s: a second walk agreed; removing %d", label, len(missing))
            return RemovalOutcome(removed=_mark_removed(data_set, missing), agreed=True)
        PendingRemoval.objects.update_or_create(
            data_set=data_set,
            defaults={
                "ids": missing,
                "ids_hash": digest,
                "active_count": len(active),
                "seen_count": len(seen),
                "first_run": run,
                "created_at": timezone.now(),
            },
        )
    message = held_message(label, active=len(active), seen=len(seen), missing=len(missing))
    logger.warning("%s: removal held back: %s", label, message)
    return RemovalOutcome(held=len(missing), message=message)


def _implausible(active: int, seen: int, missing: int) -> bool:
    return (seen == 0 and active > 0) or missing > active * MAX_REMOVED_SHARE


def held_message(label: str, *, active: int, seen: int, missing: int) -> str:
    """The run's error when a removal is held back (shown on the home and sync pages)."""
    if seen == 0:
        what = f"Balance returned no {label} (the portal holds {active})"
    else:
        what = f"Balance's list lacks {missing} of the portal's {active} {label} (more than half)"
    return (
        f"{what}: nothing was removed. If Balance really removed them, the next refresh that "
        "agrees will apply it, or an operator can confirm on the home page."
    )


def ids_hash(ids: Iterable[int]) -> str:
    """A stable name for a set of ids (sorted, comma-joined, SHA-256)."""
    text = ",".join(str(i) for i in sorted(ids))
    return hashlib.sha256(text.encode()).hexdigest()


def _mark_removed(data_set: str, ids: list[int], now: datetime | None = None) -> int:
    """Mark `ids` removed (those still active), in batches that fit any database's limits."""
    model = _MODELS[data_set]
    now = now or timezone.now()
    removed = 0
    for start in range(0, len(ids), UPDATE_BATCH):
        chunk = ids[start : start + UPDATE_BATCH]
        removed += model.objects.filter(id__in=chunk, removed_at__isnull=True).update(
            removed_at=now
        )
    return removed


def pending_removal_confirm(*, user: AbstractBaseUser, data_set: str, ids_hash: str) -> int:
    """An operator confirms a held-back removal, exactly as the home page showed it.

    `ids_hash` is the hash the page showed: if the proposal changed since (a newer walk
    replaced or cleared it), nothing is applied and the operator is asked to look again.
    Holds the wallets refresh lock, so no walk runs meanwhile. Audited. Then queues a wallets
    refresh, whose walk replaces the failed run on the home page. Returns how many records
    were marked removed (those still active).
    """
    if data_set not in _MODELS:
        raise ApplicationError("There is no such data set.", status=404)
    label = DataSet(data_set).label
    try:
        with refresh_lock(LOCK_TASK), transaction.atomic():
            pending = PendingRemoval.objects.select_for_update().filter(data_set=data_set).first()
            if pending is None:
                raise ApplicationError(
                    f"There is no removal of {label} waiting for confirmation any more: a "
                    "newer refresh settled it.",
                    status=409,
                )
            if pending.ids_hash != ids_hash:
                raise ApplicationError(
                    f"The removal of {label} waiting for confirmation changed since the page "
                    "was shown (a newer refresh proposed another one). Look at it again.",
                    status=409,
                )
            ids = list(pending.ids)
            removed = _mark_removed(data_set, ids)
            pending.delete()
            audit_record(
                actor=user,
                action="refresh.removal_confirm",
                object_type="pending_removal",
                object_id=data_set,
                wallet_id=None,
                before={"active": pending.active_count, "seen_by_walk": pending.seen_count},
                after={"ids": ids, "removed": removed},
                message=(
                    f"Confirmed the removal of {len(ids)} {label} Balance no longer returned "
                    f"({removed} were still active)"
                ),
            )
    except RefreshAlreadyRunning as exc:
        raise ApplicationError(
            "A wallets refresh is running; confirm again when it has finished.", status=409
        ) from exc
    except RedisError as exc:  # the refresh lock lives in Redis
        raise ApplicationError(
            "Nothing was removed: Redis (used for refresh locks) is unreachable. Ask an "
            "administrator to check REDIS_URL.",
            status=503,
        ) from exc
    wallets_refresh_enqueue()
    return removed
