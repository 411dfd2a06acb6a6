"""Refresh services: bring the local copy in step with Balance (DESIGN.md §7).

Each run is single-flight and recorded (`custody_portal.refresh.refresh_run`), and idempotent:
upserts, never blind inserts. Where spendable balances come from: Balance's wallet list does
not carry them, so the wallets refresh stores totals only (and clears a spendable whose total
moved). The wallet detail (with spendable) is read by the bounded wallet details refresh
(`details.py`, queued after each wallets refresh and on its own schedule), and for one wallet
by its "Refresh from Balance" action and the sub-address refresh.
"""

import logging

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F
from django.utils import timezone

from balance.client import MAX_PAGE_SIZE, BalanceClient
from balance.errors import BalanceRejected
from custody_portal.assets import SUB_ADDRESS_ASSETS
from custody_portal.audit import audit_record
from custody_portal.errors import ApplicationError
from custody_portal.refresh import RefreshRefused, refresh_heartbeat, refresh_run
from custody_portal.removals import DataSet, active_ids, count_removals, removals_after_walk

from ..models import SubAddress, Wallet, WalletBalance
from .balance import balance_client
from .store import (
    note_truncated,
    note_unknown_assets,
    store_external_accounts,
    store_sub_addresses,
    store_wallet_detail,
    upsert_wallet_page,
)

logger = logging.getLogger(__name__)

TASK_WALLETS = "refresh_wallets"
TASK_SUB_ADDRESSES = "refresh_sub_addresses"


def wallets_refresh(
    *, page_size: int = MAX_PAGE_SIZE, include_external_accounts: bool = True
) -> dict:
    """Walk Balance's wallet list and upsert wallets, balance totals and funding addresses.

    Wallets Balance no longer returns are marked removed, but only after the whole list was
    read, and only when the walk looks sane (`custody_portal.removals`): a walk that
    fails half-way removes nothing, and one that returned nothing or lacks more than half of
    the wallets is held back until a second walk agrees or an operator confirms. External
    accounts are refreshed in the same run (one more paginated call), with the same guard.
    Returns the counts stored on the run; amounts with more decimals than the asset registry
    knows are stored truncated and counted there (`truncated_amounts`, see
    `store.note_truncated`). Raises RefreshAlreadyRunning, a BalanceError after recording it
    on the run, or RefreshRefused (the run failed: a removal was held back; whatever else the
    walk read is stored).
    """
    with refresh_run(TASK_WALLETS) as run:
        counts = {"pages": 0, "wallets": 0, "created": 0, "updated": 0, "removed": 0}
        run.counts = counts
        client = balance_client()
        seen_at = timezone.now()
        active = active_ids(DataSet.WALLETS)
        seen: set[int] = set()
        for page in client.iter_wallet_pages(page_size=page_size):
            result = upsert_wallet_page(page, seen_at, listed=True)
            seen.update(w.id for w in page)
            counts["pages"] += 1
            counts["wallets"] += len(page)
            counts["created"] += result.created
            counts["updated"] += result.updated
            note_truncated(counts, result.truncated)
            note_unknown_assets(counts, result.unknown_assets)
            refresh_heartbeat(run)
        held = []
        outcome = removals_after_walk(data_set=DataSet.WALLETS, active=active, seen=seen, run=run)
        count_removals(counts, outcome, held)
        if include_external_accounts:
            _refresh_external_accounts(client, run, counts, "external_accounts_", held)
        logger.info("wallets refresh: %s", counts)
        if held:
            raise RefreshRefused(" ".join(held), kind="removal")
    return counts


def external_accounts_refresh() -> dict:
    """Refresh only the external accounts (normally part of `wallets_refresh`)."""
    with refresh_run(TASK_WALLETS, "external_accounts") as run:
        run.counts = {}
        held: list[str] = []
        _refresh_external_accounts(balance_client(), run, run.counts, "", held)
        if held:
            raise RefreshRefused(" ".join(held), kind="removal")
    return run.counts


def _refresh_external_accounts(
    client: BalanceClient, run, counts: dict, prefix: str, held: list[str]
) -> None:
    active = active_ids(DataSet.EXTERNAL_ACCOUNTS)
    accounts = client.list_external_accounts()
    stored = store_external_accounts(accounts, timezone.now())
    counts["external_accounts"] = len(accounts)
    counts[f"{prefix}created"] = stored.created
    counts[f"{prefix}updated"] = stored.updated
    outcome = removals_after_walk(
        data_set=DataSet.EXTERNAL_ACCOUNTS, active=active, seen=stored.seen, run=run
    )
    count_removals(counts, outcome, held, prefix)


