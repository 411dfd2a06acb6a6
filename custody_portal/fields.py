"""A model field for integer base units that stays exact on every database.

PostgreSQL stores `numeric(40, 0)`: exact, summable, sortable. SQLite has no exact decimal
type: its NUMERIC affinity turns integers beyond 2**63 into REAL, and Django's SQLite
converter for DecimalField rounds every value to 15 significant digits on read (so 2**53 + 1
satoshi would come back as 9007199254740990). On SQLite this field therefore stores the
integer as text, zero-padded to 40 digits: exact, and the text order is the numeric order, so
`ORDER BY`, `>`, `<` and the (asset, total) indexes keep working. Sums need care on SQLite
(see `sum_base_units` below).

Base units are never negative here (balances), which keeps the padded encoding order-safe.
"""

from decimal import Decimal

from django.db import connections, models
from django.db.models import BigIntegerField, Count, QuerySet, Sum
from django.db.models.functions import Cast, Substr

WIDTH = 40


class BaseUnitsField(models.DecimalField):
    """Integer base units (satoshi, wei, attoFIL…) as a Decimal with no fractional part."""

    description = "Integer base units (exact on PostgreSQL and SQLite)"

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_digits", WIDTH)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)

    def get_internal_type(self) -> str:
        # Not "DecimalField": that name makes the SQLite backend round values to 15 digits.
        return "BaseUnitsField"

    def db_type(self, connection) -> str:
        if connection.vendor == "sqlite":
            return "text"
        return connection.data_types["DecimalField"] % {
            "max_digits": self.max_digits,
            "decimal_places": self.decimal_places,
        }

    def cast_db_type(self, connection) -> str:
        return self.db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        number = self.to_python(value)
        if number != number.to_integral_value():
            raise ValueError(f"base units must be whole numbers, got {number}")
        if number < 0:
            raise ValueError(f"base units must not be negative, got {number}")
        if connection.vendor != "sqlite":
            return connection.ops.adapt_decimalfield_value(
                number, self.max_digits, self.decimal_places
            )
        return f"{int(number):0{WIDTH}d}"

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, Decimal):
            return value
        if isinstance(value, float):  # only a SQLite aggregate could produce this
            raise TypeError("refusing a float amount from the database")
        return Decimal(int(value))


# SQLite keeps base units as zero-padded text (BaseUnitsField); SUM() there would go through
# a float. Summing 10-digit slices as integers and recombining them in Python stays exact
# (each slice sum fits in 64 bits for up to ~900 million rows). PostgreSQL sums numerics.
_SLICE = 10


def sum_base_units(qs: QuerySet, *, group_by: str, amount: str) -> dict[str, tuple[int, int]]:
    """`{group value: (exact sum of amount, row count)}` in one query, on any database."""
    if connections[qs.db].vendor != "sqlite":
        rows = qs.values(group_by).annotate(n=Count("pk"), s=Sum(amount)).order_by()
        return {r[group_by]: (int(r["s"] or 0), r["n"]) for r in rows}
    slices = {
        f"s{i}": Sum(Cast(Substr(amount, 1 + i * _SLICE, _SLICE), BigIntegerField()))
        for i in range(WIDTH // _SLICE)
    }
    rows = qs.values(group_by).annotate(n=Count("pk"), **slices).order_by()
    result = {}
    for r in rows:
        total = 0
        for i in range(WIDTH // _SLICE):
            total = total * 10**_SLICE + int(r[f"s{i}"] or 0)
        result[r[group_by]] = (total, r["n"])
    return result
