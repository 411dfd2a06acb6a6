"""The audit log every app writes to: who did what, when, before → after (DESIGN §10).

It is append-only and tamper-evident:

- **Chained.** Event N stores `prev_hash` (event N-1's hash) and `hash = sha256(payload)`, where
  `payload` is the canonical serialization of every other field (`canonical_json`: sorted
  keys, compact, ASCII) stored as text. Storing the text, not re-serializing the columns,
  makes verification independent of how the database hands JSON back (jsonb sorts keys and
  may respell numbers); `audit_verify` then checks that each column still equals the
  payload's value (`same_json`), so changing `after` in place is caught like changing the
  payload.
- **Serialized.** `audit_record` locks the one `AuditChainHead` row (`SELECT … FOR UPDATE`)
  before reading the last sequence and hash, and moves it in the same transaction. Concurrent
  writers therefore queue instead of both taking N+1 from the same head: no fork, no gap (a
  rolled-back caller rolls back its event and the head move together). On SQLite the write
  transaction itself is the lock.
- **Append-only.** The model and its queryset refuse update and delete; the admin is
  read-only; the database refuses `UPDATE` of an event (trigger, PostgreSQL and SQLite) and,
  on PostgreSQL, `DELETE` too. SQLite keeps `DELETE` possible because Django empties test
  databases with `DELETE FROM` (PostgreSQL uses `TRUNCATE`, which row triggers do not see);
  a deleted event still shows as a gap or as a head pointing past the last event.

What a hash chain cannot prove alone: someone able to rewrite every event from N to the end
and the head can produce a consistent chain. The head hash printed by `verify_audit` is the
anchor to keep elsewhere (a ticket, a daily report) to rule that out.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from custody_portal.errors import ApplicationError
from custody_portal.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64  # the prev_hash of sequence 1
PAYLOAD_VERSION = 1  # "v" in every payload, so the serialization can evolve without ambiguity
HEAD_ID = 1
SYSTEM_ACTOR = "system"  # actor_username of events without a user (tasks, reconciliation)
ANONYMOUS_ACTOR = "anonymous"
# Every field the hash covers, besides "v". `id` is not: it is the database's, not history's.
HASHED_FIELDS = (
    "sequence",
    "prev_hash",
    "created_at",
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "wallet_id",
    "before",
    "after",
    "message",
)


class AuditChainBroken(ApplicationError):
    """The chain cannot be appended to: its head row is gone while events exist."""


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    object_type: str,
    object_id: str,
    wallet_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
    message: str = "",
) -> AuditEvent:
    """Append one event to the chain; `actor` None records a system action ("system").

    Call it inside the transaction that makes the change it records, as its last write: the
    event and the change then commit or roll back together, and the chain head stays locked
    only until that commit (other audited writes wait for it). Called outside a transaction
    it opens its own. `before`/`after` must be JSON-serializable; Decimals and datetimes are
    stored as strings (DjangoJSONEncoder), exactly as hashed.
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    if user is not None:
        username = user.get_username()
    else:
        username = SYSTEM_ACTOR if actor is None else ANONYMOUS_ACTOR
    before, after = _json_value(before), _json_value(after)
    with transaction.atomic():
        head = _locked_head()
        event = AuditEvent(
            sequence=head.sequence + 1,
            prev_hash=head.hash,
            # Taken under the lock, so time never runs backwards along the sequence.
            created_at=timezone.now(),
            actor=user,
            actor_username=username,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            wallet_id=None if wallet_id is None else int(wallet_id),
            before=before,
            after=after,
            message=message or "",
        )
        event.payload = canonical_payload(event)
        event.hash = payload_hash(event.payload)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=HEAD_ID).update(sequence=event.sequence, hash=event.hash)
    return event


