"""Payout pages and actions (HTML + HTMX), and the TOTP set-up page approvers need."""

from django.urls import path

from . import views

app_name = "payouts"

_one = "payouts/<int:payout_id>/"

urlpatterns = [
    path("payouts/", views.PayoutListView.as_view(), name="list"),
    path("payouts/new/", views.PayoutCreateView.as_view(), name="new"),
    path("payouts/new/row/", views.DraftRowView.as_view(), name="draft-row"),
    path("payouts/new/context/", views.DraftContextView.as_view(), name="draft-context"),
    path(_one, views.PayoutDetailView.as_view(), name="detail"),
    path(f"{_one}edit/", views.PayoutEditView.as_view(), name="edit"),
    path(f"{_one}approve/", views.PayoutApproveView.as_view(), name="approve"),
    path(f"{_one}reject/", views.PayoutRejectView.as_view(), name="reject"),
    path(f"{_one}cancel/", views.PayoutCancelView.as_view(), name="cancel"),
    path(f"{_one}send-again/", views.PayoutSendAgainView.as_view(), name="send-again"),
    path(f"{_one}resolve/", views.PayoutResolveView.as_view(), name="resolve"),
    path(
        f"{_one}resolve/confirm/", views.PayoutResolveConfirmView.as_view(), name="resolve-confirm"
    ),
    path("account/two-factor/", views.TwoFactorView.as_view(), name="two-factor"),
]
