"""custody_portal.money: exact conversions, no float anywhere."""

from decimal import Decimal

import pytest

from custody_portal.money import (
    AmountError,
    format_coin,
    from_base_units,
    parse_coin_amount,
    to_base_units,
)


@pytest.mark.parametrize(
    ("amount", "asset", "base"),
    [
        ("1", "btc", 100_000_000),
        ("0.00000001", "btc", 1),
        (Decimal("21000000"), "btc", 2_100_000_000_000_000),
        ("0.1", "dash", 10_000_000),
        (3, "ltc", 300_000_000),
        ("1.000000000000000001", "fil", 10**18 + 1),
        ("0.01", "eurs", 1),
    ],
)
def test_to_base_units_is_exact(amount, asset, base):
    assert to_base_units(amount, asset) == base


def test_amounts_beyond_2_pow_53_stay_exact():
    amount = "123456789.123456789123456789"  # FIL: ~1.2e26 attoFIL, far above 2**53

    base = to_base_units(amount, "fil")

    assert base == 123_456_789_123_456_789_123_456_789
    assert base > 2**53
    assert str(from_base_units(base, "fil")) == amount
    assert format_coin(base, "fil") == "123,456,789.123456789123456789 FIL"
    assert format_coin(2**53 + 1, "btc") == "90,071,992.54740993 BTC"


@pytest.mark.parametrize(("amount", "asset"), [("0.000000001", "btc"), ("1.001", "eurs")])
def test_too_many_decimals_is_rejected(amount, asset):
    with pytest.raises(AmountError, match="decimal places"):
        to_base_units(amount, asset)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_base_units(0.1, "btc")


@pytest.mark.parametrize("text", ["abc", "", "  ", "NaN", "Infinity"])
def test_parse_coin_amount_rejects_non_numbers(text):
    with pytest.raises(AmountError):
        parse_coin_amount(text, "btc")


@pytest.mark.parametrize("text", ["0", "-1", "0.00"])
def test_parse_coin_amount_rejects_non_positive(text):
    with pytest.raises(AmountError):
        parse_coin_amount(text, "btc")


def test_parse_coin_amount_accepts_separators():
    assert parse_coin_amount("1,000.5", "btc") == 100_050_000_000
    assert parse_coin_amount(" 0.1 ", "ltc") == 10_000_000


def test_format_coin_shows_every_decimal():
    assert format_coin(1, "btc") == "0.00000001 BTC"
    assert format_coin(0, "fil", ticker=False) == "0.000000000000000000"
    assert format_coin(None, "btc") == "—"


# Beyond Decimal's default 28-digit context: 10 billion coins of an 18-decimal asset.
HUGE = 10**28 + 123456789012345678


def test_huge_amounts_convert_exactly_both_ways():
    coins = Decimal("10000000000.123456789012345678")
    assert to_base_units(coins, "pax") == HUGE
    assert from_base_units(HUGE, "pax") == coins
    assert format_coin(HUGE, "pax") == "10,000,000,000.123456789012345678 PAX"


def test_forty_digit_amounts_format_exactly():
    assert format_coin(10**40 - 1, "fil") == (
        "9,999,999,999,999,999,999,999.999999999999999999 FIL"
    )


def test_too_many_decimals_on_a_huge_amount_is_still_refused():
    with pytest.raises(AmountError):
        to_base_units(Decimal("10000000000.1234567890123456789"), "pax")


def test_truncate_drops_extra_decimals_toward_zero():
    assert to_base_units(Decimal("1.123456789"), "btc", truncate=True) == 112345678
    assert to_base_units(Decimal("-1.123456789"), "btc", truncate=True) == -112345678
