"""The payout page's actions over HTTP: approve (TOTP step-up), reject, cancel, send again,
resolve — who gets which button, what a forged POST gets, and that failures change nothing."""

import time

import pytest
from django.test import Client

from custody_portal.models import AuditEvent
from payouts import otp
from payouts.models import Payout, PayoutApproval, PayoutResolution, PayoutStatus
from payouts.services import payout_approve
from tests.payouts.conftest import draft
from tests.payouts.ui import client_for, enrolled_device, totp_code

pytestmark = pytest.mark.usefixtures("refreshed")


@pytest.fixture(autouse=True)
def _no_send(monkeypatch):
    """Reaching quorum queues the send task after commit; these tests look at the approval
    step only, so the queued send is recorded instead of published."""
    queued = []
    monkeypatch.setattr("payouts.tasks.send_payout.delay", lambda pk: queued.append(pk))
    return queued


def _approve(client: Client, payout: Payout, **data):
    return client.post(
        f"/payouts/{payout.pk}/approve/", {"content_hash": payout.content_hash, **data}
    )


def test_the_drafter_is_not_offered_approve_and_a_forged_post_is_refused(drafter, admin_user):
    """GIVEN an admin (who holds the approve permission) drafted a payout
    WHEN they open it, then forge the approve POST with a valid code
    THEN no Approve button is shown, the POST answers 403 with the reason, and nothing is
    stored — no approval, no spent code."""
    payout = draft(admin_user)
    device = enrolled_device(admin_user)
    client = client_for(admin_user)

    page = client.get(f"/payouts/{payout.pk}/").content.decode()
    assert 'data-testid="approve-button"' not in page
    assert "You drafted this payout" in page

    response = _approve(client, payout, otp_token=totp_code(device))

    assert response.status_code == 403
    assert "You drafted this payout" in response.content.decode()
    assert not PayoutApproval.objects.filter(payout=payout).exists()
    device.refresh_from_db()
    assert device.last_t == -1, "the drafter's attempt must not spend a code"
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING_APPROVAL


def test_an_approver_without_a_device_is_sent_to_set_one_up(drafter, approver):
    payout = draft(drafter)
    client = client_for(approver)

    page = client.get(f"/payouts/{payout.pk}/").content.decode()
    assert 'data-testid="setup-otp"' in page

    response = _approve(client, payout, otp_token="123456")

    assert response.status_code == 302
    assert response["Location"] == f"/account/two-factor/?next=%2Fpayouts%2F{payout.pk}%2F"
    assert not PayoutApproval.objects.exists()


def test_a_wrong_code_changes_nothing(drafter, approver):
    payout = draft(drafter)
    device = enrolled_device(approver)
    client = client_for(approver)
    wrong = f"{(int(totp_code(device)) + 500_000) % 1_000_000:06d}"

    response = _approve(client, payout, otp_token=wrong)

    assert response.status_code == 400
    assert "not right" in response.content.decode()
    assert not PayoutApproval.objects.exists()
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING_APPROVAL
    assert otp.SESSION_KEY not in client.session


def test_an_empty_code_is_asked_for(drafter, approver):
    payout = draft(drafter)
    enrolled_device(approver)

    response = _approve(client_for(approver), payout, otp_token="")

    assert response.status_code == 400
    assert "6-digit code" in response.content.decode()
    assert not PayoutApproval.objects.exists()


def test_a_current_code_approves_and_reaching_quorum_queues_the_send(
    drafter, approver, _no_send, django_capture_on_commit_callbacks
):
    payout = draft(drafter)
    device = enrolled_device(approver)
    client = client_for(approver)

    with django_capture_on_commit_callbacks(execute=True):
        response = _approve(client, payout, otp_token=totp_code(device))

    assert response.status_code == 302
    assert response["Location"] == f"/payouts/{payout.pk}/"
    assert PayoutApproval.objects.get(payout=payout).approver == approver
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.APPROVED
    assert _no_send == [payout.pk]
    page = client.get(response["Location"]).content.decode()
    assert f"You approved {payout.reference}." in page
    assert "Approved" in page


