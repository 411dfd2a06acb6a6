"""Shared bits of the payout views: role mixins, the `next` parameter, the 404 page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from custody_portal.roles import APPROVE, ViewerRequiredMixin


class ApproverRequiredMixin(ViewerRequiredMixin):
    """Approve/reject and TOTP set-up: a viewer or operator gets 403."""

    permission_required = APPROVE


def safe_next(request: HttpRequest) -> str:
    """The `next` URL from the query or form, if it points inside this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request, "payouts/not_found.html", {"nav": "payouts", "message": message}, status=404
    )
