"""The one client for the Balance API: the only package that imports `requests`.

- Signs every request (balance.signing) over the exact bytes it sends.
- A keep-alive Session with connect/read timeouts on every call and a User-Agent; redirects
  are never followed.
- JSON numbers are parsed as Decimal, never float.
- Failures become the typed errors of balance.errors, named by what Balance may have done
  (`transport.py`): `BalanceNotSent` / `BalanceOutcomeUnknown` (and its subclasses) /
  `BalanceRejected` / `BalanceAuthError`.
- Every answer is checked against the documented shape (`shapes.py`); one that cannot be read
  raises `BalanceUnexpectedResponse`, never reads as an empty list.
- GETs are retried a bounded number of times with backoff; a POST or PUT is never retried:
  when its outcome is unknown the caller must find out, not send again.

Modules: `base.py` (transport, retries, pagination), `wallets.py`, `transactions.py`,
`filecoin.py` (one method per endpoint), `shapes.py`, `transport.py`.
"""

from .base import MAX_PAGE_SIZE, USER_AGENT
from .filecoin import FilecoinEndpoints
from .transactions import TransactionEndpoints
from .wallets import WalletEndpoints


class BalanceClient(WalletEndpoints, TransactionEndpoints, FilecoinEndpoints):
    """A client bound to one Balance host and one pair of credentials."""


__all__ = ["MAX_PAGE_SIZE", "USER_AGENT", "BalanceClient"]
