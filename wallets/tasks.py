"""Celery tasks: thin wrappers that take ids and call one service.

No autoretry: the next beat run is the retry. A run that finds another one in progress, or
that Balance fails, is logged (the failure is already recorded on its RefreshRun row, which
the pages show) and ends normally, so a broken Balance never turns into a crash loop.
"""

import logging

from celery import shared_task
from redis.exceptions import RedisError

from balance.errors import BalanceError
from custody_portal.errors import ApplicationError
from custody_portal.refresh import RefreshAlreadyRunning, RefreshLockLost

from . import services

logger = logging.getLogger(__name__)


def _run(name: str, call, **kwargs) -> dict | None:
    try:
        return call(**kwargs)
    except RefreshAlreadyRunning:
        logger.info("%s: another run is in progress; skipped", name)
    except BalanceError as exc:
        logger.warning("%s failed: %s", name, exc)
    except ApplicationError as exc:  # e.g. RefreshRefused: a removal held back, on the run
        logger.warning("%s: %s", name, exc.message)
    except RefreshLockLost as exc:  # recorded on the run; the next beat tick starts over
        logger.error("%s: %s", name, exc)
    except RedisError as exc:  # the lock is unavailable: the next beat tick tries again
        logger.error("%s: Redis is unreachable, not started: %s", name, exc)
    return None


@shared_task(name="wallets.tasks.refresh_wallets", ignore_result=True)
def refresh_wallets() -> dict | None:
    """Every wallet, balance total, funding address and external account.

    A successful run queues the wallet details refresh: the list carries no spendable
    amounts, and new or changed wallets should not wait for the next beat tick to get them.
    On a new installation it also queues the first sub-address sweep.
    """
    counts = _run("refresh_wallets", services.wallets_refresh)
    if counts is not None:
        services.wallet_details_enqueue()
        services.first_sub_address_sweep_enqueue()
    return counts


@shared_task(name="wallets.tasks.refresh_wallet_details", ignore_result=True)
def refresh_wallet_details() -> dict | None:
    """Spendable balances of the next REFRESH_WALLET_DETAILS_LIMIT wallets (one call each)."""
    return _run("refresh_wallet_details", services.wallet_details_refresh)


@shared_task(name="wallets.tasks.refresh_watched_sub_addresses", ignore_result=True)
def refresh_watched_sub_addresses() -> dict | None:
    """Sub-addresses (and spendable balances) of wallets with a watched sub-address."""
    return _run("refresh_watched_sub_addresses", services.sub_addresses_refresh)


@shared_task(name="wallets.tasks.refresh_sub_addresses", ignore_result=True)
def refresh_sub_addresses(wallet_id: int) -> dict | None:
    """One wallet's sub-addresses and spendable balances; a wallet that is gone is skipped."""
    return _run("refresh_sub_addresses", services.sub_addresses_refresh, wallet_id=int(wallet_id))
