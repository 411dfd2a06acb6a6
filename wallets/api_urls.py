"""Wallets JSON API, mounted at /api/."""

from django.urls import path

import custody_portal.converters  # noqa: F401 - registers <asset:…> and <address:…>

from .api import views

app_name = "wallets_api"

_sub = "wallets/<int:wallet_id>/sub-addresses/<asset:asset>/"

urlpatterns = [
    path("wallets/", views.WalletListApi.as_view(), name="wallet-list"),
    path("wallets/<int:wallet_id>/", views.WalletDetailApi.as_view(), name="wallet-detail"),
    path(_sub, views.SubAddressListApi.as_view(), name="sub-address-list"),
    path(
        f"{_sub}<address:address>/", views.SubAddressDetailApi.as_view(), name="sub-address-detail"
    ),
    path(
        "external-accounts/",
        views.ExternalAccountListApi.as_view(),
        name="external-account-list",
    ),
]
