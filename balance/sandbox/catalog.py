"""Fixed reference data the sandbox serves: assets, fee presets, CAD rates, demo names.

The sandbox keeps its own asset catalog on purpose and imports nothing from `custody_portal`:
it is the other side of the end-to-end exactness tests, so a wrong entry in the portal's
registry must not be mirrored here. Decimals are chain facts (REFERENCE §1.2); the
sub-address and send_batch_now lists are seed 000's.

Fee values are the example values of REFERENCE §5.10 (current revision where given, earlier
revision otherwise); units are spelled as in those examples ("sat/b", "gwei", "nanoFil"),
which is what Balance returns even though its unit table says "sats/vB" (REFERENCE §11 #19).
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Coin:
    """One asset the sandbox knows: its lowercase ticker, display name and decimals."""

    ticker: str
    name: str
    decimals: int


# ticker -> Coin. Decimals: REFERENCE §1.2 (btc/bch/ltc/dash 8, eth/etc/eigen/lseth/fil/pax/
# paxg 18, usdc 6, eurs 2, ada 6, xrp 6, xlm 7, xmr 12).
COINS: dict[str, Coin] = {
    c.ticker: c
    for c in (
        Coin("btc", "Bitcoin", 8),
        Coin("bch", "Bitcoin Cash", 8),
        Coin("ltc", "Litecoin", 8),
        Coin("dash", "Dash", 8),
        Coin("eth", "Ethereum", 18),
        Coin("etc", "Ethereum Classic", 18),
        Coin("eigen", "Eigen", 18),
        Coin("lseth", "Liquid Staking ETH", 18),
        Coin("fil", "Filecoin", 18),
        Coin("pax", "Paxos", 18),
        Coin("paxg", "Paxos Gold", 18),
        Coin("usdc", "USD Coin", 6),
        Coin("eurs", "Stasis EURS", 2),
        Coin("ada", "Cardano", 6),
        Coin("xrp", "Ripple", 6),
        Coin("xlm", "Stellar Lumens", 7),
        Coin("xmr", "Monero", 12),
    )
}

# Seed 000, "Supported Currencies" of the sub-address endpoints.
SUB_ADDRESS_ASSETS: tuple[str, ...] = ("btc", "bch", "ltc", "dash")
# Seed 000, the assets POST /api/v2/send_batch_now accepts, in the seed's order.
BATCH_SEND_ASSETS: tuple[str, ...] = ("btc", "bch", "dash", "ltc")


def coin(ticker: str) -> Coin:
    """The catalog entry for `ticker`; KeyError for an asset the sandbox does not serve."""
    return COINS[ticker]


# ticker -> (unit, ((slow rate, blocks), (medium rate, blocks), (fast rate, blocks)))
FEE_PRESETS: dict[str, tuple[str, tuple[tuple[str, int], ...]]] = {
    "btc": ("sat/b", (("1.0", 25), ("19.137", 2), ("28.7055", 1))),
    "bch": ("sat/b", (("1.0", 1), ("3.0", 1), ("5.0", 1))),
    "ltc": ("sat/b", (("1.0", 1), ("1.5645", 1), ("5.215", 1))),
    "dash": ("sat/b", (("1.2", 25), ("4.43", 2), ("6.645", 1))),
    "eth": ("gwei", (("0.5", 1), ("1.0", 1), ("3.0", 1))),
    "etc": ("gwei", (("10.0", 1), ("20.0", 1), ("60.0", 1))),
    "fil": ("nanoFil", (("0.000075606", 1), ("0.00012601", 1), ("0.00025202", 1))),
    "xrp": ("xrp/op", (("0.00001", 1), ("0.005", 1), ("0.01", 1))),
    "xlm": ("xlm/op", (("0.00001", 1), ("0.00001", 1), ("0.0008", 1))),
    "pax": ("Gwei", (("0.5", 1), ("1.0", 1), ("3.0", 1))),
    "usdc": ("gwei", (("0.5", 1), ("1.0", 1), ("3.0", 1))),
    "paxg": ("gwei", (("0.5", 1), ("1.0", 1), ("3.0", 1))),
    "eurs": ("gwei", (("0.5", 1), ("1.0", 1), ("3.0", 1))),
    "ada": ("ada", (("0.17", 1), ("0.2", 1), ("0.25", 1))),
    "eigen": ("gwei", (("0.5", 1), ("1.0", 1), ("3.0", 1))),
    "lseth": ("gwei", (("0.5", 1), ("1.0", 1), ("3.0", 1))),
}
FEE_SPEEDS = ("slow", "medium", "fast")


def fee_preset(asset: str, speed: str = "medium") -> Decimal:
    """The preset fee rate for `asset` at `speed` (what a "slow"/"medium"/"fast" fee becomes)."""
    _unit, presets = FEE_PRESETS[asset]
    return Decimal(presets[FEE_SPEEDS.index(speed)][0])


def fee_unit(asset: str) -> str:
    """The unit Balance reports next to a fee rate for `asset`."""
    return FEE_PRESETS.get(asset, ("", ()))[0]


def fee_table(asset: str) -> dict:
    """`{"slow": {"fee_rate", "blocks", "unit"}, "medium": …, "fast": …}` for one asset."""
    unit, presets = FEE_PRESETS[asset]
    return {
        speed: {"fee_rate": Decimal(rate), "blocks": blocks, "unit": unit}
        for speed, (rate, blocks) in zip(FEE_SPEEDS, presets, strict=True)
    }


CAD_RATES: dict[str, Decimal] = {
    "btc": Decimal("94817.23"),
    "bch": Decimal("521.47"),
    "ltc": Decimal("112.08"),
    "dash": Decimal("38.19"),
    "eth": Decimal("4312.55"),
    "fil": Decimal("9.1567084"),
    "usdc": Decimal("1.37"),
}

# The assets demo wallets hold.
DEMO_ASSETS = ("btc", "bch", "ltc", "dash", "eth", "fil", "usdc")

# Your organisation as originator of withdrawals (seed 001 example response).
ORGANISATION_ORIGINATOR = {
    "kind": "corporate",
    "address1": "325 Front St. W",
    "address2": "4th floor",
    "city": "Toronto",
    "state": "Ontario",
    "postcode": "M5V 2Y1",
    "country": "Canada",
    "corporate_name": "PARADISO VENTURES INC. O/A Balance",
    "incorporation_number": "1031616-4",
    "nature_of_business": "Digital goods and services",
}

WALLET_PURPOSES = (
    "Treasury Operating",
    "Payroll",
    "Exchange Settlement",
    "Client Omnibus",
    "OTC Desk",
    "Market Making",
    "Vendor Payments",
    "Mining Rewards",
    "Staking Rewards",
    "Customer Withdrawals",
    "Fee Reserve",
    "Hedging",
    "Grants",
    "Liquidity Pool",
    "Merchant Settlement",
    "FIL Storage Collateral",
)
WALLET_QUALIFIERS = ("Hot", "Main", "Reserve", "EU", "US", "APAC", "Float", "Sweep")
COLD_PURPOSES = ("Cold Reserve", "Deep Cold Vault", "Long-term Holdings", "Board Reserve")

EXTERNAL_ACCOUNTS = (
    ("Kraken Deposit", "Exchange deposit addresses"),
    ("Coinbase Prime", "Prime brokerage settlement"),
    ("Bitstamp Corporate", "Fiat off-ramp"),
    ("Galaxy OTC", "OTC counterparty"),
    ("Acme Mining Pool", "Pool payouts"),
    ("Northwind Payroll Provider", "Contractor payroll"),
    ("Contoso Treasury", "Intercompany transfers"),
    ("Ledger Vault (Auditor)", "Proof-of-reserve test address"),
    ("FIL Storage Client", "Storage deal payments"),
    ("Fabrikam Merchant", "Merchant refunds"),
    ("Globex Custody", "Third-party custodian"),
    ("Initech Ventures", "Investment wire-outs"),
)
