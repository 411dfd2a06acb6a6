"""Migrations 0004–0006 chain the events recorded before the chain existed."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from custody_portal.audit import GENESIS_HASH, audit_record, audit_verify
from custody_portal.models import AuditChainHead, AuditEvent

BEFORE_CHAIN = [("custody_portal", "0003_refresh_run_started_index")]
WITH_CHAIN = [("custody_portal", "0006_auditevent_append_only")]


@pytest.fixture
def migrator():
    """Migrate custody_portal back to before the chain; always forward to the latest again."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_CHAIN)
    try:
        yield executor.loader.project_state(BEFORE_CHAIN).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _at(day: int) -> datetime:
    return datetime(2026, 11, day, 12, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_existing_events_are_chained_in_the_order_they_were_recorded(migrator):
    """GIVEN events recorded before the chain (a user's, a system one, one whose timestamps
    tie) WHEN the chain migrations run THEN they get sequences in (created_at, id) order,
    the actor's username or "system", a verifying chain, and new events continue it."""
    User = migrator.get_model("auth", "User")
    OldEvent = migrator.get_model("custody_portal", "AuditEvent")
    alice = User.objects.create(username="alice")

    def old_event(action: str, day: int, actor=None) -> int:
        event = OldEvent.objects.create(
            actor=actor,
            action=action,
            object_type="sub_address",
            object_id=f"btc:{action}",
            wallet_id=7,
            before={"name": "a", "is_watched": False},
            after={"is_watched": True, "name": "b"},
            message=f"{action} happened",
        )
        OldEvent.objects.filter(pk=event.pk).update(created_at=_at(day))  # auto_now_add
        return event.pk

    third = old_event("third", 3, actor=alice)
    first = old_event("first", 1, actor=alice)
    second_a = old_event("second-a", 2)
    second_b = old_event("second-b", 2, actor=alice)

    MigrationExecutor(connection).migrate(WITH_CHAIN)

    events = list(AuditEvent.objects.order_by("sequence"))
    assert [(e.sequence, e.pk, e.actor_username) for e in events] == [
        (1, first, "alice"),
        (2, second_a, "system"),
        (3, second_b, "alice"),
        (4, third, "alice"),
    ]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[0].created_at == _at(1)
    assert events[0].after == {"is_watched": True, "name": "b"}
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (4, events[-1].hash)
    assert audit_verify().ok

    new = audit_record(
        actor=None, action="after.migration", object_type="x", object_id="1", wallet_id=None
    )
    assert (new.sequence, new.prev_hash) == (5, events[-1].hash)
    assert str(audit_verify()) == f"OK: 5 events, head {new.hash}"


@pytest.mark.django_db(transaction=True)
def test_an_empty_log_gets_a_head_at_the_genesis(migrator):
    MigrationExecutor(connection).migrate(WITH_CHAIN)

    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (0, GENESIS_HASH)
