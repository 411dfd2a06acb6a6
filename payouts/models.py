"""Payouts: batch withdrawals and FIL reward withdrawals, approved by a second person, sent once.

States (DESIGN.md §6): `pending_approval → approved → sending → sent | failed | unknown`, plus
`rejected`, `cancelled`, `expired`. `unknown → sent | failed` only through reconciliation or a
two-person manual resolution (`PayoutResolution`).

Amounts are integer base units (`BaseUnitsField`). The `content_hash` binds approvals to what
was approved: an approval whose hash differs from the payout's current hash does not count.
The database itself refuses an approval by the payout's drafter (a trigger, migration 0002)
and a resolution confirmed by its proposer (a check constraint).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from custody_portal.fields import BaseUnitsField
from custody_portal.money import format_coin


class PayoutKind(models.TextChoices):
    BATCH = "batch", "Batch withdrawal"
    FIL_REWARD = "fil_reward", "FIL reward withdrawal"


class PayoutStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    APPROVED = "approved", "Approved"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Unknown — needs reconciliation"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


# Statuses whose amount is committed (or may have left): they reserve funds of the wallet.
# `unknown` reserves too: the batch may have gone.
RESERVING_STATUSES = (PayoutStatus.APPROVED, PayoutStatus.SENDING, PayoutStatus.UNKNOWN)
# Statuses that never change again.
# Balance's documented transaction statuses that never change again (REFERENCE §5). Any other
# value — pending_approval, approved, pending_generation, `inactive` or one not documented —
# is still in progress (REFERENCE §11 #12), and the reconciler keeps reading it.
BALANCE_FINAL_STATUSES = ("completed", "canceled", "cancelled", "failed")
# Balance's final statuses meaning the funds never left (the hold was released).
BALANCE_DID_NOT_SEND = ("canceled", "cancelled", "failed")
# A `sent` payout whose Balance status is still in progress is re-read for this long after
# sending; then the portal stops following it (and says so on the page).
BALANCE_FOLLOW_DAYS = 7

FINAL_STATUSES = (
    PayoutStatus.SENT,
    PayoutStatus.FAILED,
    PayoutStatus.REJECTED,
    PayoutStatus.CANCELLED,
    PayoutStatus.EXPIRED,
)


class DestinationType(models.TextChoices):
    """The destination types of `send_batch_now`, spelled exactly as Balance does there."""

    WALLET = "wallet", "Balance wallet"
    EXTERNAL_ACCOUNT = "external_account", "External account"
    PUBLIC_ADDRESS = "public_address", "Public address"


class Payout(models.Model):
    """One batch withdrawal (or FIL reward withdrawal) from one warm wallet, for one asset.

    `total` is the sum of the lines (batch) or the withdrawal amount (fil_reward), in base
    units. `required_approvals` is computed from the `ApprovalPolicy` when the payout is
    created or edited and re-checked before sending. `claimed_at` is when a worker moved it to
    `sending` (the reconciler looks for Balance transactions created around it).
    """

    kind = models.CharField(max_length=16, choices=PayoutKind.choices, default=PayoutKind.BATCH)
    status = models.CharField(
        max_length=20, choices=PayoutStatus.choices, default=PayoutStatus.PENDING_APPROVAL
    )
    source_wallet = models.ForeignKey(
        "wallets.Wallet", on_delete=models.PROTECT, related_name="payouts"
    )
    asset = models.CharField(max_length=16)
    total = BaseUnitsField()
    note = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    content_hash = models.CharField(max_length=64)
    required_approvals = models.PositiveSmallIntegerField(default=1)
    # fil_reward only: Balance's storage provider id and the fee ("slow"/"medium"/"fast" or a
    # rate as typed). Batches send no fee (send_batch_now documents none).
    storage_provider_id = models.BigIntegerField(null=True, blank=True)
    fee = models.CharField(max_length=32, blank=True, default="")
    expires_at = models.DateTimeField(help_text="An unapproved payout expires at this time.")
    approved_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    balance_transaction_id = models.CharField(max_length=64, blank=True, default="")
    balance_status = models.CharField(max_length=32, blank=True, default="")
    # When the portal last read `balance_status` from Balance (the answer to the send, or the
    # reconciler following a sent payout until Balance's status is final).
    balance_checked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    rejection_reason = models.TextField(blank=True, default="")
    # Set on an `unknown` payout the reconciler gave up on (no match in time, or several
    # candidates): a person must resolve it.
    needs_review = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The list's order is (-created_at, -id): both indexes end in -id so a page is read
        # in index order, without sorting every earlier row (bench/payouts_bench.py).
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="payout_status_created"),
            models.Index(fields=["-created_at", "-id"], name="payout_created"),
            # Reserved funds: other approved/sending/unknown payouts of a wallet and asset.
            models.Index(fields=["source_wallet", "asset", "status"], name="payout_wallet_asset"),
            # The reconciler following sent payouts, least recently read first.
            models.Index(fields=["status", "balance_checked_at"], name="payout_status_checked"),
        ]
        constraints = [
            # One Balance transaction is linked to at most one payout (reconciliation).
            models.UniqueConstraint(
                fields=["balance_transaction_id"],
                condition=~Q(balance_transaction_id=""),
                name="payout_balance_transaction_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind=PayoutKind.BATCH) | Q(storage_provider_id__isnull=False),
                name="payout_fil_reward_has_provider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {format_coin(self.total, self.asset)}"

    @property
    def reference(self) -> str:
        """The human reference (`PO-000042`); also travels in Balance's `notes` for FIL."""
        return f"PO-{self.pk:06d}" if self.pk else "PO-new"

    @property
    def total_display(self) -> str:
        return format_coin(self.total, self.asset)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def balance_did_not_send(self) -> bool:
        """Sent by the portal, but Balance later reports the transaction failed or canceled:
        the funds did not leave."""
        return (
            self.status == PayoutStatus.SENT and self.balance_status.lower() in BALANCE_DID_NOT_SEND
        )

    @property
    def balance_follow_stopped(self) -> bool:
        """Sent, Balance's status still in progress, and too old for the reconciler to keep
        reading it: the page says so."""
        return (
            self.status == PayoutStatus.SENT
            and self.balance_status.lower() not in BALANCE_FINAL_STATUSES
            and self.finished_at is not None
            and self.finished_at < timezone.now() - timedelta(days=BALANCE_FOLLOW_DAYS)
        )


