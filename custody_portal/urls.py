"""Top-level URLs: pages per app, the JSON API under /api/, admin, login/logout."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views, views_audit

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sync/", views.RefreshRunListView.as_view(), name="refresh-runs"),
    path(
        "sync/removals/<str:data_set>/confirm/",
        views.PendingRemovalConfirmView.as_view(),
        name="pending-removal-confirm",
    ),
    path("audit/", views_audit.AuditEventListView.as_view(), name="audit"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url="/static/favicon.svg", permanent=True)),
    path("admin/", admin.site.urls),
    path("", include("wallets.urls")),
    path("", include("payouts.urls")),
    path("api/", include("wallets.api_urls")),
    path("", include("filecoin.urls")),
    path("api/", include("filecoin.api_urls")),
    path("api/", include("payouts.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script, so our CSP holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

# Styled pages for pages, fragments for HTMX, JSON under /api/ (custody_portal.error_pages).
handler400 = "custody_portal.error_pages.bad_request"
handler403 = "custody_portal.error_pages.permission_denied"
handler404 = "custody_portal.error_pages.page_not_found"
handler500 = "custody_portal.error_pages.server_error"
