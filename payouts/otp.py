"""TOTP step-up for payout approvals: django-otp's `TOTPDevice`, QR codes drawn by segno.

An approver enrolls once (`/account/two-factor/`): the portal keeps one unconfirmed device per
user, shows its secret as a QR code and as base32 text, and marks it confirmed only when the
person types a current code from it — a device nobody could read never counts.

Approving needs a current code, except when this session verified one within the last
`STEP_UP_WINDOW` seconds, so an approver clearing a queue does not wait for the next 30-second
code. The verification time lives in the session, tied to the device that verified it.

django-otp's throttling stays on: after each wrong code the next attempt must wait 1, 2, 4, …
seconds (`ThrottlingMixin`), and a code is accepted once only (`last_t`).
"""

from __future__ import annotations

import time
from base64 import b32encode
from dataclasses import dataclass

import django_otp
import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

STEP_UP_WINDOW = 300  # seconds a verified code covers further approvals in the same session
SESSION_KEY = "payouts_otp_verified_at"
DEVICE_NAME = "Authenticator app"
CODE_DIGITS = 6


@dataclass(frozen=True)
class Verification:
    ok: bool
    message: str = ""


def confirmed_device(user) -> TOTPDevice | None:
    """The user's confirmed TOTP device (the first, if an admin created several)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def pending_device(user) -> TOTPDevice:
    """The device being enrolled: reused across page loads so the QR code stays the same."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in (base32, no padding)."""
    return b32encode(device.bin_key).decode().rstrip("=")


def grouped(secret: str) -> str:
    """ "ABCD EFGH …": easier to type from the screen; apps ignore the spaces."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The `otpauth://` URI as inline SVG markup (no script, no data URI: CSP-safe)."""
    code = segno.make(device.config_url, error="m")
    return code.svg_inline(
        scale=5, border=2, title="QR code for your authenticator app", svgclass="otp-qr"
    )


def step_up_is_fresh(request: HttpRequest) -> bool:
    """True when this session verified a code of the user's current device in the window."""
    record = request.session.get(SESSION_KEY)
    if not isinstance(record, dict):
        return False
    device = confirmed_device(request.user)
    if device is None or record.get("device") != device.persistent_id:
        return False
    age = time.time() - float(record.get("at", 0))
    return 0 <= age <= STEP_UP_WINDOW


def step_up_seconds_left(request: HttpRequest) -> int:
    """Seconds of the step-up window left in this session (0 when none)."""
    if not step_up_is_fresh(request):
        return 0
    return max(0, int(STEP_UP_WINDOW - (time.time() - request.session[SESSION_KEY]["at"])))


def _remember(request: HttpRequest, device: TOTPDevice) -> None:
    django_otp.login(request, device)
    request.session[SESSION_KEY] = {"device": device.persistent_id, "at": time.time()}


def _clean(token: str | None) -> str | None:
    text = "".join((token or "").split())
    if len(text) != CODE_DIGITS or not text.isdigit():
        return None
    return text


def _throttled(device: TOTPDevice) -> Verification | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    until = (data or {}).get("locked_until")
    wait = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else None
    after = f"wait {wait} second{'s' if wait != 1 else ''}" if wait else "wait a moment"
    return Verification(False, f"Too many wrong codes: {after}, then try again.")


def _wrong(device: TOTPDevice) -> Verification:
    """A wrong code: say so, and how long the throttle makes the next try wait."""
    throttled = _throttled(device)
    wait = ""
    if throttled and device.throttling_failure_count > 1:
        wait = " " + throttled.message.removeprefix("Too many wrong codes: ").capitalize()
    return Verification(False, WRONG_CODE + wait)


WRONG_CODE = (
    "That code is not right, or it was already used. Type the code your authenticator app "
    "shows now (check that the phone's clock is correct)."
)
FORMAT_ERROR = f"Enter the {CODE_DIGITS}-digit code from your authenticator app."


def verify_step_up(request: HttpRequest, token: str | None) -> Verification:
    """Check a code of the user's confirmed device; on success the session is stepped up."""
    device = confirmed_device(request.user)
    if device is None:
        return Verification(False, "Set up an authenticator app first.")
    throttled = _throttled(device)
    if throttled:
        return throttled
    code = _clean(token)
    if code is None:
        return Verification(False, FORMAT_ERROR)
    verified = django_otp.verify_token(request.user, device.persistent_id, code)
    if verified is None:
        device.refresh_from_db()
        return _wrong(device)
    _remember(request, verified)
    return Verification(True)


def confirm_enrollment(request: HttpRequest, token: str | None) -> Verification:
    """Confirm the pending device with a current code from it; counts as a step-up too."""
    code = _clean(token)
    if confirmed_device(request.user) is not None:
        # Replacing a device needs an admin (Django admin → TOTP devices): a stolen session
        # must not be able to swap the approver's authenticator for its own.
        return Verification(False, "You already have an authenticator app set up.")
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=request.user, confirmed=False)
            .order_by("id")
            .first()
        )
        if device is None:
            return Verification(False, "Reload the page: there is no authenticator being set up.")
        throttled = _throttled(device)
        if throttled:
            return throttled
        if code is None:
            return Verification(False, FORMAT_ERROR)
        if not device.verify_token(code):
            return _wrong(device)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    _remember(request, device)
    return Verification(True)
