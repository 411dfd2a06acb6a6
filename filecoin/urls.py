"""Filecoin pages and their actions (HTML + HTMX)."""

from django.urls import path

from . import views

app_name = "filecoin"

urlpatterns = [
    path("filecoin/", views.ProviderListView.as_view(), name="list"),
    path("filecoin/refresh/", views.RefreshView.as_view(), name="refresh"),
    path("filecoin/alerts/", views.AlertListView.as_view(), name="alerts"),
    path(
        "filecoin/alerts/<int:alert_id>/acknowledge/",
        views.AlertAcknowledgeView.as_view(),
        name="alert-acknowledge",
    ),
    path("filecoin/alerts/<int:alert_id>/mute/", views.AlertMuteView.as_view(), name="alert-mute"),
    path(
        "filecoin/alerts/<int:alert_id>/unmute/",
        views.AlertUnmuteView.as_view(),
        name="alert-unmute",
    ),
    path("filecoin/<int:provider_id>/", views.ProviderDetailView.as_view(), name="detail"),
    path(
        "filecoin/<int:provider_id>/history/",
        views.ProviderHistoryView.as_view(),
        name="history",
    ),
    path(
        "filecoin/<int:provider_id>/history.csv",
        views.ProviderHistoryCsvView.as_view(),
        name="history-csv",
    ),
    path(
        "filecoin/<int:provider_id>/termination-fees/fetch/",
        views.TerminationFetchView.as_view(),
        name="termination-fetch",
    ),
    path(
        "filecoin/<int:provider_id>/withdraw/",
        views.RewardWithdrawalView.as_view(),
        name="withdraw",
    ),
]
