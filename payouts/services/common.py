"""Pieces every payout service shares: the content hash, the quorum policy, audit, locking."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from custody_portal.audit import audit_record
from custody_portal.errors import ApplicationError
from custody_portal.roles import ADMIN, APPROVE, OPERATE

from ..models import ApprovalPolicy, AssetThreshold, Payout, PayoutStatus

logger = logging.getLogger(__name__)

HASH_VERSION = 1
# Reasons people type (rejection, resolution): the forms' text areas allow this many characters.
MAX_REASON = 2000


def content_hash(
    *,
    kind: str,
    source_wallet_id: int,
    asset: str,
    lines: Iterable[dict],
    fee: str = "",
    storage_provider_id: int | None = None,
) -> str:
    """SHA-256 over a canonical JSON of what the money does.

    Included: kind, source wallet, asset, each line in order (type, wallet/account id or
    canonical address, amount in base units as a string), fee setting and storage provider.
    Excluded on purpose: labels and the note — they describe the payout but change nothing
    Balance does (every edit voids approvals anyway, see `payout_update`).
    """
    document = {
        "v": HASH_VERSION,
        "kind": kind,
        "source_wallet_id": int(source_wallet_id),
        "asset": asset,
        "lines": [
            {
                "type": line["destination_type"],
                "id": line.get("destination_id"),
                "address": line.get("public_address") or "",
                "amount": str(int(line["amount"])),
            }
            for line in lines
        ],
        "fee": fee or "",
        "storage_provider_id": storage_provider_id,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def fil_reward_hash(
    *, source_wallet_id: int, storage_provider_id: int, total: int, fee: str
) -> str:
    """A FIL reward withdrawal hashes as one line: its storage provider and amount."""
    return content_hash(
        kind="fil_reward",
        source_wallet_id=source_wallet_id,
        asset="fil",
        lines=[
            {
                "destination_type": "storage_provider",
                "destination_id": storage_provider_id,
                "amount": total,
            }
        ],
        fee=fee,
        storage_provider_id=storage_provider_id,
    )


def payout_content_hash(payout: Payout) -> str:
    """The hash of the payout as stored now (its lines read from the database): the send
    step compares it with `payout.content_hash`, so rows changed behind the services' back
    (a shell, the admin) void the approvals instead of being sent."""
    if payout.kind == "fil_reward":
        return fil_reward_hash(
            source_wallet_id=payout.source_wallet_id,
            storage_provider_id=payout.storage_provider_id,
            total=int(payout.total),
            fee=payout.fee,
        )
    lines = payout.lines.order_by("position").values(
        "destination_type", "destination_id", "public_address", "amount"
    )
    return content_hash(
        kind=payout.kind,
        source_wallet_id=payout.source_wallet_id,
        asset=payout.asset,
        lines=lines,
    )


def required_approvals_for(*, asset: str, total: int, policy: ApprovalPolicy | None = None) -> int:
    """Approvers needed besides the drafter: the policy default, raised by every per-asset
    threshold the total is strictly above."""
    policy = policy or ApprovalPolicy.get_solo()
    required = policy.default_required_approvals
    for threshold in AssetThreshold.objects.filter(asset=asset).only(
        "threshold", "required_approvals"
    ):
        if total > int(threshold.threshold):
            required = max(required, threshold.required_approvals)
    return max(required, 1)


def snapshot(payout: Payout) -> dict:
    """The audit view of a payout (amounts as strings: JSON numbers would lose precision)."""
    data = {
        "status": payout.status,
        "kind": payout.kind,
        "source_wallet_id": payout.source_wallet_id,
        "asset": payout.asset,
        "total": str(int(payout.total)),
        "content_hash": payout.content_hash,
        "required_approvals": payout.required_approvals,
    }
    if payout.kind == "fil_reward":
        data["storage_provider_id"] = payout.storage_provider_id
        data["fee"] = payout.fee
    return data


def lines_snapshot(payout: Payout) -> list[dict]:
    return [
        {
            "type": line.destination_type,
            "id": line.destination_id,
            "address": line.public_address,
            "amount": str(int(line.amount)),
            "label": line.label,
        }
        for line in payout.lines.order_by("position")
    ]


def audit(
    payout: Payout,
    *,
    actor: AbstractBaseUser | None,
    action: str,
    before: dict | None = None,
    after: dict | None = None,
    message: str = "",
) -> None:
    """One audit event about the payout (call inside the transaction that made the change)."""
    audit_record(
        actor=actor,
        action=action,
        object_type="payout",
        object_id=str(payout.pk),
        wallet_id=payout.source_wallet_id,
        before=before,
        after=after,
        message=message,
    )


def locked(payout_id: int) -> Payout:
    """The payout row, locked until the end of the current transaction."""
    try:
        return Payout.objects.select_for_update().get(pk=payout_id)
    except Payout.DoesNotExist:
        raise ApplicationError("This payout does not exist.", status=404) from None


def require_perm(user: AbstractBaseUser, perm: str, what: str) -> None:
    if not (user and user.is_authenticated and user.has_perm(perm)):
        raise ApplicationError(f"You do not have permission to {what}.", status=403)


def require_operator(user: AbstractBaseUser) -> None:
    require_perm(user, OPERATE, "draft payouts")


def require_approver(user: AbstractBaseUser, what: str = "approve payouts") -> None:
    require_perm(user, APPROVE, what)


def is_admin(user: AbstractBaseUser) -> bool:
    return bool(
        user
        and user.is_authenticated
        and (user.is_superuser or user.groups.filter(name=ADMIN).exists())
    )


def require_status(payout: Payout, *statuses: str, action: str) -> None:
    if payout.status not in statuses:
        label = PayoutStatus(payout.status).label.lower()
        raise ApplicationError(f"This payout is {label}; it cannot be {action}.", status=409)


def after_commit(func, *args) -> None:
    """Run `func(*args)` once the current transaction commits; a failure is logged, never
    raised (emails and queueing must not undo or break the workflow step)."""

    def run() -> None:
        try:
            func(*args)
        except Exception:
            logger.exception("payouts: after-commit %s failed", getattr(func, "__name__", func))

    transaction.on_commit(run)


def now():
    return timezone.now()