def _locked_head() -> AuditChainHead:
    """The chain head, locked until the surrounding transaction ends.

    Migration 0005 creates it. It is missing only from a database emptied wholesale (a test
    flush): it is then recreated at the genesis, but never while events exist, which would
    restart the chain over them.
    """
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_ID).first()
    if head is not None:
        return head
    if AuditEvent.objects.exists():
        raise AuditChainBroken(
            "The audit log's chain head is missing, so no change can be recorded. "
            "Run manage.py verify_audit and restore it.",
            status=503,
        )
    # ON CONFLICT DO NOTHING: two first writers do not fail on each other's insert.
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(id=HEAD_ID, sequence=0, hash=GENESIS_HASH)], ignore_conflicts=True
    )
    return AuditChainHead.objects.select_for_update().get(pk=HEAD_ID)


def _json_value(value: Any) -> Any:
    """`value` as the database will give it back (str keys, lists, Decimals as strings)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, allow_nan=False))


# --- Canonical serialization (also used by migration 0005) -------------------------------


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, ASCII only (no encoding or normalization ambiguity)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _timestamp(moment: datetime) -> str:
    """UTC with microseconds: the precision both PostgreSQL and SQLite keep."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def hashed_fields(event) -> dict[str, Any]:
    """The values the hash covers, read from an event's columns (any model version)."""
    return {
        "sequence": event.sequence,
        "prev_hash": event.prev_hash,
        "created_at": _timestamp(event.created_at),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "wallet_id": event.wallet_id,
        "before": event.before,
        "after": event.after,
        "message": event.message,
    }


def canonical_payload(event) -> str:
    return canonical_json({"v": PAYLOAD_VERSION, **hashed_fields(event)})