def sub_addresses_refresh(
    *,
    wallet_id: int | None = None,
    all_wallets: bool = False,
    assets: tuple[str, ...] = SUB_ADDRESS_ASSETS,
    with_detail: bool = True,
    user: AbstractBaseUser | None = None,
    interactive: bool = False,
) -> dict:
    """Re-read sub-addresses from Balance, per wallet × sub-address asset.

    With `wallet_id`: that wallet only (the wallet page's actions). Otherwise every active
    wallet having a watched sub-address in the local copy, plus a bounded sweep of the wallets
    read longest ago (the periodic task, see `_sweep_wallet_ids`), or with
    `all_wallets` every active wallet holding a sub-address asset — a sweep (five calls per
    wallet) to discover sub-addresses created or watched elsewhere, e.g. after installation.
    `with_detail` also reads the wallet detail, where spendable balances come from.

    Balance refusing one (wallet, asset) pair — e.g. an asset it does not support for that
    wallet — is counted and reported in `counts["errors"]` without failing the others;
    unavailability or a credentials problem fails the run. A `user` gets an audit event.
    Amounts stored truncated are counted as in `wallets_refresh`.
    """
    if wallet_id is not None:
        if not Wallet.objects.filter(pk=wallet_id).exists():
            raise ApplicationError(f"Wallet {wallet_id} is not in the portal.", status=404)
        wallet_ids = [wallet_id]
        scope = f"wallet:{wallet_id}"
    else:
        scope = ""
    with refresh_run(TASK_SUB_ADDRESSES, scope) as run:
        if all_wallets and wallet_id is None:
            wallet_ids = list(
                WalletBalance.objects.filter(
                    asset__in=SUB_ADDRESS_ASSETS, wallet__removed_at__isnull=True
                )
                .values_list("wallet_id", flat=True)
                .distinct()
                .order_by("wallet_id")
            )
        elif wallet_id is None:
            watched = list(
                SubAddress.objects.filter(is_watched=True, wallet__removed_at__isnull=True)
                .values_list("wallet_id", flat=True)
                .distinct()
                .order_by("wallet_id")
            )
            wallet_ids = watched + _sweep_wallet_ids(exclude=watched)
        counts = {"wallets": 0, "created": 0, "updated": 0, "removed": 0, "errors": []}
        run.counts = counts
        client = balance_client(interactive=interactive)
        for wid in wallet_ids:
            _refresh_one_wallet(client, wid, assets, with_detail, counts)
            refresh_heartbeat(run)
        if not counts["errors"]:
            del counts["errors"]
    if user is not None:
        audit_record(
            actor=user,
            action="wallet.refresh",
            object_type="wallet",
            object_id=str(wallet_id),
            wallet_id=wallet_id,
            after=counts,
            message=_refresh_message(assets, with_detail),
        )
    return counts


def _sweep_wallet_ids(*, exclude: list[int]) -> list[int]:
    """Up to REFRESH_SUB_ADDRESSES_SWEEP_LIMIT active wallets holding a sub-address asset,
    never-read first, then the longest ago: over successive runs every wallet is read, so
    sub-addresses created or watched outside the portal appear without a manual sweep."""
    limit = settings.REFRESH_SUB_ADDRESSES_SWEEP_LIMIT
    if limit <= 0:
        return []
    holders = WalletBalance.objects.filter(asset__in=SUB_ADDRESS_ASSETS).values("wallet_id")
    return list(
        Wallet.objects.filter(removed_at__isnull=True, id__in=holders)
        .exclude(id__in=exclude)
        .order_by(F("sub_addresses_synced_at").asc(nulls_first=True), "id")
        .values_list("id", flat=True)[:limit]
    )


def _refresh_one_wallet(
    client: BalanceClient, wallet_id: int, assets: tuple[str, ...], with_detail: bool, counts: dict
) -> None:
    now = timezone.now()
    counts["wallets"] += 1
    if with_detail:
        try:
            stored = store_wallet_detail(client.get_wallet(wallet_id), now)
        except BalanceRejected as exc:
            counts["errors"].append(f"wallet {wallet_id}: {exc.message}")
            return
        note_truncated(counts, stored.truncated)
        note_unknown_assets(counts, stored.unknown_assets)
    complete = True
    for asset in assets:
        # Taken before the request: a sub-address written after it (a create or watch toggle
        # racing this refresh) is newer than the list and survives storing it.
        fetched_at = timezone.now()
        try:
            addresses = client.list_sub_addresses(wallet_id, asset)
        except BalanceRejected as exc:
            counts["errors"].append(f"{asset.upper()}: {exc.message}")
            complete = False
            continue
        result = store_sub_addresses(
            wallet_id=wallet_id,
            asset=asset,
            addresses=addresses,
            now=timezone.now(),
            fetched_at=fetched_at,
        )
        counts["created"] += result.created
        counts["updated"] += result.updated
        counts["removed"] += result.removed
        note_truncated(counts, result.truncated)
    if complete and set(assets) >= set(SUB_ADDRESS_ASSETS):
        Wallet.objects.filter(pk=wallet_id).update(sub_addresses_synced_at=now)


def _refresh_message(assets: tuple[str, ...], with_detail: bool) -> str:
    what = ", ".join(a.upper() for a in assets) + " sub-addresses"
    return f"Refreshed {what} and balances from Balance" if with_detail else f"Refreshed {what}"
