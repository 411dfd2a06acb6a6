"""The asset registry: chain-fact decimals, and no invented entry for an unknown ticker."""

import pytest

from balance.sandbox import catalog
from custody_portal.addresses import ADDRESS_ASSETS
from custody_portal.assets import (
    ASSETS,
    BATCH_SEND_ASSETS,
    SUB_ADDRESS_ASSETS,
    UnknownAsset,
    asset_name,
    find_asset,
    get_asset,
)

# REFERENCE.md §1.2: "Decimals are not given by Balance; use chain facts".
CHAIN_DECIMALS = {
    "btc": 8, "bch": 8, "ltc": 8, "dash": 8,
    "eth": 18, "etc": 18, "eigen": 18, "lseth": 18, "fil": 18, "pax": 18, "paxg": 18,
    "usdc": 6, "eurs": 2, "ada": 6, "xrp": 6, "xlm": 7, "xmr": 12,
}  # fmt: skip


@pytest.mark.parametrize(("ticker", "decimals"), sorted(CHAIN_DECIMALS.items()))
def test_every_documented_asset_has_its_chain_decimals(ticker, decimals):
    assert get_asset(ticker).decimals == decimals


def test_the_registry_knows_every_asset_the_sandbox_serves_with_the_same_decimals():
    """The sandbox keeps its own catalog on purpose (it is the other side of the exactness
    tests); an asset it serves that the registry lacks would have no balance in the portal."""
    served = {ticker: coin.decimals for ticker, coin in catalog.COINS.items()}

    assert {t: get_asset(t).decimals for t in served} == served


def test_capabilities_match_the_documented_lists():
    assert set(SUB_ADDRESS_ASSETS) == set(catalog.SUB_ADDRESS_ASSETS)
    assert set(BATCH_SEND_ASSETS) == set(catalog.BATCH_SEND_ASSETS)
    # Payouts validate every destination address: each batch asset needs a format.
    assert set(BATCH_SEND_ASSETS) <= set(ADDRESS_ASSETS)


@pytest.mark.parametrize("ticker", ["zzz", "usdt", "", "btc2"])
def test_an_unknown_ticker_raises_instead_of_inventing_decimals(ticker):
    with pytest.raises(UnknownAsset) as info:
        get_asset(ticker)

    assert isinstance(info.value, KeyError)
    assert f"“{ticker}”" in str(info.value)
    assert "decimals are unknown" in str(info.value)


def test_tickers_are_case_insensitive():
    assert get_asset("BTC") is ASSETS["btc"]
    assert find_asset("Fil") is ASSETS["fil"]


def test_find_asset_is_none_for_what_the_registry_does_not_know():
    assert find_asset("zzz") is None
    assert find_asset(None) is None
    assert find_asset("btc") is ASSETS["btc"]


def test_asset_name_falls_back_to_the_ticker_for_display():
    assert asset_name("ltc") == "Litecoin"
    assert asset_name("zzz") == "ZZZ"
