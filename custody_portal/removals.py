"""Removals after a complete walk, and the guard against "everything is gone" (DESIGN.md §11.7).

One mechanism for every data set a refresh removes from: wallets and external accounts (the
wallets refresh) and storage providers (the storage-provider refresh). A record is marked
removed when a complete walk of Balance's list no longer returns it. The set is decided by the
walk's own ids (the records active when the walk started, minus the ids it returned), never
by timestamps another writer may move.

A walk that returned nothing while the portal holds records, or that would remove more than
half of them, is more likely a garbled or truncated answer than a real mass removal: it
removes nothing, remembers the proposal as a `PendingRemoval`, and the run fails with a
message saying so. The next complete walk that proposes exactly the same ids applies them
(its counts say so); an operator can also confirm from the home page
(`pending_removal_confirm`). Any other complete walk replaces or clears the proposal.

`REMOVAL_DATA_SETS` says, per data set, which model holds its records, which refresh lock a
confirmation must hold (no walk runs while it applies), and which refresh to queue after it.
Apps are named by strings so that this module imports none of them.
"""

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.module_loading import import_string
from redis.exceptions import RedisError

from .audit import audit_record
from .errors import ApplicationError
from .models import PendingRemoval, RefreshRun
from .refresh import RefreshAlreadyRunning, refresh_lock

logger = logging.getLogger(__name__)

DataSet = PendingRemoval.DataSet
UPDATE_BATCH = 500
# A walk proposing to remove more than this share of the active records is held back.
MAX_REMOVED_SHARE = 0.5


@dataclass(frozen=True)
class RemovalDataSet:
    """How one data set takes part: `model` ("app.Model", records with `removed_at`);
    `lock_task` the refresh lock (`custody_portal.refresh`) its walks hold, taken by a
    confirmation too; `refresh` what the operator reads when that lock is busy; `enqueue` the
    dotted path of a best-effort, after-commit queueing of that refresh (taking no argument),
    whose walk replaces the failed run on the home page after a confirmation."""

    model: str
    lock_task: str
    refresh: str
    enqueue: str

    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    def enqueue_refresh(self) -> None:
        call: Callable[[], None] = import_string(self.enqueue)
        call()


REMOVAL_DATA_SETS: dict[str, RemovalDataSet] = {
    DataSet.WALLETS: RemovalDataSet(
        model="wallets.Wallet",
        lock_task="refresh_wallets",
        refresh="wallets refresh",
        enqueue="wallets.services.enqueue.wallets_refresh_enqueue",
    ),
    DataSet.EXTERNAL_ACCOUNTS: RemovalDataSet(
        model="wallets.ExternalAccount",
        lock_task="refresh_wallets",
        refresh="wallets refresh",
        enqueue="wallets.services.enqueue.wallets_refresh_enqueue",
    ),
    DataSet.STORAGE_PROVIDERS: RemovalDataSet(
        model="filecoin.StorageProvider",
        lock_task="refresh_storage_providers",
        refresh="storage-provider refresh",
        enqueue="filecoin.services.enqueue.storage_providers_refresh_after_confirm",
    ),
}


@dataclass(frozen=True)
class RemovalOutcome:
    """What a walk's removal step did: `removed` applied; `held` ids kept back with `message`
    (the run must fail with it); `agreed` when it applied a removal an earlier walk held;
    `forced` when the caller forced an implausible removal through (`force=True`)."""

    removed: int = 0
    held: int = 0
    agreed: bool = False
    forced: bool = False
    message: str = ""


def active_ids(data_set: str) -> set[int]:
    """Ids of the data set's active records: taken when a walk starts, so a record added by
    someone else during the walk (it is not in this set) is never removed by it."""
    model = REMOVAL_DATA_SETS[data_set].model_class()
    return set(model.objects.filter(removed_at__isnull=True).values_list("id", flat=True))


def removals_after_walk(
    *,
    data_set: str,
    active: set[int],
    seen: set[int],
    run: RefreshRun | None,
    unread: Iterable[int] = (),
    force: bool = False,
) -> RemovalOutcome:
    """Apply, or hold back, the removals of one complete walk (see the module docstring).

    `active`: ids active when the walk started (`active_ids`); `seen`: every id the walk
    returned; `unread`: active ids whose part of the list Balance refused to give (e.g. one
    wallet's storage providers): neither removed nor counted as returned. Only call after the
    whole list was read: a walk that failed removes nothing. `force` applies an implausible
    removal at once (an operator's console command after checking at Balance), audited.
    """
    missing = sorted(active - seen - set(unread))
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
        if force:
            if pending is not None:
                pending.delete()
            removed = _mark_removed(data_set, missing)
            audit_record(
                actor=None,
                action="refresh.removal_forced",
                object_type="pending_removal",
                object_id=data_set,
                wallet_id=None,
                before={"active": len(active), "seen_by_walk": len(seen)},
                after={"ids": missing, "removed": removed},
                message=(
                    f"Forced the removal of {len(missing)} {label} Balance no longer returned "
                    "(--allow-mass-removal)"
                ),
            )
            logger.warning("%s: removal forced; removing %d", label, len(missing))
            return RemovalOutcome(removed=removed, forced=True)
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


def count_removals(
    counts: dict, outcome: RemovalOutcome, held: list[str], prefix: str = ""
) -> None:
    """Put a walk's removal outcome in its run's counts: `removed` always; `removal_held`
    when held back (its message is appended to `held`: the caller fails the run with them,
    RefreshRefused kind "removal"), `removal_agreed` when a second walk applied a held-back
    removal, `removal_forced` when forced."""
    counts[f"{prefix}removed"] = outcome.removed
    if outcome.held:
        counts[f"{prefix}removal_held"] = outcome.held
        held.append(outcome.message)
    if outcome.agreed:
        counts[f"{prefix}removal_agreed"] = outcome.removed
    if outcome.forced:
        counts[f"{prefix}removal_forced"] = outcome.removed


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
    model = REMOVAL_DATA_SETS[data_set].model_class()
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
    Holds the data set's refresh lock, so no walk runs meanwhile. Audited. Then queues that
    refresh, whose walk replaces the failed run on the home page. Returns how many records
    were marked removed (those still active).
    """
    entry = REMOVAL_DATA_SETS.get(data_set)
    if entry is None:
        raise ApplicationError("There is no such data set.", status=404)
    label = DataSet(data_set).label
    try:
        with refresh_lock(entry.lock_task), transaction.atomic():
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
            f"A {entry.refresh} is running; confirm again when it has finished.", status=409
        ) from exc
    except RedisError as exc:  # the refresh lock lives in Redis
        raise ApplicationError(
            "Nothing was removed: Redis (used for refresh locks) is unreachable. Ask an "
            "administrator to check REDIS_URL.",
            status=503,
        ) from exc
    entry.enqueue_refresh()
    return removed
