"""The sandbox as a plain WSGI application: routing, HMAC auth, faults, call log, JSON out.

Request flow for `/api/…`: injected latency/faults → route (unknown → 404 "Not found") →
optional User-Agent check → `balance.signing.verify_request` with the real method and the path
as sent (no query) → handler → log the call (never its headers) → exact JSON. A fault rule
with `commit` lets the request through first and then replaces, delays or drops its answer.
`/_sandbox/…` is unsigned and answers loopback clients only.
"""

import ipaddress
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from balance.signing import verify_request

from . import api_batch, api_fil, api_misc, api_wallets, control, control_fil
from .http import ApiError, Request, Response, Route, parse_json
from .jsonnum import dumps
from .state import Fault, SandboxState

StartResponse = Callable[..., Any]
_STATUS_TEXT = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_MAX_BODY = 10 * 1024 * 1024


def _compile(routes: Iterable[Route]) -> list[tuple[Route, re.Pattern[str]]]:
    return [(r, re.compile(f"^{r.pattern}$")) for r in routes]


# FIL routes go first: `assets/fil/storage_providers` must not be read as a sub-address path.
API_ROUTES = _compile([*api_fil.ROUTES, *api_batch.ROUTES, *api_misc.ROUTES, *api_wallets.ROUTES])
CONTROL_ROUTES = _compile([*control.ROUTES, *control_fil.ROUTES])


def _match(
    routes: list[tuple[Route, re.Pattern[str]]], method: str, path: str
) -> tuple[Route, dict[str, str]] | None:
    for route, pattern in routes:
        if route.method == method:
            found = pattern.match(path)
            if found:
                return route, found.groupdict()
    return None


