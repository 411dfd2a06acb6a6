"""What a failed exchange with Balance means: the typed errors of balance.errors.

The one question that matters for a write is whether the request may have reached Balance:

- **Not sent** — DNS failure, refused connection, connect timeout (and a TLS certificate
  refused during the handshake): the socket never carried a byte of the request.
- **Outcome unknown** — everything after the connection was established: a read timeout, a
  connection dropped or reset after the request left, a truncated body, a 5xx, a 429, a
  redirect, a 2xx we cannot read. Balance may have acted.

urllib3 reports a failed connect as `NewConnectionError` (refused; `NameResolutionError` for
DNS) or `ConnectTimeoutError`, wrapped in `MaxRetryError` and then in requests'
`ConnectionError`/`ConnectTimeout`; a drop after sending is a `ProtocolError` around
`RemoteDisconnected`/`ConnectionResetError`. Anything unrecognised counts as "may have acted".
"""

import json
import ssl
from decimal import Decimal
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from ..errors import (
    BalanceAuthError,
    BalanceError,
    BalanceNotSent,
    BalanceOutcomeUnknown,
    BalanceRateLimited,
    BalanceRejected,
    BalanceTimeout,
    BalanceUnexpectedResponse,
)

# Raised by requests while preparing the request, before any socket exists: configuration.
_BAD_URL = (
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidURL,
)


def _causes(exc: BaseException) -> list[BaseException]:
    """`exc` and everything it wraps (cause, context, `MaxRetryError.reason`, exception args)."""
    found: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        nested += [arg for arg in current.args if isinstance(arg, BaseException)]
        todo += [n for n in nested if isinstance(n, BaseException)]
    return found


def _never_left(exc: BaseException) -> bool:
    """True only when the failure provably happened before the request was written."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    return any(
        isinstance(cause, NewConnectionError | ConnectTimeoutError | ssl.SSLCertVerificationError)
        for cause in _causes(exc)
    )


def transport_error(
    exc: requests.exceptions.RequestException, *, method: str, path: str, host: str, read_s: float
) -> BalanceError:
    """The typed error for a request that got no HTTP answer."""
    call = f"{method} {path}"
    if isinstance(exc, _BAD_URL):
        return BalanceAuthError(f"The Balance API URL is not valid ({exc.__class__.__name__}).")
    if _never_left(exc):
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            reason = "the connection timed out"
        elif any(isinstance(c, NameResolutionError) for c in _causes(exc)):
            reason = "its name does not resolve"
        elif any(isinstance(c, ssl.SSLCertVerificationError) for c in _causes(exc)):
            reason = "its TLS certificate was refused"
        else:
            reason = "the connection was refused"
        return BalanceNotSent(
            f"Balance is unreachable: cannot connect to {host} ({reason}); nothing was sent."
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return BalanceTimeout(f"Balance did not answer within {read_s:g} s ({call}).")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        message = f"Balance's answer was cut off ({call})."
    elif isinstance(exc, requests.exceptions.ConnectionError):
        message = f"The connection to Balance dropped after the request was sent ({call})."
    else:
        message = (
            f"The request to Balance failed after it was sent ({exc.__class__.__name__}; {call})."
        )
    return BalanceOutcomeUnknown(message)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json(response: requests.Response) -> tuple[bool, Any]:
    """(True, value) for a JSON body — numbers with a fraction as Decimal, never float."""
    if not response.content.strip():
        return False, None
    try:
        value = json.loads(response.content, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError):
        return False, None
    return True, value


def read_answer(response: requests.Response, *, method: str, path: str) -> Any:
    """A 2xx → its JSON value; any other status → the typed error (Balance's own text)."""
    status = response.status_code
    is_json, payload = _json(response)
    call = f"{method} {path}"
    if 200 <= status < 300:
        if not is_json:
            kind = response.headers.get("Content-Type") or "no content type"
            raise BalanceUnexpectedResponse(
                f"Balance answered HTTP {status} with a body that is not JSON ({kind}; {call}).",
                status=status,
            )
        return payload
    if status < 400:
        # Redirects are never followed: a write must not be re-sent somewhere else.
        where = response.headers.get("Location") or "nowhere"
        raise BalanceUnexpectedResponse(
            f"Balance answered HTTP {status} (to {where}) instead of a result ({call}).",
            status=status,
        )
    message = _error_text(payload) or response.reason or f"HTTP {status}"
    if status == 401:
        raise BalanceAuthError(
            f"Balance refused the portal's credentials: {message}", status=status
        )
    if status == 404 and message.lower().startswith("access id"):
        raise BalanceAuthError(
            f"Balance does not know the portal's access id: {message}", status=status
        )
    if status == 429:
        raise BalanceRateLimited(f"Balance is rate limiting requests: {message}", status=status)
    if status >= 500:
        raise BalanceOutcomeUnknown(f"Balance failed (HTTP {status}): {message}", status=status)
    raise BalanceRejected(message, status=status)


def _error_text(payload: Any) -> str:
    if isinstance(payload, dict):
        for key in ("error", "message", "errors"):
            value = payload.get(key)
            if value:
                return value if isinstance(value, str) else json.dumps(value, default=str)
    if isinstance(payload, str):
        return payload
    return ""
