"""Celery tasks: thin wrappers that take ids and call one service.

No autoretry: the next beat run is the retry. A run that finds another one in progress, or
that Balance fails, is logged (the failure is already recorded on its RefreshRun row, which
the pages show) and ends normally, so a broken Balance never turns into a crash loop.
"""

import logging

from celery import shared_task

from custody_portal.refresh import run_refresh_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="wallets.tasks.refresh_wallets", ignore_result=True)
def refresh_wallets() -> dict | None:
    """Every wallet, balance total, funding address and external account.

    A successful run queues the wallet details refresh: the list carries no spendable
    amounts, and new or changed wallets should not wait for the next beat tick to get them.
    On a new installation it also queues the first sub-address sweep.
    """
    counts = run_refresh_task("refresh_wallets", services.wallets_refresh)
    if counts is not None:
        services.wallet_details_enqueue()
        services.first_sub_address_sweep_enqueue()
    return counts


@shared_task(name="wallets.tasks.refresh_wallet_details", ignore_result=True)
def refresh_wallet_details() -> dict | None:
    """Spendable balances of the next REFRESH_WALLET_DETAILS_LIMIT wallets (one call each)."""
    return run_refresh_task("refresh_wallet_details", services.wallet_details_refresh)


@shared_task(name="wallets.tasks.refresh_watched_sub_addresses", ignore_result=True)
def refresh_watched_sub_addresses() -> dict | None:
    """Sub-addresses (and spendable balances) of wallets with a watched sub-address."""
    return run_refresh_task("refresh_watched_sub_addresses", services.sub_addresses_refresh)


@shared_task(name="wallets.tasks.refresh_sub_addresses", ignore_result=True)
def refresh_sub_addresses(wallet_id: int) -> dict | None:
    """One wallet's sub-addresses and spendable balances; a wallet that is gone is skipped."""
    return run_refresh_task(
        "refresh_sub_addresses", services.sub_addresses_refresh, wallet_id=int(wallet_id)
    )