def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SandboxApp:
    """The WSGI callable; `state` is exposed for in-process use (benchmarks, tests)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        request, signed_path = self._request(environ)
        if request.path == "/_sandbox" or request.path.startswith("/_sandbox/"):
            response = self._control(request)
        else:
            response = self._api(request, signed_path)
            self._log(request, response)
        if response.reset:
            # Nothing is written: the server closes the connection (server.py).
            raise AbortConnection(request.path)
        payload = response.raw if response.raw is not None else dumps(response.body)
        if response.delay_after:
            time.sleep(response.delay_after)  # commit-then-timeout: the client gives up first
        status_code = response.status or 500
        status = f"{status_code} {_STATUS_TEXT.get(status_code, 'Status')}"
        start_response(
            status,
            [("Content-Type", response.content_type), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    @staticmethod
    def _request(environ: dict[str, Any]) -> tuple[Request, str]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(min(length, _MAX_BODY)) if length > 0 else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        path = environ.get("PATH_INFO") or "/"
        # Clients sign the path exactly as sent; waitress keeps it in REQUEST_URI.
        raw_uri = environ.get("REQUEST_URI")
        signed_path = raw_uri.split("?", 1)[0] if raw_uri else quote(path)
        request = Request(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=path,
            query_string=environ.get("QUERY_STRING", ""),
            body=body,
            headers=headers,
            remote_addr=environ.get("REMOTE_ADDR", ""),
        )
        return request, signed_path

    def _control(self, request: Request) -> Response:
        if not _is_loopback(request.remote_addr):
            return Response(403, {"error": "The sandbox control surface is loopback-only"})
        return self._dispatch(CONTROL_ROUTES, request)

    def _take_fault(self, request: Request) -> tuple[float, Fault | None]:
        """Total latency to add and the fault rule that fires for this request, if any."""
        with self.state.lock:
            controls = self.state.controls
            latency = controls.latency_ms
            for fault in controls.faults:
                if fault.method not in (None, request.method):
                    continue
                if not fault.pattern.search(request.path):
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        controls.faults.remove(fault)
                return (latency + fault.latency_ms) / 1000, fault
            return latency / 1000, None

    def _api(self, request: Request, signed_path: str) -> Response:
        delay, fault = self._take_fault(request)
        if fault is not None and fault.commit:
            # The real handler runs first (a write commits); then the fault takes its answer.
            response = _faulted(fault, self._handle(request, signed_path))
            response.delay_after += delay  # logged first, then late: like commit_then_timeout
            return response
        if delay:
            time.sleep(delay)
        if fault is not None and fault.kind != "latency":
            return _faulted(fault, None)
        response = self._handle(request, signed_path)
        if fault is not None:
            response.fault = _fault_note(fault, None)
        return response

    def _handle(self, request: Request, signed_path: str) -> Response:
        found = _match(API_ROUTES, request.method, request.path)
        if found is None:
            return Response(404, {"error": "Not found"})
        route, params = found
        if self.state.controls.require_user_agent and not request.headers.get("user-agent"):
            return Response(401, {"error": "User-Agent header not set"})
        if not route.public:
            failure = verify_request(
                method=request.method,
                path=signed_path,
                body=request.body,
                headers=request.headers,
                secrets=self.state.credentials,
            )
            if failure is not None:
                return Response(failure.status, {"error": failure.error})
        return self._run(route, request, params)

    def _dispatch(self, routes: list[tuple[Route, re.Pattern[str]]], request: Request) -> Response:
        found = _match(routes, request.method, request.path)
        if found is None:
            return Response(404, {"error": "Not found"})
        route, params = found
        return self._run(route, request, params)

    def _run(self, route: Route, request: Request, params: dict[str, str]) -> Response:
        try:
            return route.handler(self.state, request, **params)
        except ApiError as exc:
            return Response(exc.status, {"error": exc.message})
        except Exception:
            # A sandbox bug must look like Balance's 500, and be visible in the console.
            traceback.print_exc(file=sys.stderr)
            return Response(500, {"error": "Internal server error"})

    def _log(self, request: Request, response: Response) -> None:
        try:
            body = parse_json(request.body) if request.body.strip() else None
        except (ValueError, UnicodeDecodeError):
            body = None
        self.state.record_call(
            {
                "method": request.method,
                "path": request.path,
                "query": request.query,
                # The status the client received: null when the connection was cut instead.
                "status": None if response.reset else response.status,
                "body": body,
                "at": _now_iso(),
                "fault": response.fault,
            }
        )


class AbortConnection(Exception):
    """Raised by the app to close the connection without answering (a `reset` fault).

    `server.py` turns it into waitress's own "client disconnected", which closes the socket
    with nothing written: the client sees the connection end after its request was sent.
    """


def _fault_note(fault: Fault, handled: Response | None) -> dict[str, Any]:
    """The call log's description of an injected fault."""
    return {
        "kind": fault.kind,
        "commit": fault.commit,
        "handled_status": handled.status if handled is not None else None,
    }


def _faulted(fault: Fault, handled: Response | None) -> Response:
    """The answer of a fault rule; `handled` is the real answer it replaces (commit) or None."""
    note = _fault_note(fault, handled)
    if fault.reset:
        return Response(None, None, reset=True, fault=note)
    if fault.raw_body is not None:
        status = fault.status if fault.status is not None else 200
        return Response(
            status, None, raw=fault.raw_body, content_type=fault.content_type, fault=note
        )
    if fault.status is not None:
        return Response(fault.status, fault.body, fault=note)
    assert handled is not None  # latency only, after the real handler ran
    handled.fault = note
    return handled


def make_app(
    seed: int, wallets: int, access_id: str, secret_key: str, *, first_transaction_id: int = 0
) -> SandboxApp:
    """A sandbox WSGI app with fresh data for `seed` and the given credentials; transactions
    made while it runs are numbered from `first_transaction_id` at least."""
    return SandboxApp(
        SandboxState(
            seed=seed,
            wallets=wallets,
            access_id=access_id,
            secret_key=secret_key,
            first_transaction_id=first_transaction_id,
        )
    )
