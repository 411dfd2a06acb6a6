"""The sandbox's own asset catalog, and its independence from the portal's code.

The sandbox is the far side of the end-to-end exactness tests: if it shared the portal's asset
registry, a wrong entry (say, 6 decimals for btc) would be mirrored on both sides and no test
could see it. So `balance/sandbox` imports nothing from `custody_portal`.
"""

import ast
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from balance.sandbox.catalog import BATCH_SEND_ASSETS, COINS, FEE_PRESETS, SUB_ADDRESS_ASSETS

from .test_sandbox_support import Api, parse

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_DIR = ROOT / "balance" / "sandbox"

# Chain facts, REFERENCE.md §1.2 — written out here, not read from any registry.
CHAIN_DECIMALS = {
    **dict.fromkeys(("btc", "bch", "ltc", "dash"), 8),
    **dict.fromkeys(("eth", "etc", "eigen", "lseth", "fil", "pax", "paxg"), 18),
    "usdc": 6,
    "eurs": 2,
    "ada": 6,
    "xrp": 6,
    "xlm": 7,
    "xmr": 12,
}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


def test_sandbox_sources_do_not_import_custody_portal():
    sources = sorted(SANDBOX_DIR.rglob("*.py"))
    assert len(sources) > 10  # the scan really looked at the package
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _imported_modules(path) if m.split(".")[0] == "custody_portal"
        )
        for path in sources
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_importing_the_sandbox_loads_no_custody_portal_module():
    """Transitively too (e.g. through `balance.signing`), in a fresh interpreter."""
    code = (
        "import sys, balance.sandbox.app, balance.sandbox.control, balance.sandbox.server\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'custody_portal'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_catalog_decimals_are_the_chain_facts():
    assert {t: c.decimals for t, c in COINS.items()} == CHAIN_DECIMALS
    assert all(t == c.ticker == t.lower() for t, c in COINS.items())


def test_capabilities_follow_seed_000():
    assert SUB_ADDRESS_ASSETS == ("btc", "bch", "ltc", "dash")
    assert BATCH_SEND_ASSETS == ("btc", "bch", "dash", "ltc")
    assert set(FEE_PRESETS) <= set(COINS)


@pytest.fixture
def api(sandbox) -> Api:
    return Api(sandbox)


def test_every_catalog_asset_is_served_with_its_decimals(api):
    edits = {ticker: str(10 ** (coin.decimals + 1) + 1) for ticker, coin in COINS.items()}
    api.control("POST", "wallets/4/balances", edits)
    response = api.get("/api/v1/wallets/4")
    assert response.status_code == 200
    balances = parse(response)["balance"]
    for ticker, coin in COINS.items():
        # 10 + one base unit, written with exactly `decimals` digits after the point.
        literal = "10." + "0" * (coin.decimals - 1) + "1"
        assert balances[ticker] == Decimal(literal)
        assert re.search(rf'"{ticker}": ?{re.escape(literal)}[,}}]', response.text), ticker
        assert api.get(f"/api/v2/assets/{ticker}").status_code == 200


def test_balance_edit_refuses_an_asset_the_sandbox_does_not_know(sandbox):
    import requests

    response = requests.post(
        f"{sandbox.url}/_sandbox/wallets/3/balances", json={"doge": "1"}, timeout=10
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("Unknown asset doge")
