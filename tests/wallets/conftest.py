"""Fixtures for the wallets tests: a refreshed sandbox, HTMX headers, Balance unreachable
(users per role and their logged-in clients are in tests/conftest.py)."""

import pytest

from wallets.services import wallets_refresh


@pytest.fixture
def htmx() -> dict:
    """Headers of an HTMX request (the view answers with the fragment)."""
    return {"HX-Request": "true"}


@pytest.fixture
def refreshed(sandbox, db) -> dict:
    """The sandbox's seed data (30 wallets) copied into the local database."""
    return wallets_refresh()


@pytest.fixture
def dead_balance(settings):
    """Balance unreachable: a closed port on loopback (connection refused at once)."""
    from tests.conftest import free_port

    settings.BALANCE_API_URL = f"http://127.0.0.1:{free_port()}"
    settings.BALANCE_GET_RETRIES = 0
