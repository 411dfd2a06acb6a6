"""Create the demo users of `make run`, one per role, and print their passwords.

Idempotent: a user is created once, with a strong random password recorded in
`var/demo-users.txt` (mode 600); later runs only print what the file holds and keep the
users' roles as seeded. Only `make run` calls this; migrations never create users, and
production settings refuse it.

The demo approver and admin also get a confirmed TOTP device (approving a payout asks for its
code): its `otpauth://` URI and base32 secret are printed so a person can add it to an
authenticator app. The secret lives in the database only (never in the password file or a
log); later runs print the same device again.

Each demo user has a `<username>@example.com` address, so the payout emails (console backend
in `make run`) reach the demo approvers and drafters.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from custody_portal.roles import ADMIN, APPROVER, OPERATOR, VIEWER
from payouts import otp

# Role → username. The admin is also staff + superuser, for the Django admin.
DEMO_USERS: dict[str, str] = {
    VIEWER: "viewer",
    OPERATOR: "operator",
    APPROVER: "approver",
    ADMIN: "admin",
}
HEADER = "# Demo users of `make run` (role username password). Keep private.\n"
# Roles whose demo user approves payouts, so gets an authenticator.
TOTP_ROLES = (APPROVER, ADMIN)
TOTP_DEVICE_NAME = "Demo authenticator (seed_demo)"


@dataclass(frozen=True)
class DemoUser:
    role: str
    username: str
    password: str | None  # None: the user existed before seeding, password unknown
    otp_secret: str = ""  # base32 secret of the demo TOTP device (approver, admin)
    otp_uri: str = ""  # its otpauth:// URI


def read_password_file(path: Path) -> dict[str, str]:
    """username → password, from a file this command wrote."""
    if not path.exists():
        return {}
    passwords = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and not line.startswith("#"):
            _role, username, password = parts
            passwords[username] = password
    return passwords


def write_password_file(path: Path, users: list[DemoUser]) -> None:
    """Write atomically, readable by the owner only (created 600, never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(HEADER)
        for user in users:
            if user.password is not None:
                f.write(f"{user.role} {user.username} {user.password}\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


class Command(BaseCommand):
    help = "Create one demo user per role (idempotent) and print their passwords."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            default=None,
            help="where passwords are kept (default: var/demo-users.txt)",
        )

    def handle(self, *args, file: Path | None, **options):
        # override_settings (tests) hides SETTINGS_MODULE; the environment still names it.
        module = settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE", "")
        if module.endswith(".production"):
            raise CommandError("seed_demo creates demo users; it never runs in production.")
        path = file or settings.VAR_DIR / "demo-users.txt"
        users = self.seed(path)
        self.print_users(users, path)

    @transaction.atomic
    def seed(self, path: Path) -> list[DemoUser]:
        User = get_user_model()
        known = read_password_file(path)
        result = []
        for role, username in DEMO_USERS.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                password = secrets.token_urlsafe(15)
                user = User.objects.create_user(username=username, password=password)
            elif username in known:
                password = known[username]
            else:
                # Not ours (created by hand, or the file was deleted): leave it alone.
                result.append(DemoUser(role, username, None))
                continue
            self.ensure_role(user, role)
            self.ensure_email(user)
            secret, uri = self.ensure_totp(user) if role in TOTP_ROLES else ("", "")
            result.append(DemoUser(role, username, password, secret, uri))
        write_password_file(path, result)
        return result

    @staticmethod
    def ensure_role(user, role: str) -> None:
        user.groups.add(Group.objects.get(name=role))
        if role == ADMIN and not (user.is_staff and user.is_superuser):
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])

    @staticmethod
    def ensure_email(user) -> None:
        """A reserved example.com address (RFC 2606: never a real mailbox), so the payout
        emails of `make run` (console backend) reach the demo approvers and drafters."""
        if not user.email:
            user.email = f"{user.get_username()}@example.com"
            user.save(update_fields=["email"])

    @staticmethod
    def ensure_totp(user) -> tuple[str, str]:
        """The user's confirmed TOTP device (created once) → (base32 secret, otpauth URI)."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = otp.confirmed_device(user)
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
        return otp.secret_base32(device), device.config_url

    def print_users(self, users: list[DemoUser], path: Path) -> None:
        self.stdout.write(f"Demo users (passwords kept in {path}):")
        for user in users:
            shown = user.password or "(existed before seeding; password not recorded)"
            self.stdout.write(f"  {user.role:<9} {user.username:<9} {shown}")
        with_totp = [user for user in users if user.otp_secret]
        if with_totp:
            self.stdout.write(
                "Authenticator codes for approving payouts (add to an app, or type the secret):"
            )
        for user in with_totp:
            self.stdout.write(f"  {user.username:<9} secret {otp.grouped(user.otp_secret)}")
            self.stdout.write(f"  {'':<9} {user.otp_uri}")
