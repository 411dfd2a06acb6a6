"""`manage.py seed_demo` (make run) gives the demo approver and admin a TOTP device and prints
its otpauth:// URI and secret, so a person can approve payouts in the demo."""

import re
from base64 import b32decode
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.payouts.ui import totp_code

pytestmark = pytest.mark.django_db


def seed(path) -> str:
    out = StringIO()
    call_command("seed_demo", file=path, stdout=out)
    return out.getvalue()


def _printed(output: str, username: str) -> tuple[str, str]:
    secret = re.search(rf"^  {username}\s+secret ([A-Z2-7 ]+)$", output, re.M).group(1)
    uri = re.search(rf"^\s+(otpauth://totp/Custody%20Portal%3A{username}\?\S+)$", output, re.M)
    return secret.replace(" ", ""), uri.group(1)


def test_approver_and_admin_get_a_confirmed_device_printed_with_its_uri(tmp_path):
    output = seed(tmp_path / "demo-users.txt")

    User = get_user_model()
    for username in ("approver", "admin"):
        device = TOTPDevice.objects.get(user__username=username)
        assert device.confirmed is True
        secret, uri = _printed(output, username)
        assert b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
        assert f"secret={secret}" in uri and "issuer=Custody%20Portal" in uri
        # A code from the printed secret is what the approval step checks.
        assert device.verify_token(totp_code(device)) is True
    for username in ("viewer", "operator"):
        assert not TOTPDevice.objects.filter(user=User.objects.get(username=username)).exists()
    # The secret lives in the database only: not in the password file.
    secret, _ = _printed(output, "approver")
    assert secret not in (tmp_path / "demo-users.txt").read_text()


def test_rerunning_reuses_the_same_device_and_secret(tmp_path):
    first = seed(tmp_path / "demo-users.txt")

    second = seed(tmp_path / "demo-users.txt")

    assert second == first
    assert TOTPDevice.objects.count() == 2
