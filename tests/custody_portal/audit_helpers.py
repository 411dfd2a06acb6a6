"""Helpers for the audit log tests: build a varied chain, play the attacker, run the command."""

from contextlib import contextmanager
from io import StringIO

from django.core.management import call_command
from django.db import connection, models

from custody_portal.audit import (
    audit_record,
    install_append_only_triggers,
    remove_append_only_triggers,
)
from custody_portal.models import AuditEvent


def record_chain(count: int, users=()) -> list[AuditEvent]:
    """`count` events with every kind of value: users and system, wallets or none, nested
    before/after with unicode, booleans, floats and integers beyond 64 bits."""
    events = []
    for i in range(1, count + 1):
        actor = users[i % len(users)] if users and i % 3 else None
        events.append(
            audit_record(
                actor=actor,
                action=("sub_address.create", "sub_address.update", "wallet.refresh")[i % 3],
                object_type="sub_address",
                object_id=f"btc:maddress{i}",
                wallet_id=100 + i % 4 if i % 5 else None,
                before=None if i % 4 == 1 else {"name": f"old {i}", "is_watched": i % 2 == 0},
                after={
                    "name": f"Dépôt {i} “ok”",
                    "is_watched": True,
                    "amount": 10**30 + i,
                    "fee": 0.25,
                    "nested": {"z": [1, 2.5, None], "a": "x"},
                },
                message=f"Changed sub-address {i}",
            )
        )
    return events


@contextmanager
def append_only_triggers_off():
    """Let raw writes through the database's append-only triggers (tests only: the
    attacker with DDL rights). Restored on exit; the test's rollback would restore them too."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses to run while deferred FK checks of this transaction pend.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE custody_portal_auditevent DISABLE TRIGGER USER")
        else:
            remove_append_only_triggers(connection)
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE custody_portal_auditevent ENABLE TRIGGER USER")
        else:
            install_append_only_triggers(connection)


def tamper(sequence: int, /, **values) -> None:
    """Rewrite stored columns of one event in place, past the model's refusals."""
    events = AuditEvent.objects.filter(sequence=sequence)
    with append_only_triggers_off():
        rows = models.QuerySet.update(events, **values)
    assert rows == 1


def remove(sequence: int) -> None:
    with append_only_triggers_off():
        models.QuerySet.delete(AuditEvent.objects.filter(sequence=sequence))


def verify(*args) -> tuple[int, str]:
    """Run `manage.py verify_audit`; (exit code, what it printed)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, (out.getvalue() + err.getvalue()).strip()
