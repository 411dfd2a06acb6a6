"""Template context every page needs: the user's role flags for showing write controls, and
for approvers the number of payouts awaiting them (navigation badge)."""

from functools import cache

from django.http import HttpRequest

from .roles import APPROVE, OPERATE


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_operate": False, "can_approve": False}
    can_approve = user.has_perm(APPROVE)
    context = {"can_operate": user.has_perm(OPERATE), "can_approve": can_approve}
    if can_approve:
        # A callable: the template calls it only where the badge is drawn (full pages, not
        # HTMX fragments), once per request.
        context["payouts_awaiting"] = cache(lambda: _awaiting_count(user))
    return context


def _awaiting_count(user) -> int:
    from payouts.selectors import payouts_awaiting_count

    return payouts_awaiting_count(user=user)
