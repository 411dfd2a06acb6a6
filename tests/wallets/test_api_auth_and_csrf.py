"""Scripts authenticate with a token; browsers' session writes must carry a CSRF token."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

from .factories import wallet_with_balances

pytestmark = pytest.mark.django_db


@pytest.fixture
def wallet():
    return wallet_with_balances(btc=10**8)


def _token_client(role: str | None) -> Client:
    token = Token.objects.create(user=UserFactory(role=role))
    return Client(headers={"Authorization": f"Token {token.key}"})


def test_a_viewer_token_reads_the_api(wallet):
    response = _token_client("viewer").get("/api/wallets/")
    assert response.status_code == 200
    assert [w["id"] for w in response.json()["results"]] == [wallet.id]


def test_a_viewer_token_cannot_write(wallet):
    response = _token_client("viewer").post(
        f"/api/wallets/{wallet.id}/sub-addresses/btc/",
        {"name": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "needs the operator role" in response.json()["detail"]
    assert "(viewer)" in response.json()["detail"]


def test_a_token_without_a_role_is_told_it_needs_the_viewer_role(wallet):
    response = _token_client(None).get("/api/wallets/")
    assert response.status_code == 403
    assert "needs the viewer role" in response.json()["detail"]


def test_an_unknown_token_is_refused(wallet):
    response = Client(headers={"Authorization": "Token not-a-real-token"}).get("/api/wallets/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_a_token_without_a_role_reads_nothing(wallet):
    assert _token_client(None).get("/api/wallets/").status_code == 403


def test_session_api_writes_need_the_csrf_token(wallet):
    """GIVEN an operator logged in with a session WHEN a page on another site makes their
    browser POST to the API without our CSRF token THEN the API refuses it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(role="operator"))

    response = client.post(
        f"/api/wallets/{wallet.id}/sub-addresses/btc/",
        {"name": "x"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_html_writes_need_the_csrf_token(wallet):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(role="operator"))

    response = client.post(f"/wallets/{wallet.id}/sub-addresses/btc/create/", {"btc-name": "x"})

    assert response.status_code == 403
