"""Queue refreshes for Celery workers (the home page's "Refresh now", refresh chaining)."""

import logging

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
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
    never starts before the request's own writes are visible. Outside a transaction that is
    immediately, which lets a broker failure reach the user as an ApplicationError (503).
    """
    from .. import tasks  # tasks import services: avoid the import cycle at load time

    def send() -> None:
        try:
            tasks.refresh_wallets.delay()
            tasks.refresh_watched_sub_addresses.delay()
        except (KombuError, OSError) as exc:
            logger.warning("could not queue the wallets refresh: %s", exc)
            raise ApplicationError(BROKER_DOWN.format(detail=_short(exc)), status=503) from exc
        audit_record(
            actor=user,
            action="refresh.request",
            object_type="refresh",
            object_id="refresh_wallets",
            wallet_id=None,
            message="Asked for a refresh of wallets, balances and watched sub-addresses",
        )

    transaction.on_commit(send)


def wallet_details_enqueue() -> None:
    """Queue the wallet details refresh once the surrounding transaction commits.

    Called after a successful wallets refresh, so wallets that just appeared (or whose
    totals moved) get their spendable amounts within seconds instead of at the next beat
    tick. Best effort: the beat schedule runs the same task anyway, so a broker failure is
    logged, not raised — the wallets refresh itself succeeded.
    """
    from .. import tasks  # tasks import services: avoid the import cycle at load time

    def send() -> None:
        try:
            tasks.refresh_wallet_details.delay()
        except (KombuError, OSError) as exc:
            logger.warning("could not queue the wallet details refresh: %s", _short(exc))

    transaction.on_commit(send)


def _short(exc: Exception) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text if len(text) <= 160 else text[:157] + "…"
