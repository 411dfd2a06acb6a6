"""Property tests of the money parser: exact round trips, and no reading a person would not.

Fixed example counts and `derandomize=True`: the same examples on every run (CI
repeatability), few enough to keep the suite fast.
"""

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from custody_portal.assets import ASSETS
from custody_portal.money import (
    MAX_BASE_UNITS,
    AmountError,
    format_coin,
    format_coin_input,
    parse_coin_amount,
)

PROPERTY = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Small amounts and amounts up to the 40 digits a BaseUnitsField holds, both well covered.
base_units = st.one_of(
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=1, max_value=MAX_BASE_UNITS),
)


@pytest.mark.parametrize("asset", sorted(ASSETS))
@PROPERTY
@given(units=base_units)
@example(units=1)
@example(units=MAX_BASE_UNITS)
def test_every_amount_round_trips_exactly_through_its_text(asset, units):
    """Base units → the edit-form text and the grouped display text → the same base units."""
    plain = format_coin_input(units, asset)
    grouped = format_coin(units, asset, ticker=False)

    assert parse_coin_amount(plain, asset) == units
    assert parse_coin_amount(grouped, asset) == units
    assert format_coin(units, asset) == f"{grouped} {asset.upper()}"


def person_reads(text: str) -> tuple[Fraction, int] | None:
    """How a person reads an amount written with a dot for decimals: (value, number of
    decimals written), or None when a reader could take it two ways or for no number at all.

    Written apart from the parser (split, not regex): digits 0–9, at most one dot; commas only
    in the whole part, every group after the first exactly three digits and the first group
    1–3 digits not starting with 0 (`0,500` may mean half).
    """
    text = text.strip()
    if not text or any(ch not in "0123456789.," for ch in text) or text.count(".") > 1:
        return None
    whole, _, fraction = text.partition(".")
    if "," in fraction:
        return None
    if "," in whole:
        first, *rest = whole.split(",")
        if not 1 <= len(first) <= 3 or first.startswith("0"):
            return None
        if any(len(group) != 3 for group in rest):
            return None
        whole = first + "".join(rest)
    if not whole and not fraction:
        return None
    value = int(whole or "0") + Fraction(int(fraction or "0"), 10 ** len(fraction))
    return value, len(fraction)


digits = st.text(alphabet="0123456789", min_size=1, max_size=4)
# Mostly what people type (commas between digits, one fraction), some of what they must not.
separator = st.sampled_from([",", ",", ",", ".", "", " ", "_", "\u00a0"])
plausible = st.builds(
    lambda space1, sign, groups, seps, tail, exponent, space2: (
        space1
        + sign
        + "".join(g + s for g, s in zip(groups[:-1], seps, strict=False))
        + groups[-1]
        + tail
        + exponent
        + space2
    ),
    st.sampled_from(["", "", " ", "\t"]),
    st.sampled_from(["", "", "", "", "", "-", "+", "\u2212"]),
    st.lists(digits, min_size=1, max_size=5),
    st.lists(separator, min_size=4, max_size=4),
    st.sampled_from(["", "", ".", ".5", ".25", ".123456789", ",5", ",50"]),
    st.sampled_from(["", "", "", "", "", "e3", "E-2", "e+1"]),
    st.sampled_from(["", "", " ", "\n"]),
)
# Thousands groupings, right and wrong: groups of 2–4 digits after a first of 1–4.
grouped = st.builds(
    lambda first, rest, fraction: first + "".join("," + g for g in rest) + fraction,
    st.text(alphabet="0123456789", min_size=1, max_size=4),
    st.lists(
        st.one_of(st.text(alphabet="0123456789", min_size=3, max_size=3), digits),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(["", ".", ".5", ".00000001", ".123456789", ",5"]),
)
# Strings from the characters people type, with look-alikes Decimal would accept.
noise = st.text(alphabet="0123456789,.  +-eE_١٣５\u00a0", max_size=16)


@pytest.mark.parametrize("asset", ["btc", "eurs", "fil"])
@PROPERTY
@given(text=st.one_of(plausible, grouped, noise))
@example(text="0,5")
@example(text="1,000")
@example(text="1e3")
@example(text="1.000,5")
@example(text="١٢٣")
def test_an_accepted_amount_is_what_a_person_reads(asset, text):
    """If the parser accepts a string, a person reads the same number; every string a person
    could read two ways (or not at all) is refused; every clear one within limits is read."""
    decimals = ASSETS[asset].decimals
    reading = person_reads(text)
    try:
        parsed = parse_coin_amount(text, asset)
    except AmountError:
        parsed = None

    if parsed is not None:
        assert reading is not None, f"accepted {text!r}, which a person cannot read for sure"
        assert Fraction(parsed, 10**decimals) == reading[0]
    if reading is None:
        assert parsed is None, f"{text!r} is ambiguous but was read as {parsed}"
    else:
        value, written_decimals = reading
        units = value * 10**decimals
        readable = 0 < units <= MAX_BASE_UNITS and written_decimals <= decimals
        assert (parsed is not None) == readable, f"{text!r} → {parsed}, a person reads {value}"


def test_the_oracle_itself_reads_like_a_person():
    """The oracle is only worth what its own reading is worth."""
    assert person_reads("1,000.5") == (Fraction(2001, 2), 1)
    assert person_reads(".5") == (Fraction(1, 2), 1)
    for ambiguous in ("0,5", "1,5", "1,00,000", "1.000,5", "0,500", "1e3", "-1", "1 000"):
        assert person_reads(ambiguous) is None, ambiguous
