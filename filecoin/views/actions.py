"""Operator actions on Filecoin pages: refresh, termination "fetch now", alert acknowledge /
mute / unmute, reward withdrawal. Each POST calls one service, then redirects back with a
message; a refused withdrawal re-renders the page with the errors and the input kept."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from custody_portal.errors import ApplicationError
from custody_portal.roles import OperatorRequiredMixin

from .. import services
from ..forms import AcknowledgeForm, MuteForm, RewardWithdrawalForm, UnmuteForm
from ..models import StorageProviderAlert
from .pages import get_provider, not_found, provider_page


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _form_error(form) -> str:
    return " ".join(
        f"{form.fields[name].label}: {' '.join(errors)}"
        if name in form.fields
        else " ".join(errors)
        for name, errors in form.errors.items()
    )


class RefreshView(OperatorRequiredMixin, View):
    """ "Refresh now" on `/filecoin/`: queue the storage-provider refresh."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            services.storage_providers_refresh_enqueue(user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Refresh queued: the figures update when the worker is done.")
        return redirect("filecoin:list")


class TerminationFetchView(OperatorRequiredMixin, View):
    """ "Fetch now": the provider goes to the front of the rate-limited queue."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, provider_id: int) -> HttpResponse:
        provider = get_provider(request, provider_id)
        if isinstance(provider, HttpResponse):
            return provider
        try:
            queue = services.termination_fee_request(provider=provider, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Termination estimate requested: first in the queue; Balance allows one call "
                f"every {services.termination.interval_ms() // 1000} s, so expect it within "
                f"about {max(queue.wait_seconds, 1)} s. Reload the page to see it.",
            )
        return redirect("filecoin:detail", provider_id=provider.id)


class _AlertAction(OperatorRequiredMixin, View):
    http_method_names = ["post"]
    form_class = AcknowledgeForm

    def post(self, request: HttpRequest, alert_id: int) -> HttpResponse:
        alert = StorageProviderAlert.objects.filter(pk=alert_id).only("provider_id").first()
        if alert is None:
            return not_found(request, "There is no such alert.")
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _form_error(form))
        else:
            try:
                notice = self.act(request, alert_id, form)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, notice)
        return _back(request, f"/filecoin/{alert.provider_id}/")

    def act(self, request, alert_id: int, form) -> str:
        raise NotImplementedError


class AlertAcknowledgeView(_AlertAction):
    def act(self, request, alert_id, form):
        alert = services.alert_acknowledge(
            alert_id=alert_id, user=request.user, note=form.cleaned_data["note"]
        )
        kind = alert.get_kind_display().lower()
        return f"Acknowledged the {kind} alert of {alert.provider.address}."


class AlertMuteView(_AlertAction):
    form_class = MuteForm

    def act(self, request, alert_id, form):
        until = timezone.now() + form.delta
        alert = services.alert_mute(
            alert_id=alert_id, user=request.user, until=until, reason=form.cleaned_data["reason"]
        )
        return (
            f"Muted the {alert.get_kind_display().lower()} alert of {alert.provider.address} "
            f"until {until:%Y-%m-%d %H:%M} UTC."
        )


class AlertUnmuteView(_AlertAction):
    form_class = UnmuteForm

    def act(self, request, alert_id, form):
        alert = services.alert_unmute(alert_id=alert_id, user=request.user)
        return f"Unmuted the {alert.get_kind_display().lower()} alert of {alert.provider.address}."


class RewardWithdrawalView(OperatorRequiredMixin, View):
    """The provider page's reward withdrawal: a `fil_reward` payout waiting for approval."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, provider_id: int) -> HttpResponse:
        provider = get_provider(request, provider_id)
        if isinstance(provider, HttpResponse):
            return provider
        form = RewardWithdrawalForm(request.POST)
        if not form.is_valid():
            return provider_page(request, provider, withdrawal_form=form, status=400)
        try:
            payout = services.reward_withdrawal_request(
                provider=provider,
                user=request.user,
                amount=form.cleaned_data["amount"],
                fee=form.cleaned_data["fee"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            errors = getattr(exc, "errors", None)
            general = _apply_errors(form, errors) if errors else [exc.message]
            return provider_page(
                request,
                provider,
                withdrawal_form=form,
                withdrawal_errors=general,
                status=exc.status if exc.status >= 400 else 400,
            )
        reference = getattr(payout, "reference", f"#{payout.pk}")
        messages.success(
            request,
            f"Reward withdrawal {reference} created: it is waiting for approval by a second "
            "person before it is sent.",
        )
        return redirect("filecoin:detail", provider_id=provider.id)


def _apply_errors(form: RewardWithdrawalForm, errors: dict) -> list[str]:
    """Put per-field errors (ours or PayoutInvalid's) on the form; return the others."""
    general = []
    for name, messages_ in errors.items():
        if not isinstance(messages_, list):
            messages_ = [str(messages_)]
        if name in form.fields:
            for message in messages_:
                form.add_error(name, message)
        else:
            general.extend(str(m) for m in messages_)
    return general
