"""An amount with more decimals than the asset registry knows is stored truncated, and the
refresh run says so (not only a log line).

The sandbox writes every amount with the registry's decimals, so it cannot send one: these
tests hand Balance-shaped values to the store directly.
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from balance import types
from wallets.models import SubAddress, WalletBalance
from wallets.services.store import (
    MAX_TRUNCATED_NOTES,
    note_truncated,
    store_sub_addresses,
    upsert_wallet_page,
)

from .factories import WalletFactory

pytestmark = pytest.mark.django_db


def _wallet(balance: dict, spendable: dict | None = None) -> types.Wallet:
    return types.Wallet(
        id=77,
        kind="warm",
        name="W",
        custom_id="",
        description="",
        balance=balance,
        funding_addresses={},
        spendable_balance=spendable,
    )


def test_too_many_decimals_are_truncated_and_reported():
    result = upsert_wallet_page(
        [
            _wallet(
                {"btc": Decimal("1.123456789"), "fil": Decimal("2.5")},
                spendable={"btc": Decimal("0.000000019")},
            )
        ],
        timezone.now(),
    )

    assert result.truncated == [
        "wallet 77: 1.123456789 BTC",
        "wallet 77 spendable: 0.000000019 BTC",
    ]
    btc = WalletBalance.objects.get(wallet_id=77, asset="btc")
    assert (btc.total, btc.spendable) == (112_345_678, 1)
    assert WalletBalance.objects.get(wallet_id=77, asset="fil").total == 2_500_000_000_000_000_000


def test_exact_amounts_report_nothing():
    result = upsert_wallet_page(
        [_wallet({"btc": Decimal("12.34567891"), "ltc": Decimal("0")})], timezone.now()
    )

    assert result.truncated == []


def test_sub_address_balance_with_too_many_decimals_is_reported():
    wallet = WalletFactory()
    address = types.FundingAddress(
        address="mxyz", name="", notes="", balance=Decimal("0.123456789"), is_watched=False
    )

    result = store_sub_addresses(
        wallet_id=wallet.id, asset="btc", addresses=[address], now=timezone.now()
    )

    assert result.truncated == [f"wallet {wallet.id} mxyz: 0.123456789 BTC"]
    assert SubAddress.objects.get(address="mxyz").balance == 12_345_678


def test_run_counts_show_how_many_and_keep_the_first_few():
    counts = {"wallets": 3}
    note_truncated(counts, [])
    assert counts == {"wallets": 3}

    note_truncated(counts, [f"wallet {i}: 0.123456789 BTC" for i in range(MAX_TRUNCATED_NOTES)])
    note_truncated(counts, ["wallet 99: 0.123456789 BTC"])

    assert counts["truncated_amounts"] == MAX_TRUNCATED_NOTES + 1
    assert len(counts["truncated"]) == MAX_TRUNCATED_NOTES
    assert counts["truncated"][0] == "wallet 0: 0.123456789 BTC"
