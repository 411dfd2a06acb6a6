"""HTMX answers that are not a plain success, in a real browser: errors are shown where the
user is looking, a double click is one request, an expired session goes to the login page."""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from wallets.models import SubAddress
from wallets.services import sub_addresses_refresh, wallets_refresh

pytestmark = pytest.mark.e2e

CREATE_PATH = "^/api/v1/wallets/1/assets/btc$"


@pytest.fixture
def wallet_page(page, make_user, login, sandbox, transactional_db):
    """An operator on wallet 1's page, its BTC sub-addresses synced from the sandbox."""
    wallets_refresh()
    sub_addresses_refresh(wallet_id=1)
    operator = make_user(role="operator", username="olivia")
    login(page, operator)
    page.goto("/wallets/1/")
    expect(page.get_by_test_id("wallet-name")).to_be_visible()
    page.operator = operator
    return page


def _creates(sandbox) -> list[dict]:
    return [
        c for c in sandbox.calls() if c["method"] == "POST" and re.search(CREATE_PATH, c["path"])
    ]


def _open_create_form(page, name: str):
    panel = page.get_by_test_id("sub-address-panel-btc")
    panel.get_by_test_id("sub-address-new-btc").click()
    panel.get_by_test_id("sub-address-name-btc").fill(name)
    return panel


def test_balance_refusal_shows_in_the_panel_and_a_double_click_is_one_request(wallet_page, sandbox):
    """GIVEN Balance will refuse the next create, slowly (600 ms)
    WHEN the operator double-clicks "Create"
    THEN Balance gets one request, the panel shows Balance's message with the typed name kept;
    AND when they click again (Balance accepts now) exactly one sub-address is created."""
    page = wallet_page
    sandbox.control(
        "POST",
        "faults",
        json={
            "path": CREATE_PATH,
            "method": "POST",
            "status": 400,
            "body": {"error": "Sub-address limit reached for this wallet."},
            "latency_ms": 600,
            "count": 1,
        },
    )
    before = SubAddress.objects.filter(wallet_id=1, asset="btc").count()
    panel = _open_create_form(page, "Double clicked")
    button = panel.get_by_test_id("sub-address-create-btc")

    button.dblclick()
    expect(button).to_be_disabled()  # in flight: a third click would do nothing either

    panel = page.get_by_test_id("sub-address-panel-btc")
    expect(panel.get_by_test_id("sub-address-error-btc")).to_have_text(
        "Sub-address limit reached for this wallet."
    )
    expect(panel.get_by_test_id("sub-address-name-btc")).to_have_value("Double clicked")
    assert len(_creates(sandbox)) == 1

    panel.get_by_test_id("sub-address-create-btc").click()

    row = page.get_by_test_id("sub-address-panel-btc").get_by_test_id("sub-address-row")
    expect(row.filter(has_text="Double clicked")).to_have_count(1)
    assert len(_creates(sandbox)) == 2  # the refused one, and this one
    assert SubAddress.objects.filter(wallet_id=1, asset="btc").count() == before + 1
    expect(page.get_by_test_id("htmx-error")).to_be_empty()
    # The 400 itself is expected; nothing else failed (no CSP violation, no script error).
    assert [e for e in page.console_errors if "/sub-addresses/btc/create/" not in e] == []


def test_a_lost_answer_says_it_may_exist_in_the_panel(wallet_page, sandbox):
    """GIVEN Balance answers the create with a 500 WHEN the operator creates a sub-address
    THEN the panel says it may have been created and to refresh before trying again."""
    page = wallet_page
    sandbox.control(
        "POST",
        "faults",
        json={"path": CREATE_PATH, "method": "POST", "status": 500, "count": 1},
    )
    panel = _open_create_form(page, "Maybe")

    panel.get_by_test_id("sub-address-create-btc").click()

    error = page.get_by_test_id("sub-address-error-btc")
    expect(error).to_contain_text("may have created the sub-address anyway")
    expect(error).to_contain_text("Refresh from Balance")
    assert len(_creates(sandbox)) == 1


