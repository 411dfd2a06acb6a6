"""Filecoin pages (read the database only) and operator actions (call services)."""

from .actions import (
    AlertAcknowledgeView,
    AlertMuteView,
    AlertUnmuteView,
    RefreshView,
    RewardWithdrawalView,
    TerminationFetchView,
)
from .pages import (
    AlertListView,
    ProviderDetailView,
    ProviderHistoryCsvView,
    ProviderHistoryView,
    ProviderListView,
)

__all__ = [
    "AlertAcknowledgeView",
    "AlertListView",
    "AlertMuteView",
    "AlertUnmuteView",
    "ProviderDetailView",
    "ProviderHistoryCsvView",
    "ProviderHistoryView",
    "ProviderListView",
    "RefreshView",
    "RewardWithdrawalView",
    "TerminationFetchView",
]
