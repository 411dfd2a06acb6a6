"""Operator actions: sub-address create / edit / watch / refresh, wallet refresh, refresh-all.

Each POST calls one service. For HTMX the answer is the re-rendered panel, with the failure's
real status (400, 409, 503…) when there is an error in it: the portal's htmx configuration
swaps such marked fragments (`custody_portal.htmx`), and the forms disable their button while
a request is in flight, so a second click cannot send a duplicate. Without HTMX a success
redirects to the wallet page and a failure renders it with the panel's error and the user's
input kept.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View

from custody_portal.error_pages import not_found
from custody_portal.errors import ApplicationError
from custody_portal.htmx import is_htmx
from custody_portal.roles import OperatorRequiredMixin, ViewerRequiredMixin

from .. import selectors, services
from ..forms import SubAddressCreateForm, SubAddressEditForm, WatchForm
from ..models import Wallet
from .messages import without_kept_input
from .panels import panel_context, render_panel, render_wallet_page


def _wallet(wallet_id: int) -> Wallet | None:
    # No prefetch: a write action re-renders from fresh queries after it changed rows.
    return Wallet.objects.filter(pk=wallet_id).first()


def _wallet_and_asset(
    request: HttpRequest, wallet_id: int, asset: str, *, load=_wallet
) -> tuple[Wallet, str] | HttpResponse:
    """The wallet and the checked sub-address ticker, or the 404 page naming what is missing."""
    wallet = load(wallet_id)
    if wallet is None:
        return not_found(request, f"There is no wallet {wallet_id} in the portal.")
    try:
        return wallet, services.validate_sub_address_asset(asset)
    except ApplicationError as exc:
        return not_found(request, exc.message)


def _form_error(form) -> str:
    """The form's errors as one line; a message that already names its field is kept as is."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for text in errors:
            named = label and text.lower().startswith(f"the {label.lower()}")
            parts.append(f"{label}: {text}" if label and not named else text)
    return " ".join(parts)


