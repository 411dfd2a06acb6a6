"""Balance's HMAC request signing ("BalanceAPIAuth"), REFERENCE.md §2.

canonical = METHOD,application/json,PATH,sha256hex(body) or "",UNIX_TS
signature = hex(HMAC-SHA256(secret, canonical))
Only Content-Type, Date and Authorization take part; the query string and Host are unsigned.
"""

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime

CONTENT_TYPE = "application/json"
CLOCK_SKEW_SECONDS = 15 * 60
_AUTH_RE = re.compile(r"^BalanceAPIAuth ([^:\s]+):([0-9a-fA-F]+)$")


def data_hash(body: bytes) -> str:
    """Lowercase hex SHA-256 of the body; the empty string (not sha256("")) for no body."""
    return hashlib.sha256(body).hexdigest() if body else ""


def canonical_string(method: str, path: str, body: bytes, timestamp: int) -> str:
    """The string Balance signs. `path` is the request path without the query string."""
    return f"{method.upper()},{CONTENT_TYPE},{path},{data_hash(body)},{timestamp}"


def signature(secret_key: str, canonical: str) -> str:
    """Lowercase hex HMAC-SHA256 of `canonical` keyed with the secret."""
    return hmac.new(secret_key.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def http_date(timestamp: int) -> str:
    """RFC 7231 IMF-fixdate, e.g. "Thu, 27 Jun 2019 18:46:24 GMT"."""
    return formatdate(timestamp, usegmt=True)


def sign_headers(
    *,
    access_id: str,
    secret_key: str,
    method: str,
    path: str,
    body: bytes = b"",
    timestamp: int | None = None,
) -> dict[str, str]:
    """The three signed headers for one request. Sign exactly the bytes you send."""
    ts = int(time.time()) if timestamp is None else timestamp
    sig = signature(secret_key, canonical_string(method, path, body, ts))
    return {
        "Content-Type": CONTENT_TYPE,
        "Date": http_date(ts),
        "Authorization": f"BalanceAPIAuth {access_id}:{sig}",
    }


@dataclass(frozen=True)
class VerifyFailure:
    """Why a request was refused: the HTTP status and Balance's exact error text."""

    status: int
    error: str


def verify_request(
    *,
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    secrets: dict[str, str],
    now: int | None = None,
) -> VerifyFailure | None:
    """Check a request the way Balance does (REFERENCE.md §2.5 order); None when it is valid.

    `headers` must be keyed case-insensitively by the caller (lower-case keys). `secrets` maps
    access ids to secret keys. An unknown access id is a 404, not a 401.
    """
    now = int(time.time()) if now is None else now
    content_type = headers.get("content-type")
    if not content_type:
        return VerifyFailure(401, "Content-Type header not set")
    # Exactly "application/json" (REFERENCE §2.2/§2.5): no other case, no "; charset=…".
    if content_type != CONTENT_TYPE:
        return VerifyFailure(401, "Content-Type header must be application/json")
    date = headers.get("date")
    if not date:
        return VerifyFailure(401, "Date header not set")
    try:
        timestamp = int(parsedate_to_datetime(date).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return VerifyFailure(401, "Failed to parse Date header")
    if timestamp - now > CLOCK_SKEW_SECONDS:
        return VerifyFailure(401, "Date too far in the future")
    if now - timestamp > CLOCK_SKEW_SECONDS:
        return VerifyFailure(401, "Date is too old")
    authorization = headers.get("authorization")
    if not authorization:
        return VerifyFailure(401, "Authorization header not set")
    match = _AUTH_RE.match(authorization.strip())
    if match is None:
        return VerifyFailure(401, "Failed to parse Authorization header")
    access_id, given = match.groups()
    secret = secrets.get(access_id)
    if secret is None:
        return VerifyFailure(404, "Access ID not found")
    # Built from the Content-Type value that was checked above, not from a constant.
    canonical = f"{method.upper()},{content_type},{path},{data_hash(body)},{timestamp}"
    expected = signature(secret, canonical)
    if not hmac.compare_digest(expected, given.lower()):
        return VerifyFailure(401, "Invalid signature")
    return None
