"""Wallets JSON API, mounted at /api/."""

from django.urls import path

from .api import views

app_name = "wallets_api"

_sub = "wallets/<int:wallet_id>/sub-addresses/<str:asset>/"

urlpatterns = [
    path("wallets/", views.WalletListApi.as_view(), name="wallet-list"),
    path("wallets/<int:wallet_id>/", views.WalletDetailApi.as_view(), name="wallet-detail"),
    path(_sub, views.SubAddressListApi.as_view(), name="sub-address-list"),
    path(f"{_sub}<str:address>/", views.SubAddressDetailApi.as_view(), name="sub-address-detail"),
    path(
        "external-accounts/",
        views.ExternalAccountListApi.as_view(),
        name="external-account-list",
    ),
]
