"""Typed failures of the Balance API, as the rest of the portal sees them.

Three kinds (STYLE.md §3): unavailable (retryable: timeouts, connection errors, 5xx),
rejected (Balance said no, with its own message and status), auth/config (our credentials or
URL are wrong). Messages never contain the secret key.
"""


class BalanceError(Exception):
    """Base class; `str(exc)` is a sentence fit for a user."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class BalanceUnavailable(BalanceError):
    """Balance could not be reached or failed on its side; the request may be retried (GET)
    or its outcome is unknown (POST)."""


class BalanceTimeout(BalanceUnavailable):
    """No answer within the read timeout: for a POST, Balance may or may not have acted."""


class BalanceUnexpectedResponse(BalanceUnavailable):
    """Balance answered 2xx with a body of a shape we cannot read (a changed or broken API).
    For a write, Balance may have acted."""


class BalanceRejected(BalanceError):
    """Balance answered 4xx: `message` is Balance's own error text."""


class BalanceAuthError(BalanceError):
    """Balance refused our credentials (401, or 404 "Access ID not found"), or the client is
    misconfigured. Operators must fix configuration; retrying does not help."""
