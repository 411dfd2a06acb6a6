"""Read-only wallet pages. They read the database only: no GET ever waits on Balance."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from custody_portal.assets import ASSETS, asset_name, find_asset
from custody_portal.error_pages import not_found
from custody_portal.htmx import render_page_or_fragment
from custody_portal.roles import ViewerRequiredMixin
from custody_portal.selectors import freshness

from .. import selectors
from ..forms import WalletFilterForm
from ..services import TASK_WALLETS
from .panels import render_wallet_page

PAGE_SIZE = 50


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


class WalletListView(ViewerRequiredMixin, View):
    """`/wallets/`: search, kind, holds-asset filter, sort; 50 per page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = WalletFilterForm(request.GET)
        filters = form.filters()
        page = Paginator(selectors.wallet_list(filters=filters), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        column = filters.column_asset
        context = {
            "nav": "wallets",
            "form": form,
            "filters": filters,
            "page": page,
            "column_asset": column,
            "column_label": column.upper(),
            "query": _query_without_page(request),
            "fresh": freshness(TASK_WALLETS),
        }
        return render_page_or_fragment(
            request, "wallets/wallet_list.html", "wallets/partials/_wallet_table.html", context
        )


class WalletDetailView(ViewerRequiredMixin, View):
    """`/wallets/<id>/`: balances, funding addresses, sub-address panels, audit trail."""

    def get(self, request: HttpRequest, wallet_id: int) -> HttpResponse:
        wallet = selectors.wallet_get(wallet_id=wallet_id)
        if wallet is None:
            return not_found(request, f"There is no wallet {wallet_id} in the portal.")
        return render_wallet_page(request, wallet)


class AssetIndexView(ViewerRequiredMixin, View):
    """`/assets/`: every asset held by an active wallet, with its exact total."""

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "nav": "assets",
            "holdings": selectors.holdings_by_asset(),
            "fresh": freshness(TASK_WALLETS),
        }
        return render(request, "wallets/asset_index.html", context)


class AssetDetailView(ViewerRequiredMixin, View):
    """`/assets/<currency>/`: wallets holding it, by id or balance (largest first)."""

    def get(self, request: HttpRequest, currency: str) -> HttpResponse:
        asset = currency  # checked and lower-cased by the URL's <asset:…> converter
        order_by = request.GET.get("order_by") or "id"
        if order_by not in selectors.ASSET_ORDERS:
            order_by = "id"
        holders = selectors.wallets_holding(asset=asset, order_by=order_by)
        page = Paginator(holders, PAGE_SIZE).get_page(request.GET.get("page"))
        if asset not in ASSETS and not page.object_list:
            return not_found(request, f"No wallet holds an asset called “{currency}”.")
        context = {
            "nav": "assets",
            "asset": find_asset(asset) or {"ticker": asset, "name": asset_name(asset)},
            "order_by": order_by,
            "page": page,
            "query": _query_without_page(request),
            "fresh": freshness(TASK_WALLETS),
        }
        return render_page_or_fragment(
            request, "wallets/asset_detail.html", "wallets/partials/_holder_table.html", context
        )


class ExternalAccountListView(ViewerRequiredMixin, View):
    """`/external-accounts/`: approved destinations and their addresses."""

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "nav": "external",
            "accounts": selectors.external_account_list(),
            "fresh": freshness(TASK_WALLETS),
        }
        return render(request, "wallets/external_accounts.html", context)
