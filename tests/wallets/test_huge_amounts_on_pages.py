"""Amounts beyond Decimal's 28-digit default context render exactly, on every page and API."""

import pytest
from django.test import Client

from tests.factories import UserFactory

from .factories import wallet_with_balances

pytestmark = pytest.mark.django_db

HUGE_PAX = 10**28 + 1  # 10 billion PAX and one base unit: 29 significant digits


def test_pages_and_api_show_a_29_digit_balance_exactly():
    wallet = wallet_with_balances(pax=HUGE_PAX)
    client = Client()
    client.force_login(UserFactory(role="viewer"))
    shown = "10,000,000,000.000000000000000001 PAX"

    for url in ("/", "/wallets/", f"/wallets/{wallet.id}/", "/assets/", "/assets/pax/"):
        response = client.get(url)
        assert response.status_code == 200, url
        if url != "/assets/":
            assert shown in response.content.decode(), url

    api = client.get(f"/api/wallets/{wallet.id}/").json()
    assert "10000000000.000000000000000001" in str(api)
