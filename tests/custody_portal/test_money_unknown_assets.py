"""A ticker Balance returns that the asset registry does not know: never given guessed decimals.

The registry used to invent an 18-decimal asset for it, so a balance of 2.25 ZZZ was stored
as 2.25 × 10**18 base units whatever ZZZ's real decimals are.
"""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import timezone

from custody_portal.roles import VIEWER
from tests.factories import UserFactory
from wallets.models import Wallet, WalletBalance
from wallets.services import wallets_refresh

pytestmark = pytest.mark.django_db

WALLET_LIST = "^/api/v1/wallets$"


def _wallet_record(**balance) -> dict:
    return {
        "id": 3,
        "type": "wallet",
        "kind": "warm",
        "custom_id": "",
        "name": "Treasury",
        "description": "",
        "balance": balance,
        "funding_addresses": {},
    }


@pytest.fixture
def viewer_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="vera", role=VIEWER))
    return client


@pytest.fixture
def stale_unknown_balance() -> WalletBalance:
    """A ZZZ balance an earlier version stored with invented decimals."""
    wallet = Wallet.objects.create(id=3, name="Treasury", kind="warm", synced_at=timezone.now())
    return WalletBalance.objects.create(wallet=wallet, asset="zzz", total=2_250_000_000_000_000_000)


def test_refresh_skips_and_counts_a_balance_whose_decimals_are_unknown(
    sandbox, stale_unknown_balance
):
    """GIVEN Balance lists wallet 3 with 1.5 BTC and 2.25 of an asset the registry lacks,
    and an earlier version stored that asset with invented decimals
    WHEN the wallets are refreshed
    THEN BTC is stored, the unknown asset's row is gone (no guessed amount is kept), and the
    run counts it so the sync history shows it."""
    body = {
        "page": [{"data": _wallet_record(btc=1.5, zzz=2.25)}],
        "page_info": {"has_next_page": False},
    }
    sandbox.control(
        "POST", "faults", json={"path": WALLET_LIST, "status": 200, "body": body, "count": 1}
    )

    counts = wallets_refresh(include_external_accounts=False)

    stored = dict(WalletBalance.objects.filter(wallet_id=3).values_list("asset", "total"))
    assert stored == {"btc": Decimal(150_000_000)}
    assert counts["unknown_assets"] == 1
    assert counts["unknown"] == ["wallet 3: ZZZ"]


def test_pages_and_api_show_an_unknown_asset_without_guessing(viewer_client, stale_unknown_balance):
    """A row of an unknown asset (stored before the refresh skips them) must not break any
    page: it shows raw base units and says the decimals are unknown."""
    raw = "2250000000000000000 ZZZ base units (unknown decimals)"

    wallet_page = viewer_client.get("/wallets/3/")
    asset_page = viewer_client.get("/assets/zzz/")
    home = viewer_client.get("/")
    api = viewer_client.get("/api/wallets/3/")

    assert wallet_page.status_code == 200
    assert raw in wallet_page.content.decode()
    assert asset_page.status_code == 200
    assert raw in asset_page.content.decode()
    assert home.status_code == 200
    assert raw in home.content.decode()
    assert api.status_code == 200
    totals = {b["asset"]: b["total"] for b in api.json()["balances"]}
    assert totals == {"zzz": None}  # unknown, not a guessed number


def test_the_coin_filter_copes_with_an_unknown_ticker():
    template = Template("{% load portal_tags %}{{ units|coin:asset }}")

    unknown = template.render(Context({"units": 12345, "asset": "zzz"}))
    known = template.render(Context({"units": 12345, "asset": "btc"}))

    assert unknown == "12345 ZZZ base units (unknown decimals)"
    assert known == "0.00012345 BTC"
