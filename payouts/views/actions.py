"""Payout actions (POST only, CSRF-protected): approve, reject, cancel, send again, resolve.

Each action calls one service. Success → a message and back to the payout page. Failure →
the payout page again with the message next to the button and the input kept (4xx, never a
500); nothing changed.

Approve needs the TOTP step-up (`payouts.otp`) before the service is called: an approver
without a confirmed device is sent to set one up (and comes back), a wrong code changes
nothing. The drafter is refused before any code is checked, so a drafter's attempt never
spends a code or trips the throttle (the service and the database refuse it anyway).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View

from custody_portal.errors import ApplicationError
from custody_portal.roles import ViewerRequiredMixin

from .. import otp, services
from ..forms import RejectForm, ResolveForm
from ..models import Payout, PayoutStatus
from .common import ApproverRequiredMixin, not_found
from .pages import render_detail

DRAFTER_CANNOT_APPROVE = "You drafted this payout: another approver must approve it."


class _PayoutAction(View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, payout_id: int) -> HttpResponse:
        payout = Payout.objects.filter(pk=payout_id).first()
        if payout is None:
            return not_found(request, f"There is no payout {payout_id}.")
        try:
            return self.act(request, payout)
        except ApplicationError as exc:
            return self.failed(request, payout, exc.message, status=exc.status)

    def act(self, request: HttpRequest, payout: Payout) -> HttpResponse:
        raise NotImplementedError

    def failed(self, request, payout: Payout, message: str, *, status: int = 400) -> HttpResponse:
        return render_detail(request, payout.pk, error=message, status=status)

    def done(self, payout: Payout, message: str, request: HttpRequest) -> HttpResponse:
        messages.success(request, message)
        return redirect("payouts:detail", payout_id=payout.pk)


class PayoutApproveView(ApproverRequiredMixin, _PayoutAction):
    """`POST /payouts/<id>/approve/` with `otp_token` (unless stepped up in the last 5 min)."""

    def act(self, request, payout):
        if payout.created_by_id == request.user.pk:
            return self.failed(request, payout, DRAFTER_CANNOT_APPROVE, status=403)
        if payout.status != PayoutStatus.PENDING_APPROVAL:
            # Checked before the code too, so a stale page does not spend one.
            label = payout.get_status_display().lower()
            return self.failed(
                request, payout, f"This payout is {label}: there is nothing to approve.", status=409
            )
        if otp.confirmed_device(request.user) is None:
            messages.info(request, "Set up your authenticator app first; then approve.")
            detail = reverse("payouts:detail", args=[payout.pk])
            return redirect(f"{reverse('payouts:two-factor')}?{urlencode({'next': detail})}")
        if not otp.step_up_is_fresh(request):
            result = otp.verify_step_up(request, request.POST.get("otp_token", ""))
            if not result.ok:
                return render_detail(request, payout.pk, approve_error=result.message, status=400)
        # The hash of the version the approver's page showed: an edit in between is refused.
        shown = request.POST.get("content_hash") or None
        services.payout_approve(payout=payout, user=request.user, content_hash=shown)
        return self.done(payout, f"You approved {payout.reference}.", request)

    def failed(self, request, payout, message, *, status=400):
        return render_detail(request, payout.pk, approve_error=message, status=status)


class PayoutRejectView(ApproverRequiredMixin, _PayoutAction):
    """`POST /payouts/<id>/reject/` with a required `reason`."""

    def act(self, request, payout):
        form = RejectForm(request.POST)
        if not form.is_valid():
            return render_detail(
                request, payout.pk, reject_form=form, error=form.errors["reason"][0], status=400
            )
        try:
            services.payout_reject(
                payout=payout, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            return render_detail(
                request, payout.pk, reject_form=form, error=exc.message, status=exc.status
            )
        return self.done(payout, f"You rejected {payout.reference}.", request)


class PayoutCancelView(ViewerRequiredMixin, _PayoutAction):
    """`POST /payouts/<id>/cancel/`: the drafter withdraws it before it is sent."""

    def act(self, request, payout):
        services.payout_cancel(payout=payout, user=request.user)
        return self.done(payout, f"{payout.reference} is cancelled.", request)


class PayoutSendAgainView(ApproverRequiredMixin, _PayoutAction):
    """`POST /payouts/<id>/send-again/`: after Balance provably never received it."""

    def act(self, request, payout):
        services.payout_send_again(payout=payout, user=request.user)
        return self.done(payout, f"{payout.reference} is queued to be sent again.", request)


class PayoutResolveView(ApproverRequiredMixin, _PayoutAction):
    """`POST /payouts/<id>/resolve/`: propose how an `unknown` payout ended (outcome,
    Balance transaction id, reason); a second person confirms."""

    def act(self, request, payout):
        form = ResolveForm(request.POST)
        if not form.is_valid():
            first = next(iter(form.errors.values()))[0]
            return render_detail(request, payout.pk, resolve_form=form, error=first, status=400)
        try:
            services.payout_resolution_propose(
                payout=payout,
                user=request.user,
                outcome=form.cleaned_data["outcome"],
                transaction_id=form.cleaned_data["transaction_id"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            return render_detail(
                request, payout.pk, resolve_form=form, error=exc.message, status=exc.status
            )
        return self.done(
            payout, "Your resolution is recorded; another person must confirm it.", request
        )


class PayoutResolveConfirmView(ApproverRequiredMixin, _PayoutAction):
    """`POST /payouts/<id>/resolve/confirm/`: the second person applies the open proposal."""

    def act(self, request, payout):
        services.payout_resolution_confirm(payout=payout, user=request.user)
        return self.done(payout, f"{payout.reference} is resolved.", request)
