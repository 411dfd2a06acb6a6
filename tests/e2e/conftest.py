"""Browser tests: Playwright driving the Debian chromium against pytest-django's live_server.

Fixtures for every journey test:
- `browser` (session): headless /usr/bin/chromium (Playwright never downloads browsers here).
- `page`: a fresh browser context and page per test, with its base URL at the live server.
- `make_user(role=...)`: a user in that role; `user.raw_password` holds its password.
- `login(page, user)`: log in through the login form and wait for the home page.

Using `page` pulls in `live_server`, which makes the test use `transactional_db`: the server
thread must see rows the test created.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.factories import UserFactory

# Playwright's sync API runs an asyncio loop in this thread; the ORM calls the test makes
# are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    # Broken scripts, CSP violations and missing assets, for journey tests to assert on.
    # Failed loads are recorded with their URL by the response hook (the console message
    # has none); the browser's automatic /favicon.ico request does not count.
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", on_response)
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture
def make_user(transactional_db) -> Callable:
    def make(role: str | None = "viewer", **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def login() -> Callable:
    def log_in(page, user, password: str | None = None) -> None:
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password or user.raw_password)
        page.click("form[action='/login/'] button[type=submit]")
        page.wait_for_selector("[data-testid=current-user]")

    return log_in
