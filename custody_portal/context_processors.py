"""Template context every page needs: the user's role flags for showing write controls."""

from django.http import HttpRequest

from .roles import APPROVE, OPERATE


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_operate": False, "can_approve": False}
    return {"can_operate": user.has_perm(OPERATE), "can_approve": user.has_perm(APPROVE)}
