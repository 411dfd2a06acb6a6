"""Payout services (writes). Views, the API, tasks and commands call only these.

Interface (HELPERS.md "Payouts interface"): drafting, approval, sending, reconciliation,
two-person resolution, expiry. Every step records an audit event in the same transaction.
"""

from .approval import (
    enqueue_send,
    payout_approve,
    payout_cancel,
    payout_reject,
    payout_send_again,
)
from .common import content_hash, payout_content_hash, required_approvals_for
from .drafting import payout_create, payout_create_fil_reward, payout_update, payout_validate
from .errors import PayoutInvalid
from .expiry import payouts_expire
from .inputs import LineInput
from .reconcile import payouts_reconcile
from .resolution import payout_resolution_confirm, payout_resolution_propose
from .sending import payout_send, payouts_mark_stuck_unknown

__all__ = [
    "LineInput",
    "PayoutInvalid",
    "content_hash",
    "enqueue_send",
    "payout_approve",
    "payout_cancel",
    "payout_content_hash",
    "payout_create",
    "payout_create_fil_reward",
    "payout_reject",
    "payout_resolution_confirm",
    "payout_resolution_propose",
    "payout_send",
    "payout_send_again",
    "payout_update",
    "payout_validate",
    "payouts_expire",
    "payouts_mark_stuck_unknown",
    "payouts_reconcile",
    "required_approvals_for",
]
