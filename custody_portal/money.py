"""Exact money: integer base units everywhere, Decimal at the edges, never float.

Conversions use integer arithmetic on digit strings, never Decimal arithmetic: the default
context keeps 28 significant digits, which would silently round (or raise on) large 18-decimal
amounts.

Two ways in, on purpose different:
- `parse_coin_amount` reads what a person typed, strictly (DESIGN.md §5: "0,5" is refused,
  never read as 5; no exponents, no signs). Payouts use it.
- `to_base_units` converts numbers machines produced (Balance's JSON parsed as Decimal).
"""

import re
from decimal import Decimal, InvalidOperation

from .assets import Asset, find_asset, get_asset
from .fields import WIDTH

# The largest amount a BaseUnitsField holds (numeric(40, 0)); a bigger one could not be saved.
MAX_BASE_UNITS = 10**WIDTH - 1


class AmountError(ValueError):
    """An amount that cannot be represented exactly in the asset's base units; the message is
    for the person who typed it."""


# `[0-9]`, not `\d`: `\d` (and Decimal) also accept Arabic-Indic, full-width… digits.
_PLAIN = re.compile(r"(?P<whole>[0-9]*)(?:\.(?P<fraction>[0-9]*))?")
# Thousands groups: 1–3 digits not starting with 0, then one or more ",ddd".
_GROUPED = re.compile(r"(?P<whole>[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.(?P<fraction>[0-9]*))?")
# A machine number for `to_base_units(str)`: optional minus, digits, optional fraction.
_MACHINE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_EXPONENT = re.compile(r"[0-9.][eE][+-]?[0-9]")

ENTER_AMOUNT = "Enter an amount."
NOT_A_NUMBER = "Enter the amount in digits with a dot for decimals, like 1234.5 or 1,234.5."
DECIMAL_COMMA = "Use a dot for decimals (0.5, not 0,5); commas may only separate thousands."
BAD_GROUPING = "Commas may only separate groups of three digits, as in 1,000,000.5."
BAD_DOTS = "Use one dot, for the decimals; separate thousands with commas (1,000,000.5)."
NO_EXPONENT = "Write the amount out in full, without an exponent (“e”)."
NO_SIGN = "Enter the amount without a sign; it must be greater than zero."
NO_SPACES = "Remove the spaces inside the amount."
ASCII_DIGITS = "Use the digits 0–9 only."
NOT_POSITIVE = "The amount must be greater than zero."
TOO_LARGE = "The amount is too large."


def parse_coin_amount(text: str | None, asset: str) -> int:
    """What a person typed, in coin units, → positive integer base units, exactly.

    Accepted: ASCII digits with at most one dot (`123`, `123.45`), optionally grouped in
    thousands by commas (`1,000`, `1,000,000.123`: first group 1–3 digits not starting with
    0, then groups of exactly three). Surrounding whitespace is ignored. `.5` (0.5) and `5.`
    (5) are accepted: a person reads them that way, and nothing else could be meant.
    At most the asset's decimals (`1.000000000` BTC is refused, though equal to 1: the rule
    staff read is "at most 8 decimal places", without exceptions).

    Refused, with a message saying why: any other comma (`0,5`, `12,34`, `1.000,5`: "Use a dot
    for decimals"; `1,00,000`: wrong grouping), several dots, exponents (`1e3`), signs,
    spaces or `_` inside, non-ASCII digits (`١٢٣`, which Decimal would accept), NaN/Infinity,
    zero, and more than a BaseUnitsField can hold. Raises AmountError; UnknownAsset (from the
    registry) for an asset whose decimals are unknown.
    """
    registry_asset = get_asset(asset)
    if text is None:
        raise AmountError(ENTER_AMOUNT)
    if not isinstance(text, str):
        raise TypeError(f"parse_coin_amount reads text, not {type(text).__name__}")
    text = text.strip()
    if not text:
        raise AmountError(ENTER_AMOUNT)
    match = _PLAIN.fullmatch(text) or _GROUPED.fullmatch(text)
    if match is None or not (match["whole"] or match["fraction"]):
        raise AmountError(_why_not_a_number(text))
    return _to_base_units(match["whole"].replace(",", ""), match["fraction"] or "", registry_asset)


