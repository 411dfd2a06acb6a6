"""Wallet pages and their actions (HTML + HTMX)."""

from django.urls import path

import custody_portal.converters  # noqa: F401 - registers <asset:…> and <address:…>

from . import views

app_name = "wallets"

_panel = "wallets/<int:wallet_id>/sub-addresses/<asset:asset>/"

urlpatterns = [
    path("wallets/", views.WalletListView.as_view(), name="list"),
    path("wallets/refresh/", views.RefreshAllView.as_view(), name="refresh-all"),
    path("wallets/<int:wallet_id>/", views.WalletDetailView.as_view(), name="detail"),
    path("wallets/<int:wallet_id>/refresh/", views.WalletRefreshView.as_view(), name="refresh"),
    path(_panel, views.SubAddressPanelView.as_view(), name="sub-address-panel"),
    path(f"{_panel}create/", views.SubAddressCreateView.as_view(), name="sub-address-create"),
    path(f"{_panel}refresh/", views.SubAddressRefreshView.as_view(), name="sub-address-refresh"),
    path(
        f"{_panel}<address:address>/edit/",
        views.SubAddressEditView.as_view(),
        name="sub-address-edit",
    ),
    path(
        f"{_panel}<address:address>/watch/",
        views.SubAddressWatchView.as_view(),
        name="sub-address-watch",
    ),
    path("assets/", views.AssetIndexView.as_view(), name="asset-index"),
    path("assets/<asset:currency>/", views.AssetDetailView.as_view(), name="asset-detail"),
    path("external-accounts/", views.ExternalAccountListView.as_view(), name="external-accounts"),
]