class PayoutLine(models.Model):
    """One destination of a batch: a Balance wallet, an external account or a public address."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    destination_type = models.CharField(max_length=20, choices=DestinationType.choices)
    destination_id = models.BigIntegerField(null=True, blank=True)
    public_address = models.CharField(max_length=255, blank=True, default="")
    amount = BaseUnitsField()
    label = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        # payout_id, not payout: ordering by the relation would join every payout to sort by
        # the payout's own ordering (a scan of all payouts for each prefetch of lines).
        ordering = ["payout_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["payout", "position"], name="payout_line_position"),
            models.CheckConstraint(
                condition=(
                    Q(
                        destination_type=DestinationType.PUBLIC_ADDRESS,
                        destination_id__isnull=True,
                    )
                    & ~Q(public_address="")
                )
                | (
                    Q(
                        destination_type__in=[
                            DestinationType.WALLET,
                            DestinationType.EXTERNAL_ACCOUNT,
                        ],
                        destination_id__isnull=False,
                        public_address="",
                    )
                ),
                name="payout_line_destination_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.destination_display} {format_coin(self.amount, self.payout.asset)}"

    @property
    def destination_display(self) -> str:
        if self.destination_type == DestinationType.PUBLIC_ADDRESS:
            return self.public_address
        return f"{self.destination_type}:{self.destination_id}"


class PayoutApproval(models.Model):
    """One approver's approval of one version (`content_hash`) of a payout.

    Counts towards quorum only while `content_hash` equals the payout's current hash and it is
    younger than the policy's approval window. The drafter can never be stored here: a
    database trigger refuses it (migration 0002), whatever code path tries.
    """

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_approvals"
    )
    content_hash = models.CharField(max_length=64)
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["approved_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["payout", "approver"], name="payout_approval_once"),
        ]

    def __str__(self) -> str:
        return f"{self.payout_id} approved by {self.approver_id}"


class ResolutionOutcome(models.TextChoices):
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class PayoutResolution(models.Model):
    """A person's proposed resolution of an `unknown` payout, applied when another confirms.

    `confirmed_by` must differ from `proposed_by` (check constraint). At most one proposal is
    open per payout; a new proposal supersedes the open one.
    """

    class State(models.TextChoices):
        OPEN = "open", "Awaiting confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        SUPERSEDED = "superseded", "Superseded"

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="resolutions")
    outcome = models.CharField(max_length=8, choices=ResolutionOutcome.choices)
    transaction_id = models.CharField(max_length=64, blank=True, default="")
    reason = models.TextField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("proposed_by")),
                name="payout_resolution_two_people",
            ),
            models.UniqueConstraint(
                fields=["payout"], condition=Q(state="open"), name="payout_resolution_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payout_id} → {self.outcome} ({self.state})"


class ApprovalPolicy(models.Model):
    """The quorum and time limits of the approval workflow (a singleton, edited in the admin).

    `default_required_approvals` counts approvers besides the drafter. Per-asset thresholds
    (`AssetThreshold`) raise it for large payouts.
    """

    default_required_approvals = models.PositiveSmallIntegerField(default=1)
    approval_valid_hours = models.PositiveIntegerField(
        default=24, help_text="An approval older than this no longer counts."
    )
    payout_valid_days = models.PositiveIntegerField(
        default=7, help_text="A payout not approved within this many days expires."
    )
    reconcile_match_minutes = models.PositiveIntegerField(
        default=10,
        help_text=(
            "The reconciler matches Balance transactions created from 2 minutes before the "
            "claim to this many minutes after it."
        ),
    )
    unknown_give_up_minutes = models.PositiveIntegerField(
        default=60,
        help_text=(
            "After this long without a single match, the reconciler stops and leaves an "
            "unknown payout to a person."
        ),
    )

    class Meta:
        verbose_name_plural = "approval policy"
        constraints = [
            models.CheckConstraint(
                condition=Q(default_required_approvals__gte=1), name="policy_at_least_one"
            ),
            models.CheckConstraint(condition=Q(id=1), name="policy_singleton"),
        ]

    def __str__(self) -> str:
        return "Approval policy"

    @classmethod
    def get_solo(cls) -> ApprovalPolicy:
        """The one policy row (created with the defaults on first use)."""
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy


class AssetThreshold(models.Model):
    """Payouts of `asset` whose total is above `threshold` (base units) need more approvers."""

    policy = models.ForeignKey(
        ApprovalPolicy, on_delete=models.CASCADE, related_name="thresholds", default=1
    )
    asset = models.CharField(max_length=16)
    threshold = BaseUnitsField(help_text="Base units; entered in coin units in the admin.")
    required_approvals = models.PositiveSmallIntegerField(default=2)

    class Meta:
        ordering = ["asset", "threshold"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "threshold"], name="asset_threshold_unique"),
            models.CheckConstraint(
                condition=Q(required_approvals__gte=1), name="asset_threshold_at_least_one"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} above {format_coin(self.threshold, self.asset)}"
