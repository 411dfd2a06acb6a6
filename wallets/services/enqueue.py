"""Queue refreshes for Celery workers (the home page's "Refresh now", refresh chaining)."""

import logging

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import DatabaseError, transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from custody_portal.audit import audit_record
from custody_portal.errors import ApplicationError

logger = logging.getLogger(__name__)

BROKER_DOWN = (
    "Could not queue the refresh: the task queue is unreachable ({detail}). The pages keep "
    "showing the last local copy. Try again, or ask an administrator to check Redis and the "
    "Celery worker."
)


def refresh_enqueue(*, user: AbstractBaseUser) -> None:
    """Queue the wallets refresh and the watched sub-addresses refresh.

    The tasks are sent after the surrounding transaction commits (`on_commit`), so a worker
    never starts before the request's own writes are visible; outside a transaction that is
    at once. The callback never raises (an exception there would turn a committed request
    into an error page): a broker failure is logged and recorded as a failed wallets refresh
    run ("could not be queued"), which the home page shows. When the callback ran at once,
    the failure also reaches the user as an ApplicationError (503), raised from here.
    """
    from .. import tasks  # tasks import services: avoid the import cycle at load time

    failed: list[str] = []

    def send() -> None:
        try:
            tasks.refresh_wallets.delay()
            tasks.refresh_watched_sub_addresses.delay()
        except (KombuError, OSError) as exc:
            logger.warning("could not queue the wallets refresh: %s", exc)
            message = BROKER_DOWN.format(detail=_short(exc))
            failed.append(message)
            _record_not_queued(message)
            return
        audit_record(
            actor=user,
            action="refresh.request",
            object_type="refresh",
            object_id="refresh_wallets",
            wallet_id=None,
            message="Asked for a refresh of wallets, balances and watched sub-addresses",
        )

    transaction.on_commit(send, robust=True)
    if failed:  # the callback ran at once: no transaction was open
        raise ApplicationError(failed[0], status=503)


def _record_not_queued(message: str) -> None:
    """A failed wallets refresh run saying the refresh could not be queued, so the home page
    and the sync history show it even when nobody was waiting for the answer."""
    from custody_portal.models import RefreshRun

    from .refresh import TASK_WALLETS

    now = timezone.now()
    try:
        RefreshRun.objects.create(
            task=TASK_WALLETS,
            started_at=now,
            finished_at=now,
            status=RefreshRun.Status.FAILED,
            error=message,
            error_kind="queue",
        )
    except DatabaseError:
        logger.exception("could not record that the refresh was not queued")


def wallet_details_enqueue() -> None:
    """Queue the wallet details refresh once the surrounding transaction commits.

    Called after a successful wallets refresh, so wallets that just appeared (or whose
    totals moved) get their spendable amounts within seconds instead of at the next beat
    tick. Best effort: the beat schedule runs the same task anyway, so a broker failure is
    logged, not raised — the wallets refresh itself succeeded.
    """
    from .. import tasks  # tasks import services: avoid the import cycle at load time

    send_after_commit(tasks.refresh_wallet_details, "the wallet details refresh")


def wallets_refresh_enqueue() -> None:
    """Queue a wallets refresh once the surrounding transaction commits (after an operator
    confirmed a held-back removal: the next walk shows whether Balance agrees). Best effort,
    like `wallet_details_enqueue`: the beat runs it anyway."""
    from .. import tasks

    send_after_commit(tasks.refresh_wallets, "the wallets refresh")


def first_sub_address_sweep_enqueue() -> None:
    """After a wallets refresh, while no wallet's sub-addresses were ever read (a new
    installation), queue the sub-address refresh at once. The one queued at worker start may
    have run before any wallet was in the local copy, and its sweep would otherwise wait for
    the next beat tick (30 minutes). Best effort, like `wallet_details_enqueue`."""
    from .. import tasks
    from ..models import Wallet

    if Wallet.objects.filter(sub_addresses_synced_at__isnull=False).exists():
        return
    send_after_commit(tasks.refresh_watched_sub_addresses, "the first sub-address sweep")


def send_after_commit(task, what: str) -> None:
    """Best effort: `task.delay()` once the surrounding transaction commits; a broker
    failure is logged, never raised (the beat schedule runs the task anyway)."""

    def send() -> None:
        try:
            task.delay()
        except (KombuError, OSError) as exc:
            logger.warning("could not queue %s: %s", what, _short(exc))

    transaction.on_commit(send, robust=True)


def _short(exc: Exception) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text if len(text) <= 160 else text[:157] + "…"
