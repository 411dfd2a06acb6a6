"""What a user is told when Balance fails mid-write: a lost answer is not a refusal."""

import pytest

from wallets.models import SubAddress

API = "/api/wallets/1/sub-addresses/btc/"


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500, "body": {"error": "Internal server error"}},
        {"status": 200, "body": {"not": "a list"}},
    ],
    ids=["5xx", "unreadable-2xx"],
)
def test_a_lost_answer_to_a_create_says_it_may_exist(sandbox, refreshed, operator_client, fault):
    """GIVEN Balance received the create but its answer is a 5xx or unreadable
    WHEN the operator creates a sub-address THEN they are told it may exist and to refresh
    before retrying (not invited to send a duplicate), and nothing is stored locally."""
    sandbox.control(
        "POST", "faults", json={"path": "^/api/v1/wallets/1/assets/btc$", "method": "POST", **fault}
    )
    before = SubAddress.objects.count()

    response = _post(operator_client, API, {"name": "Maybe created"})

    assert response.status_code == 503
    assert "may have created the sub-address anyway" in response.json()["detail"]
    assert SubAddress.objects.count() == before


def test_a_refused_connection_on_create_just_says_unreachable(dead_balance, operator_client, db):
    from .factories import wallet_with_balances

    wallet = wallet_with_balances(btc=1)

    response = _post(operator_client, f"/api/wallets/{wallet.id}/sub-addresses/btc/", {"name": "x"})

    detail = response.json()["detail"]
    assert response.status_code == 503
    assert detail.startswith("Balance is unreachable right now:")
    assert "may have created" not in detail
