"""The local copy of Balance's Filecoin storage providers, their sector history and alerts.

Amounts are exact, signed attoFIL (`SignedBaseUnitsField`): a negative available balance is
fee debt and is stored as such. History is three tables (see filecoin/README.md):
`SectorSnapshot` keeps every reading Balance gave for a recent window, `SectorRollup` keeps
hourly and daily buckets with min / max / last of every figure for the long ranges, so a
fault spike is never averaged away.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .fields import SignedBaseUnitsField

# The figures of a sector reading that history keeps (snapshot columns; rollups keep
# `<figure>_min`, `<figure>_max` and `<figure>_last` of each).
SECTOR_FIGURES = (
    "active_sectors",
    "live_sectors",
    "faulty_sectors",
    "live_sectors_penalty",
    "faulty_sectors_penalty",
    "available_balance",
    "locked_rewards",
)
AMOUNT_FIGURES = frozenset(
    {"live_sectors_penalty", "faulty_sectors_penalty", "available_balance", "locked_rewards"}
)


class StorageProvider(models.Model):
    """A Filecoin storage provider as the last refresh saw it; `id` is Balance's id.

    Balances come from every read; the sector figures are those of the newest reading
    (`last_updated_at` is Balance's own time for them). `faulty_share_ppm` and
    `worsening` are derived at refresh time from the reading 24 hours earlier, so pages sort
    and filter on plain columns. The termination estimate is a cached answer of the
    rate-limited `sector_termination_fees` endpoint, with its age. A provider Balance stops
    returning is kept with `removed_at` set.
    """

    id = models.BigIntegerField(primary_key=True, help_text="The storage provider id at Balance.")
    wallet = models.ForeignKey(
        "wallets.Wallet", on_delete=models.PROTECT, related_name="storage_providers"
    )
    address = models.CharField(max_length=128, db_index=True, help_text="On-chain, e.g. t01491.")
    initial_pledge = SignedBaseUnitsField(default=0)
    locked_rewards = SignedBaseUnitsField(default=0)
    available_balance = SignedBaseUnitsField(default=0, help_text="Negative: fee debt.")

    active_sectors = models.BigIntegerField(null=True, blank=True)
    live_sectors = models.BigIntegerField(null=True, blank=True)
    faulty_sectors = models.BigIntegerField(null=True, blank=True)
    live_sectors_penalty = SignedBaseUnitsField(null=True, blank=True)
    faulty_sectors_penalty = SignedBaseUnitsField(null=True, blank=True)
    last_updated_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="Balance's time of the sector figures."
    )

    # Faulty / live sectors in parts per million, now and 24 hours earlier (null: unknown).
    faulty_share_ppm = models.IntegerField(null=True, blank=True)
    faulty_share_24h_ago_ppm = models.IntegerField(null=True, blank=True)
    worsening = models.BooleanField(default=False, help_text="Faulty share above 24 h ago.")

    synced_at = models.DateTimeField(help_text="The last refresh that read this provider.")
    removed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    termination_live_penalty = SignedBaseUnitsField(
        null=True, blank=True, help_text="Balance's estimate to terminate every live sector."
    )
    termination_faulty_penalty = SignedBaseUnitsField(null=True, blank=True)
    termination_as_of = models.DateTimeField(
        null=True, blank=True, help_text="Balance's cache time of the estimate."
    )
    termination_fetched_at = models.DateTimeField(null=True, blank=True)
    termination_requested_at = models.DateTimeField(null=True, blank=True)
    termination_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["address", "id"]

    def __str__(self) -> str:
        return f"{self.address} (#{self.id})"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None

    @property
    def in_fee_debt(self) -> bool:
        return self.available_balance < 0


class SectorSnapshot(models.Model):
    """One reading of a provider's sector summary, as Balance gave it. Never overwritten.

    Unique on (provider, `last_updated_at`): the same reading read twice is stored once.
    Kept for `FILECOIN_RAW_RETENTION_DAYS`, then only its hourly and daily roll-ups remain.
    """

    provider = models.ForeignKey(StorageProvider, on_delete=models.CASCADE, related_name="+")
    last_updated_at = models.DateTimeField(help_text="Balance's time of these figures.")
    taken_at = models.DateTimeField(help_text="When the portal read them.")
    active_sectors = models.BigIntegerField()
    live_sectors = models.BigIntegerField()
    faulty_sectors = models.BigIntegerField()
    live_sectors_penalty = SignedBaseUnitsField()
    faulty_sectors_penalty = SignedBaseUnitsField()
    available_balance = SignedBaseUnitsField()
    locked_rewards = SignedBaseUnitsField()

    class Meta:
        ordering = ["provider", "last_updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "last_updated_at"], name="sector_snapshot_unique"
            ),
        ]
        indexes = [
            # The roll-up job: readings stored since its last run, and pruning by age.
            models.Index(fields=["taken_at"], name="sector_snapshot_taken"),
            models.Index(fields=["last_updated_at"], name="sector_snapshot_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} @ {self.last_updated_at:%Y-%m-%d %H:%M}"


class SectorRollup(models.Model):
    """An hourly or daily bucket of a provider's readings: min, max and last of each figure.

    `last` is the figure of the bucket's newest reading (`last_at`), so the line a chart draws
    through `last` values is the real sequence of states; `min` and `max` keep what happened
    in between (a one-reading fault spike survives in `faulty_sectors_max`). Daily buckets are
    built from hourly ones with the same rules, which keeps them exact.
    """

    class Resolution(models.TextChoices):
        HOUR = "hour", "Hourly"
        DAY = "day", "Daily"

    provider = models.ForeignKey(StorageProvider, on_delete=models.CASCADE, related_name="+")
    resolution = models.CharField(max_length=8, choices=Resolution.choices)
    bucket_start = models.DateTimeField()
    samples = models.PositiveIntegerField(help_text="Readings in the bucket.")
    last_at = models.DateTimeField(help_text="Balance's time of the bucket's newest reading.")

    active_sectors_min = models.BigIntegerField()
    active_sectors_max = models.BigIntegerField()
    active_sectors_last = models.BigIntegerField()
    live_sectors_min = models.BigIntegerField()
    live_sectors_max = models.BigIntegerField()
    live_sectors_last = models.BigIntegerField()
    faulty_sectors_min = models.BigIntegerField()
    faulty_sectors_max = models.BigIntegerField()
    faulty_sectors_last = models.BigIntegerField()
    live_sectors_penalty_min = SignedBaseUnitsField()
    live_sectors_penalty_max = SignedBaseUnitsField()
    live_sectors_penalty_last = SignedBaseUnitsField()
    faulty_sectors_penalty_min = SignedBaseUnitsField()
    faulty_sectors_penalty_max = SignedBaseUnitsField()
    faulty_sectors_penalty_last = SignedBaseUnitsField()
    available_balance_min = SignedBaseUnitsField()
    available_balance_max = SignedBaseUnitsField()
    available_balance_last = SignedBaseUnitsField()
    locked_rewards_min = SignedBaseUnitsField()
    locked_rewards_max = SignedBaseUnitsField()
    locked_rewards_last = SignedBaseUnitsField()

    class Meta:
        ordering = ["provider", "resolution", "bucket_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "resolution", "bucket_start"], name="sector_rollup_unique"
            ),
        ]
        indexes = [
            # Pruning old hourly buckets.
            models.Index(fields=["resolution", "bucket_start"], name="sector_rollup_age"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.resolution} {self.bucket_start:%Y-%m-%d %H:%M}"


class StorageProviderAlert(models.Model):
    """A provider entering a bad state: opened with the figures of that moment, closed when
    the state clears. Staff acknowledge it or mute it until a time, with a reason (both are
    audit events). Closed alerts are kept: they are the provider's alert history."""

    class Kind(models.TextChoices):
        FEE_DEBT = "fee_debt", "Fee debt"
        WORSENING = "worsening", "Worsening"
        FAULTY = "faulty", "Faulty sectors"
        STALE = "stale", "Stale data"

    provider = models.ForeignKey(StorageProvider, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    opened_at = models.DateTimeField()
    figures = models.JSONField(default=dict, help_text="The provider's figures when it opened.")
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_figures = models.JSONField(null=True, blank=True)
    close_reason = models.CharField(max_length=64, blank=True, default="")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledge_note = models.TextField(blank=True, default="")
    muted_until = models.DateTimeField(null=True, blank=True)
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mute_reason = models.TextField(blank=True, default="")
    notified_at = models.DateTimeField(null=True, blank=True, help_text="Operators emailed.")

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            # At most one open alert per provider and kind, down to the database.
            models.UniqueConstraint(
                fields=["provider", "kind"],
                condition=Q(closed_at__isnull=True),
                name="storage_provider_alert_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "-opened_at"], name="sp_alert_provider"),
            models.Index(
                fields=["-opened_at"], condition=Q(closed_at__isnull=True), name="sp_alert_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.provider_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def muted_at(self, moment) -> bool:
        return self.muted_until is not None and self.muted_until > moment
