"""How wallet services talk to Balance: the client, amounts, and user-facing errors."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from balance.client import BalanceClient
from balance.errors import (
    BalanceAuthError,
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


UNREACHABLE = "Balance is unreachable right now: {detail} {kept}"
KEPT_INPUT = "Your input was kept; try again."
NOTHING_CHANGED = "Nothing was changed; try again in a moment."
UNKNOWN_OUTCOME = (
    "Balance's answer was lost ({detail}), so it may have created the sub-address anyway. "
    "Use “Refresh from Balance” to check before trying again. Your input was kept."
)
AUTH = (
    "Balance refused the portal's credentials ({detail}). An administrator must check "
    "BALANCE_API_URL, BALANCE_ACCESS_ID and BALANCE_SECRET_KEY."
)
# Balance's refusals keep their meaning (not found, forbidden by a limit); the rest are 400.
_REJECTION_STATUSES = {403, 404, 409}


def _outcome_unknown(exc: BalanceUnavailable) -> bool:
    """The request reached Balance but its answer did not come back readable: a timeout, a
    5xx, or a 2xx body we cannot parse. A refused connection means nothing was sent."""
    return isinstance(exc, BalanceTimeout | BalanceUnexpectedResponse) or (exc.status or 0) >= 500


@contextmanager
def balance_errors(*, write_once: bool = False, kept_input: bool = True) -> Iterator[None]:
    """Turn Balance's typed errors into ApplicationError messages a user can act on.

    Rejections carry Balance's own text and status (400, or 403/404/409); unavailability is
    503 and says the input was kept (`kept_input`; otherwise that nothing changed, for
    actions without a form); credential problems are 502 and name the settings to fix.
    `write_once`: for a create, an answer lost after the request reached Balance means it may
    have acted, and the message says so instead of inviting a duplicate.
    """
    kept = KEPT_INPUT if kept_input else NOTHING_CHANGED
    try:
        yield
    except BalanceRejected as exc:
        status = exc.status if exc.status in _REJECTION_STATUSES else 400
        raise ApplicationError(exc.message, status=status) from exc
    except BalanceUnavailable as exc:
        detail = _sentence(exc.message)
        if write_once and _outcome_unknown(exc):
            message = UNKNOWN_OUTCOME.format(detail=detail.rstrip("."))
        else:
            message = UNREACHABLE.format(detail=detail, kept=kept)
        raise ApplicationError(message, status=503) from exc
    except BalanceAuthError as exc:
        raise ApplicationError(AUTH.format(detail=exc.message.rstrip(".")), status=502) from exc


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
