"""Request/response plumbing shared by the API handlers and the control surface.

Handlers take a `Request` and return a `Response` (or raise `ApiError`); they never touch the
WSGI environ. Error texts follow Balance's `{"error": "..."}` convention (REFERENCE §4).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs


class ApiError(Exception):
    """A client-visible failure: `status` and Balance-style `{"error": message}` body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def not_found(what: str = "Not found") -> ApiError:
    """404 with `{"error": what}` (e.g. "Wallet not found")."""
    return ApiError(404, what)


def bad_request(message: str) -> ApiError:
    """400 with `{"error": message}`."""
    return ApiError(400, message)


@dataclass
class Response:
    """What a handler answers.

    `delay_after` sleeps after the call is logged (timeouts). `raw` replaces the JSON body
    with these exact bytes (sent as `content_type`). `reset` sends nothing at all: the server
    closes the connection instead (see `server.py`). `fault` describes an injected
    misbehaviour for the call log (None for a normal answer).
    """

    status: int | None
    body: Any
    delay_after: float = 0.0
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"
    reset: bool = False
    fault: dict[str, Any] | None = None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(body: bytes) -> Any:
    """Parse a request body; numbers with a fraction become Decimal (never float)."""
    return json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)


@dataclass
class Request:
    """One HTTP request, already read from the socket."""

    method: str
    path: str
    query_string: str
    body: bytes
    headers: dict[str, str]
    remote_addr: str
    params: dict[str, str] = field(default_factory=dict)
    _json: Any = None
    _parsed: bool = False

    @property
    def query(self) -> dict[str, str]:
        """Query parameters, last value wins (as Rails does)."""
        parsed = parse_qs(self.query_string, keep_blank_values=True)
        return {key: values[-1] for key, values in parsed.items()}

    def json(self) -> Any:
        """The parsed body (None for an empty body); 400 when it is not JSON."""
        if not self._parsed:
            self._parsed = True
            if self.body.strip():
                try:
                    self._json = parse_json(self.body)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise bad_request("Malformed JSON in request body") from exc
        return self._json

    def json_object(self, allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The body as an object ({} when empty); with `allowed`, extra keys are a 400."""
        data = self.json()
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise bad_request("Request body must be a JSON object")
        if allowed is not None:
            check_keys(data, allowed)
        return data


def check_keys(data: dict[str, Any], allowed: tuple[str, ...], where: str = "") -> None:
    """400 naming the first key not in `allowed` (Rails' unpermitted-parameter wording)."""
    for key in data:
        if key not in allowed:
            raise bad_request(f"found unpermitted parameter: {where}{key}")


def optional_str(data: dict[str, Any], key: str, *, nullable: bool = False) -> str | None:
    """`data[key]` when it is a string (or None if allowed); 400 naming the key otherwise."""
    value = data.get(key)
    if value is None and (nullable or key not in data):
        return None
    if not isinstance(value, str):
        raise bad_request(f"{key} must be a string")
    return value


def optional_bool(data: dict[str, Any], key: str) -> bool | None:
    """`data[key]` when it is a JSON boolean; 400 naming the key otherwise."""
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, bool):
        raise bad_request(f"{key} must be a boolean")
    return value


def strict_int(value: Any) -> int | None:
    """`value` when it is a JSON integer (not a bool, not a fraction), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def query_int(query: dict[str, str], key: str, message: str) -> int | None:
    """An integer query parameter, None when absent; 400 with `message` when not an integer."""
    raw = query.get(key)
    if raw is None or raw == "":
        return None
    try:
        return int(raw, 10)
    except ValueError:
        raise bad_request(message) from None


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    """`METHOD pattern → handler`; `public` skips HMAC (transaction fees only)."""

    method: str
    pattern: str
    handler: Handler
    public: bool = False