def _to_base_units(whole: str, fraction: str, asset: Asset) -> int:
    decimals = asset.decimals
    if len(fraction) > decimals:
        raise AmountError(_too_many_decimals(asset))
    whole = whole.lstrip("0")
    if len(whole) + decimals > WIDTH:  # checked before int(): no giant conversions
        raise AmountError(TOO_LARGE)
    base = int(whole or "0") * 10**decimals + int(fraction.ljust(decimals, "0") or "0")
    if base <= 0:
        raise AmountError(NOT_POSITIVE)
    if base > MAX_BASE_UNITS:
        raise AmountError(TOO_LARGE)
    return base


def _too_many_decimals(asset: Asset) -> str:
    if asset.decimals == 0:
        return f"{asset.ticker.upper()} amounts are whole numbers."
    places = "place" if asset.decimals == 1 else "places"
    return f"{asset.ticker.upper()} amounts have at most {asset.decimals} decimal {places}."


def _why_not_a_number(text: str) -> str:
    """The plainest reason `text` is not an accepted amount."""
    if any(ch.isspace() for ch in text):
        return NO_SPACES
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        return ASCII_DIGITS
    if text[0] in "+-−":  # ASCII plus/minus and U+2212 MINUS SIGN
        return NO_SIGN
    if _EXPONENT.search(text):
        return NO_EXPONENT
    if set(text) <= set("0123456789.,"):
        if "," in text:
            return DECIMAL_COMMA if _comma_looks_decimal(text) else BAD_GROUPING
        if text.count(".") > 1:
            return BAD_DOTS
    return NOT_A_NUMBER


def _comma_looks_decimal(text: str) -> bool:
    """A comma a person may have meant as the decimal separator (`0,5`, `12,34`, `1.000,5`,
    `1,000,5`), as opposed to thousands grouped wrongly (`1,00,000`, `1000,000`)."""
    last = text.rindex(",")
    dot = text.find(".")
    if 0 <= dot < last:  # 1.234,5: dots for thousands, comma for decimals
        return True
    first_group = text[: text.index(",")]
    if not first_group or first_group.startswith("0"):  # ,5  0,5  0,500
        return True
    return dot < 0 and len(text) - last - 1 != 3  # 12,34  1,000,5


def format_coin_input(base_units: int, asset: str) -> str:
    """Base units → the plain text `parse_coin_amount` reads back exactly ("0.5", "1",
    "0.00000001"): no grouping, no exponent, no trailing zeros. For prefilling edit forms;
    `str(Decimal)` would write 1 satoshi as "1E-8", which the strict parser refuses."""
    decimals = get_asset(asset).decimals
    number = int(base_units)
    if number != base_units:
        raise AmountError(f"base units must be whole numbers, got {base_units}")
    whole, fraction = divmod(abs(number), 10**decimals)
    digits = str(fraction).rjust(decimals, "0").rstrip("0") if decimals else ""
    sign = "-" if number < 0 else ""
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def to_base_units(amount: Decimal | int | str, asset: str, *, truncate: bool = False) -> int:
    """A machine's number in coin units (Balance's JSON parsed as Decimal) → integer base
    units, exactly. More decimals than the asset has is an error (or, with `truncate`, the
    extra digits are dropped toward zero). Negative amounts are allowed here.

    Text must be a plain number (`-12.5`): no exponent, grouping or non-ASCII digits; what a
    person typed goes through `parse_coin_amount`. Floats are refused: they cannot hold most
    decimal amounts exactly. UnknownAsset for an asset whose decimals are unknown.
    """
    if isinstance(amount, float):
        raise TypeError("amounts must never be floats")
    decimals = get_asset(asset).decimals
    if isinstance(amount, str) and not _MACHINE.fullmatch(amount):
        raise AmountError(f"{amount!r} is not a plain number.")
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, ValueError, TypeError) as exc:
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


def from_base_units(base_units: int | Decimal, asset: str) -> Decimal:
    """Integer base units → coin units as an exact Decimal with the asset's decimals.

    Built from the digits as text: Decimal's constructor is exact whatever the context.
    UnknownAsset for an asset whose decimals are unknown.
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
    """Base units → "1,234.56789012 BTC" for display: every decimal shown, exact, grouped in
    thousands; with `ticker=False` the number alone, which `parse_coin_amount` reads back.

    Display must not fail on a ticker Balance returns but the registry does not know: that
    shows the raw base units, "12345 ZZZ base units (unknown decimals)", never a guess.
    """
    if base_units is None:
        return "—"
    if find_asset(asset) is None:
        label = f"{str(asset).upper()} base units" if ticker else "base units"
        return f"{int(base_units)} {label} (unknown decimals)"
    value = from_base_units(base_units, asset)
    text = f"{value:,f}"
    return f"{text} {asset.upper()}" if ticker else text
