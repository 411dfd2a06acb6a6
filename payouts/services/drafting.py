"""Drafting: create and edit batch payouts and FIL reward withdrawals.

Validation collects every problem (per field, and per destination index) before anything is
stored; any problem raises `PayoutInvalid` and nothing is written. Amounts arrive as the text
the user typed and are parsed strictly into base units (`parse_coin_amount`), never floats.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from custody_portal.errors import ApplicationError
from custody_portal.money import AmountError, parse_coin_amount

from ..models import ApprovalPolicy, Payout, PayoutKind, PayoutLine, PayoutStatus
from .common import (
    after_commit,
    audit,
    fil_reward_hash,
    lines_snapshot,
    locked,
    now,
    require_operator,
    require_status,
    required_approvals_for,
    snapshot,
)
from .errors import PayoutInvalid
from .inputs import LineInput
from .validation import (
    MAX_NOTE,  # noqa: F401 -- payouts.forms imports it from here
    Draft,
    Errors,
    fee_setting,
    int_id,
    note_of,
    source_wallet,
    validate_batch,
)

FIL = "fil"


def _lines_from(draft: Draft, payout: Payout) -> list[PayoutLine]:
    return [
        PayoutLine(
            payout=payout,
            position=position,
            destination_type=row["destination_type"],
            destination_id=row["destination_id"],
            public_address=row["public_address"],
            amount=row["amount"],
            label=row["label"],
        )
        for position, row in enumerate(draft.lines)
    ]


def payout_validate(*, source_wallet_id, asset, lines: list[LineInput], note: str = "") -> dict:
    """The errors `payout_create` would raise for this input (`{}` when it is valid); stores
    nothing. Lets a caller report its own input problems and these together."""
    try:
        validate_batch(source_wallet_id=source_wallet_id, asset=asset, lines=lines, note=note)
    except PayoutInvalid as exc:
        return exc.errors
    return {}


def payout_create(
    *,
    created_by: AbstractBaseUser,
    source_wallet_id: int,
    asset: str,
    lines: list[LineInput],
    note: str = "",
) -> Payout:
    """Draft a batch withdrawal (status `pending_approval`) and tell the approvers.

    Raises PayoutInvalid (nothing stored) or ApplicationError 403 for a non-operator.
    """
    require_operator(created_by)
    draft = validate_batch(source_wallet_id=source_wallet_id, asset=asset, lines=lines, note=note)
    policy = ApprovalPolicy.get_solo()
    with transaction.atomic():
        payout = Payout.objects.create(
            kind=PayoutKind.BATCH,
            source_wallet_id=draft.source_wallet_id,
            asset=draft.asset,
            total=draft.total,
            note=draft.note,
            created_by=created_by,
            content_hash=draft.content_hash,
            required_approvals=required_approvals_for(
                asset=draft.asset, total=draft.total, policy=policy
            ),
            expires_at=now() + timedelta(days=policy.payout_valid_days),
        )
        PayoutLine.objects.bulk_create(_lines_from(draft, payout))
        audit(
            payout,
            actor=created_by,
            action="payout.create",
            after={**snapshot(payout), "lines": lines_snapshot(payout)},
            message=f"Drafted {payout.reference}: {payout.total_display}, "
            f"{len(draft.lines)} destination(s).",
        )
        _notify_approvers(payout)
    return payout


def payout_update(
    *,
    payout: Payout,
    user: AbstractBaseUser,
    source_wallet_id: int,
    asset: str,
    lines: list[LineInput],
    note: str = "",
) -> Payout:
    """The drafter edits a pending batch: lines replaced, hash and quorum recomputed, and
    **every approval voided** (deleted; the audit log keeps who had approved)."""
    require_operator(user)
    draft = validate_batch(
        source_wallet_id=source_wallet_id,
        asset=asset,
        lines=lines,
        note=note,
        exclude_payout_id=payout.pk,
    )
    policy = ApprovalPolicy.get_solo()
    with transaction.atomic():
        payout = locked(payout.pk)
        if payout.created_by_id != user.pk:
            raise ApplicationError("Only the drafter can edit this payout.", status=403)
        if payout.kind != PayoutKind.BATCH:
            raise ApplicationError(
                "A FIL reward withdrawal cannot be edited; cancel it and draft a new one.",
                status=409,
            )
        require_status(payout, PayoutStatus.PENDING_APPROVAL, action="edited")
        before = {**snapshot(payout), "lines": lines_snapshot(payout)}
        voided = list(payout.approvals.values_list("approver__username", flat=True))
        payout.approvals.all().delete()
        payout.lines.all().delete()
        payout.source_wallet_id = draft.source_wallet_id
        payout.asset = draft.asset
        payout.total = draft.total
        payout.note = draft.note
        payout.content_hash = draft.content_hash
        payout.required_approvals = required_approvals_for(
            asset=draft.asset, total=draft.total, policy=policy
        )
        payout.last_error = ""
        payout.save()
        PayoutLine.objects.bulk_create(_lines_from(draft, payout))
        message = f"Edited {payout.reference}."
        if voided:
            message += f" Approvals voided: {', '.join(voided)}."
        audit(
            payout,
            actor=user,
            action="payout.update",
            before=before,
            after={**snapshot(payout), "lines": lines_snapshot(payout)},
            message=message,
        )
        _notify_approvers(payout)
    return payout


def payout_create_fil_reward(
    *,
    created_by: AbstractBaseUser,
    source_wallet_id: int,
    storage_provider_id: int,
    amount: str,
    fee: str = "medium",
    note: str = "",
) -> Payout:
    """Draft a FIL reward withdrawal from a storage provider to its wallet.

    Checked here: the wallet (exists, active, warm), the provider id (a positive integer),
    the amount (FIL, > 0, at most 18 decimals) and the fee (a preset or a positive integer
    rate). Whether the provider belongs to the wallet and has the funds is checked against
    Balance by the send step (`get_storage_provider`), before anything is sent: pages and
    drafting never wait on Balance.
    """
    require_operator(created_by)
    errors = Errors()
    wallet = source_wallet(errors, source_wallet_id)
    provider_id = int_id(storage_provider_id)
    if provider_id is None or provider_id <= 0:
        errors.add("storage_provider_id", "Choose a storage provider.")
    total = None
    if not isinstance(amount, str):
        errors.add("amount", 'Amounts are decimal strings in FIL, e.g. "1.5".')
    else:
        try:
            total = parse_coin_amount(amount, FIL)
        except AmountError as exc:
            errors.add("amount", str(exc))
    fee_text = fee_setting(errors, fee)
    note_text = note_of(errors, note)  # it also goes to Balance as the withdrawal's notes
    errors.raise_if_any()
    policy = ApprovalPolicy.get_solo()
    with transaction.atomic():
        payout = Payout.objects.create(
            kind=PayoutKind.FIL_REWARD,
            source_wallet_id=wallet.pk,
            asset=FIL,
            total=total,
            note=note_text,
            created_by=created_by,
            storage_provider_id=provider_id,
            fee=fee_text,
            content_hash=fil_reward_hash(
                source_wallet_id=wallet.pk,
                storage_provider_id=provider_id,
                total=total,
                fee=fee_text,
            ),
            required_approvals=required_approvals_for(asset=FIL, total=total, policy=policy),
            expires_at=now() + timedelta(days=policy.payout_valid_days),
        )
        audit(
            payout,
            actor=created_by,
            action="payout.create",
            after=snapshot(payout),
            message=f"Drafted {payout.reference}: withdraw {payout.total_display} of rewards "
            f"from storage provider {provider_id}.",
        )
        _notify_approvers(payout)
    return payout


def _notify_approvers(payout: Payout) -> None:
    from ..emails import notify_awaiting_approval

    after_commit(notify_awaiting_approval, payout.pk)
