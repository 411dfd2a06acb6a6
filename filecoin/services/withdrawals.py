"""Reward withdrawals: the provider page's form, checked here, created by the payouts workflow.

A withdrawal is a payout of kind `fil_reward` (issue 7): a second staffer approves it and the
portal sends it exactly once. This module checks what the Filecoin side knows, before anything
is created — the amount is exact attoFIL and within what is left of the provider's available
balance once its other open withdrawals are counted, and a provider in fee debt cannot
withdraw at all — then hands over to `payouts.services.payout_create_fil_reward`, which
validates again (wallet, fee, policy) and raises `PayoutInvalid` with per-field errors. The
send step checks the provider against Balance once more before anything leaves.
"""

from django.contrib.auth.base_user import AbstractBaseUser

from custody_portal.errors import ApplicationError
from custody_portal.money import AmountError, from_base_units, parse_coin_amount

from ..display import fil_text
from ..models import StorageProvider

FEE_PRESETS = ("slow", "medium", "fast")
NOTE_MAX_LENGTH = 500
# Payouts that still hold (or may have spent) the provider's available balance.
OPEN_STATUSES = ("pending_approval", "approved", "sending", "unknown")


class WithdrawalInvalid(ApplicationError):
    """The form's input is refused; `errors` maps field names to messages (as PayoutInvalid)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.values()))[0]
        super().__init__(first, field=next(iter(errors)))
        self.errors = errors


def _payout_create_fil_reward():
    """The payouts workflow's entry point (one place, so tests can stand in for it)."""
    from payouts.services import payout_create_fil_reward

    return payout_create_fil_reward


def open_withdrawals_total(*, provider_id: int) -> int:
    """attoFIL of this provider's `fil_reward` payouts not yet settled (one query)."""
    from payouts.models import Payout

    totals = Payout.objects.filter(
        kind="fil_reward", storage_provider_id=provider_id, status__in=OPEN_STATUSES
    ).values_list("total", flat=True)
    return sum(int(t) for t in totals)


def parse_fee(text: str) -> str:
    """ "slow" / "medium" / "fast", or a positive whole-number rate in the FIL fee unit
    (nanoFIL): the rule the payouts workflow and the client apply (a fractional rate cannot be
    sent as an exact JSON number)."""
    value = (text or "").strip().lower()
    if not value:
        return "medium"
    if value in FEE_PRESETS:
        return value
    if value.isascii() and value.isdigit() and int(value) > 0:
        return str(int(value))
    raise AmountError("Choose slow, medium or fast, or enter a whole-number rate in nanoFIL.")


def reward_withdrawal_check(
    *, provider: StorageProvider, amount: str, fee: str, note: str
) -> tuple[int, str, str]:
    """Validate the form → (attoFIL, fee, note), or WithdrawalInvalid with field errors."""
    errors: dict[str, list[str]] = {}
    atto = None
    if not provider.is_active:
        errors["non_field"] = ["Balance no longer returns this storage provider."]
    elif provider.in_fee_debt:
        errors["amount"] = [
            f"{provider.address} is in fee debt ({fil_text(provider.available_balance)}"
            " available): no reward can be withdrawn until the debt is repaid."
        ]
    else:
        try:
            atto = parse_coin_amount(amount, "fil")
        except AmountError as exc:
            errors["amount"] = [str(exc)]
        else:
            requested = open_withdrawals_total(provider_id=provider.id)
            left = int(provider.available_balance) - requested
            if atto > left:
                detail = (
                    f"{fil_text(provider.available_balance)} available, "
                    f"{fil_text(requested)} already requested in open withdrawals, "
                    f"{fil_text(max(left, 0))} left"
                    if requested
                    else f"{fil_text(provider.available_balance)}"
                )
                errors["amount"] = [
                    f"More than the available balance of {provider.address} ({detail})."
                ]
    try:
        fee = parse_fee(fee)
    except AmountError as exc:
        errors["fee"] = [str(exc)]
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = [f"Keep the note under {NOTE_MAX_LENGTH} characters."]
    if errors:
        raise WithdrawalInvalid(errors)
    return atto, fee, note


def reward_withdrawal_request(
    *, provider: StorageProvider, user: AbstractBaseUser, amount: str, fee: str, note: str
):
    """Check the request, then create the `fil_reward` payout (waiting for approval).

    Raises WithdrawalInvalid (our checks) or the payouts' PayoutInvalid (theirs); both carry
    `.errors` by field.
    """
    atto, fee, note = reward_withdrawal_check(provider=provider, amount=amount, fee=fee, note=note)
    return _payout_create_fil_reward()(
        created_by=user,
        source_wallet_id=provider.wallet_id,
        storage_provider_id=provider.id,
        amount=format(from_base_units(atto, "fil"), "f"),
        fee=fee,
        note=note,
    )
