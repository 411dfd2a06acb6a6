"""The sandbox's whole mutable state behind one lock: data, clock, and test controls.

Handlers take `state.lock` for the duration of a read-modify-write and render while holding
it; serialization to bytes happens outside. Ids are kept in ascending lists next to the dicts
so paginated reads bisect instead of sorting.
"""

import random
import threading
import time
from bisect import bisect_left, insort
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .data import Dataset, funding_address, generate, make_wallet
from .http import not_found
from .models import ExternalAccount, StorageProvider, Transaction, Wallet
from .sectors import advance

MAX_LOGGED_CALLS = 20_000
DEFAULT_TERMINATION_FEES_WINDOW_S = 15.0
DEFAULT_SECTOR_STEP_SECONDS = 60.0
COLD_POOL_SIZE = 2


@dataclass
class Fault:
    """An injected failure or delay for requests whose path matches `pattern`.

    What it answers, at most one of: `status` (+ JSON `body`), `raw_body` (bytes sent as
    `content_type`), or `reset` (no answer, the connection is closed); none of them = latency
    only. `commit`: the request is handled normally first (a write commits), and the fault
    then replaces or delays its answer; otherwise the fault answers before routing and auth.
    """

    pattern: Any  # compiled regex
    method: str | None
    status: int | None
    body: Any
    latency_ms: int
    remaining: int | None  # None = until cleared
    raw_body: bytes | None = None
    content_type: str = "text/html; charset=utf-8"
    reset: bool = False
    commit: bool = False

    @property
    def kind(self) -> str:
        """What the fault does, for the call log: reset, raw_body, status or latency."""
        if self.reset:
            return "reset"
        if self.raw_body is not None:
            return "raw_body"
        return "status" if self.status is not None else "latency"


@dataclass
class BatchMode:
    """How the next `send_batch_now` calls misbehave (control surface)."""

    mode: str = "normal"
    message: str | None = None
    status: int = 400
    delay_s: float = 30.0
    remaining: int | None = None


@dataclass
class BatchOutcome:
    """What happens to the next committed batches: `completed` at once (the default), or
    `pending`: they start as `status` and become `then` (completed | failed) after
    `after_ticks` steps of the sandbox clock. `remaining` batches, then back to the default."""

    mode: str = "completed"
    status: str = "pending_generation"
    then: str = "completed"
    after_ticks: int = 1
    remaining: int | None = None


@dataclass
class Controls:
    """Test knobs; all cleared by a reset."""

    calls: deque = field(default_factory=lambda: deque(maxlen=MAX_LOGGED_CALLS))
    faults: list[Fault] = field(default_factory=list)
    latency_ms: int = 0
    batch: BatchMode = field(default_factory=BatchMode)
    batch_outcome: BatchOutcome = field(default_factory=BatchOutcome)
    require_user_agent: bool = False
    termination_fees_window_s: float = DEFAULT_TERMINATION_FEES_WINDOW_S
    last_termination_call: float | None = None
    sector_step_seconds: float = DEFAULT_SECTOR_STEP_SECONDS
    ticks: int = 0
    # Sandbox-only `destinations` array on batch transactions (README: never read by the portal).
    batch_destinations: bool = True
    # Cursor pages for GET /api/v1/wallets/:id/transactions (undocumented; default bare array).
    paginate_wallet_transactions: bool = False


