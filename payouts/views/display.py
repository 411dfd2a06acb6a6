"""What the payout pages show about a payout: destinations by name, who may press what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from custody_portal.roles import APPROVE, OPERATE
from wallets.models import ExternalAccount, Wallet

from .. import otp
from ..models import (
    ApprovalPolicy,
    DestinationType,
    Payout,
    PayoutApproval,
    PayoutKind,
    PayoutLine,
    PayoutResolution,
    PayoutStatus,
)
from ..selectors import Quorum
from ..services.approval import QUEUED_PATIENCE

# The statuses a drafter may still cancel (nothing has left yet).
CANCELLABLE = (PayoutStatus.PENDING_APPROVAL, PayoutStatus.APPROVED)
REJECTABLE = (PayoutStatus.PENDING_APPROVAL, PayoutStatus.APPROVED)


@dataclass(frozen=True)
class LineView:
    position: int
    kind: str
    kind_label: str
    name: str  # wallet / account name, or "" for an address
    ref: str  # "#12" or the address
    amount: int
    label: str
    missing: bool = False  # the wallet or account is no longer in the portal


def line_views(payout: Payout) -> list[LineView]:
    """The payout's lines with wallet and account names (two queries whatever the count)."""
    lines = list(payout.lines.all())
    wallet_ids = [x.destination_id for x in lines if x.destination_type == DestinationType.WALLET]
    account_ids = [
        x.destination_id for x in lines if x.destination_type == DestinationType.EXTERNAL_ACCOUNT
    ]
    wallets = Wallet.objects.in_bulk(wallet_ids) if wallet_ids else {}
    accounts = ExternalAccount.objects.in_bulk(account_ids) if account_ids else {}
    views = []
    for line in lines:
        kind = DestinationType(line.destination_type)
        if kind == DestinationType.PUBLIC_ADDRESS:
            name, ref, missing = "", line.public_address, False
        else:
            found = (wallets if kind == DestinationType.WALLET else accounts).get(
                line.destination_id
            )
            name = found.name if found else ""
            ref, missing = f"#{line.destination_id}", found is None
        views.append(
            LineView(
                position=line.position + 1,
                kind=kind.value,
                kind_label=kind.label,
                name=name,
                ref=ref,
                amount=int(line.amount),
                label=line.label,
                missing=missing,
            )
        )
    return views


@dataclass(frozen=True)
class Controls:
    """The buttons the current user gets on a payout page (the services check again)."""

    approve: bool
    approve_blocked: str  # why an approver sees no Approve button ("" when it is offered)
    needs_device: bool
    step_up_left: int
    reject: bool
    cancel: bool
    edit: bool
    send_again: bool
    propose_resolution: bool
    confirm_resolution: PayoutResolution | None


def controls_for(
    request, payout: Payout, quorum: Quorum, open_resolution: PayoutResolution | None
) -> Controls:
    user = request.user
    is_drafter = payout.created_by_id == user.pk
    approver = user.has_perm(APPROVE)
    pending = payout.status == PayoutStatus.PENDING_APPROVAL
    blocked = ""
    if approver and pending:
        if is_drafter:
            blocked = "You drafted this payout: another approver must approve it."
        elif user.pk in quorum.approver_ids:
            blocked = "You approved this version of the payout."
    approve = approver and pending and not blocked
    device = otp.confirmed_device(user) if approve else None
    unknown = payout.status == PayoutStatus.UNKNOWN
    return Controls(
        approve=approve,
        approve_blocked=blocked,
        needs_device=approve and device is None,
        step_up_left=otp.step_up_seconds_left(request) if device else 0,
        reject=approver and not is_drafter and payout.status in REJECTABLE,
        cancel=is_drafter and payout.status in CANCELLABLE,
        edit=is_drafter and pending and payout.kind == PayoutKind.BATCH and user.has_perm(OPERATE),
        send_again=approver and not is_drafter and queued_too_long_or_failed(payout),
        propose_resolution=unknown and approver and open_resolution is None,
        confirm_resolution=open_resolution
        if unknown and approver and open_resolution and open_resolution.proposed_by_id != user.pk
        else None,
    )


def queued_too_long_or_failed(payout: Payout) -> bool:
    """An approved payout a person may queue again: its send provably never reached Balance
    (`last_error`), or it has waited longer than a worker takes (a lost broker message)."""
    if payout.status != PayoutStatus.APPROVED:
        return False
    return bool(payout.last_error) or timezone.now() - payout.updated_at >= QUEUED_PATIENCE


# A send normally answers within Balance's timeouts; past this, the page stops saying
# "reload in a moment" and says when the sweep will call the outcome unknown.
SENDING_PATIENCE = timedelta(minutes=1)


def sending_state(payout: Payout) -> dict:
    """For a payout in `sending`: whether it has waited longer than a send takes, and when the
    sweep (`payouts_mark_stuck_unknown`) turns it `unknown` (claim + the task time limit)."""
    if payout.status != PayoutStatus.SENDING or payout.claimed_at is None:
        return {}
    return {
        "overdue": timezone.now() - payout.claimed_at >= SENDING_PATIENCE,
        "unknown_after": payout.claimed_at + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT),
    }


def open_resolution_of(payout: Payout) -> PayoutResolution | None:
    """The proposal waiting for a second person (prefetched with the payout)."""
    return next(
        (r for r in payout.resolutions.all() if r.state == PayoutResolution.State.OPEN), None
    )


def with_list_counts(qs: QuerySet[Payout]) -> QuerySet[Payout]:
    """Annotate each payout with its line count and the approvals that count now (subqueries:
    constant queries however many payouts are on the page)."""
    hours = ApprovalPolicy.get_solo().approval_valid_hours
    cutoff = timezone.now() - timedelta(hours=hours)
    lines = (
        PayoutLine.objects.filter(payout=OuterRef("pk"))
        .order_by()
        .values("payout")
        .annotate(n=Count("id"))
        .values("n")
    )
    approvals = (
        PayoutApproval.objects.filter(
            Q(payout=OuterRef("pk"))
            & Q(content_hash=OuterRef("content_hash"))
            & Q(approved_at__gte=cutoff)
            & ~Q(approver=OuterRef("created_by"))
        )
        .order_by()
        .values("payout")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(
        line_count=Coalesce(Subquery(lines), 0),
        approval_count=Coalesce(Subquery(approvals), 0),
    )
