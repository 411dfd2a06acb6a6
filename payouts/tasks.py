"""Celery tasks of the `payouts` queue: thin wrappers that take ids and call one service.

`send_payout` has no retry of any kind (`max_retries=0`, no autoretry, acks early): a send
that did not happen waits for a person's "Send again", and one that may have happened is
never repeated. Delivering the task twice is harmless: the claim lets one through.
"""

import logging

from celery import shared_task
from redis.exceptions import RedisError

from balance.errors import BalanceError
from custody_portal.refresh import RefreshAlreadyRunning

from . import services
from .fees import refresh_fee_presets  # noqa: F401  (registers the sync-queue fee task)

logger = logging.getLogger(__name__)


@shared_task(
    name="payouts.tasks.send_payout",
    ignore_result=True,
    acks_late=False,
    max_retries=0,
    autoretry_for=(),
)
def send_payout(payout_id: int) -> str:
    """Claim, re-check and send one approved payout (see payouts.services.sending)."""
    status = services.payout_send(payout_id=int(payout_id))
    logger.info("payout %s: %s", payout_id, status or "not claimed")
    return status


@shared_task(name="payouts.tasks.reconcile_payouts", ignore_result=True)
def reconcile_payouts() -> dict | None:
    """Look for `unknown` payouts in Balance's transactions (beat, every 2 minutes)."""
    try:
        return services.payouts_reconcile()
    except RefreshAlreadyRunning:
        logger.info("reconcile_payouts: another run is in progress; skipped")
    except BalanceError as exc:
        logger.warning("reconcile_payouts failed: %s", exc)
    except RedisError as exc:
        logger.error("reconcile_payouts: Redis is unreachable, not started: %s", exc)
    return None


@shared_task(name="payouts.tasks.expire_payouts", ignore_result=True)
def expire_payouts() -> dict:
    """Expire payouts not approved in time; send lapsed approvals back; stuck → unknown."""
    return services.payouts_expire()
