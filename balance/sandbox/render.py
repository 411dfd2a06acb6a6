"""Records → the JSON structs Balance documents (REFERENCE §5, seeds 000/001).

Amounts become `Amount` (exact number literals with the asset's decimals); fee rates and CAD
rates are `Decimal`. Callers hold the state lock; the only write here is the on-demand
creation of a wallet's implicit main sub-address entry.
"""

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from .catalog import CAD_RATES, COINS, ORGANISATION_ORIGINATOR, coin, fee_unit
from .jsonnum import Amount
from .models import (
    BatchDestination,
    ExternalAccount,
    StorageProvider,
    SubAddress,
    Transaction,
    Wallet,
)

FIL_DECIMALS = COINS["fil"].decimals


@cache
def decimals(asset: str) -> int:
    """Decimals of `asset` from the sandbox's own catalog."""
    return coin(asset).decimals


def amount(asset: str, units: int) -> Amount:
    """`units` base units of `asset` as an exact JSON number in coin units."""
    return Amount(units, decimals(asset))


def iso(timestamp: int | None) -> str | None:
    """UNIX seconds → "2019-06-18T19:33:15.000Z" (Balance's format)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def wallet_struct(wallet: Wallet, *, spendable: bool = False, detail: bool = False) -> dict:
    """The wallet struct; `spendable_balance` only on single-wallet answers (REFERENCE §5.1)."""
    data: dict[str, Any] = {
        "id": wallet.id,
        "type": "wallet",
        "kind": wallet.kind,
        "custom_id": wallet.custom_id,
        "name": wallet.name,
        "description": wallet.description,
        "balance": {a: amount(a, u) for a, u in wallet.balances.items()},
    }
    if spendable:
        data["spendable_balance"] = {a: amount(a, u) for a, u in wallet.spendable.items()}
    data["funding_addresses"] = dict(wallet.funding_addresses)
    data["extras"] = {address: _extra(value) for address, value in wallet.extras.items()}
    if detail and wallet.default_originator_entity is not None:
        data["default_originator_entity"] = wallet.default_originator_entity
    return data


def _extra(value: Any) -> Any:
    if isinstance(value, list):  # ETH staking validators: amounts in ETH
        return [
            {
                **v,
                **{k: amount("eth", v[k]) for k in ("deposit_amount", "rewards", "total_balance")},
            }
            for v in value
        ]
    return value


def sub_address_struct(entry: SubAddress, asset: str, balance: int) -> dict:
    """The funding-address struct of seed 000."""
    return {
        "name": entry.name,
        "notes": entry.notes,
        "address": entry.address,
        "balance": amount(asset, balance),
        "is_watched": entry.is_watched,
    }


def sub_address_list(wallet: Wallet, asset: str) -> list[dict]:
    """Every funding address of `asset` on `wallet` with its balance."""
    entries = wallet.sub_address_list(asset, coin(asset).name)
    balances = wallet.sub_address_balances(asset)
    return [sub_address_struct(e, asset, b) for e, b in zip(entries, balances, strict=True)]


def external_account_struct(account: ExternalAccount) -> dict:
    """The external-account struct (note `type` "wallet", `kind` "external": REFERENCE §11 #11)."""
    return {
        "id": account.id,
        "type": "wallet",
        "kind": "external",
        "custom_id": account.custom_id,
        "name": account.name,
        "description": account.description,
        "funding_addresses": dict(account.funding_addresses),
        "extras": dict(account.extras),
    }


def _destination_struct(dest: BatchDestination, asset: str, store: Any) -> dict:
    if dest.type == "wallet":
        wallet = store.wallets.get(dest.id)
        return wallet_struct(wallet) if wallet else {"id": dest.id, "type": "wallet"}
    if dest.type == "external_account":
        account = store.external_accounts.get(dest.id)
        if account is None:
            return {"id": dest.id, "type": "external_account"}
        return {
            "id": account.id,
            "name": account.name,
            "custom_id": account.custom_id,
            "description": account.description,
            "type": "external_account",
            "addresses": {asset: account.funding_addresses.get(asset)},
        }
    return {"type": "external_account", "addresses": {asset: dest.public_address}}


def _storage_provider_as_source(sp: StorageProvider) -> dict:
    """A storage provider shown as a transaction source (seed 001 withdrawal response)."""
    return {
        "id": sp.id,
        "type": "wallet",
        "kind": "external",
        "custom_id": f"FIL miner {sp.address}",
        "name": f"FIL miner {sp.address}",
        "description": "Storage provider.",
        "balance": {"fil": Amount(0, FIL_DECIMALS)},
        "funding_addresses": {"fil": sp.address},
    }


def _internal_struct(tx: Transaction, store: Any, wallet_id: int | None) -> dict:
    asset = tx.asset
    data: dict[str, Any] = {"id": tx.id, "type": "transaction", "status": tx.status}
    if wallet_id is not None:
        data["direction"] = "outgoing" if tx.source_wallet_id == wallet_id else "incoming"
    data["created_at"] = iso(tx.created_at)
    data["requested_by"] = "api"
    if tx.storage_provider_id is not None:
        sp = store.storage_providers.get(tx.storage_provider_id)
        data["source"] = _storage_provider_as_source(sp) if sp else {"id": tx.storage_provider_id}
    else:
        source = store.wallets.get(tx.source_wallet_id)
        data["source"] = (
            wallet_struct(source) if source else {"id": tx.source_wallet_id, "type": "wallet"}
        )
    data["amounts"] = {asset: amount(asset, tx.amount)}
    data["fees"] = {asset: Decimal(tx.fee_rate)}
    data["fee_units"] = {asset: fee_unit(asset)}
    data["block"] = {asset: tx.block}
    data["cad_rates"] = {asset: CAD_RATES.get(asset, Decimal("1.00"))}
    data["notes"] = tx.notes
    data["completed_at"] = iso(tx.completed_at)
    # An on-chain id exists only once the transaction was broadcast.
    broadcast = tx.hash and tx.status in ("completed", "failed")
    data["transaction_ids"] = [{"currency": asset, "transaction_id": tx.hash}] if broadcast else []
    first = tx.destinations[0] if tx.destinations else None
    if tx.storage_provider_id is not None:
        wallet = store.wallets.get(tx.destination_wallet_id)
        data["destination"] = wallet_struct(wallet) if wallet else {"id": tx.destination_wallet_id}
    elif first is not None:
        data["destination"] = _destination_struct(first, asset, store)
    data["is_batched"] = tx.is_batched
    if tx.is_batched and store.controls.batch_destinations:
        # Sandbox-only, not in Balance's documentation (README.md here): the portal must never
        # read it. `POST /_sandbox/options {"batch_destinations": false}` leaves it out.
        data["destinations"] = [_batch_line(d, asset, store) for d in tx.destinations]
    if tx.storage_provider_id is not None:
        data["data"] = {"fil": (tx.hash or "")[:16]}
        data["regulatory_status"] = "not_required"
        data["originator_entity"] = dict(ORGANISATION_ORIGINATOR)
    return data


def _batch_line(dest: BatchDestination, asset: str, store: Any) -> dict:
    line: dict[str, Any] = {"type": dest.type, "amount": str(dest.amount)}
    if dest.id is not None:
        line["id"] = dest.id
    if dest.public_address is not None:
        line["public_address"] = dest.public_address
    line["destination"] = _destination_struct(dest, asset, store)
    return line


def _external_struct(tx: Transaction, store: Any, *, detail: bool) -> dict:
    wallet = store.wallets.get(tx.destination_wallet_id)
    return {
        "id": tx.id,
        "hash": tx.hash,
        "type": "external",
        # Not in the docs' example, but `?status=completed&type=external` is documented.
        "status": tx.status,
        "direction": "incoming",
        "timestamp": iso(tx.created_at),
        # Lists say `block`, single views `height` (REFERENCE §11 #15).
        ("height" if detail else "block"): tx.block,
        "source_addresses": list(tx.source_addresses),
        "destination_addresses": [tx.destination_address],
        "destination": wallet_struct(wallet) if wallet else {"id": tx.destination_wallet_id},
        "amount": amount(tx.asset, tx.amount),
        "fee": Decimal(tx.fee_rate),
        "fee_unit": fee_unit(tx.asset),
        "currency": tx.asset,
        "regulatory_status": "not_required",
    }


def transaction_struct(
    tx: Transaction, store: Any, *, detail: bool = False, wallet_id: int | None = None
) -> dict:
    """An internal or external transaction struct; `wallet_id` adds `direction` (wallet lists)."""
    if tx.kind == "external":
        return _external_struct(tx, store, detail=detail)
    return _internal_struct(tx, store, wallet_id)


def storage_provider_struct(sp: StorageProvider, *, summary: bool = False) -> dict:
    """Seed 001 storage-provider struct; `summary` adds the sector fields."""
    data: dict[str, Any] = {
        "id": sp.id,
        "storage_provider": sp.address,
        "initial_pledge": Amount(sp.initial_pledge, FIL_DECIMALS),
        "locked_rewards": Amount(sp.locked_rewards, FIL_DECIMALS),
        "available_balance": Amount(sp.available_balance, FIL_DECIMALS),
    }
    if summary:
        data.update(sector_penalties(sp))
        data["active_sectors"] = sp.active_sectors
        data["live_sectors"] = sp.live_sectors
        data["faulty_sectors"] = sp.faulty_sectors
    return data


def sector_penalties(sp: StorageProvider) -> dict:
    """Termination penalties in FIL and when they were computed (seed 001, REFERENCE §8)."""
    return {
        "live_sectors_penalty_fil": Amount(sp.live_sectors * sp.penalty_per_sector, FIL_DECIMALS),
        "faulty_sectors_penalty_fil": Amount(
            sp.faulty_sectors * sp.penalty_per_sector, FIL_DECIMALS
        ),
        "last_updated_at": iso(sp.last_updated_at),
    }
