"""Exact JSON output: amounts become number literals with the asset's decimals, never floats.

Balance's v1 API sends amounts as JSON numbers in coin units (`12.34567890`). The sandbox keeps
integer base units, so it needs a serializer that writes `Amount(1234567890, 8)` as the literal
`12.34567890` and `Amount(2**70, 18)` as `1180.591620717411303424` — digits the `json` module
cannot produce without passing through a float. This module is that serializer: small,
recursive, and strict (a float anywhere is a bug and raises).
"""

from collections.abc import Mapping
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _quote
from typing import Any


class Amount:
    """A JSON number written as `units / 10**decimals` with exactly `decimals` digits."""

    __slots__ = ("decimals", "units")

    def __init__(self, units: int, decimals: int) -> None:
        self.units = int(units)
        self.decimals = decimals

    def literal(self) -> str:
        """The number literal, e.g. `-0.00000001` for (-1, 8)."""
        sign = "-" if self.units < 0 else ""
        whole, frac = divmod(abs(self.units), 10**self.decimals)
        if not self.decimals:
            return f"{sign}{whole}"
        return f"{sign}{whole}.{frac:0{self.decimals}d}"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Amount)
            and self.units == other.units
            and self.decimals == other.decimals
        )

    def __hash__(self) -> int:
        return hash((self.units, self.decimals))

    def __repr__(self) -> str:
        return f"Amount({self.literal()})"


def _decimal_literal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"non-finite number {value!r} cannot be JSON")
    return format(value, "f")


def _encode(obj: Any, out: list[str]) -> None:
    # Ordered by frequency in our payloads: strings and dicts dominate.
    if isinstance(obj, str):
        out.append(_quote(obj))
    elif isinstance(obj, Mapping):
        out.append("{")
        first = True
        for key, value in obj.items():
            if not first:
                out.append(", ")
            first = False
            out.append(_quote(str(key)))
            out.append(": ")
            _encode(value, out)
        out.append("}")
    elif isinstance(obj, Amount):
        out.append(obj.literal())
    elif obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, int):
        out.append(str(obj))
    elif isinstance(obj, list | tuple):
        out.append("[")
        for index, item in enumerate(obj):
            if index:
                out.append(", ")
            _encode(item, out)
        out.append("]")
    elif isinstance(obj, Decimal):
        out.append(_decimal_literal(obj))
    elif isinstance(obj, float):
        raise TypeError("the sandbox never serializes floats; use Amount or Decimal")
    else:
        raise TypeError(f"cannot serialize {type(obj).__name__} to JSON")


def dumps(obj: Any) -> bytes:
    """Serialize `obj` (dict/list/str/int/bool/None/Amount/Decimal) to ASCII JSON bytes."""
    out: list[str] = []
    _encode(obj, out)
    return "".join(out).encode("ascii")
