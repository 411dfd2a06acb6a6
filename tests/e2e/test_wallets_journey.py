"""Wallet journeys in a real browser against the real sandbox (issue 3)."""

import re

import pytest
from playwright.sync_api import expect

from wallets.models import SubAddress, Wallet
from wallets.services import sub_addresses_refresh, wallets_refresh

pytestmark = pytest.mark.e2e


@pytest.fixture
def synced(sandbox, transactional_db):
    """The sandbox's wallets copied into the local database, as the worker would."""
    wallets_refresh()
    return Wallet.objects.filter(removed_at__isnull=True).order_by("id")


def test_operator_finds_wallet_creates_sub_address_toggles_watch_sees_audit(
    page, make_user, login, synced, sandbox
):
    """GIVEN an operator and wallets synced from Balance
    WHEN they search for a wallet by name, open it, create a BTC sub-address, and watch it
    THEN the address appears in the panel, is watched at Balance, and both writes are audited."""
    operator = make_user(role="operator", username="olivia")
    wallet = synced.first()
    # Part of the name that a few wallets share, so the search has to filter the list.
    query = " ".join(wallet.name.split()[:2])
    matching = synced.filter(name__icontains=query).count()
    assert 1 <= matching < synced.count(), (query, matching)
    login(page, operator)

    page.get_by_role("link", name="Wallets").first.click()
    rows = page.get_by_test_id("wallet-row")
    expect(page.get_by_test_id("wallet-count")).to_have_text(f"{synced.count()} wallets")
    page.get_by_test_id("wallet-search").fill(query)
    page.get_by_test_id("wallet-search").press("Enter")
    expect(page.get_by_test_id("wallet-count")).to_have_text(
        f"{matching} wallet{'s' if matching > 1 else ''}"
    )
    expect(rows).to_have_count(matching)
    for i in range(matching):
        expect(rows.nth(i)).to_contain_text(query)
    page.get_by_test_id(f"wallet-link-{wallet.id}").click()
    expect(page.get_by_test_id("wallet-name")).to_contain_text(wallet.name)

    # The write controls a viewer must not see are all here for an operator.
    expect(page.get_by_test_id("wallet-refresh")).to_be_visible()
    expect(page.get_by_test_id("sub-address-refresh-btc")).to_be_visible()
    panel = page.get_by_test_id("sub-address-panel-btc")
    panel.get_by_test_id("sub-address-new-btc").click()
    panel.get_by_test_id("sub-address-name-btc").fill("Customer deposits Q4")
    panel.get_by_test_id("sub-address-notes-btc").fill("for the e2e journey")
    panel.get_by_test_id("sub-address-create-btc").click()

    row = panel.get_by_test_id("sub-address-row").filter(has_text="Customer deposits Q4")
    expect(row).to_have_count(1)
    address = row.get_attribute("data-address")
    assert address

    toggle = page.get_by_test_id(f"watch-toggle-{address}")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(page.get_by_test_id(f"watch-toggle-{address}")).to_have_attribute("aria-pressed", "true")

    # Balance holds what the browser did (read back over the API, not from our database).
    at_balance = {a.address: a for a in sandbox.client().list_sub_addresses(wallet.id, "btc")}
    assert at_balance[address].name == "Customer deposits Q4"
    assert at_balance[address].is_watched is True
    assert SubAddress.objects.get(address=address).is_watched is True

    page.reload()
    audit = page.get_by_test_id("audit-list")
    expect(audit).to_contain_text("olivia")
    expect(audit.get_by_test_id("audit-entry")).to_have_count(2)
    expect(audit).to_contain_text(re.compile("Customer deposits Q4"))
    assert page.console_errors == []


def test_viewer_sees_no_write_controls(page, make_user, login, synced):
    """GIVEN a viewer and a wallet whose BTC sub-addresses are in the portal
    WHEN they open the wallet
    THEN they see balances and the sub-address rows but no create form, edit, watch toggle or
    refresh button (rows an operator would see those controls on)."""
    viewer = make_user(role="viewer")
    wallet = synced.first()
    sub_addresses_refresh(wallet_id=wallet.id)
    btc_rows = SubAddress.objects.filter(wallet=wallet, asset="btc").count()
    assert btc_rows, "the sandbox seed gives this wallet BTC sub-addresses"
    login(page, viewer)

    page.goto(f"/wallets/{wallet.id}/")
    expect(page.get_by_test_id("wallet-name")).to_contain_text(wallet.name)
    panel = page.get_by_test_id("sub-address-panel-btc")
    expect(panel).to_be_visible()
    expect(panel.get_by_test_id("sub-address-row")).to_have_count(btc_rows)
    expect(panel.get_by_test_id("sub-address-row").first).to_be_visible()
    for testid in (
        "sub-address-new-btc",
        "sub-address-create-btc",
        "wallet-refresh",
        "sub-address-refresh-btc",
    ):
        expect(page.get_by_test_id(testid)).to_have_count(0)
    expect(page.locator("[data-testid^=watch-toggle-]")).to_have_count(0)
    expect(page.locator("[data-testid^=sub-address-edit-]")).to_have_count(0)
    page.goto("/")
    expect(page.get_by_test_id("refresh-now")).to_have_count(0)
    assert page.console_errors == []
