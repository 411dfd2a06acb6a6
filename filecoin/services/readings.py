"""Balance's storage-provider answers → exact, typed readings (attoFIL integers, aware times).

FIL amounts arrive as JSON numbers in FIL (parsed as Decimal by the client) and become signed
attoFIL integers here, exactly: `10420.49831870958` is 10420498318709580000000 attoFIL, a
negative available balance stays negative (fee debt). An amount with more than 18 decimals
cannot be attoFIL; it is truncated toward zero and noted on the refresh run (as the wallets
refresh does), rather than failing every provider for one odd number.

A detail that lacks its sector summary or has an unreadable `last_updated_at` is garbled:
`GarbledReading` names what is wrong, and the refresh stores nothing for that provider.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.dateparse import parse_datetime

from balance import types
from custody_portal.money import AmountError, to_base_units

from ..models import SECTOR_FIGURES

ASSET = "fil"


class GarbledReading(ValueError):
    """Balance's answer for one provider cannot be read as a sector summary."""


def fil_to_atto(
    amount: Decimal | int, *, truncated: list[str] | None = None, where: str = ""
) -> int:
    """FIL (Decimal from the client) → signed attoFIL, exact; over-long decimals truncated and
    described in `truncated` (when given), otherwise an AmountError."""
    try:
        return to_base_units(amount, ASSET)
    except AmountError:
        if truncated is None:
            raise
        truncated.append(f"{where}: {amount:f} FIL")
        return to_base_units(amount, ASSET, truncate=True)


def parse_balance_time(value: object) -> datetime:
    """Balance's ISO-8601 time (`2023-05-01T15:01:25Z`) → an aware datetime, or GarbledReading."""
    if not isinstance(value, str):
        raise GarbledReading(f"last_updated_at is {value!r}, not a time")
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise GarbledReading(f"last_updated_at {value!r} is not an ISO-8601 time with a zone")
    return moment


@dataclass(frozen=True)
class Reading:
    """One provider's detail with its sector summary, in exact units."""

    provider_id: int
    wallet_id: int
    address: str
    initial_pledge: int
    locked_rewards: int
    available_balance: int
    active_sectors: int
    live_sectors: int
    faulty_sectors: int
    live_sectors_penalty: int
    faulty_sectors_penalty: int
    last_updated_at: datetime

    def figures(self) -> dict:
        """The history figures (snapshot columns), in `SECTOR_FIGURES` order."""
        return {name: getattr(self, name) for name in SECTOR_FIGURES}


_SUMMARY = (
    "active_sectors",
    "live_sectors",
    "faulty_sectors",
    "live_sectors_penalty_fil",
    "faulty_sectors_penalty_fil",
    "last_updated_at",
)


def reading_from_balance(
    sp: types.StorageProvider, *, wallet_id: int, truncated: list[str]
) -> Reading:
    """A `Reading` of Balance's detail (fetched with show_sector_summary=true)."""
    missing = [name for name in _SUMMARY if getattr(sp, name) is None]
    if missing:
        raise GarbledReading(f"the sector summary lacks {', '.join(missing)}")
    counts = (sp.active_sectors, sp.live_sectors, sp.faulty_sectors)
    if any(c < 0 for c in counts):
        raise GarbledReading(f"negative sector counts {counts}")
    if not sp.storage_provider:
        raise GarbledReading("no storage_provider address")
    where = f"storage provider {sp.id}"

    def atto(value: Decimal, name: str) -> int:
        return fil_to_atto(value, truncated=truncated, where=f"{where} {name}")

    return Reading(
        provider_id=sp.id,
        wallet_id=wallet_id,
        address=sp.storage_provider[:128],
        initial_pledge=atto(sp.initial_pledge, "initial_pledge"),
        locked_rewards=atto(sp.locked_rewards, "locked_rewards"),
        available_balance=atto(sp.available_balance, "available_balance"),
        active_sectors=sp.active_sectors,
        live_sectors=sp.live_sectors,
        faulty_sectors=sp.faulty_sectors,
        live_sectors_penalty=atto(sp.live_sectors_penalty_fil, "live_sectors_penalty_fil"),
        faulty_sectors_penalty=atto(sp.faulty_sectors_penalty_fil, "faulty_sectors_penalty_fil"),
        last_updated_at=parse_balance_time(sp.last_updated_at),
    )


def faulty_share_ppm(faulty: int | None, live: int | None) -> int | None:
    """Faulty / live sectors in parts per million (rounded down); None when unknown."""
    if faulty is None or live is None:
        return None
    return faulty * 1_000_000 // live if live > 0 else 0


def share_increased(faulty: int, live: int, faulty_before: int, live_before: int) -> bool:
    """faulty/live > faulty_before/live_before, exactly (no rounding): cross-multiplied."""
    if live <= 0:
        return False
    if live_before <= 0:
        return faulty > 0
    return faulty * live_before > faulty_before * live
