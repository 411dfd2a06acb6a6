"""The sandbox's in-memory records. Amounts are integer base units; rendering adds decimals."""

from dataclasses import dataclass, field


@dataclass
class SubAddress:
    """One funding address of a sub-address asset (seed 000 "funding-address struct")."""

    address: str
    name: str
    notes: str | None = None
    is_watched: bool = False
    balance: int = 0


@dataclass
class Wallet:
    """A warm or cold Balance wallet.

    `balances` are totals and `spendable` what is not locked; both keyed by ticker. For
    sub-address assets the first entry of `sub_addresses[asset]` is the wallet's funding
    address and carries whatever part of the total the other sub-addresses do not.
    """

    id: int
    kind: str
    name: str
    description: str
    custom_id: str
    created_at: int
    balances: dict[str, int]
    spendable: dict[str, int]
    funding_addresses: dict[str, str]
    sub_addresses: dict[str, list[SubAddress]] = field(default_factory=dict)
    extras: dict = field(default_factory=dict)
    default_originator_entity: dict | None = None
    storage_provider_ids: list[int] = field(default_factory=list)

    def sub_address_list(self, asset: str, asset_name: str) -> list[SubAddress]:
        """The funding addresses of `asset`, the wallet's main address first (made on demand)."""
        entries = self.sub_addresses.get(asset)
        if entries is None:
            address = self.funding_addresses.get(asset)
            entries = [SubAddress(address=address, name=f"{asset_name} 1")] if address else []
            self.sub_addresses[asset] = entries
        return entries

    def sub_address_balances(self, asset: str) -> list[int]:
        """Balance per entry of `sub_addresses[asset]`: the main address holds the rest."""
        entries = self.sub_addresses.get(asset) or []
        others = [e.balance for e in entries[1:]]
        return [max(0, self.balances.get(asset, 0) - sum(others)), *others] if entries else []

    def credit(self, asset: str, units: int) -> None:
        """Add to total and spendable (a received, confirmed transfer)."""
        self.balances[asset] = self.balances.get(asset, 0) + units
        self.spendable[asset] = self.spendable.get(asset, 0) + units

    def debit(self, asset: str, units: int) -> None:
        """Take from total and spendable; sub-addresses give up funds newest first."""
        self.balances[asset] = self.balances.get(asset, 0) - units
        self.spendable[asset] = self.spendable.get(asset, 0) - units
        self.settle_sub_addresses(asset)

    def hold(self, asset: str, units: int) -> None:
        """Lock funds for a pending transaction: spendable drops, the total does not."""
        self.spendable[asset] = self.spendable.get(asset, 0) - units

    def release(self, asset: str, units: int) -> None:
        """Give back a hold (the pending transaction failed)."""
        self.spendable[asset] = self.spendable.get(asset, 0) + units

    def spend_held(self, asset: str, units: int) -> None:
        """The held funds leave (the pending transaction completed)."""
        self.balances[asset] = self.balances.get(asset, 0) - units
        self.settle_sub_addresses(asset)

    def settle_sub_addresses(self, asset: str) -> None:
        """Keep the sub-address balances within the wallet total after it shrank."""
        entries = self.sub_addresses.get(asset) or []
        excess = sum(e.balance for e in entries[1:]) - self.balances.get(asset, 0)
        for entry in reversed(entries[1:]):
            if excess <= 0:
                break
            taken = min(entry.balance, excess)
            entry.balance -= taken
            excess -= taken


@dataclass
class ExternalAccount:
    """An approved external account (REFERENCE §5.12)."""

    id: int
    name: str
    description: str
    custom_id: str
    funding_addresses: dict[str, str]
    extras: dict = field(default_factory=dict)


@dataclass
class BatchDestination:
    """One line of a send_batch_now: where `amount` base units went."""

    type: str
    amount: int
    id: int | None = None
    public_address: str | None = None


@dataclass
class Transaction:
    """An internal (wallet → wallet/external) or external (incoming deposit) transaction.

    Internal: `source_wallet_id` + `destinations`; external: `hash`, `source_addresses`,
    `destination_wallet_id`. `created_at`/`completed_at` are UNIX seconds.
    """

    id: int
    kind: str  # "internal" | "external"
    asset: str
    amount: int
    created_at: int
    status: str = "completed"
    completed_at: int | None = None
    source_wallet_id: int | None = None
    destinations: list[BatchDestination] = field(default_factory=list)
    destination_wallet_id: int | None = None
    hash: str | None = None
    source_addresses: list[str] = field(default_factory=list)
    destination_address: str | None = None
    block: int | None = None
    fee_rate: str = "0"
    notes: str = ""
    is_batched: bool = False
    storage_provider_id: int | None = None
    # Sandbox step at which a pending transaction settles (FIL withdrawals, pending batches),
    # and the status it settles to (pending batches may fail).
    complete_at_step: int | None = None
    final_status: str = "completed"

    def wallet_ids(self) -> set[int]:
        """Every wallet this transaction touches (for the wallet-scoped list)."""
        ids = {self.source_wallet_id, self.destination_wallet_id}
        ids.update(d.id for d in self.destinations if d.type == "wallet")
        ids.discard(None)
        return ids  # type: ignore[return-value]


@dataclass
class StorageProvider:
    """A Filecoin storage provider owned by one FIL wallet; sectors drift step by step.

    `live_sectors` = `active_sectors` + `faulty_sectors`. Money fields are attoFIL.
    """

    id: int
    wallet_id: int
    address: str
    active_sectors: int
    faulty_sectors: int
    initial_pledge: int
    locked_rewards: int
    available_balance: int
    penalty_per_sector: int
    steps_applied: int = 0
    last_updated_at: int = 0

    @property
    def live_sectors(self) -> int:
        return self.active_sectors + self.faulty_sectors
