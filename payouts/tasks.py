"""Celery tasks of the `payouts` queue: thin wrappers that take ids and call one service.

`send_payout` has no retry of any kind (`max_retries=0`, no autoretry, acks early): a send
that did not happen waits for a person's "Send again", and one that may have happened is
never repeated. Delivering the task twice is harmless: the claim lets one through.
"""

import logging

from celery import shared_task

from custody_portal.refresh import run_refresh_task

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
    return run_refresh_task("reconcile_payouts", services.payouts_reconcile)


@shared_task(name="payouts.tasks.expire_payouts", ignore_result=True)
def expire_payouts() -> dict:
    """Expire payouts not approved in time; send lapsed approvals back; stuck → unknown."""
    return services.payouts_expire()
