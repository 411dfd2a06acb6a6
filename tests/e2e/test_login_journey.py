"""The first thing a staffer does: log in, see who they are, log out."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_viewer_logs_in_and_out(page, make_user, login, live_server):
    """GIVEN a viewer
    WHEN they log in through the form
    THEN the home page shows their name
    AND the Log out button brings them back to the login page, logged out."""
    user = make_user(role="viewer", username="demo-viewer")

    login(page, user)

    assert page.url == f"{live_server.url}/"
    expect(page.get_by_test_id("current-user")).to_contain_text("demo-viewer")
    expect(page.get_by_role("heading", name="Home")).to_be_visible()

    page.get_by_role("button", name="Log out").click()

    page.wait_for_url("**/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    page.goto("/")
    page.wait_for_url("**/login/?next=/")
    assert page.console_errors == []


def test_wrong_password_stays_on_login(page, make_user):
    user = make_user(role="viewer")

    page.goto("/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "not-the-password")
    page.click("form[action='/login/'] button[type=submit]")

    expect(page.get_by_role("alert")).to_contain_text("didn't match")
