"""Error answers in the portal's own shapes: a styled page, an HTMX fragment, or API JSON.

Django calls the `handler400/403/404/500` named in `custody_portal.urls` (with DEBUG off) and
`csrf_failure` (settings `CSRF_FAILURE_VIEW`). Views that know more than "not found" call
`render_error` themselves (e.g. "There is no wallet 7 in the portal.").

- A page request gets a page that extends base.html, with a way back and no stack trace.
- An HTMX request gets a small fragment for the page's error slot (see `custody_portal.htmx`).
- A request under /api/ gets `{"detail": "..."}` like every other API error.

A 403 says which role was needed: from the permission the PermissionDenied carries
(`raise PermissionDenied(OPERATE)`), or else from the view's `permission_required` that the
user lacks (the role mixins of `custody_portal.roles`).
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme

from .htmx import is_htmx, login_redirect, to_error_slot
from .roles import ROLE_PERMISSIONS

logger = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Not a page",
    500: "Something went wrong",
}
PAGE_TEMPLATES = {400: "400.html", 403: "403.html", 404: "404.html", 500: "500.html"}
MESSAGES = {
    400: "The portal could not read this request. Go back, reload the page and try again.",
    403: "Your account is not allowed to do this. Ask an administrator for the role it needs.",
    404: "There is nothing at this address. It may have been mistyped, or the item is gone.",
    405: "This address takes a button's form, not a visit. Go back to the page and use its button.",
    500: (
        "The portal hit an unexpected error and has logged it. If you were changing something, "
        "reload the page to see whether the change was made before trying again."
    ),
}
CSRF_MESSAGE = (
    "This form's security token is missing or has expired (for example after logging in "
    "again in another tab). Reload the page and submit it again."
)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def render_error(
    request: HttpRequest, *, status: int, message: str = "", title: str = ""
) -> HttpResponse:
    """The error in the shape the request wants (page, HTMX fragment, or API JSON)."""
    message = message or MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    if _is_api(request):
        return JsonResponse({"detail": message}, status=status)
    context = {"status": status, "title": title or TITLES.get(status, "Error"), "message": message}
    if is_htmx(request):
        return to_error_slot(render(request, "errors/_error.html", context, status=status))
    template = PAGE_TEMPLATES.get(status, "errors/page.html")
    return render(request, template, context, status=status)


def not_found(request: HttpRequest, message: str = "") -> HttpResponse:
    """A 404 in the portal's layout that names what is missing."""
    return render_error(request, status=404, message=message)


# --- 403: which role was missing ---------------------------------------------------------


def _role_for(permission: str) -> str | None:
    """The smallest role that carries `permission` ("custody_portal.operate" → operator)."""
    codename = permission.rpartition(".")[2]
    return next((role for role, perms in ROLE_PERMISSIONS.items() if codename in perms), None)


def _known_permission(value) -> str | None:
    if isinstance(value, str) and value.startswith("custody_portal.") and _role_for(value):
        return value
    return None


def _missing_permission(request: HttpRequest, exception) -> str | None:
    """The permission that failed: carried on the exception, or the view's that the user
    lacks."""
    carried = getattr(exception, "permission", None) or (
        exception.args[0] if exception and exception.args else None
    )
    if _known_permission(carried):
        return carried
    match = getattr(request, "resolver_match", None)
    view_class = getattr(getattr(match, "func", None), "view_class", None)
    required = getattr(view_class, "permission_required", None) or ()
    if isinstance(required, str):
        required = (required,)
    user = getattr(request, "user", None)
    for permission in required:
        if user is not None and not user.has_perm(permission) and _known_permission(permission):
            return permission
    return None


def permission_denied_message(request: HttpRequest, exception=None) -> str:
    """ "This needs the operator role. You are signed in as otto (viewer). Ask an …"."""
    user = getattr(request, "user", None)
    permission = _missing_permission(request, exception)
    reason = str(exception.args[0]) if exception and exception.args and not permission else ""
    if user is None or not user.is_authenticated:
        who = "You are not signed in."
    else:
        roles = ", ".join(sorted(user.groups.values_list("name", flat=True))) or "no role"
        who = f"You are signed in as {user.get_username()} ({roles})."
    if permission:
        role = _role_for(permission)
        return f"This needs the {role} role. {who} Ask an administrator to give you that role."
    if reason:
        return f"{reason.rstrip('.')}. {who}"
    return f"{MESSAGES[403]} {who}"


# --- Django's handlers -------------------------------------------------------------------


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return render_error(request, status=400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render_error(request, status=403, message=permission_denied_message(request, exception))


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render_error(request, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """A 500 without a stack trace. Rendered without the request's context processors: the
    error may be the database itself, and they read the user from it."""
    if _is_api(request):
        return JsonResponse({"detail": MESSAGES[500]}, status=500)
    context = {"status": 500, "title": TITLES[500], "message": MESSAGES[500]}
    htmx = is_htmx(request)
    try:
        body = loader.render_to_string("errors/_error.html" if htmx else "500.html", context)
    except Exception:  # the template itself failed: still no stack trace for the user
        logger.exception("could not render the 500 page")
        body = f"<h1>{TITLES[500]}</h1><p>{MESSAGES[500]}</p>"
    response = HttpResponse(body, status=500)
    return to_error_slot(response) if htmx else response


def page_before_post(request: HttpRequest) -> str:
    """Where a POST came from (its form's page, same site only), to return there after
    logging in: the POST-only URL itself would be a 405 after the login."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused CSRF check. Without a session (it expired, or the cookies were cleared) the
    real problem is the login: such a request goes to the login page like any other."""
    if _is_api(request):
        return JsonResponse({"detail": f"CSRF check failed: {reason}"}, status=403)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        if is_htmx(request):
            return login_redirect(request)
        return redirect_to_login(page_before_post(request))
    return render_error(request, status=403, message=CSRF_MESSAGE, title="Please reload the page")
