"""The Balance secret key never reaches logs, refresh-run errors or pages (DESIGN.md §10.4)."""

import logging

import pytest
from django.test import Client

from balance.errors import BalanceError
from custody_portal.models import RefreshRun
from tests.factories import UserFactory
from wallets.services import sub_addresses_refresh, wallets_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)  # urllib3 and requests log every request at DEBUG
    return caplog


def _pages_text() -> str:
    client = Client()
    client.force_login(UserFactory(role="admin"))
    return "".join(
        client.get(url).content.decode()
        for url in ("/", "/wallets/", "/wallets/1/", "/sync/", "/api/wallets/")
    )


def test_successful_refreshes_do_not_log_the_secret(sandbox, settings, debug_logs):
    wallets_refresh()
    sub_addresses_refresh(wallet_id=1)

    assert "Balance GET /api/v1/wallets" in debug_logs.text  # the client did log its calls
    assert settings.BALANCE_SECRET_KEY not in debug_logs.text
    assert settings.BALANCE_SECRET_KEY not in _pages_text()


def test_refused_credentials_do_not_leak_the_secret_we_sent(sandbox, settings, debug_logs):
    """GIVEN a wrong secret WHEN the refresh is refused THEN neither the logs, the recorded
    error nor any page shows the secret that was tried."""
    settings.BALANCE_SECRET_KEY = "wrong-but-still-secret-value-1234"

    with pytest.raises(BalanceError):
        wallets_refresh()

    run = RefreshRun.objects.get(task="refresh_wallets")
    assert "Invalid signature" in run.error
    for text in (debug_logs.text, run.error, _pages_text()):
        assert "wrong-but-still-secret-value-1234" not in text