def payload_hash(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()


def same_json(a: Any, b: Any) -> bool:
    """JSON equality that ignores key order and number spelling (1.0 == 1, as jsonb may
    return either) but not type: true is not 1, "1" is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    numbers = (int, float, Decimal)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


# --- Verification ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    """The outcome of `audit_verify`: how much was checked and the first broken link."""

    checked: int
    head_sequence: int
    head_hash: str
    broken_sequence: int | None = None
    broken_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None

    def __str__(self) -> str:
        if self.ok:
            return f"OK: {self.checked} events, head {self.head_hash}"
        where = f" (id {self.broken_id})" if self.broken_id is not None else ""
        return f"BROKEN at sequence {self.broken_sequence}{where}: {self.problem}"


def event_problem(event: AuditEvent, expected_prev_hash: str) -> str:
    """What is wrong with one stored event ("" when nothing): its hash against its payload,
    its columns against the payload's values, its link to the event before."""
    if payload_hash(event.payload) != event.hash:
        return "its hash is not the SHA-256 of its payload"
    if canonical_payload(event) != event.payload:  # the common case skips the field walk
        problem = _payload_problem(event)
        if problem:
            return problem
    if event.prev_hash != expected_prev_hash:
        return (
            f"its prev_hash is not the hash of sequence {event.sequence - 1} "
            "(an event before it was rewritten, or the order changed)"
        )
    return ""


def _payload_problem(event: AuditEvent) -> str:
    """Why an event's columns, serialized again, differ from its payload: a changed column,
    or only jsonb's respelling of a number (1.0 read back as 1), which is no problem."""
    try:
        hashed = json.loads(event.payload)
    except ValueError:
        return "its payload is not valid JSON"
    if not isinstance(hashed, dict) or hashed.get("v") != PAYLOAD_VERSION:
        return "its payload is not in a known format"
    if canonical_json(hashed) != event.payload:
        return "its payload is not in canonical form"
    if set(hashed) != {"v", *HASHED_FIELDS}:
        return "its payload does not have the expected fields"
    stored = hashed_fields(event)
    for name in HASHED_FIELDS:
        if not same_json(stored[name], hashed[name]):
            return f"its stored {name} differs from the hashed payload"
    return ""


def audit_verify(*, from_sequence: int = 1, chunk_size: int = 2000) -> ChainReport:
    """Walk the chain in sequence order from `from_sequence` and report the first broken link.

    Streams the events (a server-side cursor on PostgreSQL), so memory stays flat at any
    size. The head is read first and the walk stops at it: events appended while verifying
    belong to the next run. Checks, per event: the hash against the payload, every column
    against the payload, the link to the previous hash, no gap in the sequence; then that
    the head matches the last event and that nothing is stored beyond it.
    `from_sequence` > 1 trusts the stored hash of the event before it.
    """
    if from_sequence < 1:
        raise ValueError("--from must be 1 or more")
    head = AuditChainHead.objects.filter(pk=HEAD_ID).first()
    head_sequence = head.sequence if head else 0
    head_hash = head.hash if head else GENESIS_HASH

    def broken(sequence: int, event_id: int | None, problem: str) -> ChainReport:
        return ChainReport(checked, head_sequence, head_hash, sequence, event_id, problem)

    checked = 0
    if head is not None and from_sequence > head_sequence + 1:
        raise ValueError(f"--from {from_sequence} is past the head (sequence {head_sequence})")
    expected_prev = GENESIS_HASH
    if from_sequence > 1:
        before = AuditEvent.objects.filter(sequence=from_sequence - 1).first()
        if before is None:
            return broken(from_sequence - 1, None, "missing: no event has this sequence")
        expected_prev = before.hash

    events = AuditEvent.objects.filter(sequence__gte=from_sequence).order_by("sequence")
    if head is not None:
        events = events.filter(sequence__lte=head_sequence)
    expected_sequence = from_sequence
    for event in events.iterator(chunk_size=chunk_size):
        if event.sequence != expected_sequence:
            return broken(
                expected_sequence,
                None,
                f"missing: the next stored event is sequence {event.sequence} (id {event.pk})",
            )
        problem = event_problem(event, expected_prev)
        if problem:
            return broken(event.sequence, event.pk, problem)
        expected_prev = event.hash
        expected_sequence += 1
        checked += 1
    last = expected_sequence - 1

    if head is None:
        if last >= 1:
            return broken(last, None, "the chain head row is missing")
        return ChainReport(checked, 0, GENESIS_HASH)
    if last < head_sequence:
        return broken(
            last + 1,
            None,
            f"missing: the chain head is at sequence {head_sequence} "
            f"but the last stored event is {last}",
        )
    if head_hash != expected_prev:
        return broken(head_sequence, None, "the chain head's hash is not this event's hash")
    beyond = AuditEvent.objects.filter(sequence__gt=head_sequence).order_by("sequence").first()
    if beyond is not None:
        # A real append commits its event and the head move together: if the head has not
        # moved, this event was not appended through the chain.
        moved = AuditChainHead.objects.filter(pk=HEAD_ID, sequence__gt=head_sequence).exists()
        if not moved:
            return broken(
                beyond.sequence,
                beyond.pk,
                f"stored beyond the chain head (sequence {head_sequence})",
            )
    return ChainReport(checked, head_sequence, head_hash)


# --- Database triggers (installed by migration 0006) ---------------------------------------

_TABLE = "custody_portal_auditevent"
TRIGGER_SQL = {
    "postgresql": (
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP "
        "USING ERRCODE = 'restrict_violation'; END $$",
        f"DROP TRIGGER IF EXISTS audit_event_append_only ON {_TABLE}",
        f"CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {_TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ),
    "sqlite": (
        f"CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON {_TABLE} "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END",
    ),
}
DROP_TRIGGER_SQL = {
    "postgresql": (
        f"DROP TRIGGER IF EXISTS audit_event_append_only ON {_TABLE}",
        "DROP FUNCTION IF EXISTS audit_event_append_only()",
    ),
    "sqlite": ("DROP TRIGGER IF EXISTS audit_event_no_update",),
}


def install_append_only_triggers(connection) -> None:
    """Make the database refuse UPDATE (and on PostgreSQL DELETE) of audit events.

    On SQLite, Django rebuilds a table to alter it, which drops its triggers: a later
    migration that alters `AuditEvent` must call this again
    (`test_database_refuses_update_of_an_event` fails until it does).
    """
    with connection.cursor() as cursor:
        for sql in TRIGGER_SQL.get(connection.vendor, ()):
            cursor.execute(sql)


def remove_append_only_triggers(connection) -> None:
    with connection.cursor() as cursor:
        for sql in DROP_TRIGGER_SQL.get(connection.vendor, ()):
            cursor.execute(sql)
