"""The header on a phone (390 × 844): nothing scrolls sideways, every nav link works."""

import os

import pytest
from playwright.sync_api import expect

from wallets.services import sub_addresses_refresh, wallets_refresh

pytestmark = pytest.mark.e2e

NAV = [
    ("Home", "/"),
    ("Wallets", "/wallets/"),
    ("Assets", "/assets/"),
    ("External accounts", "/external-accounts/"),
    ("Sync history", "/sync/"),
    ("Audit", "/audit/"),
]


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_header_fits_a_390px_screen_and_every_link_works(
    browser, live_server, make_user, login, sandbox, transactional_db
):
    """GIVEN an operator on a 390 px wide phone, wallets synced from Balance
    WHEN they open each page of the nav, and a wallet page
    THEN no page is wider than the screen, and each nav link is visible and goes to its page."""
    wallets_refresh()
    sub_addresses_refresh(wallet_id=1)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        login(page, make_user(role="operator", username="olivia-with-a-long-name"))
        for label, path in NAV:
            nav = page.get_by_role("navigation", name="Main")
            link = nav.get_by_role("link", name=label, exact=True)
            expect(link).to_be_visible()
            link.click()
            page.wait_for_url(f"**{path}")
            expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute(
                "aria-current", "page"
            )
            assert _overflow(page) <= 390, (path, _overflow(page))
        page.goto("/wallets/1/")
        expect(page.get_by_test_id("wallet-name")).to_be_visible()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        if os.environ.get("E2E_SCREENSHOTS"):
            page.screenshot(path=os.environ["E2E_SCREENSHOTS"] + "/narrow-wallet.png")
        assert _overflow(page) <= 390, _overflow(page)
    finally:
        context.close()
