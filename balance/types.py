"""What the client returns: small frozen dataclasses, amounts as exact Decimal coin units.

`from_json` reads the documented struct strictly where a wrong guess would become a wrong
fact: ids, amounts and the wallet kind must be present and of the documented type (a missing
balance is unknown, not zero). Descriptive text fields may be missing or null. Shape errors
are `KeyError`/`TypeError`/`ValueError`; the client turns them into BalanceUnexpectedResponse.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


def to_decimal(value: Any) -> Decimal:
    """A JSON number (int, or Decimal thanks to parse_float=Decimal) → Decimal.

    Anything else is refused: null or a string is not an amount, and a float would mean a
    parse path that lost exactness.
    """
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"expected an exact JSON number, got {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"expected a finite amount, got {value!r}")
    return Decimal(value)


def decimal_map(value: Any) -> dict[str, Decimal]:
    """`{ticker: number}` → `{lowercase ticker: Decimal}`; the map itself must be there."""
    if not isinstance(value, dict):
        raise TypeError(f"expected an object of amounts, got {type(value).__name__}")
    return {str(k).lower(): to_decimal(v) for k, v in value.items()}


def record_id(value: Any) -> int:
    """A JSON integer (an id or a count): not a boolean, a fraction or a string."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _object(value: Any, key: str) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object for {key}, got {type(value).__name__}")
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _required_text(data: dict, key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise TypeError(f"expected a non-empty string for {key}, got {value!r}")
    return value


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
            id=record_id(data["id"]),
            kind=_required_text(data, "kind"),
            name=_text(data.get("name")),
            custom_id=_text(data.get("custom_id")),
            description=_text(data.get("description")),
            balance=decimal_map(data["balance"]),
            funding_addresses={
                str(k).lower(): v
                for k, v in _object(data["funding_addresses"], "funding_addresses").items()
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
            address=_required_text(data, "address"),
            name=_text(data.get("name")),
            notes=_text(data.get("notes")),
            balance=to_decimal(data["balance"]),
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
        addresses = data.get("funding_addresses", data.get("addresses"))
        if not isinstance(addresses, dict):
            raise TypeError("an external account needs its funding_addresses object")
        return cls(
            id=record_id(data["id"]),
            name=_text(data.get("name")),
            custom_id=_text(data.get("custom_id")),
            description=_text(data.get("description")),
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
            return record_id(data[key]) if data.get(key) is not None else None

        def opt_dec(key: str) -> Decimal | None:
            return to_decimal(data[key]) if data.get(key) is not None else None

        return cls(
            id=record_id(data["id"]),
            storage_provider=_required_text(data, "storage_provider"),
            initial_pledge=to_decimal(data["initial_pledge"]),
            locked_rewards=to_decimal(data["locked_rewards"]),
            available_balance=to_decimal(data["available_balance"]),
            active_sectors=opt_int("active_sectors"),
            live_sectors=opt_int("live_sectors"),
            faulty_sectors=opt_int("faulty_sectors"),
            live_sectors_penalty_fil=opt_dec("live_sectors_penalty_fil"),
            faulty_sectors_penalty_fil=opt_dec("faulty_sectors_penalty_fil"),
            last_updated_at=data.get("last_updated_at"),
            raw=data,
        )