def test_within_five_minutes_of_a_code_the_next_approval_needs_none(drafter, approver):
    """GIVEN an approver who approved one payout with a code
    WHEN they approve a second payout without a code, then a third after the window
    THEN the second is approved; the third asks for a code again."""
    first, second, third = draft(drafter), draft(drafter), draft(drafter)
    device = enrolled_device(approver)
    client = client_for(approver)
    assert _approve(client, first, otp_token=totp_code(device)).status_code == 302

    page = client.get(f"/payouts/{second.pk}/").content.decode()
    assert 'data-testid="step-up-fresh"' in page
    assert 'name="otp_token"' not in page
    assert _approve(client, second).status_code == 302
    assert PayoutApproval.objects.filter(payout=second, approver=approver).exists()

    session = client.session
    session[otp.SESSION_KEY]["at"] = time.time() - otp.STEP_UP_WINDOW - 1
    session.save()
    response = _approve(client, third)
    assert response.status_code == 400
    assert "6-digit code" in response.content.decode()
    assert not PayoutApproval.objects.filter(payout=third).exists()


def test_a_step_up_of_another_session_does_not_count(drafter, approver):
    first, second = draft(drafter), draft(drafter)
    device = enrolled_device(approver)
    assert _approve(client_for(approver), first, otp_token=totp_code(device)).status_code == 302

    response = _approve(client_for(approver), second)

    assert response.status_code == 400
    assert not PayoutApproval.objects.filter(payout=second).exists()


def test_approving_a_version_the_page_did_not_show_is_refused(drafter, approver):
    payout = draft(drafter)
    device = enrolled_device(approver)

    response = client_for(approver).post(
        f"/payouts/{payout.pk}/approve/",
        {"content_hash": "0" * 64, "otp_token": totp_code(device)},
    )

    assert response.status_code == 409
    assert "edited after you opened it" in response.content.decode()
    assert not PayoutApproval.objects.exists()


def test_a_second_approval_by_the_same_person_is_refused_with_a_message(
    drafter, approver, approver2, settings
):
    from payouts.models import AssetThreshold

    AssetThreshold.objects.create(asset="btc", threshold=1, required_approvals=2)
    payout = draft(drafter)
    device = enrolled_device(approver)
    client = client_for(approver)
    assert _approve(client, payout, otp_token=totp_code(device)).status_code == 302

    page = client.get(f"/payouts/{payout.pk}/").content.decode()
    assert 'data-testid="approve-button"' not in page
    response = _approve(client, payout)

    assert response.status_code == 409
    assert "already approved" in response.content.decode()
    assert PayoutApproval.objects.filter(payout=payout).count() == 1


def test_approving_a_payout_no_longer_pending_spends_no_code(drafter, approver):
    payout = draft(drafter)
    Payout.objects.filter(pk=payout.pk).update(status=PayoutStatus.CANCELLED)
    device = enrolled_device(approver)

    response = _approve(client_for(approver), payout, otp_token=totp_code(device))

    assert response.status_code == 409
    assert "This payout is cancelled: there is nothing to approve." in response.content.decode()
    device.refresh_from_db()
    assert device.last_t == -1
    assert not PayoutApproval.objects.exists()


def test_viewers_and_operators_cannot_approve(drafter, viewer):
    payout = draft(drafter)
    for user in (viewer, drafter):
        assert _approve(client_for(user), payout, otp_token="123456").status_code == 403
    assert not PayoutApproval.objects.exists()


def test_every_action_needs_the_csrf_token(drafter, approver):
    payout = draft(drafter)
    enrolled_device(approver)
    client = client_for(approver, enforce_csrf_checks=True)

    for action in ("approve", "reject", "cancel", "send-again", "resolve", "resolve/confirm"):
        response = client.post(f"/payouts/{payout.pk}/{action}/", {"reason": "x"})
        assert response.status_code == 403, action
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING_APPROVAL


def test_reject_needs_a_reason_and_keeps_nothing_else(drafter, approver):
    payout = draft(drafter)
    client = client_for(approver)

    response = client.post(f"/payouts/{payout.pk}/reject/", {"reason": "   "})

    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING_APPROVAL

    response = client.post(f"/payouts/{payout.pk}/reject/", {"reason": "wrong vendor address"})

    assert response.status_code == 302
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REJECTED
    page = client.get(f"/payouts/{payout.pk}/").content.decode()
    assert "Rejected" in page and "wrong vendor address" in page


