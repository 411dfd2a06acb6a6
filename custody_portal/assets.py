"""The asset registry: one place that knows each asset's decimals and capabilities.

Decimals are chain facts (Balance does not publish them), REFERENCE.md §1.2. Code asks the
registry ("does it support sub-addresses?") instead of testing tickers.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Asset:
    ticker: str
    name: str
    decimals: int
    fee_unit: str
    sub_addresses: bool = False
    batch_send: bool = False
    fil: bool = False
    base_unit: str = "base unit"


# sub_addresses, batch_send: the four UTXO coins Balance supports for both.
_UTXO = (True, True)

ASSETS: dict[str, Asset] = {
    a.ticker: a
    for a in (
        Asset("btc", "Bitcoin", 8, "sats/vB", *_UTXO, base_unit="satoshi"),
        Asset("bch", "Bitcoin Cash", 8, "sats/byte", *_UTXO, base_unit="satoshi"),
        Asset("ltc", "Litecoin", 8, "litoshi/byte", *_UTXO, base_unit="litoshi"),
        Asset("dash", "Dash", 8, "Sat/B", *_UTXO, base_unit="duff"),
        Asset("eth", "Ethereum", 18, "Gwei", base_unit="wei"),
        Asset("fil", "Filecoin", 18, "nanoFIL", fil=True, base_unit="attoFIL"),
        Asset("usdc", "USD Coin", 6, "Gwei"),
        Asset("xrp", "Ripple", 6, "XRP/op", base_unit="drop"),
        Asset("xlm", "Stellar Lumens", 7, "XLM/op", base_unit="stroop"),
        Asset("ada", "Cardano", 6, "ada", base_unit="lovelace"),
        Asset("pax", "Paxos", 18, "Gwei"),
        Asset("paxg", "Paxos Gold", 18, "Gwei"),
        Asset("eurs", "Stasis EURS", 2, "Gwei"),
        Asset("etc", "Ethereum Classic", 18, "Gwei"),
        Asset("eigen", "Eigen", 18, "Gwei"),
        Asset("lseth", "Liquid Staking ETH", 18, "Gwei"),
    )
}

SUB_ADDRESS_ASSETS: tuple[str, ...] = tuple(t for t, a in ASSETS.items() if a.sub_addresses)
BATCH_SEND_ASSETS: tuple[str, ...] = tuple(t for t, a in ASSETS.items() if a.batch_send)

# Decimals for a ticker we have never heard of: refuse to guess silently, use 18 and say so
# in the UI (unknown assets are shown with their ticker in upper case).
DEFAULT_DECIMALS = 18


def get_asset(ticker: str) -> Asset:
    """The registry entry for `ticker`; an unknown ticker gets a generic 18-decimal entry."""
    ticker = ticker.lower()
    asset = ASSETS.get(ticker)
    if asset is None:
        return Asset(ticker, ticker.upper(), DEFAULT_DECIMALS, "")
    return asset


def asset_choices() -> list[tuple[str, str]]:
    return [(t, f"{a.name} ({t.upper()})") for t, a in ASSETS.items()]
