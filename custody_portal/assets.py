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
        Asset("xmr", "Monero", 12, "Atomic Units/B", base_unit="piconero"),
    )
}

SUB_ADDRESS_ASSETS: tuple[str, ...] = tuple(t for t, a in ASSETS.items() if a.sub_addresses)
BATCH_SEND_ASSETS: tuple[str, ...] = tuple(t for t, a in ASSETS.items() if a.batch_send)


class UnknownAsset(KeyError):
    """A ticker the registry does not know. Its decimals are unknown, so no amount of it can be
    converted: guessing (say 18) would scale a balance or a payout by powers of ten."""

    def __init__(self, ticker: object) -> None:
        super().__init__(ticker)
        self.ticker = ticker

    def __str__(self) -> str:  # KeyError's own str() is the repr of its argument
        return f"The portal does not know the asset “{self.ticker}” (its decimals are unknown)."


def find_asset(ticker: str | None) -> Asset | None:
    """The registry entry for `ticker` (any case), or None: for display code that must cope
    with tickers Balance returns but the registry does not know."""
    if not isinstance(ticker, str):
        return None
    return ASSETS.get(ticker.lower())


def get_asset(ticker: str) -> Asset:
    """The registry entry for `ticker` (any case); UnknownAsset when there is none."""
    asset = find_asset(ticker)
    if asset is None:
        raise UnknownAsset(ticker)
    return asset


def asset_name(ticker: str) -> str:
    """The display name: the registry's, or the ticker in upper case for an unknown asset."""
    asset = find_asset(ticker)
    return asset.name if asset else str(ticker).upper()


def asset_choices() -> list[tuple[str, str]]:
    return [(t, f"{a.name} ({t.upper()})") for t, a in ASSETS.items()]
