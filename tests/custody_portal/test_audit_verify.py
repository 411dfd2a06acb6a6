"""`manage.py verify_audit` walks the chain and names the first broken link: tampering with
any stored field of any event, a deleted event, a changed order or a moved head."""

import json
from datetime import timedelta

import pytest
from django.core.management.base import CommandError

from custody_portal.audit import GENESIS_HASH, audit_record, canonical_payload, payload_hash
from custody_portal.models import AuditChainHead, AuditEvent
from tests.factories import UserFactory

from .audit_helpers import record_chain, remove, tamper, verify

pytestmark = pytest.mark.django_db

CHAIN_LENGTH = 10


@pytest.fixture
def chain():
    users = [UserFactory(username="alice"), UserFactory(username="bob")]
    return record_chain(CHAIN_LENGTH, users)


def _broken_at(sequence: int, output: str) -> None:
    event = AuditEvent.objects.filter(sequence=sequence).first()
    where = f" (id {event.pk})" if event else ""
    assert output.startswith(f"BROKEN at sequence {sequence}{where}: "), output


def test_an_intact_chain_verifies(chain):
    code, output = verify()

    assert code == 0
    assert output == f"OK: {CHAIN_LENGTH} events, head {chain[-1].hash}"


def test_an_empty_log_verifies():
    assert verify() == (0, f"OK: 0 events, head {GENESIS_HASH}")


def test_a_long_chain_verifies_across_read_chunks():
    record_chain(125)
    assert verify("--chunk-size", "7")[1].startswith("OK: 125 events")


def _other_user():
    return UserFactory(username="mallory")


# field → how the attacker changes it (from the event's current value)
TAMPERS = {
    "action": lambda e: {"action": "sub_address.forged"},
    "actor_username": lambda e: {"actor_username": "mallory"},
    "actor": lambda e: {"actor": _other_user()},
    "before": lambda e: {"before": {"name": "forged"}},
    "after": lambda e: {"after": {**e.after, "amount": e.after["amount"] + 1}},
    "after_bool_to_int": lambda e: {"after": {**e.after, "is_watched": 1}},
    "message": lambda e: {"message": e.message + "!"},
    "created_at": lambda e: {"created_at": e.created_at + timedelta(microseconds=1)},
    "wallet_id": lambda e: {"wallet_id": (e.wallet_id or 0) + 1},
    "wallet_id_cleared": lambda e: {"wallet_id": None if e.wallet_id else 7},
    "object_type": lambda e: {"object_type": "wallet"},
    "object_id": lambda e: {"object_id": "btc:forged"},
    "prev_hash": lambda e: {"prev_hash": "f" * 64},
    "hash": lambda e: {"hash": "e" * 64},
    "payload": lambda e: {"payload": e.payload.replace("Changed", "Chonged")},
    "sequence": lambda e: {"sequence": 10_000},
}


@pytest.mark.parametrize("position", [1, 5, CHAIN_LENGTH])
@pytest.mark.parametrize("field", TAMPERS)
def test_tampering_with_any_stored_field_is_detected(chain, field, position):
    """GIVEN a verified chain WHEN one stored field of one event is changed in the database
    THEN verify_audit exits 1 naming that event's sequence."""
    event = chain[position - 1]
    tamper(position, **TAMPERS[field](event))

    code, output = verify()

    assert code == 1
    _broken_at(position, output)


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ("action", "its stored action differs from the hashed payload"),
        ("actor", "its stored actor_id differs from the hashed payload"),
        ("after", "its stored after differs from the hashed payload"),
        ("hash", "its hash is not the SHA-256 of its payload"),
        ("prev_hash", "its stored prev_hash differs from the hashed payload"),
        ("sequence", "missing: the next stored event is sequence 6"),
    ],
)
def test_the_report_says_what_is_wrong(chain, field, problem):
    tamper(5, **TAMPERS[field](chain[4]))
    assert problem in verify()[1]


def test_reordered_keys_and_respelled_numbers_are_not_tampering(chain):
    """jsonb returns keys sorted and spells some numbers its own way (1e+20 comes back as
    100000000000000000000): the same JSON value is the same event."""
    event = chain[4]
    tamper(5, after=dict(reversed(list(event.after.items()))))
    big = audit_record(
        actor=None, action="x", object_type="x", object_id="1", wallet_id=None, after={"n": 1e20}
    )
    tamper(big.sequence, after={"n": 10**20})

    assert verify() == (0, f"OK: {CHAIN_LENGTH + 1} events, head {big.hash}")


