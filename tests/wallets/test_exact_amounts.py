"""Amounts stay exact from Balance's JSON to the database, the pages and the API."""

from decimal import Decimal

import pytest

from wallets.models import WalletBalance
from wallets.services import wallets_refresh

pytestmark = pytest.mark.django_db

ABOVE_2_53 = 2**53 + 1  # 9007199254740993: a float would make it ...992


def test_amounts_are_exact_end_to_end(sandbox, viewer_client):
    """GIVEN wallet 3 holds 12.34567891 BTC and 2**53 + 1 litoshi at Balance
    WHEN the wallets are refreshed
    THEN the database, the wallet page and the API show every digit."""
    sandbox.control(
        "POST", "wallets/3/balances", json={"btc": "1234567891", "ltc": str(ABOVE_2_53)}
    )

    wallets_refresh()

    stored = {b.asset: b.total for b in WalletBalance.objects.filter(wallet_id=3)}
    assert stored["btc"] == Decimal(1_234_567_891)
    assert stored["ltc"] == Decimal(ABOVE_2_53)

    page = viewer_client.get("/wallets/3/").content.decode()
    assert "12.34567891 BTC" in page
    assert "90,071,992.54740993 LTC" in page

    listing = viewer_client.get("/wallets/?q=3&sort=balance:ltc").content.decode()
    assert "90,071,992.54740993 LTC" in listing

    api = viewer_client.get("/api/wallets/3/").json()
    totals = {b["asset"]: b["total"] for b in api["balances"]}
    assert totals["btc"] == "12.34567891"
    assert totals["ltc"] == "90071992.54740993"
    assert isinstance(totals["ltc"], str)


def test_filecoin_amounts_far_beyond_64_bits_are_exact(sandbox, viewer_client):
    wallets_refresh()

    fil = WalletBalance.objects.get(wallet_id=1, asset="fil").total
    api = viewer_client.get("/api/wallets/?q=1").json()

    assert fil == Decimal(10_420_498_318_709_580_123_457)
    wallet = next(w for w in api["results"] if w["id"] == 1)
    assert {b["asset"]: b["total"] for b in wallet["balances"]}["fil"] == (
        "10420.498318709580123457"
    )
    assert "10,420.498318709580123457 FIL" in viewer_client.get("/wallets/1/").content.decode()


def test_home_holdings_are_the_exact_sum_of_balances(sandbox, viewer_client):
    client = sandbox.client()
    wallets_refresh()
    expected = sum((w.balance.get("fil", Decimal(0)) for w in client.list_wallets()), Decimal(0))

    page = viewer_client.get("/").content.decode()

    assert f"{expected:,f} FIL" in page
