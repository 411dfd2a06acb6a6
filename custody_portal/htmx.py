"""One view serves the full page or, for an HTMX request, only the fragment it swaps."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def is_htmx(request: HttpRequest) -> bool:
    """An HTMX request that wants a fragment (a history restore wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_fragment(
    request: HttpRequest, page: str, fragment: str, context: dict, *, status: int = 200
) -> HttpResponse:
    response = render(request, fragment if is_htmx(request) else page, context, status=status)
    # The same URL answers two shapes: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response
