"""Signed integer base units (attoFIL that may be negative: fee debt), exact on every database.

`custody_portal.fields.BaseUnitsField` refuses negative values, and for a good reason: on
SQLite it stores zero-padded text, whose text order is the numeric order only for numbers of
one sign ("-5" would sort after "-10" and before "0"). A storage provider's available balance
is negative when it owes fees, so Filecoin amounts use this variant:

- PostgreSQL: `numeric(40, 0)`, as `BaseUnitsField` (signed natively).
- SQLite: the value plus an offset of 10**40, zero-padded to 41 digits ("excess-K" encoding):
  every value in (-10**40, 10**40) maps to a non-negative number of the same width, so text
  order is numeric order (`ORDER BY`, `<`, `MIN`, `MAX` and indexes work), the round trip is
  exact, and sums stay exact through `sum_signed_base_units` (sum of the encoded slices minus
  count × offset).

`-1` is stored as `0999…999` and `0` as `1000…000` on SQLite; readers go through Django (or
subtract the offset), never read the text as a number.
"""

from decimal import Decimal

from django.db import connections
from django.db.models import BigIntegerField, Count, QuerySet, Sum
from django.db.models.functions import Cast, Substr

from custody_portal.fields import WIDTH, BaseUnitsField

OFFSET = 10**WIDTH
SQLITE_WIDTH = WIDTH + 1
# (start, length, weight) of the slices summed as 64-bit integers on SQLite: one leading digit
# then four 10-digit slices. A slice sum fits 64 bits for up to ~900 million rows.
_SLICES = ((1, 1, 10**40), (2, 10, 10**30), (12, 10, 10**20), (22, 10, 10**10), (32, 10, 1))


class SignedBaseUnitsField(BaseUnitsField):
    """Integer base units that may be negative (fee debt), exact and ordered on every database."""

    description = "Signed integer base units (exact and ordered on PostgreSQL and SQLite)"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        number = self.to_python(value)
        if number != number.to_integral_value():
            raise ValueError(f"base units must be whole numbers, got {number}")
        if abs(number) >= OFFSET:
            raise ValueError(f"base units out of range (|value| < 10**{WIDTH}), got {number}")
        if connection.vendor != "sqlite":
            return connection.ops.adapt_decimalfield_value(
                number, self.max_digits, self.decimal_places
            )
        return encode_sqlite(int(number))

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, Decimal):
            return value
        if isinstance(value, float):  # only a SQLite aggregate could produce this
            raise TypeError("refusing a float amount from the database")
        if isinstance(value, str):
            return Decimal(decode_sqlite(value))
        return Decimal(int(value))


def encode_sqlite(number: int) -> str:
    """The SQLite text of a signed amount: offset, zero-padded to 41 digits."""
    return f"{number + OFFSET:0{SQLITE_WIDTH}d}"


def decode_sqlite(text: str) -> int:
    """Inverse of `encode_sqlite`."""
    return int(text) - OFFSET


def sum_signed_base_units(qs: QuerySet, *fields: str, **aggregates) -> dict:
    """`{field: exact sum}` of `SignedBaseUnitsField` columns over `qs`, in one query.

    NULLs are skipped (as SQL's SUM does); an empty set sums to 0. Extra keyword
    `aggregates` (counts, minimums…) are computed in the same query and returned as they are.
    """
    if connections[qs.db].vendor != "sqlite":
        # Aliased: an aggregate named like a column would shadow it for the other aggregates.
        row = qs.order_by().aggregate(**{f"{f}__sum": Sum(f) for f in fields}, **aggregates)
        result = {name: row[name] for name in aggregates}
        return {**result, **{f: int(row[f"{f}__sum"] or 0) for f in fields}}
    slices = {}
    for f in fields:
        slices[f"{f}__n"] = Count(f)
        for i, (start, length, _) in enumerate(_SLICES):
            slices[f"{f}__{i}"] = Sum(Cast(Substr(f, start, length), BigIntegerField()))
    row = qs.order_by().aggregate(**slices, **aggregates)
    result = {name: row[name] for name in aggregates}
    for f in fields:
        encoded = sum(int(row[f"{f}__{i}"] or 0) * weight for i, (*_, weight) in enumerate(_SLICES))
        result[f] = encoded - row[f"{f}__n"] * OFFSET
    return result
