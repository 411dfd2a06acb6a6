"""Audit log, step 3 of 3: every event has a unique sequence; one index per filter of the
audit page and timelines, ending in the sequence; the database refuses to change events
(custody_portal.audit.install_append_only_triggers: UPDATE on both databases, DELETE too on
PostgreSQL). The triggers come last: on SQLite the field changes above rebuild the table,
which drops its triggers."""

from django.db import migrations, models


def install_triggers(apps, schema_editor):
    from custody_portal.audit import install_append_only_triggers

    install_append_only_triggers(schema_editor.connection)


def remove_triggers(apps, schema_editor):
    from custody_portal.audit import remove_append_only_triggers

    remove_append_only_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("custody_portal", "0005_auditevent_chain_existing"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(unique=True),
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={"ordering": ["-sequence"]},
        ),
        migrations.RemoveIndex(
            model_name="auditevent",
            name="custody_por_wallet__e09c70_idx",
        ),
        migrations.RemoveIndex(
            model_name="auditevent",
            name="custody_por_object__0d5daf_idx",
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["wallet_id", "-sequence"], name="audit_wallet_seq_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["object_type", "object_id", "-sequence"], name="audit_subject_seq_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor_username", "-sequence"], name="audit_actor_seq_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action", "-sequence"], name="audit_action_seq_idx"),
        ),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
