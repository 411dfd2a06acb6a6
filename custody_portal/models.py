"""Shared models: role permissions, the hash-chained audit log and refresh runs."""

from datetime import timedelta

from django.conf import settings
from django.db import models


class PortalPermissions(models.Model):
    """Holds the portal's role permissions (no table); groups in roles.py bundle them."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_portal", "Read every page and the read API"),
            ("operate", "Create and edit sub-addresses, draft payouts, trigger refreshes"),
            ("approve_payouts", "Approve or reject payouts"),
        ]

    def __str__(self) -> str:
        return "portal permissions"


class AuditEventAppendOnly(Exception):
    """An attempt to change or delete a recorded audit event, or to write one outside
    `custody_portal.audit.audit_record`."""


class AuditEventQuerySet(models.QuerySet):
    """Refuses the bulk paths that would rewrite or drop history without going through the
    chain. Reads are unrestricted. (The database refuses UPDATE too: see migration 0006.)"""

    def update(self, **kwargs):
        raise AuditEventAppendOnly("Audit events are append-only: they cannot be updated.")

    def delete(self):
        raise AuditEventAppendOnly("Audit events are append-only: they cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditEventAppendOnly("Audit events are append-only: they cannot be updated.")

    def bulk_create(self, objs, *args, **kwargs):
        raise AuditEventAppendOnly("Write audit events one by one with audit_record().")


class AuditEvent(models.Model):
    """One recorded write: who did what to which subject, with the before and after values.

    The log is append-only and hash-chained (DESIGN §10). Each event has a gapless `sequence`
    (1, 2, 3…), the `prev_hash` of the event before it (64 zeros for the first) and its own
    `hash`: the SHA-256 of `payload`, the canonical serialization (sorted keys, compact JSON,
    stored as text) of every other field. The payload is stored rather than recomputed because
    jsonb neither keeps key order nor number spelling; `manage.py verify_audit` checks that
    the stored columns still equal the payload's values and that each `prev_hash` is the hash
    of the event before. Rows are written only by `custody_portal.audit.audit_record`, which
    serializes appends on `AuditChainHead`.

    `actor_username` is the name at the time of the event, kept for system events too
    ("system"); the `actor` link is `PROTECT`ed so a user with history cannot be deleted (deactivate
    them instead). `object_type`/`object_id` name the subject generically (`"payout"`, `"42"`);
    `wallet_id` is set when the subject concerns a Balance wallet, for the wallet page.
    """

    sequence = models.PositiveBigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # Set by audit_record (not auto_now_add) so that it is part of the hashed content.
    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    actor_username = models.CharField(max_length=150)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=128)
    # The Balance wallet id the event concerns, so the wallet page can list its events cheaply.
    wallet_id = models.BigIntegerField(null=True, blank=True)
    # Kept as JSON for querying; verification compares them with the payload's values.
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    message = models.TextField(blank=True)
    payload = models.TextField()

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        # One index per filter of the audit page and the wallet/payout timelines, each ending
        # in the sequence so "newest first" pages walk the index.
        indexes = [
            models.Index(fields=["wallet_id", "-sequence"], name="audit_wallet_seq_idx"),
            models.Index(
                fields=["object_type", "object_id", "-sequence"], name="audit_subject_seq_idx"
            ),
            models.Index(fields=["actor_username", "-sequence"], name="audit_actor_seq_idx"),
            models.Index(fields=["action", "-sequence"], name="audit_action_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditEventAppendOnly("Audit events are append-only: they cannot be changed.")
        if not self.hash:
            raise AuditEventAppendOnly("Write audit events with audit_record().")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEventAppendOnly("Audit events are append-only: they cannot be deleted.")


class AuditChainHead(models.Model):
    """The one row (id 1) holding the last event's sequence and hash.

    `audit_record` locks it (`SELECT … FOR UPDATE`) for the rest of the caller's transaction,
    so appends are serialized and two writers can never both take sequence N+1 from the same
    head (on SQLite the write transaction itself serializes them). It also pins the chain's
    end: deleting the newest events leaves the head pointing past them, which `verify_audit`
    reports.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_one_row")
        ]

    def __str__(self) -> str:
        return f"audit chain head #{self.sequence} {self.hash[:12]}"


class RefreshRun(models.Model):
    """One run of a background refresh: when, how it ended, what it counted, why it failed."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (another run in progress)"

    task = models.CharField(max_length=64)
    scope = models.CharField(max_length=128, blank=True, default="")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    # "auth" when Balance refused our credentials: the home page shows a distinct alert.
    error_kind = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["-started_at"]),
            models.Index(fields=["task", "-started_at"]),
            models.Index(fields=["task", "status", "-started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.status} {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def abandoned(self) -> bool:
        """Still "running" past the task time limit: its worker died (killed, restarted) and
        will never finish it. Its lock has expired too, so a new run can start."""
        from django.conf import settings
        from django.utils import timezone

        limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
        return self.status == self.Status.RUNNING and timezone.now() - self.started_at > limit

    @property
    def display_status(self) -> str:
        return "abandoned" if self.abandoned else self.status

    @property
    def counts_text(self) -> str:
        """`wallets=40 created=0 …` for the history page (error lists are shown apart)."""
        return " ".join(f"{k}={v}" for k, v in self.counts.items() if not isinstance(v, list))


class PendingRemoval(models.Model):
    """A removal a refresh held back because its walk looked implausible (DESIGN.md §11.7).

    A complete walk that returned nothing while the portal holds records, or that would remove
    more than half of them, removes nothing: it stores the ids it would have removed here and
    the run fails saying so. The next complete walk proposing the same ids applies them, and
    so does an operator's confirmation on the home page; any other complete walk replaces or
    clears the row. At most one row per data set. One mechanism for every data set a refresh
    removes from (`custody_portal.removals`): wallets, external accounts, storage providers.
    """

    class DataSet(models.TextChoices):
        WALLETS = "wallets", "wallets"
        EXTERNAL_ACCOUNTS = "external_accounts", "external accounts"
        STORAGE_PROVIDERS = "storage_providers", "storage providers"

    data_set = models.CharField(max_length=32, choices=DataSet.choices, unique=True)
    # The Balance ids the walk did not return, sorted; `ids_hash` names exactly this set, so
    # an agreeing walk or a confirmation applies what was shown, not a set that moved since.
    ids = models.JSONField()
    ids_hash = models.CharField(max_length=64)
    active_count = models.PositiveIntegerField(help_text="Active records the portal held.")
    seen_count = models.PositiveIntegerField(help_text="Records the walk returned.")
    first_run = models.ForeignKey(
        RefreshRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The run whose walk first proposed this removal.",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["data_set"]

    def __str__(self) -> str:
        return f"{self.count} {self.get_data_set_display()} pending removal"

    @property
    def count(self) -> int:
        return len(self.ids)
