"""Home page and health check."""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.generic import TemplateView

from .roles import ViewerRequiredMixin
from .selectors import home_context


class HomeView(ViewerRequiredMixin, TemplateView):
    """Holdings per asset, freshness of each data set, alerts. Reads the database only."""

    template_name = "custody_portal/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(home_context())
        context["nav"] = "home"
        return context


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for process managers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
