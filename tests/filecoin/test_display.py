"""The fast FIL formatters agree with the portal's exact money functions, at any size."""

from hypothesis import given
from hypothesis import strategies as st

from custody_portal.money import format_coin, from_base_units
from filecoin.display import MINUS, fil_decimal, fil_text

amounts = st.one_of(
    st.integers(min_value=-(10**39), max_value=10**39),
    st.sampled_from(
        [0, 1, -1, 10**18, -(10**18), 2**64, -(2**70) - 1, 10_420_498_318_709_580_000_000]
    ),
)


@given(amounts)
def test_fil_decimal_is_the_exact_decimal(atto):
    assert fil_decimal(atto) == format(from_base_units(atto, "fil"), "f")


@given(amounts)
def test_fil_text_is_format_coin_with_a_real_minus_sign(atto):
    assert fil_text(atto) == format_coin(atto, "fil").replace("-", MINUS)


def test_examples():
    assert fil_decimal(10_420_498_318_709_580_000_000) == "10420.498318709580000000"
    assert fil_text(-(2**70) - 1) == "−1,180.591620717411303425 FIL"
    assert fil_text(None) == "—"
