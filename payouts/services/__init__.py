"""Payout services (writes). Views, the API, tasks and commands call only these.

Interface (HELPERS.md "Payouts interface"): drafting, approval, sending, reconciliation,
two-person resolution, expiry. Every step records an audit event in the same transaction.
"""

from .errors import PayoutInvalid
from .inputs import LineInput


def _todo(*args, **kwargs):
    raise NotImplementedError


payout_create = payout_update = payout_create_fil_reward = _todo
payout_approve = payout_reject = payout_cancel = payout_send_again = _todo
payout_send = payouts_reconcile = payouts_expire = _todo
payout_resolution_propose = payout_resolution_confirm = _todo

__all__ = [
    "LineInput",
    "PayoutInvalid",
    "payout_approve",
    "payout_cancel",
    "payout_create",
    "payout_create_fil_reward",
    "payout_reject",
    "payout_resolution_confirm",
    "payout_resolution_propose",
    "payout_send",
    "payout_send_again",
    "payout_update",
    "payouts_expire",
    "payouts_reconcile",
]
