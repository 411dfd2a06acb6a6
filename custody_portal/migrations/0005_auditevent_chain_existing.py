"""Audit log, step 2 of 3: chain the events recorded before the chain existed.

They are chained in the order they were recorded, (created_at, id), with the canonical
serialization `verify_audit` checks (custody_portal.audit), and the head is set to the last.
The username is the actor's current one (the best record there is of it); an event without
an actor was a system action ("system").
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import migrations

BATCH = 500


def chain_existing_events(apps, schema_editor):
    from custody_portal.audit import (
        GENESIS_HASH,
        HEAD_ID,
        SYSTEM_ACTOR,
        canonical_payload,
        payload_hash,
    )

    db = schema_editor.connection.alias
    AuditEvent = apps.get_model("custody_portal", "AuditEvent")
    AuditChainHead = apps.get_model("custody_portal", "AuditChainHead")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    events = AuditEvent.objects.using(db)
    names = dict(
        User.objects.using(db)
        .filter(pk__in=events.exclude(actor=None).values("actor_id"))
        .values_list("pk", get_user_model().USERNAME_FIELD)
    )
    # Ids first: updating a table while a cursor walks it is unsafe on SQLite.
    ids = list(events.order_by("created_at", "id").values_list("id", flat=True))
    sequence, prev_hash = 0, GENESIS_HASH
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        by_id = events.in_bulk(chunk)
        batch = []
        for pk in chunk:
            event = by_id[pk]
            sequence += 1
            event.sequence = sequence
            event.prev_hash = prev_hash
            if event.actor_id is None:
                event.actor_username = SYSTEM_ACTOR
            else:
                event.actor_username = names.get(event.actor_id, f"deleted user #{event.actor_id}")
            event.payload = canonical_payload(event)
            event.hash = payload_hash(event.payload)
            prev_hash = event.hash
            batch.append(event)
        events.bulk_update(
            batch, ["sequence", "prev_hash", "actor_username", "payload", "hash"]
        )
    AuditChainHead.objects.using(db).update_or_create(
        id=HEAD_ID, defaults={"sequence": sequence, "hash": prev_hash}
    )


class Migration(migrations.Migration):

    dependencies = [
        ("custody_portal", "0004_auditevent_chain_fields"),
    ]

    operations = [
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
    ]
