"""`/account/two-factor/`: set up the authenticator app approvers confirm payouts with."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from custody_portal.audit import audit_record

from .. import otp
from .common import ApproverRequiredMixin, safe_next


@method_decorator(never_cache, name="dispatch")  # the page shows a secret: never cached
class TwoFactorView(ApproverRequiredMixin, View):
    """GET: the QR code and secret of the device being set up (or "already set up").
    POST `otp_token`: confirm the device with a current code, then go back to `next`."""

    template_name = "payouts/two_factor.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        result = otp.confirm_enrollment(request, request.POST.get("otp_token"))
        if not result.ok:
            return self.render(request, error=result.message, status=400)
        audit_record(
            actor=request.user,
            action="otp.enrolled",
            object_type="user",
            object_id=str(request.user.pk),
            wallet_id=None,
            message="set up an authenticator app for payout approvals",
        )
        messages.success(
            request, "Your authenticator app is set up. You can approve payouts with its codes."
        )
        return redirect(safe_next(request) or "payouts:list")

    def render(self, request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
        device = otp.confirmed_device(request.user)
        context = {
            "nav": "payouts",
            "enrolled": device is not None,
            "next": safe_next(request),
            "error": error,
            "window_minutes": otp.STEP_UP_WINDOW // 60,
        }
        if device is None:
            pending = otp.pending_device(request.user)
            context["qr_svg"] = otp.qr_svg(pending)
            context["secret"] = otp.grouped(otp.secret_base32(pending))
        return render(request, self.template_name, context, status=status)
