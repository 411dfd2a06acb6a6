"""`manage.py seed_demo`: one demo user per role, idempotent, passwords printed and kept 600."""

import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from custody_portal.management.commands.seed_demo import DEMO_USERS, read_password_file

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def seed(path) -> str:
    out = StringIO()
    call_command("seed_demo", file=path, stdout=out)
    return out.getvalue()


def test_creates_one_user_per_role_with_printed_passwords(tmp_path):
    path = tmp_path / "demo-users.txt"

    output = seed(path)

    passwords = read_password_file(path)
    assert set(passwords) == set(DEMO_USERS.values())
    User = get_user_model()
    for role, username in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.check_password(passwords[username])
        assert passwords[username] in output
        assert len(passwords[username]) >= 20
    admin = User.objects.get(username=DEMO_USERS["admin"])
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.get(username=DEMO_USERS["viewer"]).is_staff
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_second_run_keeps_users_and_passwords(tmp_path):
    path = tmp_path / "demo-users.txt"
    first = seed(path)
    passwords = read_password_file(path)

    second = seed(path)

    assert second == first
    assert read_password_file(path) == passwords
    assert get_user_model().objects.count() == len(DEMO_USERS)


def test_demo_users_have_email_addresses_so_payout_emails_show_in_the_console(tmp_path):
    """`make run` prints emails on the console, but users without an address get none: the
    demo approver never heard about a payout awaiting them, the drafter never about its
    outcome. Each demo user gets a reserved example.com address (never a real mailbox)."""
    path = tmp_path / "demo-users.txt"
    User = get_user_model()
    seed(path)
    for username in DEMO_USERS.values():
        assert User.objects.get(username=username).email == f"{username}@example.com"
    # A user seeded before this change (no address) gets one on the next run.
    User.objects.filter(username=DEMO_USERS["approver"]).update(email="")
    seed(path)
    assert User.objects.get(username=DEMO_USERS["approver"]).email == "approver@example.com"

    from payouts.emails import approvers_for
    from payouts.models import Payout

    drafter = User.objects.get(username=DEMO_USERS["operator"])
    payout = Payout(created_by=drafter, created_by_id=drafter.pk)
    assert sorted(u.username for u in approvers_for(payout)) == ["admin", "approver"]


def test_passwords_differ_between_users(tmp_path):
    seed(tmp_path / "demo-users.txt")

    passwords = read_password_file(tmp_path / "demo-users.txt")
    assert len(set(passwords.values())) == len(DEMO_USERS)


def test_existing_user_it_did_not_create_is_left_alone(tmp_path):
    User = get_user_model()
    User.objects.create_user(username="admin", password="chosen-by-a-human-123")

    output = seed(tmp_path / "demo-users.txt")

    admin = User.objects.get(username="admin")
    assert admin.check_password("chosen-by-a-human-123")
    assert not admin.is_superuser
    assert "admin" not in read_password_file(tmp_path / "demo-users.txt")
    assert "password not recorded" in output


def test_refuses_production_settings():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "custody_portal.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "portal.example.com",
        "DATABASE_URL": "sqlite:///:memory:",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "BALANCE_API_URL": "https://balance.example.com",
        "BALANCE_ACCESS_ID": "id",
        "BALANCE_SECRET_KEY": "secret",
        "BALANCE_NETWORK": "mainnet",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode != 0
    assert "never runs in production" in result.stderr