def test_a_deleted_event_is_detected(chain):
    remove(5)

    code, output = verify()

    assert code == 1
    assert output.startswith("BROKEN at sequence 5: missing: the next stored event is sequence 6")


def test_a_deleted_first_event_is_detected(chain):
    remove(1)
    code, output = verify()
    assert code == 1 and output.startswith("BROKEN at sequence 1: missing")


def test_a_deleted_last_event_is_detected_by_the_head(chain):
    remove(CHAIN_LENGTH)

    code, output = verify()

    assert code == 1
    assert output == (
        f"BROKEN at sequence {CHAIN_LENGTH}: missing: the chain head is at sequence "
        f"{CHAIN_LENGTH} but the last stored event is {CHAIN_LENGTH - 1}"
    )


def test_swapped_events_are_detected(chain):
    """GIVEN events 4 and 5 WHEN their sequence numbers are swapped THEN sequence 4 holds an
    event hashed as sequence 5."""
    fourth, fifth = chain[3], chain[4]
    tamper(4, sequence=10_000)
    tamper(5, sequence=4)
    tamper(10_000, sequence=5)

    code, output = verify()

    assert code == 1
    assert output == (
        f"BROKEN at sequence 4 (id {fifth.pk}): its stored sequence differs from the hashed payload"
    )
    assert AuditEvent.objects.get(sequence=5).pk == fourth.pk


def _rewrite_consistently(event: AuditEvent, **values) -> None:
    """The attacker rewrites an event and recomputes its payload and hash."""
    for name, value in values.items():
        setattr(event, name, value)
    event.payload = canonical_payload(event)
    event.hash = payload_hash(event.payload)
    tamper(event.sequence, payload=event.payload, hash=event.hash, **values)


def test_a_consistently_rewritten_event_breaks_the_next_link(chain):
    _rewrite_consistently(chain[4], message="nothing to see")

    code, output = verify()

    assert code == 1
    _broken_at(6, output)
    assert "its prev_hash is not the hash of sequence 5" in output


def test_a_consistently_rewritten_last_event_breaks_the_head(chain):
    _rewrite_consistently(chain[-1], message="nothing to see")

    code, output = verify()

    assert code == 1
    assert output == (
        f"BROKEN at sequence {CHAIN_LENGTH}: the chain head's hash is not this event's hash"
    )


def test_an_event_beyond_the_head_is_detected(chain):
    AuditChainHead.objects.filter(pk=1).update(sequence=CHAIN_LENGTH - 1, hash=chain[-2].hash)

    code, output = verify()

    assert code == 1
    _broken_at(CHAIN_LENGTH, output)
    assert f"stored beyond the chain head (sequence {CHAIN_LENGTH - 1})" in output


def test_a_missing_head_is_detected(chain):
    AuditChainHead.objects.all().delete()

    code, output = verify()

    assert code == 1
    assert output == f"BROKEN at sequence {CHAIN_LENGTH}: the chain head row is missing"


def test_a_payload_that_is_not_json_is_detected(chain):
    payload = "not json"
    tamper(3, payload=payload, hash=payload_hash(payload))
    assert "its payload is not valid JSON" in verify()[1]


def test_a_payload_with_an_extra_field_is_detected(chain):
    hashed = json.loads(chain[2].payload)
    hashed["extra"] = 1
    payload = json.dumps(hashed, sort_keys=True, separators=(",", ":"))
    tamper(3, payload=payload, hash=payload_hash(payload))
    assert "its payload does not have the expected fields" in verify()[1]


def test_from_starts_at_a_sequence_and_trusts_the_one_before(chain):
    tamper(3, message="forged")

    assert verify("--from", "5") == (0, f"OK: {CHAIN_LENGTH - 4} events, head {chain[-1].hash}")
    code, output = verify("--from", "2")
    assert code == 1
    _broken_at(3, output)


def test_from_still_finds_a_later_break(chain):
    tamper(7, message="forged")
    code, output = verify("--from", "5")
    assert code == 1
    _broken_at(7, output)


@pytest.mark.parametrize("start", ["0", str(CHAIN_LENGTH + 2)])
def test_from_out_of_range_is_refused(chain, start):
    with pytest.raises(CommandError):
        verify("--from", start)
