"""Fixtures for the payouts tests: people in each role, the sandbox's wallets copied locally,
and helpers to draft a payout and read the sandbox's send log.

Sandbox seed data used here (seed 7, 30 wallets): wallet 1 "Treasury Operating Main" is warm
with btc (spendable 10.14108753) and two FIL storage providers; wallet 2 is another warm
wallet; external account 10 has a btc address; wallet 4 is cold.
"""

from pathlib import Path

import pytest

from custody_portal.roles import ADMIN, APPROVER, OPERATOR, VIEWER
from payouts.services import LineInput, payout_create
from tests.factories import UserFactory
from wallets.services import wallets_refresh

SOURCE = 1
OTHER_WALLET = 2
COLD_WALLET = 4
EXTERNAL = 10
# The address of the send_batch_now documentation example (valid on testnet).
ADDRESS = "mztPG6nBar1mZ5J7T619iCuFP9SB5G9j5W"
SEND_PATH = "/api/v2/send_batch_now"
ROOT_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def drafter(db):
    return UserFactory(username="dora", role=OPERATOR)


@pytest.fixture
def approver(db):
    return UserFactory(username="abe", role=APPROVER)


@pytest.fixture
def approver2(db):
    return UserFactory(username="ava", role=APPROVER)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="adam", role=ADMIN)


@pytest.fixture
def viewer(db):
    return UserFactory(username="vic", role=VIEWER)


@pytest.fixture
def refreshed(sandbox, db) -> dict:
    """The sandbox's seed data (30 wallets, external accounts) copied into the database."""
    return wallets_refresh()


def three_lines(a="0.001", b="0.002", c="0.0005") -> list[LineInput]:
    return [
        LineInput("wallet", OTHER_WALLET, amount=a, label="ops"),
        LineInput("external_account", EXTERNAL, amount=b),
        LineInput("public_address", public_address=ADDRESS, amount=c),
    ]


def draft(user, *, lines=None, asset="btc", source=SOURCE, note="monthly"):
    return payout_create(
        created_by=user,
        source_wallet_id=source,
        asset=asset,
        lines=lines if lines is not None else three_lines(),
        note=note,
    )


def send_calls(sandbox) -> list[dict]:
    """The send_batch_now requests the sandbox received (whatever it answered)."""
    return [c for c in sandbox.calls() if c["path"] == SEND_PATH and c["method"] == "POST"]


@pytest.fixture(autouse=True)
def _postgres_only(request, settings):
    """Tests marked `postgres` (locking, concurrency) are skipped on SQLite, with the reason."""
    if request.node.get_closest_marker("postgres") is None:
        return
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…): locks, concurrency, shared DB")


def unknown_event(payout):
    """The audit event that recorded the payout's outcome as unknown (its timeline entry)."""
    from custody_portal.models import AuditEvent

    return AuditEvent.objects.get(
        object_type="payout", object_id=str(payout.pk), action="payout.unknown"
    )
