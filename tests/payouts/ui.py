"""Helpers for the payout page tests: logged-in clients, draft form data, TOTP codes."""

import time

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.payouts.conftest import SOURCE


def client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def form_data(
    *,
    source=SOURCE,
    asset="btc",
    rows=(),
    note="",
    paste="",
    action="save",
    payout_id=None,
) -> dict:
    """The POST of the draft form; `rows` are (type, destination, amount, label) tuples."""
    data = {
        "source_wallet": str(source),
        "asset": asset,
        "note": note,
        "paste": paste,
        "action": action,
        "row": [],
    }
    if payout_id is not None:
        data["payout_id"] = str(payout_id)
    for i, (kind, destination, amount, label) in enumerate(rows):
        key = f"r{i}"
        data["row"].append(key)
        data[f"type-{key}"] = kind
        data[f"dest-{key}"] = destination
        data[f"amount-{key}"] = amount
        data[f"label-{key}"] = label
    return data


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the person's authenticator app shows (`steps_ahead` 30-second steps later:
    a code is accepted once, and the device tolerates one step of clock drift)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrolled_device(user) -> TOTPDevice:
    """A confirmed authenticator for `user`, as after the set-up page."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
