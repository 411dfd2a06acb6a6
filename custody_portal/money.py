"""Exact money: integer base units everywhere, Decimal at the edges, never float.

Conversions use integer arithmetic on the Decimal's digits, never Decimal arithmetic: the
default context keeps 28 significant digits, which would silently round (or raise on) large
18-decimal amounts.
"""

from decimal import Decimal, InvalidOperation

from .assets import get_asset


class AmountError(ValueError):
    """An amount that cannot be represented exactly in the asset's base units."""


def to_base_units(amount: Decimal | int | str, asset: str, *, truncate: bool = False) -> int:
    """Coin units → integer base units, exactly. More decimals than the asset has is an error
    (or, with `truncate`, the extra digits are dropped toward zero).

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
    sign, digits, exponent = value.as_tuple()
    coefficient = int("".join(map(str, digits)) or "0")
    shift = exponent + decimals  # base units = coefficient × 10**shift
    if shift >= 0:
        base = coefficient * 10**shift
    else:
        base, remainder = divmod(coefficient, 10**-shift)
        if remainder and not truncate:
            raise AmountError(
                f"{asset.upper()} amounts have at most {decimals} decimal places; got {value}."
            )
    return -base if sign else base


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
    """Integer base units → coin units as an exact Decimal with the asset's decimals.

    Built from the digits as text: Decimal's constructor is exact whatever the context.
    """
    if isinstance(base_units, Decimal) and base_units != base_units.to_integral_value():
        raise AmountError(f"base units must be whole numbers, got {base_units}")
    decimals = get_asset(asset).decimals
    number = int(base_units)
    digits = str(abs(number)).rjust(decimals + 1, "0")
    whole, fraction = (digits[:-decimals], digits[-decimals:]) if decimals else (digits, "")
    text = f"{'-' if number < 0 else ''}{whole}{'.' + fraction if fraction else ''}"
    return Decimal(text)


def format_coin(base_units: int | Decimal | None, asset: str, *, ticker: bool = True) -> str:
    """Base units → "1,234.56789012 BTC": every decimal shown, exact, with thousands separators."""
    if base_units is None:
        return "—"
    value = from_base_units(base_units, asset)
    text = f"{value:,f}"
    return f"{text} {asset.upper()}" if ticker else text
