"""Payout emails (Django's email): approvers when a payout awaits them, the drafter when it
is sent, failed, rejected or unknown, or when Balance later reports a sent payout's
transaction failed or canceled.

Called after commit (`services.common.after_commit`); a failure to send is logged and never
undoes or breaks the workflow step. Emails name the payout and link to it; they never carry
secrets or TOTP material.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail, send_mass_mail
from django.db.models import Q
from django.template.loader import render_to_string

from .models import Payout, PayoutStatus

logger = logging.getLogger(__name__)

DRAFTER_EVENTS = {
    PayoutStatus.SENT: "sent",
    PayoutStatus.FAILED: "failed",
    PayoutStatus.REJECTED: "rejected",
    PayoutStatus.UNKNOWN: "outcome unknown — needs reconciliation",
    # A sent payout whose transaction Balance later reports failed or canceled.
    "balance_failed": "failed at Balance — the funds did not leave",
}


def payout_url(payout: Payout) -> str:
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}/payouts/{payout.pk}/"


def approvers_for(payout: Payout):
    """Active users with the approve permission (by group, directly, or superuser) who did
    not draft the payout and have an email address."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    perm = Q(
        groups__permissions__codename="approve_payouts",
        groups__permissions__content_type__app_label="custody_portal",
    ) | Q(
        user_permissions__codename="approve_payouts",
        user_permissions__content_type__app_label="custody_portal",
    )
    return (
        users.filter(perm | Q(is_superuser=True))
        .exclude(pk=payout.created_by_id)
        .distinct()
        .order_by("pk")
    )


def notify_awaiting_approval(payout_id: int) -> int:
    """Tell every approver (except the drafter) that the payout awaits approval."""
    payout = Payout.objects.select_related("created_by", "source_wallet").get(pk=payout_id)
    if payout.status != PayoutStatus.PENDING_APPROVAL:
        return 0
    recipients = list(approvers_for(payout).values_list("email", flat=True))
    if not recipients:
        return 0
    subject = f"[Custody Portal] {payout.reference} awaits your approval ({payout.total_display})"
    body = render_to_string(
        "payouts/email/awaiting_approval.txt", {"payout": payout, "url": payout_url(payout)}
    )
    messages = [(subject, body, None, [address]) for address in recipients]
    try:
        return send_mass_mail(messages, fail_silently=False)
    except Exception:
        logger.exception("payouts: could not email approvers about %s", payout.reference)
        return 0


def notify_drafter(payout_id: int, event: str) -> int:
    """Tell the drafter what became of their payout (sent, failed, rejected, unknown)."""
    payout = Payout.objects.select_related("created_by", "source_wallet").get(pk=payout_id)
    what = DRAFTER_EVENTS.get(event)
    email = payout.created_by.email
    if what is None or not email:
        return 0
    subject = f"[Custody Portal] {payout.reference} {what}"
    body = render_to_string(
        "payouts/email/outcome.txt",
        {"payout": payout, "what": what, "event": event, "url": payout_url(payout)},
    )
    try:
        return send_mail(subject, body, None, [email], fail_silently=False)
    except Exception:
        logger.exception("payouts: could not email the drafter of %s", payout.reference)
        return 0
