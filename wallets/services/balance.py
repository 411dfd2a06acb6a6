"""How wallet services talk to Balance: the client, amounts, and user-facing errors."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.conf import settings

from balance.client import BalanceClient
from balance.errors import (
    BalanceAuthError,
    BalanceNotSent,
    BalanceRateLimited,
    BalanceRejected,
    BalanceTimeout,
    BalanceUnavailable,
    BalanceUnexpectedResponse,
)
from custody_portal.assets import get_asset
from custody_portal.errors import ApplicationError
from custody_portal.money import AmountError, to_base_units

logger = logging.getLogger(__name__)


def balance_client(*, interactive: bool = False) -> BalanceClient:
    """The configured client. `interactive`: a person is waiting for the answer, so a failed
    GET is reported at once instead of being retried with backoff (they can click again)."""
    client = BalanceClient.from_settings()
    if interactive:
        client.get_retries = 0
    return client


def base_units(amount: Decimal, asset: str) -> int:
    """Balance's coin-unit number → integer base units.

    More decimals than the registry knows for the asset would mean the registry is wrong; a
    refresh must not stop for that, so the amount is truncated and the problem logged.
    """
    try:
        return to_base_units(amount, asset)
    except AmountError:
        decimals = get_asset(asset).decimals
        logger.warning("Balance sent %s %s with more than %d decimals", amount, asset, decimals)
        return to_base_units(amount, asset, truncate=True)


# Status codes of the messages below. 503: nothing happened at Balance, trying again is safe.
# 502: Balance may have acted (or did, and the portal could not store it): find out first,
# with “Refresh from Balance”, never by sending again. Rejections keep Balance's own status.
STATUS_NOT_SENT = 503
STATUS_MAY_HAVE_ACTED = 502

NOT_SENT = "Balance is unreachable right now: nothing was sent to it. {retry}"
READ_FAILED = "Balance {what} right now ({reason}). Nothing was changed; try again in a moment."
KEPT_INPUT = "Your input was kept; try again."
TRY_AGAIN = "Try again in a moment."
MAY_HAVE_ACTED = (
    "Balance may have {action} ({reason}); use “Refresh from Balance” before trying again."
)
AUTH = (
    "{detail} An administrator must check BALANCE_API_URL, BALANCE_ACCESS_ID and "
    "BALANCE_SECRET_KEY."
)


def unknown_reason(exc: BalanceUnavailable) -> str:
    """Why no usable answer came back, in words for operations staff (never the client's
    internals: a parse error's Python text stays in the logs)."""
    if isinstance(exc, BalanceTimeout):
        return f"no answer within {settings.BALANCE_READ_TIMEOUT:g} s"
    if isinstance(exc, BalanceRateLimited) or exc.status == 429:
        return "it answered 429, too many requests"
    if isinstance(exc, BalanceUnexpectedResponse):
        return "its answer could not be read"
    if exc.status and exc.status >= 500:
        return f"it answered HTTP {exc.status}"
    return "its answer was lost"


def _may_have_acted(exc: BalanceUnavailable) -> bool:
    """For a write: did the request possibly reach Balance? Only a provable "not sent"
    (BalanceNotSent) says no; anything else, even an unavailability the client did not
    classify, may have acted (the safe side: never invite a duplicate)."""
    return not isinstance(exc, BalanceNotSent)


def _not_sent(exc: BalanceUnavailable) -> bool:
    return not _may_have_acted(exc)


@contextmanager
def balance_errors(
    *,
    write: bool = False,
    kept_input: bool = True,
    action: str = "applied this",
    on_unknown: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Turn Balance's typed errors into ApplicationError messages a user can act on.

    - Rejected: Balance's own text, once, with its own 4xx status.
    - Not sent (`BalanceNotSent`, 503): nothing reached Balance; "Your input was kept; try
      again." when there was input (`kept_input`), else "Try again in a moment."
    - `write` and the outcome unknown (anything else, 502): "Balance may have <action>
      (<reason>); use “Refresh from Balance” before trying again." — never an invitation
      to send again. `on_unknown(reason)` runs first (the caller audits the attempt).
    - A read that failed (503): says nothing was changed.
    - Credentials/configuration (502): Balance's refusal once, and which settings to check.
    Messages never contain a Python exception name or repr.
    """
    try:
        yield
    except BalanceRejected as exc:
        status = exc.status if exc.status and 400 <= exc.status < 500 else 400
        raise ApplicationError(exc.message, status=status) from exc
    except BalanceUnavailable as exc:
        if write and _may_have_acted(exc):
            reason = unknown_reason(exc)
            if on_unknown is not None:
                on_unknown(reason)
            message = MAY_HAVE_ACTED.format(action=action, reason=reason)
            raise ApplicationError(message, status=STATUS_MAY_HAVE_ACTED) from exc
        if write:
            retry = KEPT_INPUT if kept_input else TRY_AGAIN
            raise ApplicationError(NOT_SENT.format(retry=retry), status=STATUS_NOT_SENT) from exc
        what = "is unreachable" if _not_sent(exc) else "did not answer usably"
        message = READ_FAILED.format(what=what, reason=_read_reason(exc))
        raise ApplicationError(message, status=STATUS_NOT_SENT) from exc
    except BalanceAuthError as exc:
        message = AUTH.format(detail=_sentence(exc.message))
        raise ApplicationError(message, status=STATUS_MAY_HAVE_ACTED) from exc


def _read_reason(exc: BalanceUnavailable) -> str:
    return "the connection could not be made" if _not_sent(exc) else unknown_reason(exc)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
