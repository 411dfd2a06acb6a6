"""Filecoin JSON API, mounted at /api/."""

from django.urls import path

from .api import views

app_name = "filecoin_api"

urlpatterns = [
    path("storage-providers/", views.StorageProviderListApi.as_view(), name="provider-list"),
    path(
        "storage-providers/<int:provider_id>/",
        views.StorageProviderDetailApi.as_view(),
        name="provider-detail",
    ),
    path(
        "storage-providers/<int:provider_id>/snapshots/",
        views.StorageProviderSnapshotsApi.as_view(),
        name="provider-snapshots",
    ),
    path("filecoin/alerts/", views.AlertListApi.as_view(), name="alert-list"),
]
