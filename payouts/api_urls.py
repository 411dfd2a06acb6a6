"""Payouts JSON API, mounted at /api/."""

from django.urls import path

from .api import views

app_name = "payouts_api"

urlpatterns = [
    path("payouts/", views.PayoutListApi.as_view(), name="payout-list"),
    path("payouts/<int:payout_id>/", views.PayoutDetailApi.as_view(), name="payout-detail"),
]