class SandboxState:
    """Data + controls for one sandbox; `reset()` regenerates both from the seed."""

    def __init__(
        self,
        *,
        seed: int,
        wallets: int,
        access_id: str,
        secret_key: str,
        first_transaction_id: int = 0,
    ) -> None:
        self.lock = threading.RLock()
        self.credentials = {access_id: secret_key}
        self.default_seed, self.default_wallets = seed, wallets
        # Transactions made while running are numbered from here at least (the seed history
        # keeps its ids). `make run` passes the clock, so a restarted sandbox never hands out
        # an id the portal already linked to a payout of an earlier run; 0 = right after the
        # seed history (deterministic, for tests).
        self.first_transaction_id = first_transaction_id
        self.reset()

    # ---- lifecycle -------------------------------------------------------------------------

    def reset(self, seed: int | None = None, wallets: int | None = None) -> None:
        """Regenerate the data (default: the command-line seed/size); clear every control."""
        seed = self.default_seed if seed is None else seed
        wallets = self.default_wallets if wallets is None else wallets
        data = generate(seed, wallets)
        with self.lock:
            self.seed, self.wallet_count = seed, wallets
            self._load(data)
            self.controls = Controls()
            self.started_at = time.time()
            for sp in self.storage_providers.values():
                sp.last_updated_at = int(self.started_at)

    def _load(self, data: Dataset) -> None:
        self.wallets: dict[int, Wallet] = data.wallets
        self.wallet_ids = sorted(data.wallets)
        self.external_accounts: dict[int, ExternalAccount] = data.external_accounts
        self.external_account_ids = sorted(data.external_accounts)
        self.transactions: dict[int, Transaction] = {}
        self.transaction_ids: list[int] = []
        self.wallet_transactions: dict[int, list[int]] = {}
        self.pending_ids: list[int] = []
        for tx in data.transactions.values():
            self.add_transaction(tx)
        self.storage_providers: dict[int, StorageProvider] = data.storage_providers
        self.sp_by_address = {sp.address: sp for sp in data.storage_providers.values()}
        self.cold_pool = COLD_POOL_SIZE
        self.extra_wallet_batches = 0
        self.sub_address_counter = 0

    # ---- lookups ---------------------------------------------------------------------------

    def wallet(self, wallet_id: int | str) -> Wallet:
        """The wallet or a 404 `{"error": "Wallet not found"}`."""
        wallet = self.wallets.get(int(wallet_id))
        if wallet is None:
            raise not_found("Wallet not found")
        return wallet

    def next_wallet_id(self) -> int:
        return (self.wallet_ids[-1] if self.wallet_ids else 0) + 1

    def next_transaction_id(self) -> int:
        following = (self.transaction_ids[-1] if self.transaction_ids else 0) + 1
        return max(following, self.first_transaction_id)

    # ---- wallets -----------------------------------------------------------------------------

    def add_wallet(self, wallet: Wallet) -> Wallet:
        """Store a new wallet (its id must be above every existing id)."""
        self.wallets[wallet.id] = wallet
        insort(self.wallet_ids, wallet.id)
        return wallet

    def add_generated_wallets(self, count: int) -> list[int]:
        """Append `count` demo wallets, deterministic for (seed, how many batches came before)."""
        rng = random.Random(f"{self.seed}:extra:{self.extra_wallet_batches}")
        self.extra_wallet_batches += 1
        ids = []
        for _ in range(count):
            wallet = make_wallet(rng, self.seed, self.next_wallet_id())
            self.add_wallet(wallet)
            ids.append(wallet.id)
        return ids

    def delete_wallet(self, wallet_id: int) -> None:
        """Make a wallet vanish from the API (as when Balance archives it)."""
        self.wallet(wallet_id)
        del self.wallets[wallet_id]
        self.wallet_ids.pop(bisect_left(self.wallet_ids, wallet_id))

    def set_balances(
        self, wallet_id: int, totals: dict[str, int], spendable: dict[str, int]
    ) -> Wallet:
        """Overwrite balances; spendable follows the total unless given. Adds missing assets."""
        wallet = self.wallet(wallet_id)
        for asset, units in totals.items():
            wallet.balances[asset] = units
            wallet.spendable[asset] = spendable.get(asset, units)
            wallet.settle_sub_addresses(asset)
        for asset, units in spendable.items():
            wallet.spendable[asset] = units
            wallet.balances.setdefault(asset, units)
        for asset in wallet.balances:
            if asset not in wallet.funding_addresses:
                wallet.funding_addresses[asset] = funding_address(self.seed, wallet.id, asset)
        return wallet

    # ---- transactions ------------------------------------------------------------------------

    def add_transaction(self, tx: Transaction) -> Transaction:
        """Store and index a transaction (ids only grow)."""
        self.transactions[tx.id] = tx
        self.transaction_ids.append(tx.id)
        for wallet_id in tx.wallet_ids():
            self.wallet_transactions.setdefault(wallet_id, []).append(tx.id)
        if tx.complete_at_step is not None:
            self.pending_ids.append(tx.id)
        return tx

    def find_transaction(self, key: str) -> Transaction | None:
        """By integer id, or by on-chain hash (external transactions)."""
        if key.isdigit():
            return self.transactions.get(int(key))
        for tx in self.transactions.values():
            if tx.hash == key:
                return tx
        return None

    # ---- clock (FIL drift, pending withdrawals) ---------------------------------------------

    def current_step(self) -> int:
        """Ticks plus one step per `sector_step_seconds` of wall clock since the reset."""
        seconds = self.controls.sector_step_seconds
        elapsed = int((time.time() - self.started_at) // seconds) if seconds > 0 else 0
        return self.controls.ticks + elapsed

    def sync(self) -> int:
        """Bring storage providers and pending transactions up to the current step."""
        step, now = self.current_step(), int(time.time())
        for sp in self.storage_providers.values():
            advance(sp, self.seed, step, now)
        still_pending = []
        for tx_id in self.pending_ids:
            tx = self.transactions[tx_id]
            if tx.complete_at_step is not None and tx.complete_at_step <= step:
                self._complete(tx, now)
            else:
                still_pending.append(tx_id)
        self.pending_ids = still_pending
        return step

    def _complete(self, tx: Transaction, now: int) -> None:
        if tx.is_batched:
            self._settle_batch(tx, now)
            return
        tx.status, tx.completed_at, tx.complete_at_step = "completed", now, None
        tx.block = 3_000_000 + tx.id
        wallet = self.wallets.get(tx.destination_wallet_id)
        if wallet is not None:
            self.credit(wallet, tx.asset, tx.amount)

    def _settle_batch(self, tx: Transaction, now: int) -> None:
        """A pending batch reaches its final status: completed (the held funds leave the
        source, wallet destinations are credited) or failed (the hold is released; it was
        never broadcast, so it has no on-chain id)."""
        source = self.wallets.get(tx.source_wallet_id)
        tx.complete_at_step = None
        if tx.final_status == "failed":
            tx.status, tx.hash = "failed", None
            if source is not None:
                source.release(tx.asset, tx.amount)
            return
        tx.status, tx.completed_at = "completed", now
        if source is not None:
            source.spend_held(tx.asset, tx.amount)
        for dest in tx.destinations:
            wallet = self.wallets.get(dest.id) if dest.type == "wallet" else None
            if wallet is not None:
                self.credit(wallet, tx.asset, dest.amount)

    def credit(self, wallet: Wallet, asset: str, units: int) -> None:
        """Credit `wallet`, giving it a deposit address if it never held `asset`."""
        wallet.credit(asset, units)
        if asset not in wallet.funding_addresses:
            wallet.funding_addresses[asset] = funding_address(self.seed, wallet.id, asset)

    # ---- call log ----------------------------------------------------------------------------

    def record_call(self, entry: dict[str, Any]) -> None:
        """Append to the call log (no headers: they hold the signature and access id)."""
        with self.lock:
            self.controls.calls.append(entry)
