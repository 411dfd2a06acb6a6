"""The approval policy is edited in the admin, thresholds in coin units; payouts are not."""

import pytest
from django.test import Client

from custody_portal.models import AuditEvent
from payouts.models import ApprovalPolicy, AssetThreshold
from tests.factories import UserFactory


@pytest.fixture
def superuser_client(db) -> Client:
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def policy_form(**overrides) -> dict:
    data = {
        "default_required_approvals": "1",
        "approval_valid_hours": "12",
        "payout_valid_days": "7",
        "reconcile_match_minutes": "10",
        "unknown_give_up_minutes": "60",
        "thresholds-TOTAL_FORMS": "1",
        "thresholds-INITIAL_FORMS": "0",
        "thresholds-MIN_NUM_FORMS": "0",
        "thresholds-MAX_NUM_FORMS": "1000",
        "thresholds-0-asset": "btc",
        "thresholds-0-threshold_coins": "0.5",
        "thresholds-0-required_approvals": "2",
    }
    data.update(overrides)
    return data


def test_a_threshold_is_entered_in_coin_units(superuser_client):
    policy = ApprovalPolicy.get_solo()
    url = f"/admin/payouts/approvalpolicy/{policy.pk}/change/"
    response = superuser_client.post(url, policy_form())
    assert response.status_code == 302, response.content[:2000]
    threshold = AssetThreshold.objects.get()
    assert (threshold.asset, int(threshold.threshold), threshold.required_approvals) == (
        "btc",
        50_000_000,
        2,
    )
    policy.refresh_from_db()
    assert policy.approval_valid_hours == 12
    assert AuditEvent.objects.filter(action="approval_policy.update").exists()
    page = superuser_client.get(url).content.decode()
    assert 'value="0.50000000"' in page


@pytest.mark.parametrize("text", ["0.123456789", "1e3", "-1", "0,5"])
def test_a_bad_threshold_is_a_form_error(superuser_client, text):
    policy = ApprovalPolicy.get_solo()
    url = f"/admin/payouts/approvalpolicy/{policy.pk}/change/"
    response = superuser_client.post(url, policy_form(**{"thresholds-0-threshold_coins": text}))
    assert response.status_code == 200
    assert not AssetThreshold.objects.exists()


def test_payout_approvals_cannot_be_added_in_the_admin(superuser_client):
    assert superuser_client.get("/admin/payouts/payoutapproval/add/").status_code == 403
    assert superuser_client.get("/admin/payouts/payout/add/").status_code == 403
