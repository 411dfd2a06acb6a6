"""Transport faults the sandbox cannot produce (connection refused mid-request, read
timeouts without a server-side commit, garbage bodies): `responses` stands in for the wire.

Everything else about the client is tested against the real sandbox over HTTP.
"""

import pytest
import requests
import responses

from balance.client import BalanceClient
from balance.errors import BalanceTimeout, BalanceUnavailable

URL = "https://custody.example"


@pytest.fixture
def client():
    return BalanceClient(
        base_url=URL, access_id="id", secret_key="top-secret-value", get_retries=2, backoff=0
    )


@responses.activate
def test_get_is_retried_on_connection_error_then_succeeds(client):
    responses.get(f"{URL}/api/v1/stats", body=requests.ConnectionError("refused"))
    responses.get(f"{URL}/api/v1/stats", json={"total_assets_in_custody": {}})
    assert client.stats() == {"total_assets_in_custody": {}}
    assert len(responses.calls) == 2


@responses.activate
def test_get_gives_up_after_bounded_retries(client):
    responses.get(f"{URL}/api/v1/stats", body=requests.ConnectionError("refused"))
    with pytest.raises(BalanceUnavailable, match="unreachable"):
        client.stats()
    assert len(responses.calls) == 3  # one try + two retries


@responses.activate
def test_post_is_never_retried_after_a_read_timeout(client):
    responses.post(f"{URL}/api/v2/send_batch_now", body=requests.exceptions.ReadTimeout())
    with pytest.raises(BalanceTimeout):
        client.send_batch_now(
            source_wallet_id=3,
            asset="btc",
            destinations=[{"type": "wallet", "id": 10, "amount": 10_000_000}],
        )
    assert len(responses.calls) == 1


@responses.activate
def test_post_is_never_retried_after_a_connection_error(client):
    responses.post(f"{URL}/api/v2/send_batch_now", body=requests.ConnectionError("reset"))
    with pytest.raises(BalanceUnavailable):
        client.send_batch_now(
            source_wallet_id=3,
            asset="btc",
            destinations=[{"type": "wallet", "id": 10, "amount": 1}],
        )
    assert len(responses.calls) == 1


@responses.activate
def test_a_body_that_is_not_json_is_a_readable_error(client):
    responses.get(f"{URL}/api/v1/stats", body="<html>gateway</html>", status=200)
    with pytest.raises(BalanceUnavailable, match="not JSON"):
        client.stats()


@responses.activate
def test_a_5xx_html_page_becomes_unavailable_with_the_status(client):
    responses.get(f"{URL}/api/v1/wallets/1", body="<html>oops</html>", status=502)
    with pytest.raises(BalanceUnavailable, match="HTTP 502"):
        client.get_wallet(1)


@responses.activate
def test_requests_are_signed_with_the_bytes_sent_and_carry_a_user_agent(client):
    from balance import signing

    responses.post(f"{URL}/api/v1/wallets/7/assets/btc", json=[])
    client.create_sub_address(7, "btc", name="a", notes="b", is_watched=True)
    sent = responses.calls[0].request
    assert sent.headers["User-Agent"].startswith("custody-portal/")
    ts = int(
        __import__("email.utils").utils.parsedate_to_datetime(sent.headers["Date"]).timestamp()
    )
    expected = signing.signature(
        "top-secret-value",
        signing.canonical_string("POST", "/api/v1/wallets/7/assets/btc", sent.body, ts),
    )
    assert sent.headers["Authorization"] == f"BalanceAPIAuth id:{expected}"


def test_the_secret_is_not_in_the_clients_repr(client):
    assert "top-secret-value" not in repr(client)


def test_floats_are_refused_for_amounts(client):
    with pytest.raises(TypeError):
        client.send_batch_now(
            source_wallet_id=1,
            asset="btc",
            destinations=[{"type": "wallet", "id": 2, "amount": 0.1}],
        )
    with pytest.raises(TypeError):
        client.withdraw_storage_provider_rewards(1, 2, amount_afil=1.5)
