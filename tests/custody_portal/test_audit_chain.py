"""audit_record appends hash-chained events; the log refuses every change after the fact."""

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from custody_portal.audit import GENESIS_HASH, AuditChainBroken, audit_record, audit_verify
from custody_portal.models import AuditChainHead, AuditEvent, AuditEventAppendOnly
from tests.factories import UserFactory

from .audit_helpers import record_chain

pytestmark = pytest.mark.django_db


def _record(**overrides) -> AuditEvent:
    fields = {
        "actor": None,
        "action": "wallet.refresh",
        "object_type": "wallet",
        "object_id": "7",
        "wallet_id": 7,
    }
    return audit_record(**{**fields, **overrides})


def test_events_form_a_gapless_chain_ending_at_the_head():
    events = record_chain(30, [UserFactory()])

    stored = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in stored] == list(range(1, 31))
    assert stored[0].prev_hash == GENESIS_HASH
    for previous, event in pairwise(stored):
        assert event.prev_hash == previous.hash
    for event in stored:
        assert event.hash == hashlib.sha256(event.payload.encode()).hexdigest()
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (30, events[-1].hash)
    assert audit_verify().ok


def test_the_payload_is_sorted_compact_json_of_every_field():
    user = UserFactory(username="alice")
    event = _record(actor=user, before={"b": 1, "a": [1, 2]}, after={"z": True}, message="Hi")

    hashed = json.loads(event.payload)
    assert event.payload == json.dumps(hashed, sort_keys=True, separators=(",", ":"))
    assert hashed == {
        "v": 1,
        "sequence": 1,
        "prev_hash": GENESIS_HASH,
        "created_at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": user.pk,
        "actor_username": "alice",
        "action": "wallet.refresh",
        "object_type": "wallet",
        "object_id": "7",
        "wallet_id": 7,
        "before": {"a": [1, 2], "b": 1},
        "after": {"z": True},
        "message": "Hi",
    }


def test_an_event_rolls_back_with_its_callers_transaction_leaving_no_gap():
    """GIVEN a change and its event in one transaction WHEN the change fails THEN neither is
    stored, and the next event takes the sequence number the failed one had."""
    _record()
    with pytest.raises(RuntimeError), transaction.atomic():
        _record(action="wallet.rename")
        raise RuntimeError("the change failed")

    assert not AuditEvent.objects.filter(action="wallet.rename").exists()
    assert AuditChainHead.objects.get().sequence == 1
    assert _record().sequence == 2
    assert audit_verify().ok


def test_created_at_is_part_of_the_event_and_never_runs_backwards():
    events = record_chain(5)
    times = [e.created_at for e in AuditEvent.objects.order_by("sequence")]
    assert times == sorted(times)
    assert json.loads(events[0].payload)["created_at"].startswith(str(times[0].year))


def test_system_and_anonymous_events_keep_a_username():
    system = _record(actor=None)
    anonymous = _record(actor=AnonymousUser())
    assert (system.actor, system.actor_username) == (None, "system")
    assert (anonymous.actor, anonymous.actor_username) == (None, "anonymous")


def test_the_username_at_the_time_is_kept_when_a_user_is_renamed():
    user = UserFactory(username="alice")
    event = _record(actor=user)
    user.username = "alice.smith"
    user.save()

    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor_username, event.actor) == ("alice", user)
    assert audit_verify().ok


def test_values_are_stored_as_the_database_returns_them():
    """Decimals and datetimes become strings, tuples lists, keys strings: what is hashed is
    exactly what is read back."""
    moment = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    event = _record(after={"amount": Decimal("1.50"), "at": moment, 3: ("a", "b")})

    assert event.after == {"amount": "1.50", "at": "2026-11-22T10:00:00Z", "3": ["a", "b"]}
    assert AuditEvent.objects.get(pk=event.pk).after == event.after
    assert audit_verify().ok


def test_a_value_that_is_not_json_is_refused_before_anything_is_written():
    with pytest.raises(ValueError):
        _record(after={"fee": float("nan")})
    assert not AuditEvent.objects.exists()


def test_the_model_refuses_to_change_or_delete_an_event():
    event = _record()
    event.message = "forged"
    with pytest.raises(AuditEventAppendOnly):
        event.save()
    with pytest.raises(AuditEventAppendOnly):
        event.delete()
    with pytest.raises(AuditEventAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(message="forged")
    with pytest.raises(AuditEventAppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditEventAppendOnly):
        AuditEvent.objects.bulk_update([event], ["message"])
    assert AuditEvent.objects.get(pk=event.pk).message == ""


def test_events_are_written_only_through_the_chain():
    with pytest.raises(AuditEventAppendOnly):
        AuditEvent.objects.create(action="x", object_type="x", object_id="1")
    with pytest.raises(AuditEventAppendOnly):
        AuditEvent.objects.bulk_create([AuditEvent(action="x")])
    assert not AuditEvent.objects.exists()


def test_the_database_refuses_update_of_an_event():
    """Below the ORM too: a raw UPDATE is refused by a trigger (PostgreSQL and SQLite)."""
    event = _record()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE custody_portal_auditevent SET message = 'forged' WHERE id = %s", [event.pk]
        )
    assert AuditEvent.objects.get(pk=event.pk).message == ""


@pytest.mark.postgres
def test_postgresql_refuses_delete_of_an_event():
    event = _record()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM custody_portal_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_deleting_a_user_with_events_is_refused():
    user = UserFactory(username="alice")
    _record(actor=user)

    with pytest.raises(ProtectedError):
        user.delete()

    assert AuditEvent.objects.get().actor == user
    assert audit_verify().ok


def test_a_user_without_events_can_still_be_deleted():
    user = UserFactory()
    _record(actor=None)
    user.delete()
    assert audit_verify().ok


def test_the_admin_shows_why_a_user_with_events_cannot_be_deleted(client):
    admin = UserFactory(role="admin", is_staff=True, is_superuser=True)
    user = UserFactory(username="alice")
    _record(actor=user, action="sub_address.create")
    client.force_login(admin)

    response = client.post(f"/admin/auth/user/{user.pk}/delete/", {"post": "yes"})

    assert response.status_code == 200
    text = response.content.decode()
    # Nobody may delete audit events, so the admin names them as what blocks the deletion.
    assert "Cannot delete user" in text
    assert "<li>audit event</li>" in text
    assert type(user).objects.filter(pk=user.pk).exists()


def test_the_admin_lists_events_with_their_sequence_and_username(client):
    admin = UserFactory(role="admin", is_staff=True, is_superuser=True)
    _record(actor=UserFactory(username="alice"), action="sub_address.create")
    client.force_login(admin)

    response = client.get("/admin/custody_portal/auditevent/?q=alice")

    assert response.status_code == 200
    assert "sub_address.create" in response.content.decode()
    assert client.get("/admin/custody_portal/auditevent/add/").status_code == 403


def test_a_lost_head_is_recreated_only_for_an_empty_log():
    """A database emptied wholesale (a test flush) starts a new chain; a head lost while
    events exist must not restart the chain over them."""
    AuditChainHead.objects.all().delete()
    first = _record()
    assert (first.sequence, first.prev_hash) == (1, GENESIS_HASH)

    AuditChainHead.objects.all().delete()
    with pytest.raises(AuditChainBroken):
        _record()
    assert AuditEvent.objects.count() == 1
