"""The audit page in a real browser: filters and page links swap the table (HTMX, CSP)."""

import re

import pytest
from playwright.sync_api import expect

from custody_portal.audit import audit_record

pytestmark = pytest.mark.e2e


def test_viewer_filters_the_audit_log_by_user_and_pages_back(page, make_user, login):
    """GIVEN 60 events by alice and 3 by the system
    WHEN a viewer opens Audit, filters by alice and follows "Older"
    THEN the table holds alice's 50 newest, then her 10 oldest, the address bar keeps the
    filter, and the browser reports no error."""
    alice = make_user(role="operator", username="alice")
    for n in range(60):
        audit_record(
            actor=alice,
            action="sub_address.update",
            object_type="sub_address",
            object_id=f"btc:m{n}",
            wallet_id=7,
            after={"name": f"n{n}"},
            message=f"Renamed {n}",
        )
    for _ in range(3):
        audit_record(
            actor=None,
            action="refresh.request",
            object_type="refresh",
            object_id="x",
            wallet_id=None,
        )
    login(page, make_user(role="viewer", username="vera"))

    page.get_by_role("link", name="Audit").click()
    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("system")

    page.get_by_test_id("audit-filter-user").fill("alice")
    page.get_by_role("button", name="Apply").click()
    expect(rows.first).to_have_attribute("data-sequence", "60")
    expect(rows).to_have_count(50)
    expect(page).to_have_url(re.compile(r"/audit/\?user=alice&"))

    page.get_by_test_id("page-older").click()
    expect(rows).to_have_count(10)
    expect(rows.last).to_contain_text("Renamed 0")
    assert "user=alice" in page.url and "before=11" in page.url
    assert page.console_errors == []
