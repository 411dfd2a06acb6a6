"""Fixtures for the wallets tests: users per role, logged-in clients, a refreshed sandbox."""

import pytest
from django.test import Client

from custody_portal.roles import OPERATOR, VIEWER
from tests.factories import UserFactory
from wallets.services import wallets_refresh


@pytest.fixture
def viewer(db):
    return UserFactory(username="vera", role=VIEWER)


@pytest.fixture
def operator(db):
    return UserFactory(username="otto", role=OPERATOR)


@pytest.fixture
def viewer_client(viewer) -> Client:
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def operator_client(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


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
