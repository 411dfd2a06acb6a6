"""What the client returns: small frozen dataclasses, amounts as exact Decimal coin units."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


def to_decimal(value: Any) -> Decimal:
    """A JSON number (already Decimal or int thanks to parse_float=Decimal) → Decimal.

    Floats are refused on purpose: one would mean a parse path that lost exactness.
    """
    if value is None:
        return Decimal(0)
    if isinstance(value, bool | float):
        raise TypeError(f"refusing a non-exact amount: {value!r}")
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def decimal_map(value: Any) -> dict[str, Decimal]:
    return {str(k).lower(): to_decimal(v) for k, v in (value or {}).items()}


@dataclass(frozen=True)
class Wallet:
    """A Balance wallet. `balance`/`spendable_balance` are coin units per lowercase ticker;
    `spendable_balance` is None in list responses (Balance only sends it on the detail)."""

    id: int
    kind: str
    name: str
    custom_id: str
    description: str
    balance: dict[str, Decimal]
    funding_addresses: dict[str, str]
    spendable_balance: dict[str, Decimal] | None = None

    @classmethod
    def from_json(cls, data: dict) -> "Wallet":
        spendable = data.get("spendable_balance")
        return cls(
            id=int(data["id"]),
            kind=data.get("kind") or "warm",
            name=data.get("name") or "",
            custom_id=data.get("custom_id") or "",
            description=data.get("description") or "",
            balance=decimal_map(data.get("balance")),
            funding_addresses={
                str(k).lower(): v
                for k, v in (data.get("funding_addresses") or {}).items()
                if isinstance(v, str)
            },
            spendable_balance=decimal_map(spendable) if spendable is not None else None,
        )


@dataclass(frozen=True)
class FundingAddress:
    """A (sub-)address of one wallet and currency."""

    address: str
    name: str
    notes: str
    balance: Decimal
    is_watched: bool

    @classmethod
    def from_json(cls, data: dict) -> "FundingAddress":
        return cls(
            address=data["address"],
            name=data.get("name") or "",
            notes=data.get("notes") or "",
            balance=to_decimal(data.get("balance")),
            is_watched=bool(data.get("is_watched")),
        )


@dataclass(frozen=True)
class ExternalAccount:
    """An approved external account (a destination outside Balance)."""

    id: int
    name: str
    custom_id: str
    description: str
    addresses: dict[str, str]

    @classmethod
    def from_json(cls, data: dict) -> "ExternalAccount":
        # Balance spells it funding_addresses on the account and addresses as a destination.
        addresses = data.get("funding_addresses") or data.get("addresses") or {}
        return cls(
            id=int(data["id"]),
            name=data.get("name") or "",
            custom_id=data.get("custom_id") or "",
            description=data.get("description") or "",
            addresses={
                str(k).lower(): (v if isinstance(v, str) else v.get("address", ""))
                for k, v in addresses.items()
            },
        )


@dataclass(frozen=True)
class StorageProvider:
    """A Filecoin storage provider of a FIL wallet; FIL amounts in coin units (Decimal).

    Sector fields are None unless fetched with show_sector_summary=true.
    """

    id: int
    storage_provider: str
    initial_pledge: Decimal
    locked_rewards: Decimal
    available_balance: Decimal
    active_sectors: int | None = None
    live_sectors: int | None = None
    faulty_sectors: int | None = None
    live_sectors_penalty_fil: Decimal | None = None
    faulty_sectors_penalty_fil: Decimal | None = None
    last_updated_at: str | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> "StorageProvider":
        def opt_int(key: str) -> int | None:
            return int(data[key]) if data.get(key) is not None else None

        def opt_dec(key: str) -> Decimal | None:
            return to_decimal(data[key]) if data.get(key) is not None else None

        return cls(
            id=int(data["id"]),
            storage_provider=data.get("storage_provider") or "",
            initial_pledge=to_decimal(data.get("initial_pledge")),
            locked_rewards=to_decimal(data.get("locked_rewards")),
            available_balance=to_decimal(data.get("available_balance")),
            active_sectors=opt_int("active_sectors"),
            live_sectors=opt_int("live_sectors"),
            faulty_sectors=opt_int("faulty_sectors"),
            live_sectors_penalty_fil=opt_dec("live_sectors_penalty_fil"),
            faulty_sectors_penalty_fil=opt_dec("faulty_sectors_penalty_fil"),
            last_updated_at=data.get("last_updated_at"),
            raw=data,
        )
