"""Deterministic demo data: wallets, external accounts, transactions, storage providers.

Everything comes from `random.Random(seed)` (never the global generator) and hash-derived
addresses, so the same seed always yields the same data and 10,000 wallets take about a second.
Wallet 1 is the "showcase" wallet tests rely on: warm, an 8-decimal BTC balance
(12.34567891) and a FIL balance far above 2**53 attoFIL, owning storage providers 125 and 126.
"""

import hashlib
import random
from dataclasses import dataclass, field

from .addresses import make_address
from .catalog import (
    COLD_PURPOSES,
    DEMO_ASSETS,
    EXTERNAL_ACCOUNTS,
    SUB_ADDRESS_ASSETS,
    WALLET_PURPOSES,
    WALLET_QUALIFIERS,
    coin,
    fee_preset,
)
from .models import (
    BatchDestination,
    ExternalAccount,
    StorageProvider,
    SubAddress,
    Transaction,
    Wallet,
)
from .sectors import new_storage_provider

# Generated history is dated from 2024-01-01T00:00:00Z so it does not depend on the clock.
DATA_EPOCH = 1_704_067_200
FIRST_STORAGE_PROVIDER_ID = 125
SHOWCASE_BALANCES = {
    "btc": 1_234_567_891,  # 12.34567891 BTC: every one of the 8 decimals matters
    "fil": 10_420_498_318_709_580_123_457,  # ≈ 10420.5 FIL, ~1.04e22 attoFIL ≫ 2**53
    "eth": 7_250_000_000_000_000_001,
    "bch": 50_000_000,
    "ltc": 0,
}
# Assets held on the wallet's Ethereum account (ERC-20 tokens share its address).
_ETH_ACCOUNT_ASSETS = frozenset({"eth", "usdc", "pax", "paxg", "eurs", "etc", "eigen", "lseth"})
# Typical holdings per asset, in base units: (low, high).
_AMOUNT_RANGES = {
    "btc": (1_000, 80 * 10**8),
    "bch": (10**5, 900 * 10**8),
    "ltc": (10**5, 2_000 * 10**8),
    "dash": (10**5, 3_000 * 10**8),
    "eth": (10**15, 900 * 10**18),
    "fil": (10**17, 60_000 * 10**18),
    "usdc": (10**6, 5_000_000 * 10**6),
}


@dataclass
class Dataset:
    """Everything the API serves, keyed by id."""

    wallets: dict[int, Wallet] = field(default_factory=dict)
    external_accounts: dict[int, ExternalAccount] = field(default_factory=dict)
    transactions: dict[int, Transaction] = field(default_factory=dict)
    storage_providers: dict[int, StorageProvider] = field(default_factory=dict)


def txid(seed: int, *parts: object) -> str:
    """A fake 64-hex-digit on-chain transaction id."""
    return hashlib.sha256("|".join(map(str, ("tx", seed, *parts))).encode()).hexdigest()


def funding_address(seed: int, wallet_id: int, asset: str) -> str:
    """The wallet's main deposit address for `asset` (ERC-20 tokens share the ETH account)."""
    key = "eth" if asset in _ETH_ACCOUNT_ASSETS else asset
    return make_address(key, seed, "wallet", wallet_id, 0)


def _random_amount(rng: random.Random, asset: str) -> int:
    low, high = _AMOUNT_RANGES[asset]
    return rng.randint(low, high)


def _wallet_name(rng: random.Random, wallet_id: int, kind: str) -> tuple[str, str, str]:
    """(name, description, custom_id) that read like a real treasury's wallets."""
    if kind == "cold":
        purpose = rng.choice(COLD_PURPOSES)
        name = purpose
        description = "Offline storage; withdrawals need a ceremony."
    else:
        purpose = rng.choice(WALLET_PURPOSES)
        name = f"{purpose} {rng.choice(WALLET_QUALIFIERS)}"
        description = rng.choice(("", f"{purpose} funds", f"Managed by {purpose} team"))
    if wallet_id > 1:
        # Many wallets share a purpose; the number keeps names unique like a real treasury's.
        name = f"{name} {wallet_id:03d}"
    initials = "".join(word[0] for word in purpose.split()).upper()
    return name, description, f"{initials}-{wallet_id:05d}"


