"""The API docs page works offline: Swagger UI from our static files, under our CSP."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_api_docs_render_from_local_assets_without_csp_errors(page, make_user, login, live_server):
    """GIVEN a logged-in viewer WHEN they open /api/docs/ THEN Swagger UI renders the portal's
    endpoints, every asset comes from the portal itself, and nothing breaks the CSP."""
    login(page, make_user(role="viewer"))
    foreign: list[str] = []
    page.on(
        "request",
        lambda request: (
            foreign.append(request.url)
            if not request.url.startswith(live_server.url) and not request.url.startswith("data:")
            else None
        ),
    )

    page.goto("/api/docs/")

    expect(page.get_by_text("/api/wallets/").first).to_be_visible()
    expect(page.get_by_role("heading", name="Custody Portal API")).to_be_visible()
    assert foreign == []
    assert page.console_errors == []
