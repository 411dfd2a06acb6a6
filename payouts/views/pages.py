"""Payout pages that read: the list and one payout. They read the database (and the fee
preset cache) only — no page render waits on Balance."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from custody_portal.htmx import render_page_or_fragment
from custody_portal.roles import ViewerRequiredMixin

from .. import selectors
from ..fees import fee_presets_for_page
from ..forms import PayoutFilterForm, RejectForm, ResolveForm
from ..models import Payout, PayoutKind, PayoutStatus
from .common import not_found
from .display import (
    controls_for,
    line_views,
    open_resolution_of,
    sending_state,
    with_list_counts,
)
from .draft import funds_bound

PAGE_SIZE = 50


class PayoutListView(ViewerRequiredMixin, View):
    """`/payouts/`: status filter, "awaiting my approval", search by wallet; 50 per page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = PayoutFilterForm(request.GET)
        filters = form.filters()
        payouts = selectors.payout_list(user=request.user, **filters)
        # Page the ids first, then count lines and approvals for those 50 only: annotating
        # the paged query made PostgreSQL compute the counts of every row OFFSET skips (a deep
        # page grew with the table: 2.6× from 1,000 to 10,000 payouts).
        page = Paginator(payouts.values_list("pk", flat=True), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        page.object_list = list(with_list_counts(payouts.filter(pk__in=list(page.object_list))))
        params = request.GET.copy()
        params.pop("page", None)
        context = {
            "nav": "payouts",
            "form": form,
            "filters": filters,
            "page": page,
            "query": params.urlencode(),
        }
        return render_page_or_fragment(
            request, "payouts/payout_list.html", "payouts/partials/_payout_table.html", context
        )


def render_detail(
    request: HttpRequest,
    payout_id: int,
    *,
    error: str = "",
    reject_form: RejectForm | None = None,
    resolve_form: ResolveForm | None = None,
    approve_error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The payout page; the actions re-render it with their message and the input kept."""
    try:
        payout = selectors.payout_detail(payout_id=payout_id)
    except Payout.DoesNotExist:
        return not_found(request, f"There is no payout {payout_id}.")
    quorum = selectors.payout_quorum(payout=payout)
    open_resolution = open_resolution_of(payout)
    # The funds matter only while the payout can still be sent; afterwards they describe the
    # wallet now, not this payout, and read as if it were still waiting for them.
    funds = None
    if payout.status in (PayoutStatus.PENDING_APPROVAL, PayoutStatus.APPROVED):
        funds = selectors.available_funds(
            wallet_id=payout.source_wallet_id, asset=payout.asset, exclude_payout_id=payout.pk
        )
    context = {
        "nav": "payouts",
        "payout": payout,
        "is_batch": payout.kind == PayoutKind.BATCH,
        "lines": line_views(payout) if payout.kind == PayoutKind.BATCH else [],
        "quorum": quorum,
        "approvals": list(payout.approvals.all()),
        "counting_ids": set(quorum.approver_ids),
        "funds": funds,
        "funds_bound": funds_bound(funds),
        "fees": fee_presets_for_page(payout.asset),
        "timeline": list(selectors.payout_timeline(payout=payout)),
        "open_resolution": open_resolution,
        "resolutions": list(payout.resolutions.all()),
        "can": controls_for(request, payout, quorum, open_resolution),
        "sending": sending_state(payout),
        "error": error,
        "approve_error": approve_error,
        "reject_form": reject_form or RejectForm(),
        "resolve_form": resolve_form or ResolveForm(),
    }
    return render(request, "payouts/payout_detail.html", context, status=status)


class PayoutDetailView(ViewerRequiredMixin, View):
    """`/payouts/<id>/`: lines, funds, fees, approvals, timeline, and the allowed actions."""

    def get(self, request: HttpRequest, payout_id: int) -> HttpResponse:
        return render_detail(request, payout_id)
