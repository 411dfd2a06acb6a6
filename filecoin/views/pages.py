"""Filecoin pages: the provider list, one provider (charts, table, CSV), the alert history.

They read the database only (plus the termination queue's position from Redis); no GET waits
on Balance.
"""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from custody_portal.error_pages import not_found
from custody_portal.htmx import render_page_or_fragment
from custody_portal.roles import ViewerRequiredMixin
from custody_portal.selectors import DATA_SETS, Freshness, freshness

from .. import selectors, services
from ..charts import chart_data, history_csv, table_rows
from ..forms import AcknowledgeForm, MuteForm, RewardWithdrawalForm
from ..models import StorageProvider, StorageProviderAlert
from ..services import TASK_STORAGE_PROVIDERS

ALERTS_PAGE_SIZE = 50
# The list page shows the open alerts needing attention first; the rest are one click away.
ALERTS_ON_LIST = 20


def _range(request: HttpRequest) -> tuple[str, str]:
    """The requested range and an error message (the default range when it is invalid)."""
    try:
        return selectors.parse_range(request.GET.get("range")), ""
    except selectors.RangeInvalid as exc:
        return selectors.DEFAULT_RANGE, str(exc)


class ProviderListView(ViewerRequiredMixin, View):
    """`/filecoin/`: open alerts, totals, every provider (worst first, sortable)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now()
        sort = request.GET.get("sort", selectors.DEFAULT_SORT)
        sort = sort if sort in selectors.SORTS else selectors.DEFAULT_SORT
        providers = selectors.provider_list(sort=sort, now=now)
        open_alerts = selectors.open_alerts_queryset(now=now)
        alerts = list(open_alerts[:ALERTS_ON_LIST])
        alert_count = len(alerts) if len(alerts) < ALERTS_ON_LIST else open_alerts.count()
        context = {
            "nav": "filecoin",
            "providers": providers,
            "totals": selectors.provider_totals(providers),
            "alerts": alerts,
            "open_alert_count": alert_count,
            "sort": sort,
            "columns": selectors.sort_columns(sort),
            "fresh": freshness(TASK_STORAGE_PROVIDERS),
            "now": now,
        }
        return render_page_or_fragment(
            request,
            "filecoin/provider_list.html",
            "filecoin/partials/_provider_table.html",
            context,
        )


def history_context(provider: StorageProvider, range_key: str, range_error: str = "") -> dict:
    history = selectors.sector_history(provider_id=provider.id, range_key=range_key, for_page=True)
    return {
        "provider": provider,
        "history": history,
        "chart": chart_data(history),
        "rows": table_rows(history),
        "ranges": list(selectors.RANGES),
        "range_key": range_key,
        "range_error": range_error,
    }


def provider_page(
    request: HttpRequest,
    provider: StorageProvider,
    *,
    withdrawal_form: RewardWithdrawalForm | None = None,
    withdrawal_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The provider page (also re-rendered by a refused withdrawal, with its errors)."""
    range_key, range_error = _range(request)
    runs = selectors.refresh_history()
    last_run = next(
        (r for r in runs if r.task == TASK_STORAGE_PROVIDERS and r.status != "skipped"), None
    )
    context = {
        "nav": "filecoin",
        **history_context(provider, range_key, range_error),
        "health": selectors.health_name(provider),
        "alerts": selectors.provider_alerts(provider_id=provider.id),
        "runs": runs,
        "fresh": Freshness(DATA_SETS[TASK_STORAGE_PROVIDERS], provider.synced_at, last_run),
        "queue": services.termination_queue_state(provider_id=provider.id),
        "withdrawal_form": withdrawal_form or RewardWithdrawalForm(),
        "withdrawal_errors": withdrawal_errors or [],
        "withdrawals": selectors.reward_withdrawals(provider_id=provider.id),
        "acknowledge_form": AcknowledgeForm(),
        "mute_form": MuteForm(),
        "now": timezone.now(),
    }
    return render(request, "filecoin/provider_detail.html", context, status=status)


def get_provider(request: HttpRequest, provider_id: int) -> StorageProvider | HttpResponse:
    provider = selectors.provider_get(provider_id=provider_id)
    if provider is None:
        return not_found(request, f"There is no storage provider {provider_id} in the portal.")
    return provider


class ProviderDetailView(ViewerRequiredMixin, View):
    """`/filecoin/<id>/`: summary, charts, table, termination estimate, alerts, withdrawals."""

    def get(self, request: HttpRequest, provider_id: int) -> HttpResponse:
        provider = get_provider(request, provider_id)
        if isinstance(provider, HttpResponse):
            return provider
        return provider_page(request, provider)


class ProviderHistoryView(ViewerRequiredMixin, View):
    """The history block of one range (HTMX swap when the range changes); full page without
    HTMX. A bad range is shown as an error with the default range."""

    def get(self, request: HttpRequest, provider_id: int) -> HttpResponse:
        provider = get_provider(request, provider_id)
        if isinstance(provider, HttpResponse):
            return provider
        range_key, range_error = _range(request)
        return render_page_or_fragment(
            request,
            "filecoin/provider_history_page.html",
            "filecoin/partials/_history.html",
            {"nav": "filecoin", **history_context(provider, range_key, range_error)},
            status=400 if range_error else 200,
        )


class ProviderHistoryCsvView(ViewerRequiredMixin, View):
    """`/filecoin/<id>/history.csv?range=7d`: the range's points, every figure, exact FIL."""

    def get(self, request: HttpRequest, provider_id: int) -> HttpResponse:
        provider = get_provider(request, provider_id)
        if isinstance(provider, HttpResponse):
            return provider
        range_key, range_error = _range(request)
        if range_error:
            return HttpResponse(range_error, status=400, content_type="text/plain; charset=utf-8")
        history = selectors.sector_history(provider_id=provider.id, range_key=range_key)
        response = HttpResponse(history_csv(history), content_type="text/csv; charset=utf-8")
        filename = f"{provider.address}-{range_key}.csv".replace('"', "")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class AlertListView(ViewerRequiredMixin, View):
    """`/filecoin/alerts/`: open, closed or all alerts (the history), 50 per page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        state = request.GET.get("state", "open")
        state = state if state in selectors.ALERT_STATES else "open"
        page = Paginator(selectors.alert_list(state=state), ALERTS_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "filecoin/alert_list.html",
            {
                "nav": "filecoin",
                "page": page,
                "alerts": page.object_list,
                "state": state,
                "states": selectors.ALERT_STATES,
                "kinds": StorageProviderAlert.Kind,
                "query": f"state={state}",
                "now": timezone.now(),
            },
        )
