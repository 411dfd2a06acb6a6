"""Write Balance's answers into the local copy: bulk upserts, no save() per row.

Each function compares what Balance sent with what the database holds and writes only the
rows that changed (plus the wallets' `synced_at`), so a second identical refresh writes
almost nothing and reports zero changes.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from balance import types
from custody_portal.assets import find_asset
from custody_portal.money import AmountError, to_base_units

from ..models import (
    ExternalAccount,
    ExternalAccountAddress,
    FundingAddress,
    SubAddress,
    Wallet,
    WalletBalance,
)
from .balance import base_units

BATCH_SIZE = 500
WALLET_FIELDS = ("name", "custom_id", "kind", "description")
# Truncated amounts described on one refresh run; the count covers all of them.
MAX_TRUNCATED_NOTES = 20


def _units(amount: Decimal, asset: str, truncated: list[str], where: str) -> int:
    """Base units of one of Balance's amounts. One with more decimals than the registry knows
    is truncated (`base_units` decides how, and logs it) and described in `truncated`, so the
    refresh run shows it rather than only a log line."""
    try:
        return to_base_units(amount, asset)
    except AmountError:
        truncated.append(f"{where}: {amount:f} {asset.upper()}")
        return base_units(amount, asset)


def note_unknown_assets(counts: dict, unknown_assets: list[str]) -> None:
    """Put balances skipped for an asset the registry does not know on a refresh run's
    counts: `unknown_assets` (how many) and `unknown` (the first few, "wallet 3: ZZZ")."""
    if not unknown_assets:
        return
    counts["unknown_assets"] = counts.get("unknown_assets", 0) + len(unknown_assets)
    kept = counts.setdefault("unknown", [])
    kept += unknown_assets[: max(0, MAX_TRUNCATED_NOTES - len(kept))]


def note_truncated(counts: dict, truncated: list[str]) -> None:
    """Put amounts stored truncated on a refresh run's counts: `truncated_amounts` (shown on
    the sync history page) and the first few descriptions in `truncated`. Nothing when none."""
    if not truncated:
        return
    counts["truncated_amounts"] = counts.get("truncated_amounts", 0) + len(truncated)
    kept = counts.setdefault("truncated", [])
    kept += truncated[: max(0, MAX_TRUNCATED_NOTES - len(kept))]


@dataclass
class PageResult:
    """What one page (or batch of details) of wallets changed, the amounts it truncated, and
    the balances it skipped because the asset registry does not know their decimals."""

    created: int = 0
    updated: int = 0
    changed_ids: list[int] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)
    unknown_assets: list[str] = field(default_factory=list)


def _wallet_row(w: types.Wallet, now: datetime) -> Wallet:
    return Wallet(
        id=w.id,
        name=w.name[:255],
        custom_id=w.custom_id[:255],
        kind=w.kind[:16],
        description=w.description,
        synced_at=now,
        removed_at=None,
    )


def upsert_wallet_page(
    page: list[types.Wallet], now: datetime, *, listed: bool | None = None
) -> PageResult:
    """Upsert wallets as Balance returned them: wallets, balances, funding addresses.

    Used for a page of Balance's wallet list and for a batch of wallet details alike, so there
    is one upsert path. Balances and funding addresses missing from Balance's answer are
    deleted. A wallet from the list carries no spendable amounts (`spendable_balance` is
    None): a changed total then clears the stored spendable, because an old spendable next to
    a new total would be wrong (unknown until the detail is read again), and an unchanged one
    keeps it. A wallet from the detail endpoint sets spendable and `detail_synced_at`.

    `listed` (default: no wallet of the page has spendable amounts, i.e. a list page) says
    the page comes from a list walk: only then are `synced_at` and `removed_at` written. A
    detail read may be older than a walk running alongside it; were it to move those, it
    could hide a live wallet from that walk's removal check or bring back one the walk just
    removed. A detail of a wallet not in the local copy creates it (as active).
    """
    result = PageResult()
    # One row per id: an upsert may not touch the same row twice in one statement.
    page = list({w.id: w for w in page}.values())
    if not page:
        return result
    if listed is None:
        listed = all(w.spendable_balance is None for w in page)
    ids = [w.id for w in page]
    existing = {
        row[0]: row[1:]
        for row in Wallet.objects.filter(id__in=ids).values_list("id", *WALLET_FIELDS, "removed_at")
    }
    old_balances: dict[int, dict[str, tuple[int, int, int | None]]] = defaultdict(dict)
    for pk, wallet_id, asset, total, spendable in WalletBalance.objects.filter(
        wallet_id__in=ids
    ).values_list("pk", "wallet_id", "asset", "total", "spendable"):
        old_balances[wallet_id][asset] = (pk, total, spendable)
    old_funding: dict[int, dict[str, tuple[int, str]]] = defaultdict(dict)
    for pk, wallet_id, asset, address in FundingAddress.objects.filter(
        wallet_id__in=ids
    ).values_list("pk", "wallet_id", "asset", "address"):
        old_funding[wallet_id][asset] = (pk, address)

    balance_rows, funding_rows, stale_balances, stale_funding = [], [], [], []
    for w in page:
        row = _wallet_row(w, now)
        old = existing.get(w.id)
        changed = old is None or old[:4] != tuple(getattr(row, f) for f in WALLET_FIELDS)
        if listed:
            changed = changed or (old is not None and old[4] is not None)  # back from removed

        where = f"wallet {w.id}"
        # An asset the registry does not know has unknown decimals: its balance is not stored
        # (a guess would scale it by powers of ten) and a row stored earlier is deleted below.
        result.unknown_assets += [f"{where}: {a.upper()}" for a in w.balance if not find_asset(a)]
        new_totals = {
            asset: _units(amount, asset, result.truncated, where)
            for asset, amount in w.balance.items()
            if find_asset(asset)
        }
        olds = old_balances.get(w.id, {})
        for asset, total in new_totals.items():
            old_total, old_spendable = olds[asset][1:] if asset in olds else (None, None)
            if w.spendable_balance is None:  # from the list: keep spendable unless total moved
                spendable = old_spendable if old_total == total else None
            else:
                amount = w.spendable_balance.get(asset)
                spendable = (
                    None
                    if amount is None
                    else _units(amount, asset, result.truncated, f"{where} spendable")
                )
            if asset not in olds or (old_total, old_spendable) != (total, spendable):
                balance_rows.append(
                    WalletBalance(wallet_id=w.id, asset=asset, total=total, spendable=spendable)
                )
                changed = True
        gone = [pk for asset, (pk, *_) in olds.items() if asset not in new_totals]
        stale_balances += gone

        old_addresses = old_funding.get(w.id, {})
        for asset, address in w.funding_addresses.items():
            if old_addresses.get(asset, (None, None))[1] != address:
                funding_rows.append(
                    FundingAddress(wallet_id=w.id, asset=asset, address=address, synced_at=now)
                )
                changed = True
        gone_addresses = [
            pk for asset, (pk, _) in old_addresses.items() if asset not in w.funding_addresses
        ]
        stale_funding += gone_addresses
        changed = changed or bool(gone or gone_addresses)

        if old is None:
            result.created += 1
        elif changed:
            result.updated += 1
        if changed:
            result.changed_ids.append(w.id)

    with transaction.atomic():
        # Every wallet of a list page is written: its synced_at says the walk saw it. A detail
        # leaves synced_at and removed_at of existing rows alone (see the docstring).
        Wallet.objects.bulk_create(
            [_wallet_row(w, now) for w in page],
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=[*WALLET_FIELDS, "synced_at", "removed_at"] if listed else WALLET_FIELDS,
        )
        detailed = [w.id for w in page if w.spendable_balance is not None]
        if detailed:
            Wallet.objects.filter(id__in=detailed).update(detail_synced_at=now)
        if balance_rows:
            WalletBalance.objects.bulk_create(
                balance_rows,
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=["wallet", "asset"],
                update_fields=["total", "spendable"],
            )
        if funding_rows:
            FundingAddress.objects.bulk_create(
                funding_rows,
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=["wallet", "asset"],
                update_fields=["address", "synced_at"],
            )
        if stale_balances:
            WalletBalance.objects.filter(pk__in=stale_balances).delete()
        if stale_funding:
            FundingAddress.objects.filter(pk__in=stale_funding).delete()
    return result


def store_wallet_detail(w: types.Wallet, now: datetime) -> PageResult:
    """Store one wallet as Balance's detail endpoint returns it, spendable balances included
    (never its `synced_at`/`removed_at`: those belong to list walks)."""
    return upsert_wallet_page([w], now, listed=False)


@dataclass
class SubAddressResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    truncated: list[str] = field(default_factory=list)


def store_sub_addresses(
    *,
    wallet_id: int,
    asset: str,
    addresses: Iterable[types.FundingAddress],
    now: datetime,
    fetched_at: datetime | None = None,
) -> SubAddressResult:
    """Make the local sub-addresses of (wallet, asset) Balance's active list as of `fetched_at`.

    `fetched_at` is when the request for `addresses` was sent, `now` (the rows' `synced_at`)
    when its answer arrived; without `fetched_at`, `now` is both. Refreshes and creates of the
    same pair do not share a lock, so a row written after the list was requested — a
    sub-address created meanwhile, a watch toggled meanwhile — is newer than the list: it is
    neither deleted for missing from it nor overwritten with its older values. The next
    refresh settles it.
    """
    fetched_at = now if fetched_at is None else fetched_at
    addresses = list({a.address: a for a in addresses}.values())
    old = {
        row[0]: row[1:]
        for row in SubAddress.objects.filter(wallet_id=wallet_id, asset=asset).values_list(
            "address", "pk", "name", "notes", "balance", "is_watched", "synced_at"
        )
    }
    result = SubAddressResult()
    rows = []
    for a in addresses:
        previous = old.get(a.address)
        if previous is not None and previous[5] > fetched_at:
            continue
        row = SubAddress(
            wallet_id=wallet_id,
            asset=asset,
            address=a.address,
            name=a.name[:255],
            notes=a.notes,
            balance=_units(a.balance, asset, result.truncated, f"wallet {wallet_id} {a.address}"),
            is_watched=a.is_watched,
            synced_at=now,
        )
        rows.append(row)
        if previous is None:
            result.created += 1
        elif previous[1:5] != (row.name, row.notes, row.balance, row.is_watched):
            result.updated += 1
    returned = {a.address for a in addresses}
    stale = [pk for address, (pk, *_rest) in old.items() if address not in returned]
    with transaction.atomic():
        if rows:
            SubAddress.objects.bulk_create(
                rows,
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=["wallet", "asset", "address"],
                update_fields=["name", "notes", "balance", "is_watched", "synced_at"],
            )
        if stale:
            # The condition is in the DELETE itself: a row rewritten since `old` was read
            # (so with a newer synced_at) stays.
            result.removed, _ = SubAddress.objects.filter(
                pk__in=stale, synced_at__lt=fetched_at
            ).delete()
    return result


def store_sub_address(
    *, wallet_id: int, asset: str, address: types.FundingAddress, now: datetime
) -> SubAddress:
    """Upsert one sub-address as Balance returned it after an update."""
    SubAddress.objects.bulk_create(
        [
            SubAddress(
                wallet_id=wallet_id,
                asset=asset,
                address=address.address,
                name=address.name[:255],
                notes=address.notes,
                balance=base_units(address.balance, asset),
                is_watched=address.is_watched,
                synced_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["wallet", "asset", "address"],
        update_fields=["name", "notes", "balance", "is_watched", "synced_at"],
    )
    return SubAddress.objects.get(wallet_id=wallet_id, asset=asset, address=address.address)


@dataclass
class ExternalAccountsResult:
    created: int = 0
    updated: int = 0
    seen: set[int] = field(default_factory=set)


def store_external_accounts(
    accounts: list[types.ExternalAccount], now: datetime
) -> ExternalAccountsResult:
    """Upsert the external accounts of Balance's list (clearing `removed_at` of those it
    returns). Marking the missing ones removed is the caller's step, after a complete walk
    (`custody_portal.removals.removals_after_walk` with `result.seen`)."""
    result = ExternalAccountsResult()
    old = {
        row[0]: row[1:]
        for row in ExternalAccount.objects.values_list(
            "id", "name", "custom_id", "description", "removed_at"
        )
    }
    old_addresses: dict[int, dict[str, tuple[int, str]]] = defaultdict(dict)
    for pk, account_id, asset, address in ExternalAccountAddress.objects.values_list(
        "pk", "account_id", "asset", "address"
    ):
        old_addresses[account_id][asset] = (pk, address)

    account_rows, address_rows, stale = [], [], []
    for a in accounts:
        row = ExternalAccount(
            id=a.id,
            name=a.name[:255],
            custom_id=a.custom_id[:255],
            description=a.description,
            synced_at=now,
            removed_at=None,
        )
        account_rows.append(row)
        previous = old.get(a.id)
        olds = old_addresses.get(a.id, {})
        changed = previous is None or previous != (row.name, row.custom_id, row.description, None)
        for asset, address in a.addresses.items():
            if not address:
                continue
            address_rows.append(
                ExternalAccountAddress(account_id=a.id, asset=asset, address=address)
            )
            changed = changed or olds.get(asset, (None, None))[1] != address
        gone = [pk for asset, (pk, _) in olds.items() if not a.addresses.get(asset)]
        stale += gone
        if previous is None:
            result.created += 1
        elif changed or gone:
            result.updated += 1
    result.seen = {a.id for a in accounts}
    with transaction.atomic():
        ExternalAccount.objects.bulk_create(
            account_rows,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=["name", "custom_id", "description", "synced_at", "removed_at"],
        )
        ExternalAccountAddress.objects.bulk_create(
            address_rows,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["account", "asset"],
            update_fields=["address"],
        )
        if stale:
            ExternalAccountAddress.objects.filter(pk__in=stale).delete()
    return result