def test_the_drafter_cancels_before_sending_others_cannot(drafter, approver):
    payout = draft(drafter)

    page = client_for(approver).get(f"/payouts/{payout.pk}/").content.decode()
    assert 'data-testid="cancel-button"' not in page
    response = client_for(approver).post(f"/payouts/{payout.pk}/cancel/")
    assert response.status_code == 403
    assert "Only the drafter" in response.content.decode()

    page = client_for(drafter).get(f"/payouts/{payout.pk}/").content.decode()
    assert 'data-testid="cancel-button"' in page
    response = client_for(drafter).post(f"/payouts/{payout.pk}/cancel/")
    assert response.status_code == 302
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.CANCELLED

    response = client_for(drafter).post(f"/payouts/{payout.pk}/cancel/")
    assert response.status_code == 409
    assert "cancelled" in response.content.decode()


def test_send_again_is_offered_after_a_not_sent_error(
    drafter, approver, _no_send, django_capture_on_commit_callbacks
):
    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    Payout.objects.filter(pk=payout.pk).update(
        last_error="Balance could not be reached (connection refused); nothing was sent."
    )
    client = client_for(approver)

    page = client.get(f"/payouts/{payout.pk}/").content.decode()
    assert 'data-testid="send-again-button"' in page
    assert "connection refused" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/payouts/{payout.pk}/send-again/")

    assert response.status_code == 302
    assert _no_send == [payout.pk]
    payout.refresh_from_db()
    assert payout.last_error == ""
    assert AuditEvent.objects.filter(action="payout.send_again", actor=approver).exists()


def test_send_again_is_offered_for_a_send_queued_too_long_ago(
    drafter, approver, _no_send, django_capture_on_commit_callbacks
):
    """A lost broker message: approved minutes ago and no worker took it."""
    from datetime import timedelta

    from django.utils import timezone

    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    client = client_for(approver)
    assert (
        'data-testid="send-again-button"'
        not in client.get(f"/payouts/{payout.pk}/").content.decode()
    )

    Payout.objects.filter(pk=payout.pk).update(updated_at=timezone.now() - timedelta(minutes=6))
    page = client.get(f"/payouts/{payout.pk}/").content.decode()
    assert 'data-testid="send-again-button"' in page
    assert "no worker has taken it yet" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/payouts/{payout.pk}/send-again/")

    assert response.status_code == 302
    assert _no_send == [payout.pk]


def test_an_unknown_payout_is_resolved_by_two_people(drafter, approver, approver2):
    """GIVEN an `unknown` payout
    WHEN one approver proposes "sent" with Balance's transaction id, then confirms it themself,
    then a second approver confirms
    THEN the self-confirmation is refused and the second makes it `sent` with the id."""
    payout = draft(drafter)
    Payout.objects.filter(pk=payout.pk).update(status=PayoutStatus.UNKNOWN, needs_review=True)
    first, second = client_for(approver), client_for(approver2)

    page = first.get(f"/payouts/{payout.pk}/").content.decode()
    assert "Outcome unknown" in page and 'data-testid="resolve-form"' in page
    response = first.post(f"/payouts/{payout.pk}/resolve/", {"outcome": "sent", "reason": ""})
    assert response.status_code == 400
    assert "Say how you know" in response.content.decode()

    response = first.post(
        f"/payouts/{payout.pk}/resolve/",
        {"outcome": "sent", "transaction_id": "4242", "reason": "found it in Balance's list"},
    )
    assert response.status_code == 302
    assert PayoutResolution.objects.get(payout=payout).state == PayoutResolution.State.OPEN

    page = first.get(f"/payouts/{payout.pk}/").content.decode()
    assert 'data-testid="confirm-resolution-button"' not in page
    response = first.post(f"/payouts/{payout.pk}/resolve/confirm/")
    assert response.status_code == 403
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.UNKNOWN

    page = second.get(f"/payouts/{payout.pk}/").content.decode()
    assert 'data-testid="confirm-resolution-button"' in page
    response = second.post(f"/payouts/{payout.pk}/resolve/confirm/")
    assert response.status_code == 302
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SENT
    assert payout.balance_transaction_id == "4242"


def test_actions_on_a_missing_payout_answer_404(approver):
    client = client_for(approver)
    for action in ("approve", "reject", "cancel", "send-again", "resolve", "resolve/confirm"):
        response = client.post(f"/payouts/999999/{action}/", {"reason": "x"})
        assert response.status_code == 404, action
    assert client.get("/payouts/999999/").status_code == 404


def test_actions_are_post_only(drafter, approver):
    payout = draft(drafter)
    response = client_for(approver).get(f"/payouts/{payout.pk}/approve/")
    assert response.status_code == 405
