"""Payout pages (HTML + HTMX): list, draft/edit, one payout with its actions, TOTP set-up."""

from .actions import (
    PayoutApproveView,
    PayoutCancelView,
    PayoutRejectView,
    PayoutResolveConfirmView,
    PayoutResolveView,
    PayoutSendAgainView,
)
from .draft import DraftContextView, DraftRowView, PayoutCreateView, PayoutEditView
from .otp import TwoFactorView
from .pages import PayoutDetailView, PayoutListView

__all__ = [
    "DraftContextView",
    "DraftRowView",
    "PayoutApproveView",
    "PayoutCancelView",
    "PayoutCreateView",
    "PayoutDetailView",
    "PayoutEditView",
    "PayoutListView",
    "PayoutRejectView",
    "PayoutResolveConfirmView",
    "PayoutResolveView",
    "PayoutSendAgainView",
    "TwoFactorView",
]