class _PanelAction(OperatorRequiredMixin, View):
    """Shared plumbing of the panel POSTs: lookup, asset check, answer shape."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, wallet_id: int, asset: str, **kwargs) -> HttpResponse:
        found = _wallet_and_asset(request, wallet_id, asset)
        if isinstance(found, HttpResponse):
            return found
        wallet, asset = found
        return self.act(request, wallet, asset, **kwargs)

    def act(self, request, wallet: Wallet, asset: str, **kwargs) -> HttpResponse:
        raise NotImplementedError

    def respond(
        self, request, wallet: Wallet, asset: str, *, status: int = 200, **state
    ) -> HttpResponse:
        panel = panel_context(
            wallet=wallet,
            asset=asset,
            sub_addresses=list(selectors.sub_address_list(wallet_id=wallet.id, asset=asset)),
            **state,
        )
        if is_htmx(request):
            return render_panel(request, panel, with_audit=status < 400, status=status)
        if status < 400:
            if state.get("notice"):
                messages.success(request, state["notice"])
            return redirect("wallets:detail", wallet_id=wallet.id)
        wallet = selectors.wallet_get(wallet_id=wallet.id)
        return render_wallet_page(request, wallet, panel_overrides={asset: panel}, status=status)


class SubAddressCreateView(_PanelAction):
    def act(self, request, wallet, asset):
        form = SubAddressCreateForm(request.POST, asset=asset)
        if not form.is_valid():
            return self.respond(
                request, wallet, asset, create_form=form, error=_form_error(form), status=400
            )
        try:
            created = services.sub_address_create(
                user=request.user, wallet=wallet, asset=asset, **form.cleaned_data
            )
        except ApplicationError as exc:
            return self.respond(
                request, wallet, asset, create_form=form, error=exc.message, status=exc.status
            )
        return self.respond(
            request, wallet, asset, notice=f"Created {asset.upper()} sub-address {created.address}."
        )


class SubAddressEditView(_PanelAction):
    def act(self, request, wallet, asset, address):
        form = SubAddressEditForm(request.POST, asset=asset)
        state = {"edit_address": address, "edit_form": form}
        if not form.is_valid():
            return self.respond(
                request, wallet, asset, error=_form_error(form), status=400, **state
            )
        try:
            updated = services.sub_address_update(
                user=request.user, wallet=wallet, asset=asset, address=address, **form.changes()
            )
        except ApplicationError as exc:
            return self.respond(
                request, wallet, asset, error=exc.message, status=exc.status, **state
            )
        return self.respond(request, wallet, asset, notice=f"Saved {updated.address}.")


class SubAddressWatchView(_PanelAction):
    def act(self, request, wallet, asset, address):
        form = WatchForm(request.POST)
        if not form.is_valid():
            return self.respond(request, wallet, asset, error=_form_error(form), status=400)
        watched = form.cleaned_data["is_watched"]
        try:
            services.sub_address_update(
                user=request.user, wallet=wallet, asset=asset, address=address, is_watched=watched
            )
        except ApplicationError as exc:  # a toggle keeps no input: never say it was kept
            error = without_kept_input(exc.message)
            return self.respond(request, wallet, asset, error=error, status=exc.status)
        verb = "Watching" if watched else "Stopped watching"
        return self.respond(request, wallet, asset, notice=f"{verb} {address}.")


class SubAddressRefreshView(_PanelAction):
    def act(self, request, wallet, asset):
        try:
            counts = services.wallet_refresh_from_balance(
                user=request.user, wallet=wallet, asset=asset
            )
        except ApplicationError as exc:
            error = without_kept_input(exc.message)
            return self.respond(request, wallet, asset, error=error, status=exc.status)
        errors = counts.get("errors")
        if errors:
            return self.respond(request, wallet, asset, error=" ".join(errors), status=400)
        return self.respond(request, wallet, asset, notice=_refreshed(counts))


class SubAddressPanelView(ViewerRequiredMixin, View):
    """GET one panel (HTMX: cancel an edit, open the edit row); full page without HTMX."""

    def get(self, request: HttpRequest, wallet_id: int, asset: str) -> HttpResponse:
        found = _wallet_and_asset(
            request, wallet_id, asset, load=lambda pk: selectors.wallet_get(wallet_id=pk)
        )
        if isinstance(found, HttpResponse):
            return found
        wallet, asset = found
        panel = panel_context(
            wallet=wallet,
            asset=asset,
            sub_addresses=selectors.sub_addresses_by_asset(wallet).get(asset, []),
            edit_address=request.GET.get("edit", ""),
        )
        if is_htmx(request):
            return render_panel(request, panel)
        return render_wallet_page(request, wallet, panel_overrides={asset: panel})


class WalletRefreshView(OperatorRequiredMixin, View):
    """ "Refresh from Balance" on a wallet page: detail (spendable) and every sub-address."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, wallet_id: int) -> HttpResponse:
        wallet = _wallet(wallet_id)
        if wallet is None:
            return not_found(request, f"There is no wallet {wallet_id} in the portal.")
        try:
            counts = services.wallet_refresh_from_balance(user=request.user, wallet=wallet)
        except ApplicationError as exc:
            messages.error(request, without_kept_input(exc.message))
        else:
            if counts.get("errors"):
                messages.warning(
                    request, "The refresh is incomplete. " + " ".join(counts["errors"])
                )
            else:
                messages.success(request, _refreshed(counts))
        return redirect("wallets:detail", wallet_id=wallet_id)


class RefreshAllView(OperatorRequiredMixin, View):
    """The home page's "Refresh now": queue the refresh tasks for the workers."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            services.refresh_enqueue(user=request.user)
        except ApplicationError as exc:
            messages.error(request, without_kept_input(exc.message))
        else:
            messages.success(
                request, "Refresh queued: the data below updates when the workers finish."
            )
        return redirect("home")


def _refreshed(counts: dict) -> str:
    changes = counts.get("created", 0) + counts.get("updated", 0) + counts.get("removed", 0)
    if not changes:
        return "Refreshed from Balance: no changes."
    return (
        f"Refreshed from Balance: {counts.get('created', 0)} new, "
        f"{counts.get('updated', 0)} changed, {counts.get('removed', 0)} gone."
    )
