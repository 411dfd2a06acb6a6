"""Response shaping every view gets: the CSP header, and HTMX-aware login and error answers."""

from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url

from .error_pages import page_before_post, render_error
from .htmx import FRAGMENT_HEADER, htmx_details, is_htmx, login_redirect

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", POLICY)
        return response


def _is_login_redirect(response: HttpResponse) -> bool:
    """A redirect to the login page with `next` (what `redirect_to_login` answers when the
    session is missing or expired), not e.g. the one after logging out."""
    if response.status_code not in (301, 302, 303, 307, 308) or not response.has_header("Location"):
        return False
    location = urlsplit(response["Location"])
    return location.path == resolve_url(settings.LOGIN_URL) and "next" in parse_qs(location.query)


def _is_bare(response: HttpResponse) -> bool:
    """An error answered with no page at all (Django's 405 for a GET on a POST-only URL)."""
    return not response.streaming and not response.content


class HtmxResponseMiddleware:
    """What LoginRequiredMixin, CSRF and error pages answer, fitted to the request.

    - An HTMX request whose session expired gets `HX-Redirect` to the login page (status 200):
      the whole page goes there, instead of htmx following the 302 and pasting the login page
      into a panel. `next` is the page the user was on (HX-Current-URL).
    - A plain form POST whose session expired comes back, after login, to the page the form
      was on: `next` would otherwise be the POST-only URL, a 405 after logging in.
    - An HTMX request answered with an error nothing here shaped (a 405, …)
      gets the portal's error fragment in the page's error slot, never a whole page in a panel;
      a page request answered with an empty error (Django's 405) gets the styled page.

    /api/ is left alone: scripts get DRF's 401/403 JSON.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            return response
        if _is_login_redirect(response):
            if htmx_details(request):
                return login_redirect(request)
            if request.method not in ("GET", "HEAD"):
                return self._login_after_post(request, response)
            return response
        unshaped = response.status_code >= 400 and not response.has_header(FRAGMENT_HEADER)
        if unshaped and (is_htmx(request) or _is_bare(response)):
            shaped = render_error(request, status=response.status_code)
            if response.has_header("Allow"):  # a 405 must still say what is allowed
                shaped["Allow"] = response["Allow"]
            return shaped
        return response

    @staticmethod
    def _login_after_post(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        parts = urlsplit(response["Location"])
        query = parse_qs(parts.query)
        query["next"] = [page_before_post(request)]
        return HttpResponseRedirect(f"{parts.path}?{urlencode(query, doseq=True)}")
