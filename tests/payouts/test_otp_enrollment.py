"""`/account/two-factor/`: approvers set up an authenticator app (django-otp TOTPDevice)."""

import re
from base64 import b32decode

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from custody_portal.models import AuditEvent
from payouts import otp
from tests.payouts.ui import client_for, enrolled_device, totp_code

pytestmark = pytest.mark.django_db

URL = "/account/two-factor/"


def _secret_on(page: str) -> str:
    match = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', page)
    assert match, "the page shows the secret as text"
    return match.group(1).replace(" ", "")


def test_page_shows_a_qr_code_and_the_secret_of_an_unconfirmed_device(approver):
    client = client_for(approver)

    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    device = TOTPDevice.objects.get(user=approver)
    assert device.confirmed is False
    # The QR code is inline SVG markup (CSP: no script, nothing fetched).
    assert re.search(r'<figure class="otp-qr-figure" data-testid="otp-qr"><svg ', page)
    # The text secret is the device key in base32, as authenticator apps take it.
    secret = _secret_on(page)
    padded = secret + "=" * (-len(secret) % 8)
    assert b32decode(padded) == device.bin_key
    assert "no-store" in response["Cache-Control"]


def test_the_secret_stays_the_same_across_page_loads(approver):
    client = client_for(approver)
    first = _secret_on(client.get(URL).content.decode())
    second = _secret_on(client.get(URL).content.decode())

    assert first == second
    assert TOTPDevice.objects.filter(user=approver).count() == 1


def test_a_current_code_confirms_the_device_and_steps_up_the_session(approver):
    client = client_for(approver)
    client.get(URL)
    device = TOTPDevice.objects.get(user=approver)

    response = client.post(URL, {"otp_token": totp_code(device), "next": "/payouts/7/"})

    assert response.status_code == 302
    assert response["Location"] == "/payouts/7/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.session[otp.SESSION_KEY]["device"] == device.persistent_id
    event = AuditEvent.objects.get(action="otp.enrolled")
    assert event.actor == approver
    # Once confirmed, the page no longer shows the secret.
    page = client.get(URL).content.decode()
    assert 'data-testid="otp-enrolled"' in page
    assert 'data-testid="otp-secret"' not in page


def test_a_wrong_code_leaves_the_device_unconfirmed(approver):
    client = client_for(approver)
    client.get(URL)
    device = TOTPDevice.objects.get(user=approver)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(URL, {"otp_token": wrong})

    assert response.status_code == 400
    assert "not right" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert otp.SESSION_KEY not in client.session


def test_after_a_wrong_code_the_throttle_refuses_even_a_right_one_at_once(approver):
    """django-otp's throttling stays on: the next attempt must wait (1 s, 2 s, 4 s…)."""
    client = client_for(approver)
    client.get(URL)
    device = TOTPDevice.objects.get(user=approver)
    client.post(URL, {"otp_token": "000000" if totp_code(device) != "000000" else "111111"})

    response = client.post(URL, {"otp_token": totp_code(device)})

    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert device.throttling_failure_count >= 1


def test_a_code_that_is_not_six_digits_is_refused_with_a_message(approver):
    client = client_for(approver)
    client.get(URL)

    response = client.post(URL, {"otp_token": "12ab"})

    assert response.status_code == 400
    assert "6-digit code" in response.content.decode()


def test_an_outside_next_url_is_ignored(approver):
    client = client_for(approver)
    client.get(URL)
    device = TOTPDevice.objects.get(user=approver)

    response = client.post(URL, {"otp_token": totp_code(device), "next": "https://evil.example/"})

    assert response.status_code == 302
    assert response["Location"] == "/payouts/"


def test_an_enrolled_user_cannot_swap_the_device_from_the_page(approver):
    """A stolen session must not replace the approver's authenticator: only an admin can."""
    device = enrolled_device(approver)
    client = client_for(approver)

    response = client.post(URL, {"otp_token": totp_code(device)})

    assert response.status_code == 400
    assert "already have an authenticator" in response.content.decode()
    assert list(TOTPDevice.objects.filter(user=approver)) == [device]


@pytest.mark.parametrize("role_fixture", ["viewer", "drafter"])
def test_only_approvers_reach_the_page(request, role_fixture):
    client = client_for(request.getfixturevalue(role_fixture))

    assert client.get(URL).status_code == 403
    assert not TOTPDevice.objects.exists()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
