"""Wallet pages (placeholder until the wallets pages land)."""

from django.urls import path
from django.views.generic import TemplateView

app_name = "wallets"

_todo = TemplateView.as_view(template_name="base.html")
urlpatterns = [
    path("wallets/", _todo, name="list"),
    path("assets/", _todo, name="asset-index"),
    path("external-accounts/", _todo, name="external-accounts"),
]
