"""The database refuses an approval by the payout's drafter (DESIGN.md §6: down to the database).

A CHECK constraint cannot look at another table, so this is a trigger, one per vendor: on
insert or update of an approval whose approver is the payout's `created_by`, and on an update
of a payout's `created_by` to one of its approvers. Both raise an integrity error, so even a
bug, a shell session or the Django admin cannot store a self-approval.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER payouts_approval_not_drafter_insert
    BEFORE INSERT ON payouts_payoutapproval
    FOR EACH ROW
    WHEN NEW.approver_id = (SELECT created_by_id FROM payouts_payout WHERE id = NEW.payout_id)
    BEGIN
        SELECT RAISE(ABORT, 'payout_approval_not_drafter: the drafter cannot approve');
    END
    """,
    """
    CREATE TRIGGER payouts_approval_not_drafter_update
    BEFORE UPDATE ON payouts_payoutapproval
    FOR EACH ROW
    WHEN NEW.approver_id = (SELECT created_by_id FROM payouts_payout WHERE id = NEW.payout_id)
    BEGIN
        SELECT RAISE(ABORT, 'payout_approval_not_drafter: the drafter cannot approve');
    END
    """,
    """
    CREATE TRIGGER payouts_payout_drafter_not_approver
    BEFORE UPDATE OF created_by_id ON payouts_payout
    FOR EACH ROW
    WHEN EXISTS (
        SELECT 1 FROM payouts_payoutapproval
        WHERE payout_id = NEW.id AND approver_id = NEW.created_by_id
    )
    BEGIN
        SELECT RAISE(ABORT, 'payout_approval_not_drafter: the drafter cannot approve');
    END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS payouts_approval_not_drafter_insert",
    "DROP TRIGGER IF EXISTS payouts_approval_not_drafter_update",
    "DROP TRIGGER IF EXISTS payouts_payout_drafter_not_approver",
]

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION payouts_approval_not_drafter() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM payouts_payout
            WHERE id = NEW.payout_id AND created_by_id = NEW.approver_id
        ) THEN
            RAISE EXCEPTION 'payout_approval_not_drafter: the drafter cannot approve'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER payouts_approval_not_drafter
    BEFORE INSERT OR UPDATE ON payouts_payoutapproval
    FOR EACH ROW EXECUTE FUNCTION payouts_approval_not_drafter()
    """,
    """
    CREATE FUNCTION payouts_payout_drafter_not_approver() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM payouts_payoutapproval
            WHERE payout_id = NEW.id AND approver_id = NEW.created_by_id
        ) THEN
            RAISE EXCEPTION 'payout_approval_not_drafter: the drafter cannot approve'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER payouts_payout_drafter_not_approver
    BEFORE UPDATE OF created_by_id ON payouts_payout
    FOR EACH ROW EXECUTE FUNCTION payouts_payout_drafter_not_approver()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS payouts_payout_drafter_not_approver ON payouts_payout",
    "DROP FUNCTION IF EXISTS payouts_payout_drafter_not_approver()",
    "DROP TRIGGER IF EXISTS payouts_approval_not_drafter ON payouts_payoutapproval",
    "DROP FUNCTION IF EXISTS payouts_approval_not_drafter()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"no drafter-approval trigger for {schema_editor.connection.vendor}; "
                "add one before using this database"
            )
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("payouts", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
