"""Shared models: role permissions, the audit trail and refresh runs."""

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


class AuditEvent(models.Model):
    """One recorded write: who did what to which object, with the before and after values."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=128)
    # The Balance wallet id the event concerns, so the wallet page can list its events cheaply.
    wallet_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["wallet_id", "-created_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


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
