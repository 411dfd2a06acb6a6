"""Home page and health check."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from .errors import ApplicationError
from .htmx import render_page_or_fragment
from .removals import pending_removal_confirm
from .roles import OperatorRequiredMixin, ViewerRequiredMixin
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


class PendingRemovalConfirmView(OperatorRequiredMixin, View):
    """The home page's "Confirm removal of N wallets" (or external accounts, or storage
    providers): apply a removal a refresh held back (`custody_portal.removals`).

    The form carries the hash of the ids the page showed, so only that exact set is applied.
    """

    http_method_names = ["post"]

    def post(self, request: HttpRequest, data_set: str) -> HttpResponse:
        try:
            removed = pending_removal_confirm(
                user=request.user, data_set=data_set, ids_hash=request.POST.get("ids_hash", "")
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            what = data_set.replace("_", " ")
            messages.success(
                request, f"Removal confirmed: {removed} {what} are now marked removed."
            )
        return redirect("home")


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
