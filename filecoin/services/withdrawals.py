"""Reward withdrawals: the provider page's form, checked here, created by the payouts workflow.

A withdrawal is a payout of kind `fil_reward` (issue 7): a second staffer approves it and the
portal sends it exactly once. This module checks what only the Filecoin side knows, before
anything is created — the amount is exact attoFIL and within the provider's available balance,
and a provider in fee debt cannot withdraw at all — then hands over to
`payouts.services.payout_create_fil_reward`, which validates again (fees, policy) and raises
`PayoutInvalid` with per-field errors.

The payouts workflow is built separately; until it is installed `payouts_available()` is
False and the form says so instead of failing.
"""

import importlib
from decimal import Decimal, InvalidOperation

from django.contrib.auth.base_user import AbstractBaseUser

from custody_portal.errors import ApplicationError
from custody_portal.money import AmountError, from_base_units, parse_coin_amount

from ..display import fil_text
from ..models import StorageProvider

FEE_PRESETS = ("slow", "medium", "fast")
NOTE_MAX_LENGTH = 500


class WithdrawalInvalid(ApplicationError):
    """The form's input is refused; `errors` maps field names to messages (as PayoutInvalid)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.values()))[0]
        super().__init__(first, field=next(iter(errors)))
        self.errors = errors


def _payout_create_fil_reward():
    try:
        module = importlib.import_module("payouts.services")
    except ImportError:
        return None
    return getattr(module, "payout_create_fil_reward", None)


def payouts_available() -> bool:
    """True once the payouts workflow (issue 7) provides `payout_create_fil_reward`."""
    return _payout_create_fil_reward() is not None


def parse_fee(text: str) -> str:
    """ "slow" / "medium" / "fast", or a positive number (the FIL fee unit, nanoFIL)."""
    value = (text or "").strip().lower()
    if not value:
        return "medium"
    if value in FEE_PRESETS:
        return value
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number <= 0 or "e" in value:
        raise AmountError("Choose slow, medium or fast, or enter a fee rate in nanoFIL.")
    return format(number, "f")


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
            if atto > provider.available_balance:
                errors["amount"] = [
                    f"More than the available balance of {provider.address} "
                    f"({fil_text(provider.available_balance)})."
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

    Raises WithdrawalInvalid (our checks), the payouts' PayoutInvalid (theirs: both carry
    `.errors`), or ApplicationError 503 when the payouts workflow is not installed.
    """
    atto, fee, note = reward_withdrawal_check(provider=provider, amount=amount, fee=fee, note=note)
    create = _payout_create_fil_reward()
    if create is None:
        raise ApplicationError(
            "Reward withdrawals need the payouts workflow, which is not installed in this "
            "portal yet. Nothing was created.",
            status=503,
        )
    return create(
        created_by=user,
        source_wallet_id=provider.wallet_id,
        storage_provider_id=provider.id,
        amount=format(from_base_units(atto, "fil"), "f"),
        fee=fee,
        note=note,
    )
