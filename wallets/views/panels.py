"""The wallet page and its sub-address panels, shared by the page view and the actions.

A panel is a dict the `_sub_address_panel.html` partial renders: its addresses, the create
form (bound with the user's input after a failure, so nothing typed is lost), the row being
edited, and an error or notice line.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from custody_portal.assets import SUB_ADDRESS_ASSETS, get_asset
from custody_portal.htmx import render_fragment
from custody_portal.selectors import freshness

from .. import selectors
from ..forms import SubAddressCreateForm, SubAddressEditForm
from ..models import SubAddress, Wallet
from ..services import TASK_WALLETS

PANEL_TEMPLATE = "wallets/partials/_sub_address_panel_response.html"


def panel_context(
    *,
    wallet: Wallet,
    asset: str,
    sub_addresses: list[SubAddress],
    create_form: SubAddressCreateForm | None = None,
    edit_address: str = "",
    edit_form: SubAddressEditForm | None = None,
    error: str = "",
    notice: str = "",
) -> dict:
    if edit_address and edit_form is None:
        current = next((s for s in sub_addresses if s.address == edit_address), None)
        if current is None:
            edit_address = ""
        else:
            edit_form = SubAddressEditForm(
                asset=asset, initial={"name": current.name, "notes": current.notes}
            )
    return {
        "wallet": wallet,
        "asset": asset,
        "asset_name": get_asset(asset).name,
        "sub_addresses": sub_addresses,
        "create_form": create_form or SubAddressCreateForm(asset=asset),
        "edit_address": edit_address,
        "edit_form": edit_form,
        "error": error,
        "notice": notice,
        "writable": wallet.removed_at is None,
    }


def render_wallet_page(
    request: HttpRequest,
    wallet: Wallet,
    *,
    panel_overrides: dict[str, dict] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole wallet page; `panel_overrides` replaces panels (errors, edit rows)."""
    overrides = panel_overrides or {}
    by_asset = selectors.sub_addresses_by_asset(wallet)
    panels = [
        overrides.get(asset)
        or panel_context(wallet=wallet, asset=asset, sub_addresses=by_asset.get(asset, []))
        for asset in SUB_ADDRESS_ASSETS
    ]
    balances = list(wallet.balances.all())
    context = {
        "nav": "wallets",
        "wallet": wallet,
        "balances": balances,
        "spendable_unknown": any(b.spendable is None for b in balances),
        "funding_addresses": list(wallet.funding_addresses.all()),
        "panels": panels,
        "audit_events": selectors.wallet_audit_events(wallet_id=wallet.id),
        "fresh": freshness(TASK_WALLETS),
    }
    return render(request, "wallets/wallet_detail.html", context, status=status)


def render_panel(
    request: HttpRequest, panel: dict, *, with_audit: bool = False, status: int = 200
) -> HttpResponse:
    """One panel as an HTMX fragment; after a write the audit list is swapped out of band.

    A failed action answers with its real status (400, 409, 503…) and the panel showing the
    error and the user's input: htmx swaps it all the same (`render_fragment`).
    """
    context = {"panel": panel}
    if with_audit:
        context["audit_events"] = selectors.wallet_audit_events(wallet_id=panel["wallet"].id)
    return render_fragment(request, PANEL_TEMPLATE, context, status=status)
