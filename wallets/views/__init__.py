"""Wallet pages (read the database only) and operator actions (call services)."""

from .actions import (
    RefreshAllView,
    SubAddressCreateView,
    SubAddressEditView,
    SubAddressPanelView,
    SubAddressRefreshView,
    SubAddressWatchView,
    WalletRefreshView,
)
from .pages import (
    AssetDetailView,
    AssetIndexView,
    ExternalAccountListView,
    WalletDetailView,
    WalletListView,
)

__all__ = [
    "AssetDetailView",
    "AssetIndexView",
    "ExternalAccountListView",
    "RefreshAllView",
    "SubAddressCreateView",
    "SubAddressEditView",
    "SubAddressPanelView",
    "SubAddressRefreshView",
    "SubAddressWatchView",
    "WalletDetailView",
    "WalletListView",
    "WalletRefreshView",
]
