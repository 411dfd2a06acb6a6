"""Read side of payouts (database only): lists, counts, available funds, timelines.

Every selector runs a constant number of queries whatever the number of payouts: filters use
the indexes on status, source wallet, drafter and creation time; related rows come through
`select_related` / `prefetch_related`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from custody_portal.fields import sum_base_units
from custody_portal.models import AuditEvent
from custody_portal.roles import APPROVE
from wallets.models import WalletBalance

from .models import (
    RESERVING_STATUSES,
    ApprovalPolicy,
    Payout,
    PayoutApproval,
    PayoutStatus,
)


@dataclass(frozen=True)
class Available:
    """Funds of one wallet and asset, in base units.

    `spendable` is the local copy of Balance's spendable balance (None when not yet read);
    `reserved` the totals of the wallet's other approved, sending and unknown payouts of the
    asset; `available` = spendable − reserved (None when spendable is unknown).
    `balance` is the wallet's total balance of the asset (0 when it holds none).
    """

    spendable: int | None
    reserved: int
    available: int | None
    balance: int = 0


def reserved_funds(*, wallet_id: int, asset: str, exclude_payout_id: int | None = None) -> int:
    """The sum of the wallet's approved-but-not-sent (and unknown) payouts of `asset`.

    `unknown` reserves too: the batch may have left, so its amount is not available.
    """
    qs = Payout.objects.filter(
        source_wallet_id=wallet_id, asset=asset, status__in=RESERVING_STATUSES
    )
    if exclude_payout_id is not None:
        qs = qs.exclude(pk=exclude_payout_id)
    sums = sum_base_units(qs, group_by="asset", amount="total")
    return sums.get(asset, (0, 0))[0]


def available_funds(
    *, wallet_id: int, asset: str, exclude_payout_id: int | None = None
) -> Available:
    """Spendable (local copy), reserved by other payouts, and what remains (two queries)."""
    row = (
        WalletBalance.objects.filter(wallet_id=wallet_id, asset=asset)
        .values("total", "spendable")
        .first()
    )
    spendable = None
    balance = 0
    if row is not None:
        balance = int(row["total"])
        spendable = int(row["spendable"]) if row["spendable"] is not None else None
    reserved = reserved_funds(wallet_id=wallet_id, asset=asset, exclude_payout_id=exclude_payout_id)
    available = None if spendable is None else spendable - reserved
    return Available(spendable=spendable, reserved=reserved, available=available, balance=balance)


def _approval_cutoff(policy: ApprovalPolicy | None = None):
    policy = policy or ApprovalPolicy.get_solo()
    return timezone.now() - timedelta(hours=policy.approval_valid_hours)


def current_approvals(payout: Payout, *, policy: ApprovalPolicy | None = None) -> QuerySet:
    """The approvals of `payout` that count now: of its current hash and within the window."""
    return payout.approvals.filter(
        content_hash=payout.content_hash, approved_at__gte=_approval_cutoff(policy)
    )


def payout_list(
    *,
    user: AbstractBaseUser,
    status: str | None = None,
    awaiting_me: bool = False,
    q: str = "",
) -> QuerySet[Payout]:
    """Payouts newest first, filtered; rows carry the wallet and drafter (select_related).

    `awaiting_me`: pending payouts `user` may approve (has the approve permission, is not the
    drafter, has no approval counting for the current content). `q` matches the reference
    (`PO-000042` or `42`), the source wallet id, or the wallet's name (substring).
    """
    qs = Payout.objects.select_related("source_wallet", "created_by")
    if status:
        qs = qs.filter(status=status)
    if awaiting_me:
        qs = _awaiting(qs, user)
    q = (q or "").strip()
    if q:
        ref = q.upper().removeprefix("PO-")
        match = Q(source_wallet__name__icontains=q)
        if ref.isdigit():
            match |= Q(pk=int(ref)) | Q(source_wallet_id=int(ref))
        qs = qs.filter(match)
    return qs.order_by("-created_at", "-id")


def _awaiting(qs: QuerySet[Payout], user: AbstractBaseUser) -> QuerySet[Payout]:
    if not (user and user.is_authenticated and user.has_perm(APPROVE)):
        return qs.none()
    mine = PayoutApproval.objects.filter(
        payout=OuterRef("pk"),
        approver=user,
        content_hash=OuterRef("content_hash"),
        approved_at__gte=_approval_cutoff(),
    )
    return (
        qs.filter(status=PayoutStatus.PENDING_APPROVAL, expires_at__gt=timezone.now())
        .exclude(created_by=user)
        .exclude(Exists(mine))
    )


def payouts_awaiting_count(*, user: AbstractBaseUser) -> int:
    """How many payouts await `user`'s approval (the navigation badge; one query)."""
    return _awaiting(Payout.objects.all(), user).count()


def payout_detail(*, payout_id: int) -> Payout:
    """One payout with its lines, approvals (and approvers) and resolutions (4 queries)."""
    return (
        Payout.objects.select_related("source_wallet", "created_by")
        .prefetch_related(
            "lines",
            Prefetch("approvals", queryset=PayoutApproval.objects.select_related("approver")),
            "resolutions__proposed_by",
            "resolutions__confirmed_by",
        )
        .get(pk=payout_id)
    )


def payout_timeline(*, payout: Payout) -> QuerySet[AuditEvent]:
    """Every audit event of the payout, oldest first, with its actor."""
    return (
        AuditEvent.objects.filter(object_type="payout", object_id=str(payout.pk))
        .select_related("actor")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class Quorum:
    """How many approvals count now, how many are required, and who gave them."""

    required: int
    current: int
    approver_ids: tuple[int, ...]

    @property
    def missing(self) -> int:
        return max(self.required - self.current, 0)

    @property
    def reached(self) -> bool:
        return self.current >= self.required


def payout_quorum(*, payout: Payout, policy: ApprovalPolicy | None = None) -> Quorum:
    """The payout's quorum now: approvals of the current hash within the window, never the
    drafter's (the database refuses those anyway)."""
    ids = tuple(
        current_approvals(payout, policy=policy)
        .exclude(approver_id=payout.created_by_id)
        .values_list("approver_id", flat=True)
    )
    return Quorum(required=payout.required_approvals, current=len(ids), approver_ids=ids)
