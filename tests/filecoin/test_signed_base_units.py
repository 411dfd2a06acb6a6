"""SignedBaseUnitsField: negative attoFIL (fee debt) stays exact, ordered and summable on
SQLite (offset text encoding) and PostgreSQL (numeric)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Max, Min

from filecoin.fields import OFFSET, decode_sqlite, encode_sqlite, sum_signed_base_units
from filecoin.models import StorageProvider

from .factories import StorageProviderFactory

pytestmark = pytest.mark.django_db

VALUES = [
    -(2**70) - 1,  # a fee debt beyond 64 bits
    -(10**18),
    -1,
    0,
    1,
    2**64 + 7,
    10_420_498_318_709_580_000_000,
    10**39 + 3,
    -(10**39) - 3,
]


@pytest.mark.parametrize("value", VALUES)
def test_signed_amounts_survive_a_database_round_trip(value):
    provider = StorageProviderFactory(available_balance=value)

    stored = StorageProvider.objects.get(pk=provider.pk).available_balance

    assert stored == Decimal(value)
    assert isinstance(stored, Decimal)


def test_signed_amounts_sort_and_compare_numerically():
    for value in VALUES:
        StorageProviderFactory(available_balance=value)

    ordered = list(
        StorageProvider.objects.order_by("available_balance").values_list(
            "available_balance", flat=True
        )
    )
    in_debt = StorageProvider.objects.filter(available_balance__lt=0).count()
    above_minus_one = StorageProvider.objects.filter(available_balance__gt=-1).count()
    extremes = StorageProvider.objects.aggregate(
        low=Min("available_balance"), high=Max("available_balance")
    )

    assert ordered == sorted(VALUES)
    assert in_debt == 4
    assert above_minus_one == 5
    assert extremes == {"low": -(10**39) - 3, "high": 10**39 + 3}


def test_sums_are_exact_with_negatives_beyond_64_bits():
    for value in VALUES:
        StorageProviderFactory(available_balance=value, termination_live_penalty=None)
    StorageProviderFactory(available_balance=-7, termination_live_penalty=2**80)

    totals = sum_signed_base_units(
        StorageProvider.objects.all(), "available_balance", "termination_live_penalty"
    )

    assert totals["available_balance"] == sum(VALUES) - 7
    assert totals["termination_live_penalty"] == 2**80  # NULLs skipped


def test_an_empty_set_sums_to_zero_and_extra_aggregates_come_along():
    from django.db.models import Count

    totals = sum_signed_base_units(
        StorageProvider.objects.none(), "available_balance", providers=Count("pk")
    )

    assert totals == {"available_balance": 0, "providers": 0}


def test_out_of_range_and_fractional_amounts_are_refused():
    from django.db import transaction

    with pytest.raises(ValueError, match="out of range"), transaction.atomic():
        StorageProviderFactory(available_balance=OFFSET)
    with pytest.raises(ValueError, match="whole numbers"), transaction.atomic():
        StorageProviderFactory(available_balance=Decimal("1.5"))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the text encoding is SQLite's")
def test_the_sqlite_encoding_is_fixed_width_and_order_preserving():
    encoded = [encode_sqlite(v) for v in sorted(VALUES)]

    assert encoded == sorted(encoded)
    assert {len(e) for e in encoded} == {41}
    assert [decode_sqlite(e) for e in encoded] == sorted(VALUES)
    with connection.cursor() as cursor:
        provider = StorageProviderFactory(available_balance=-1)
        cursor.execute(
            "SELECT available_balance FROM filecoin_storageprovider WHERE id = %s", [provider.pk]
        )
        assert cursor.fetchone()[0] == "0" + "9" * 40
