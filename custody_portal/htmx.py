"""One view serves the full page or, for an HTMX request, only the fragment it swaps.

Built on django-htmx (`request.htmx`, `HttpResponseClientRedirect`, `retarget`/`reswap`).
What the portal adds is its convention for error answers, shared with `static/js/portal.js`
and the `htmx-config` meta tag of `base.html`:

- htmx is configured to swap 4xx/5xx answers too, so an error reaches the user instead of
  vanishing. Only answers marked with `FRAGMENT_HEADER` are swapped: an error page from
  somewhere else (a proxy's 502) is not pasted into a panel; portal.js shows a short message
  instead.
- A fragment that belongs to its target (a panel re-rendered with its error and the user's
  input) is swapped where the request said. A generic error (403, 404, 500) goes to the page's
  `#htmx-error` slot (`HX-Retarget`), so the panel the user was working in stays as it was.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget
from django_htmx.middleware import HtmxDetails

# Marks an answer as a portal fragment, which portal.js lets htmx swap even with a 4xx/5xx.
FRAGMENT_HEADER = "X-Portal-Fragment"
# The element of base.html that shows errors not tied to a panel.
ERROR_SLOT = "#htmx-error"


def htmx_details(request: HttpRequest) -> HtmxDetails:
    """`request.htmx`, also for a response built before HtmxMiddleware ran."""
    details = getattr(request, "htmx", None)
    return details if isinstance(details, HtmxDetails) else HtmxDetails(request)


def is_htmx(request: HttpRequest) -> bool:
    """An HTMX request that wants a fragment (a history restore wants the whole page)."""
    details = htmx_details(request)
    return bool(details) and not details.history_restore_request


def mark_fragment(response: HttpResponse) -> HttpResponse:
    """Let htmx swap this answer even when its status is an error (see the module doc)."""
    response[FRAGMENT_HEADER] = "1"
    patch_vary_headers(response, ("HX-Request",))
    return response


def render_fragment(
    request: HttpRequest, template: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """A fragment swapped into the request's own target, whatever its status."""
    return mark_fragment(render(request, template, context, status=status))


def render_page_or_fragment(
    request: HttpRequest, page: str, fragment: str, context: dict, *, status: int = 200
) -> HttpResponse:
    if is_htmx(request):
        return render_fragment(request, fragment, context, status=status)
    response = render(request, page, context, status=status)
    # The same URL answers two shapes: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def to_error_slot(response: HttpResponse) -> HttpResponse:
    """Send a generic error fragment to the page's error slot instead of the request's target."""
    reswap(retarget(mark_fragment(response), ERROR_SLOT), "innerHTML")
    return response


def login_redirect(request: HttpRequest) -> HttpResponse:
    """An expired session on an HTMX request: the whole page goes to the login page.

    The login page must not be swapped into a panel, and after logging in the user comes
    back to the page they were on (HX-Current-URL), not to the fragment URL they clicked.
    """
    page = htmx_details(request).current_url_abs_path or resolve_url(settings.LOGIN_REDIRECT_URL)
    login_url = resolve_url(settings.LOGIN_URL)
    return HttpResponseClientRedirect(f"{login_url}?{urlencode({'next': page})}")
