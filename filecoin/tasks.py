"""Celery tasks: thin wrappers calling one service each (DESIGN §7, STYLE 4).

No autoretry: the next beat tick is the retry. Failures are recorded on their RefreshRun
rows (the pages show them) and logged here, so a broken Balance never becomes a crash loop.
"""

import logging

from celery import shared_task
from django.conf import settings

from custody_portal.refresh import run_refresh_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="filecoin.tasks.refresh_storage_providers", ignore_result=True)
def refresh_storage_providers() -> dict | None:
    """Refresh providers, then roll up the new snapshots, then open / close alerts, then queue
    the termination estimates that are due. Alerts are synced even when the refresh failed:
    Balance being unreachable is exactly when providers go stale."""
    counts = run_refresh_task("refresh_storage_providers", services.storage_providers_refresh)
    if counts is not None:
        run_refresh_task("rollup_sector_snapshots", services.sector_rollups_refresh)
    run_refresh_task("storage_provider_alerts", services.storage_provider_alerts_sync)
    if counts is not None:
        run_refresh_task("termination_fees_enqueue", services.termination_fees_enqueue_due)
        try:
            drain_termination_fees.delay()
        except Exception as exc:  # beat drains the queue anyway
            logger.warning("could not wake a termination-fee worker: %s", exc)
    return counts


@shared_task(name="filecoin.tasks.rollup_sector_snapshots", ignore_result=True)
def rollup_sector_snapshots() -> dict | None:
    """Hourly and daily roll-ups of new snapshots, and pruning (also run after each refresh)."""
    return run_refresh_task("rollup_sector_snapshots", services.sector_rollups_refresh)


@shared_task(name="filecoin.tasks.drain_termination_fees", ignore_result=True)
def drain_termination_fees() -> str | None:
    """One termination-fee call if the shared slot is free (waiting a few seconds for it)."""
    wait = min(5.0, settings.FILECOIN_TERMINATION_FEES_INTERVAL / 3)
    result = run_refresh_task(
        "drain_termination_fees", services.termination_fees_drain_one, wait_seconds=wait
    )
    return result.outcome if result is not None else None
