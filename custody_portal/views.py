"""Home page and health check."""

from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import View
from django.views.generic import TemplateView

from .htmx import render_page_or_fragment
from .roles import ViewerRequiredMixin
from .selectors import DATA_SETS, RUN_HISTORY_STATUSES, home_context, refresh_run_list

RUNS_PAGE_SIZE = 50


class HomeView(ViewerRequiredMixin, TemplateView):
    """Holdings per asset, freshness of each data set, alerts. Reads the database only."""

    template_name = "custody_portal/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(home_context())
        context["nav"] = "home"
        return context


class RefreshRunListView(ViewerRequiredMixin, View):
    """`/sync/`: the history of background refreshes, with counts and errors."""

    def get(self, request: HttpRequest) -> HttpResponse:
        task = request.GET.get("task", "")
        task = task if task in DATA_SETS else ""
        status = request.GET.get("status", "")
        status = status if status in RUN_HISTORY_STATUSES else ""
        page = Paginator(refresh_run_list(task=task, status=status), RUNS_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        query = "&".join(f"{k}={v}" for k, v in (("task", task), ("status", status)) if v)
        context = {
            "nav": "sync",
            "page": page,
            "runs": page.object_list,
            "task": task,
            "status": status,
            "data_sets": DATA_SETS.values(),
            "statuses": RUN_HISTORY_STATUSES,
            "query": query,
            "target": "#runs",
        }
        return render_page_or_fragment(
            request,
            "custody_portal/refresh_runs.html",
            "custody_portal/partials/_run_table.html",
            context,
        )


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for process managers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
