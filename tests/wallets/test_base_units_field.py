"""BaseUnitsField keeps every digit on SQLite (and PostgreSQL), sorts and sums exactly."""

from decimal import Decimal

import pytest

from wallets.models import WalletBalance
from wallets.selectors import holdings_by_asset

from .factories import WalletBalanceFactory, WalletFactory

pytestmark = pytest.mark.django_db

BIG = [2**53 + 1, 10_420_498_318_709_580_123_457, 2**127 + 3, 0, 9, 10]


@pytest.mark.parametrize("value", BIG)
def test_base_units_survive_a_database_round_trip(value):
    balance = WalletBalanceFactory(asset="fil", total=value)

    stored = WalletBalance.objects.get(pk=balance.pk)

    assert stored.total == Decimal(value)
    assert isinstance(stored.total, Decimal)


def test_base_units_sort_and_compare_numerically():
    wallet = WalletFactory()
    for index, value in enumerate([10, 9, 2**64, 100, 0]):
        WalletBalanceFactory(wallet=WalletFactory(), asset="eth", total=value, id=1000 + index)
    WalletBalanceFactory(wallet=wallet, asset="btc", total=5)

    ordered = list(
        WalletBalance.objects.filter(asset="eth").order_by("-total").values_list("total", flat=True)
    )
    positive = WalletBalance.objects.filter(asset="eth", total__gt=9).count()

    assert ordered == [2**64, 100, 10, 9, 0]
    assert positive == 3


def test_holdings_are_exact_sums_beyond_64_bits():
    values = [10_420_498_318_709_580_123_457, 2**70 + 1, 1, 0]
    for value in values:
        WalletBalanceFactory(asset="fil", total=value)

    holdings = {h.asset: h for h in holdings_by_asset()}

    assert holdings["fil"].total == sum(values)
    assert holdings["fil"].wallets == 3  # zero balances do not count as holding


def test_removed_wallets_do_not_count_in_holdings():
    from django.utils import timezone

    WalletBalanceFactory(asset="btc", total=5)
    WalletBalanceFactory(asset="btc", total=7, wallet=WalletFactory(removed_at=timezone.now()))

    assert [(h.asset, h.total, h.wallets) for h in holdings_by_asset()] == [("btc", 5, 1)]


def test_negative_base_units_are_refused():
    with pytest.raises(ValueError):
        WalletBalanceFactory(asset="btc", total=-1)
