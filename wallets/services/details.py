"""The wallet details refresh: spendable balances for many wallets, a bounded slice per run.

Balance's wallet list has no `spendable_balance`; only `GET /api/v1/wallets/:id` has it, one
call per wallet. So each run reads at most `REFRESH_WALLET_DETAILS_LIMIT` details — unknown
spendables first, then the oldest — and a large installation is covered over a few runs
instead of one run that outlives its interval.

It has its own lock, so it may overlap a wallets refresh; a detail read just before the list
moved a total can then store the older total with its spendable. The next wallets refresh
corrects it (and clears that spendable), so no lock is shared between the two. A detail never
writes a wallet's `synced_at` or `removed_at` (those belong to the list walk), so it can
neither make the walk remove a live wallet nor bring back one the walk removed.
"""

import logging

from django.conf import settings
from django.utils import timezone

from balance import types
from balance.errors import BalanceRejected
from custody_portal.refresh import refresh_heartbeat, refresh_run

from .. import selectors
from .balance import balance_client
from .store import note_truncated, note_unknown_assets, upsert_wallet_page

logger = logging.getLogger(__name__)

TASK_WALLET_DETAILS = "refresh_wallet_details"
# Details written per transaction: a failure or a killed worker loses at most this many calls.
DETAILS_BATCH_SIZE = 50


def wallet_details_refresh(
    *, limit: int | None = None, batch_size: int = DETAILS_BATCH_SIZE
) -> dict:
    """Read up to `limit` wallet details from Balance and store their spendable balances.

    The wallets are chosen by `selectors.wallets_needing_details`; their details are read one
    after the other on one client (one keep-alive session) and written `batch_size` at a time
    through the same upsert as the wallets refresh (totals and addresses follow if they moved).
    A wallet Balance answers 404 for is skipped: the next wallets refresh marks it removed.
    Another refusal for one wallet is reported in `counts["errors"]` without failing the rest.
    When Balance fails midway, the details read so far are stored, then the run is marked
    failed with Balance's message (re-raised as BalanceError). Raises RefreshAlreadyRunning.

    Counts: `selected`, `fetched` (details read), `updated` (wallets whose stored values
    changed), `skipped` (gone at Balance), `remaining_unknown` (active wallets still having a
    balance with unknown spendable); `truncated_amounts` when amounts had more decimals than
    the asset registry knows (see `store.note_truncated`).
    """
    if limit is None:
        limit = settings.REFRESH_WALLET_DETAILS_LIMIT
    with refresh_run(TASK_WALLET_DETAILS) as run:
        wallet_ids = selectors.wallets_needing_details(limit=limit)
        counts = {"selected": len(wallet_ids), "fetched": 0, "updated": 0, "skipped": 0}
        run.counts = counts
        errors: list[str] = []
        client = balance_client()
        pending: list[types.Wallet] = []
        try:
            for wallet_id in wallet_ids:
                refresh_heartbeat(run)
                try:
                    pending.append(client.get_wallet(wallet_id))
                except BalanceRejected as exc:
                    if exc.status == 404:
                        counts["skipped"] += 1
                    else:
                        errors.append(f"wallet {wallet_id}: {exc.message}")
                    continue
                counts["fetched"] += 1
                if len(pending) >= batch_size:
                    batch, pending = pending, []
                    _store(batch, counts)
        finally:
            # Also on failure: the details already paid for are kept, the run says how far
            # it got (refresh_run saves these counts with the failure).
            if pending:
                _store(pending, counts)
            counts["remaining_unknown"] = selectors.unknown_spendable_wallet_count()
            if errors:
                counts["errors"] = errors
        logger.info("wallet details refresh: %s", counts)
    return counts


def _store(batch: list[types.Wallet], counts: dict) -> None:
    """One batch in one transaction (the upsert's own), counted as it commits."""
    result = upsert_wallet_page(batch, timezone.now(), listed=False)
    counts["updated"] += result.created + result.updated
    note_truncated(counts, result.truncated)
    note_unknown_assets(counts, result.unknown_assets)