def new_wallet(
    seed: int,
    wallet_id: int,
    *,
    kind: str,
    name: str,
    description: str,
    custom_id: str,
    created_at: int,
    balances: dict[str, int],
) -> Wallet:
    """A wallet with funding addresses for every asset in `balances` (spendable = total)."""
    addresses = {asset: funding_address(seed, wallet_id, asset) for asset in balances}
    return Wallet(
        id=wallet_id,
        kind=kind,
        name=name,
        description=description,
        custom_id=custom_id,
        created_at=created_at,
        balances=dict(balances),
        spendable=dict(balances),
        funding_addresses=addresses,
    )


def make_wallet(rng: random.Random, seed: int, wallet_id: int) -> Wallet:
    """One generated wallet: 3–6 demo assets (some zero), spendable ≤ total, sub-addresses."""
    kind = "cold" if wallet_id > 1 and rng.random() < 0.12 else "warm"
    name, description, custom_id = _wallet_name(rng, wallet_id, kind)
    if wallet_id == 1:
        balances = dict(SHOWCASE_BALANCES)
        name, description = "Treasury Operating Main", "Day-to-day treasury operations"
        custom_id = "TO-00001"
    else:
        held = set(rng.sample(DEMO_ASSETS, rng.randint(3, 6)))
        balances = {
            a: (0 if rng.random() < 0.15 else _random_amount(rng, a))
            for a in DEMO_ASSETS
            if a in held
        }
    created_at = DATA_EPOCH + wallet_id * 3600 + rng.randint(0, 3599)
    wallet = new_wallet(
        seed,
        wallet_id,
        kind=kind,
        name=name,
        description=description,
        custom_id=custom_id,
        created_at=created_at,
        balances=balances,
    )
    for asset, total in balances.items():
        if total and rng.random() < 0.2:
            # Part of the balance is locked by pending transactions.
            wallet.spendable[asset] = total - rng.randint(0, total // 5)
    for asset in SUB_ADDRESS_ASSETS:
        if asset in balances and (wallet_id == 1 or rng.random() < 0.35):
            _add_sub_addresses(rng, seed, wallet, asset, rng.randint(1, 3))
    if "eth" in balances and rng.random() < 0.05:
        wallet.extras[wallet.funding_addresses["eth"]] = [_validator(rng)]
    return wallet


def _add_sub_addresses(
    rng: random.Random, seed: int, wallet: Wallet, asset: str, count: int
) -> None:
    asset_name = coin(asset).name
    entries = [SubAddress(address=wallet.funding_addresses[asset], name=f"{asset_name} 1")]
    remaining = wallet.balances[asset]
    for index in range(1, count + 1):
        share = rng.randint(0, remaining // 3) if remaining else 0
        remaining -= share
        entries.append(
            SubAddress(
                address=make_address(asset, seed, "wallet", wallet.id, index),
                name=rng.choice(
                    (
                        "Client deposits",
                        "Exchange sweep",
                        "Payroll refunds",
                        "Merchant checkout",
                        asset_name,
                    )
                )
                + f" {index + 1}",
                notes=rng.choice((None, "Created for onboarding", "Do not reuse")),
                is_watched=rng.random() < 0.4,
                balance=share,
            )
        )
    wallet.sub_addresses[asset] = entries


def _validator(rng: random.Random) -> dict:
    rewards = rng.randint(10**16, 3 * 10**18)
    return {
        "validator_name": "eth2-deposit-contract-validator",
        "validator_pubkey": "0x" + rng.randbytes(48).hex(),
        "validator_status": "active",
        "deposit_amount": 32 * 10**18,
        "rewards": rewards,
        "total_balance": 32 * 10**18 + rewards,
    }


def _external_account(rng: random.Random, seed: int, account_id: int) -> ExternalAccount:
    name, description = EXTERNAL_ACCOUNTS[(account_id - 1) % len(EXTERNAL_ACCOUNTS)]
    assets = ["btc", *rng.sample(("bch", "ltc", "dash", "eth", "fil"), rng.randint(1, 4))]
    return ExternalAccount(
        id=account_id,
        name=name,
        description=description,
        custom_id=f"EXT-{account_id:03d}",
        funding_addresses={
            a: make_address(a, seed, "external", account_id) for a in DEMO_ASSETS if a in assets
        },
    )


def _storage_provider(
    rng: random.Random, sp_id: int, wallet_id: int, used: set[int]
) -> StorageProvider:
    number = rng.randint(1000, 99999)
    while number in used:
        number += 1
    used.add(number)
    return new_storage_provider(rng, sp_id, wallet_id, number)


def _transaction(
    rng: random.Random, seed: int, tx_id: int, created_at: int, data: Dataset, warm_ids: list[int]
) -> Transaction | None:
    wallet = data.wallets[rng.choice(warm_ids)]
    held = [a for a in wallet.balances if a in _AMOUNT_RANGES]
    if not held:
        return None
    asset = rng.choice(held)
    amount = max(1, _random_amount(rng, asset) // 50)
    roll = rng.random()
    tx = Transaction(
        id=tx_id,
        kind="internal",
        asset=asset,
        amount=amount,
        created_at=created_at,
        completed_at=created_at + rng.randint(30, 3600),
        fee_rate=str(fee_preset(asset, "medium")),
        block=rng.randint(2_500_000, 2_900_000),
        hash=txid(seed, tx_id),
    )
    if roll < 0.45:
        tx.kind = "external"
        tx.destination_wallet_id = wallet.id
        tx.destination_address = wallet.funding_addresses[asset]
        tx.source_addresses = [make_address(asset, seed, "deposit-source", tx_id)]
        return tx
    tx.source_wallet_id = wallet.id
    tx.notes = rng.choice(("", "Monthly rebalance", "Payroll run", "Exchange top-up"))
    accounts = [e for e in data.external_accounts.values() if asset in e.funding_addresses]
    if roll < 0.8 or not accounts:
        target = rng.choice(warm_ids)
        tx.destinations = [BatchDestination("wallet", amount, id=target)]
    else:
        tx.destinations = [BatchDestination("external_account", amount, id=rng.choice(accounts).id)]
    tx.is_batched = asset in ("btc", "bch", "ltc", "dash") and rng.random() < 0.3
    return tx


def generate(seed: int, wallet_count: int) -> Dataset:
    """The whole dataset for `seed` with `wallet_count` wallets (ids 1..wallet_count)."""
    rng = random.Random(seed)
    data = Dataset()
    for wallet_id in range(1, wallet_count + 1):
        data.wallets[wallet_id] = make_wallet(rng, seed, wallet_id)
    for account_id in range(1, 11):
        data.external_accounts[account_id] = _external_account(rng, seed, account_id)
    warm_ids = [w.id for w in data.wallets.values() if w.kind == "warm"]
    tx_count = min(2 * wallet_count, 400)
    for index in range(tx_count):
        tx_id = len(data.transactions) + 1
        created_at = DATA_EPOCH + 86_400 + index * (300 * 86_400 // max(tx_count, 1))
        tx = _transaction(rng, seed, tx_id, created_at, data, warm_ids) if warm_ids else None
        if tx is not None:
            data.transactions[tx_id] = tx
    _mark_recent_pending(rng, data)
    fil_wallets = [
        w.id
        for w in data.wallets.values()
        if w.kind == "warm" and w.balances.get("fil") and w.id != 1
    ]
    owners = [1] if 1 in data.wallets else []
    owners += rng.sample(fil_wallets, min(len(fil_wallets), 2 + wallet_count // 200))
    sp_id, used = FIRST_STORAGE_PROVIDER_ID, set()
    for owner in owners:
        for _ in range(2 if owner == 1 else rng.randint(1, 3)):
            sp = _storage_provider(rng, sp_id, owner, used)
            data.storage_providers[sp_id] = sp
            data.wallets[owner].storage_provider_ids.append(sp_id)
            sp_id += 1
    return data


def _mark_recent_pending(rng: random.Random, data: Dataset) -> None:
    """The newest few internal transactions are still in flight, as in a live account."""
    internal = [t for t in data.transactions.values() if t.kind == "internal"][-6:]
    for tx, status in zip(
        internal,
        ("pending_approval", "approved", "pending_generation", "failed", "canceled", "completed"),
        strict=False,
    ):
        if status != "completed":
            tx.status, tx.completed_at, tx.block = status, None, None
            if status != "failed":
                tx.hash = None
