"""Typed failures of the Balance API, as the rest of the portal sees them.

Named by what Balance may have done (STYLE.md, "Lessons"):

- `BalanceNotSent`: the request provably never left (DNS failure, connection refused,
  connect timeout). Nothing happened at Balance; a person may try again.
- `BalanceOutcomeUnknown`: the bytes may have left and no readable answer came back (read
  timeout, connection dropped after sending, 5xx, 429, an unreadable 2xx). For a write,
  Balance **may have acted**: never retry it automatically, find out first.
- `BalanceRejected`: Balance answered 4xx; `message` is its own text, `status` its status.
- `BalanceAuthError`: Balance refused our credentials (401, or 404 "Access ID not found"), or
  the client is misconfigured. Operators must fix configuration; retrying does not help.

`BalanceUnavailable` is the common parent of the first two (no usable answer): a GET may be
retried after either; a write only after `BalanceNotSent`. Messages never contain the secret.
"""


class BalanceError(Exception):
    """Base class; `str(exc)` is a sentence fit for a user."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class BalanceUnavailable(BalanceError):
    """No usable answer from Balance. Catch a subclass to know whether it may have acted."""


class BalanceNotSent(BalanceUnavailable):
    """The request never left the portal (DNS, refused connection, connect timeout)."""


class BalanceOutcomeUnknown(BalanceUnavailable):
    """The request may have reached Balance, and its answer was lost or unreadable."""


class BalanceTimeout(BalanceOutcomeUnknown):
    """No answer within the read timeout: Balance may or may not have acted."""


class BalanceUnexpectedResponse(BalanceOutcomeUnknown):
    """Balance answered 2xx with a body we cannot read as the documented shape (not JSON,
    wrong type, unknown page envelope, a next page without a cursor). Never read as empty."""


class BalanceRateLimited(BalanceOutcomeUnknown):
    """Balance answered 429. Reads may try again later; for a write the outcome is unknown
    (a 429 is not documented, so we do not assume it stopped before acting)."""


class BalanceRejected(BalanceError):
    """Balance answered 4xx: `message` is Balance's own error text."""


class BalanceAuthError(BalanceError):
    """Balance refused our credentials (401, or 404 "Access ID not found"), or the client is
    misconfigured. Operators must fix configuration; retrying does not help."""