def test_no_connection_shows_a_message(wallet_page, sandbox):
    """GIVEN the portal cannot be reached (the request fails in the network)
    WHEN the operator creates a sub-address THEN a message says so instead of nothing
    happening, and the button can be used again."""
    page = wallet_page
    page.route(re.compile(r".*/sub-addresses/btc/create/$"), lambda route: route.abort())
    panel = _open_create_form(page, "Offline")
    button = panel.get_by_test_id("sub-address-create-btc")

    button.click()

    message = page.get_by_test_id("htmx-error").get_by_test_id("htmx-error-message")
    expect(message).to_contain_text("No answer from the portal")
    expect(button).to_be_enabled()
    expect(panel.get_by_test_id("sub-address-name-btc")).to_have_value("Offline")
    page.get_by_test_id("htmx-error").get_by_role("button", name="Dismiss").click()
    expect(page.get_by_test_id("htmx-error")).to_be_empty()
    assert _creates(sandbox) == []


def test_expired_session_sends_the_whole_page_to_login_and_back(wallet_page, sandbox, login):
    """GIVEN an operator's session has expired (cookies gone) on the wallet page
    WHEN they click "Watch" on a sub-address (an HTMX action)
    THEN the whole page goes to the login page (not into the panel), nothing reaches Balance,
    AND after logging in they are back on the wallet page."""
    page = wallet_page
    address = SubAddress.objects.filter(wallet_id=1, asset="btc", is_watched=False).first().address
    page.context.clear_cookies()

    page.get_by_test_id(f"watch-toggle-{address}").click()

    page.wait_for_url(re.compile(r"/login/\?next=%2Fwallets%2F1%2F$"))
    expect(page.locator("#id_username")).to_be_visible()
    expect(page.get_by_test_id("sub-address-panel-btc")).to_have_count(0)
    assert not [c for c in sandbox.calls() if c["method"] == "PUT"]

    page.fill("#id_username", page.operator.username)
    page.fill("#id_password", page.operator.raw_password)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/wallets/1/$"))
    expect(page.get_by_test_id("wallet-name")).to_be_visible()


def test_losing_the_operator_role_shows_what_role_is_needed(wallet_page, sandbox):
    """GIVEN an operator's role is changed to viewer while their wallet page is open
    WHEN they click "Watch" THEN a message says the operator role is needed and who they are,
    the panel stays as it was, and nothing reaches Balance."""
    page = wallet_page
    user = page.operator
    user.groups.set([Group.objects.get(name="viewer")])
    address = SubAddress.objects.filter(wallet_id=1, asset="btc", is_watched=False).first().address

    page.get_by_test_id(f"watch-toggle-{address}").click()

    message = page.get_by_test_id("htmx-error").get_by_test_id("htmx-error-message")
    expect(message).to_have_text(
        "This needs the operator role. You are signed in as olivia (viewer). "
        "Ask an administrator to give you that role."
    )
    expect(page.get_by_test_id(f"watch-toggle-{address}")).to_be_visible()
    assert not [c for c in sandbox.calls() if c["method"] == "PUT"]


def test_an_error_page_from_elsewhere_is_not_pasted_into_the_panel(wallet_page, sandbox):
    """GIVEN something between browser and portal (a proxy) answers 502 with its own page
    WHEN the operator creates a sub-address THEN the panel stays as it was and a short message
    says what happened and that the change may have been made."""
    page = wallet_page
    page.route(
        re.compile(r".*/sub-addresses/btc/create/$"),
        lambda route: route.fulfill(status=502, body="<html><h1>502 Bad Gateway</h1></html>"),
    )
    panel = _open_create_form(page, "Behind a proxy")

    panel.get_by_test_id("sub-address-create-btc").click()

    message = page.get_by_test_id("htmx-error").get_by_test_id("htmx-error-message")
    expect(message).to_contain_text("answered with an error (HTTP 502)")
    expect(message).to_contain_text("reload the page to see whether it happened")
    expect(page.get_by_text("502 Bad Gateway")).to_have_count(0)
    expect(panel.get_by_test_id("sub-address-name-btc")).to_have_value("Behind a proxy")


def test_a_plain_form_double_click_is_one_request(wallet_page, sandbox):
    """ "Refresh from Balance" is a plain form: its button is disabled once submitted, so an
    impatient second click (while Balance answers slowly) sends nothing."""
    page = wallet_page
    sandbox.control("POST", "latency", json={"ms": 300})
    posts = []
    page.on(
        "request",
        lambda request: (
            posts.append(request.url)
            if request.method == "POST" and request.url.endswith("/wallets/1/refresh/")
            else None
        ),
    )

    box = page.get_by_test_id("wallet-refresh").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(200)  # the first POST is on its way (Balance answers slowly)
    page.mouse.click(x, y)

    expect(page.locator(".flash")).to_contain_text("Refreshed from Balance")
    assert len(posts) == 1
