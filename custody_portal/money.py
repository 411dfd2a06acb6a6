"""Exact money: integer base units everywhere, Decimal at the edges, never float."""

from decimal import ROUND_DOWN, Decimal, InvalidOperation

from .assets import get_asset


class AmountError(ValueError):
    """An amount that cannot be represented exactly in the asset's base units."""


def to_base_units(amount: Decimal | int | str, asset: str) -> int:
    """Coin units → integer base units, exactly. More decimals than the asset has is an error.

    Floats are refused: they cannot hold most decimal amounts exactly.
    """
    if isinstance(amount, float):
        raise TypeError("amounts must never be floats")
    decimals = get_asset(asset).decimals
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, ValueError) as exc:
        raise AmountError(f"{amount!r} is not a number.") from exc
    if not value.is_finite():
        raise AmountError(f"{amount!r} is not a number.")
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise AmountError(
            f"{asset.upper()} amounts have at most {decimals} decimal places; got {value}."
        )
    return int(scaled)


def parse_coin_amount(text: str, asset: str) -> int:
    """User input in coin units ("0.1", "1,000.5") → base units; positive amounts only."""
    cleaned = (text or "").strip().replace(",", "").replace("_", "")
    if not cleaned:
        raise AmountError("Enter an amount.")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise AmountError(f"“{text}” is not a number.") from exc
    base = to_base_units(value, asset)
    if base <= 0:
        raise AmountError("The amount must be greater than zero.")
    return base


def from_base_units(base_units: int | Decimal, asset: str) -> Decimal:
    """Integer base units → coin units as an exact Decimal with the asset's decimals."""
    decimals = get_asset(asset).decimals
    quantum = Decimal(1).scaleb(-decimals)
    return (Decimal(int(base_units)).scaleb(-decimals)).quantize(quantum, rounding=ROUND_DOWN)


def format_coin(base_units: int | Decimal | None, asset: str, *, ticker: bool = True) -> str:
    """Base units → "1,234.56789012 BTC": every decimal shown, exact, with thousands separators."""
    if base_units is None:
        return "—"
    value = from_base_units(base_units, asset)
    text = f"{value:,f}"
    return f"{text} {asset.upper()}" if ticker else text
