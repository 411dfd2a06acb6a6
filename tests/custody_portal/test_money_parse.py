"""parse_coin_amount: what operations staff type becomes base units only when unambiguous."""

from decimal import Decimal

import pytest

from custody_portal.assets import UnknownAsset
from custody_portal.money import (
    MAX_BASE_UNITS,
    AmountError,
    format_coin,
    format_coin_input,
    parse_coin_amount,
    to_base_units,
)


@pytest.mark.parametrize(
    ("text", "asset", "base"),
    [
        ("123", "btc", 12_300_000_000),
        ("123.45", "btc", 12_345_000_000),
        ("0.00000001", "btc", 1),
        ("1,000", "btc", 100_000_000_000),
        ("1,000.5", "btc", 100_050_000_000),
        ("1,000,000.123", "ltc", 100_000_012_300_000),
        ("12,345,678.12345678", "dash", 1_234_567_812_345_678),
        ("  0.1\t", "ltc", 10_000_000),  # surrounding whitespace is ignored
        ("\u00a00.1\u00a0", "ltc", 10_000_000),  # …also a pasted no-break space
        (".5", "btc", 50_000_000),  # read as 0.5
        ("5.", "btc", 500_000_000),  # read as 5
        ("007", "btc", 700_000_000),
        ("0.01", "eurs", 1),
        ("1.000000000000000001", "fil", 10**18 + 1),
        ("0.000000000001", "xmr", 1),
    ],
)
def test_unambiguous_amounts_are_read_as_a_person_reads_them(text, asset, base):
    assert parse_coin_amount(text, asset) == base


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # A comma where a dot belongs: never read as thousands (0,5 BTC was 5 BTC).
        ("0,5", "Use a dot for decimals"),
        ("1,5", "Use a dot for decimals"),
        ("12,34", "Use a dot for decimals"),
        ("0,500", "Use a dot for decimals"),
        (",5", "Use a dot for decimals"),
        ("1.000,5", "Use a dot for decimals"),
        ("1,000,5", "Use a dot for decimals"),
        ("1,0000", "Use a dot for decimals"),
        # Commas that are no correct thousands grouping.
        ("1,00,000", "groups of three digits"),
        ("1000,000", "groups of three digits"),
        ("1,000,00,000.5", "groups of three digits"),
        # Several dots: European thousands, or a typo.
        ("1.000.000", "Use one dot"),
        ("1..5", "Use one dot"),
        # Exponents, signs, spaces and underscores inside.
        ("1e3", "without an exponent"),
        ("1E-8", "without an exponent"),
        ("2.5e+2", "without an exponent"),
        ("+1", "without a sign"),
        ("-1", "without a sign"),
        ("\u22121", "without a sign"),  # U+2212 MINUS SIGN
        ("1 000", "Remove the spaces"),
        ("1\u202f000", "Remove the spaces"),  # narrow no-break space, a French separator
        ("1_000", "Enter the amount in digits"),
        # Digits Decimal accepts but a person may not read as 0–9.
        ("١٢٣", "digits 0–9"),
        ("１２３", "digits 0–9"),
        ("1٫5", "Enter the amount in digits"),  # U+066B ARABIC DECIMAL SEPARATOR
        # Not numbers at all.
        ("NaN", "Enter the amount in digits"),
        ("Infinity", "Enter the amount in digits"),
        ("0x10", "Enter the amount in digits"),
        ("½", "Enter the amount in digits"),
        (".", "Enter the amount in digits"),
        ("1.5 BTC", "Remove the spaces"),
        ("", "Enter an amount."),
        ("   ", "Enter an amount."),
        # Values.
        ("0", "greater than zero"),
        ("0.00", "greater than zero"),
        ("0,000.000", "Use a dot for decimals"),
        ("0.000000001", "BTC amounts have at most 8 decimal places."),
        ("1.000000000", "BTC amounts have at most 8 decimal places."),  # no exceptions
    ],
)
def test_ambiguous_or_malformed_amounts_are_refused_with_a_plain_reason(text, message):
    with pytest.raises(AmountError) as info:
        parse_coin_amount(text, "btc")

    assert message in str(info.value)


def test_none_is_an_empty_field():
    with pytest.raises(AmountError, match="Enter an amount"):
        parse_coin_amount(None, "btc")


def test_the_decimals_message_names_the_asset():
    with pytest.raises(AmountError, match=r"^EURS amounts have at most 2 decimal places\.$"):
        parse_coin_amount("1.001", "eurs")
    with pytest.raises(AmountError, match="XLM amounts have at most 7 decimal places"):
        parse_coin_amount("0.00000001", "xlm")


def test_forty_digit_amounts_are_exact_and_one_more_is_too_large():
    """The largest amount a BaseUnitsField holds, typed in coin units, comes back exactly;
    beyond it the parser refuses instead of failing at the database."""
    largest = "9,999,999,999,999,999,999,999.999999999999999999"

    assert parse_coin_amount(largest, "fil") == MAX_BASE_UNITS == 10**40 - 1
    with pytest.raises(AmountError, match="too large"):
        parse_coin_amount("10,000,000,000,000,000,000,000", "fil")
    with pytest.raises(AmountError, match="too large"):
        parse_coin_amount("9" * 5000, "btc")  # refused before any giant int conversion


def test_leading_zeros_do_not_count_toward_the_size_limit():
    assert parse_coin_amount("0" * 5000 + "1", "btc") == 100_000_000


def test_an_unknown_asset_is_not_given_guessed_decimals():
    with pytest.raises(UnknownAsset):
        parse_coin_amount("1", "zzz")


def test_format_coin_input_is_plain_minimal_and_never_an_exponent():
    assert format_coin_input(1, "btc") == "0.00000001"  # str(Decimal) would say 1E-8
    assert format_coin_input(50_000_000, "btc") == "0.5"
    assert format_coin_input(100_000_000_000, "btc") == "1000"
    assert format_coin_input(10**40 - 1, "fil") == "9999999999999999999999.999999999999999999"
    assert format_coin_input(Decimal(150), "eurs") == "1.5"


def test_to_base_units_reads_only_plain_machine_numbers_from_text():
    assert to_base_units("-12.5", "btc") == -1_250_000_000
    for text in ("1e3", "1,000", " 1", "١", "+1", "NaN"):
        with pytest.raises(AmountError):
            to_base_units(text, "btc")


def test_unknown_assets_are_displayed_as_raw_base_units_never_guessed():
    assert format_coin(12345, "zzz") == "12345 ZZZ base units (unknown decimals)"
    assert format_coin(12345, "zzz", ticker=False) == "12345 base units (unknown decimals)"
    assert format_coin(None, "zzz") == "—"
