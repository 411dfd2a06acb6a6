"""The transport half of the client: signing, timeouts, retries, typed errors, pagination."""

import json
import logging
import time
from collections.abc import Iterator
from typing import Any, Self
from urllib.parse import quote

import requests

from .. import signing
from ..errors import BalanceAuthError, BalanceRejected, BalanceUnavailable
from .shapes import Page, expect_dict, read_page, unreadable
from .transport import read_answer, transport_error

logger = logging.getLogger("balance.client")

USER_AGENT = "custody-portal/1.0"
MAX_PAGE_SIZE = 100
_MAX_PAGES = 100_000  # a guard against a server that always says has_next_page


class ClientBase:
    """A client bound to one Balance host and one pair of credentials (no endpoints here:
    see `wallets.py`, `transactions.py`, `filecoin.py`)."""

    def __init__(
        self,
        *,
        base_url: str,
        access_id: str,
        secret_key: str,
        connect_timeout: float = 3.05,
        read_timeout: float = 20.0,
        get_retries: int = 2,
        backoff: float = 0.25,
        session: requests.Session | None = None,
    ) -> None:
        if not base_url or not access_id or not secret_key:
            raise BalanceAuthError("The Balance API URL and credentials are not configured.")
        self.base_url = base_url.rstrip("/")
        self.access_id = access_id
        self._secret_key = secret_key
        self.timeout = (connect_timeout, read_timeout)
        self.get_retries = get_retries
        self.backoff = backoff
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def __repr__(self) -> str:  # never show the secret
        return f"<BalanceClient {self.base_url} access_id={self.access_id}>"

    @classmethod
    def from_settings(cls) -> Self:
        """The client configured by Django settings (BALANCE_* environment variables)."""
        from django.conf import settings

        return cls(
            base_url=settings.BALANCE_API_URL,
            access_id=settings.BALANCE_ACCESS_ID,
            secret_key=settings.BALANCE_SECRET_KEY,
            connect_timeout=settings.BALANCE_CONNECT_TIMEOUT,
            read_timeout=settings.BALANCE_READ_TIMEOUT,
            get_retries=settings.BALANCE_GET_RETRIES,
        )

    # --- transport -----------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        signed: bool = True,
    ) -> Any:
        """One API call → its parsed JSON value (any JSON type; callers check the shape).

        A GET is retried after any `BalanceUnavailable` (not sent, or outcome unknown: reading
        twice is harmless), `get_retries` times with doubling backoff. A POST or PUT is sent
        exactly once, whatever happens.
        """
        method = method.upper()
        attempts = 1 + (self.get_retries if method == "GET" else 0)
        for attempt in range(1, attempts + 1):
            try:
                return self._send(method, path, params=params, body=body, signed=signed)
            except BalanceUnavailable as exc:
                if attempt == attempts:
                    raise
                delay = self.backoff * (2 ** (attempt - 1))
                logger.warning(
                    "Balance %s %s: %s; retry %d in %.2fs", method, path, exc, attempt, delay
                )
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, *, params, body, signed: bool) -> Any:
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": signing.CONTENT_TYPE}
        if signed:
            headers.update(
                signing.sign_headers(
                    access_id=self.access_id,
                    secret_key=self._secret_key,
                    method=method,
                    path=path,
                    body=data,
                )
            )
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                params=clean_params,
                data=data or None,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.exceptions.RequestException as exc:
            raise transport_error(
                exc, method=method, path=path, host=self._host, read_s=self.timeout[1]
            ) from exc
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info("Balance %s %s → %s in %.0f ms", method, path, response.status_code, elapsed_ms)
        return read_answer(response, method=method, path=path)

    @property
    def _host(self) -> str:
        return self.base_url.split("://", 1)[-1]

    def _pages(
        self, path: str, params: dict[str, Any], page_size: int, resource: str
    ) -> Iterator[list[dict]]:
        """Walk a cursor-paginated list with `after=end_cursor`, one page of records at a time
        (REFERENCE.md §3). A page is checked before it is handed out: a next page without a
        cursor, a cursor seen before, or a bare array after an envelope raises
        BalanceUnexpectedResponse instead of ending the walk early or looping."""
        params = {**params, "page_size": min(max(page_size, 1), MAX_PAGE_SIZE)}
        what = f"GET {path}"
        seen: set[str] = set()
        previous: Page | None = None
        for _ in range(_MAX_PAGES):
            page = read_page(self.request("GET", path, params=params), resource, what)
            if previous is not None and not page.enveloped:
                raise unreadable(what, "a later page came back as a bare array")
            if page.next_cursor is not None and page.next_cursor in seen:
                raise unreadable(what, f"the cursor {page.next_cursor!r} came back twice")
            yield page.records
            if page.next_cursor is None:
                return
            seen.add(page.next_cursor)
            previous = page
            params = {**params, "after": page.next_cursor}
        raise unreadable(what, f"still more pages after {_MAX_PAGES}")


def ticker(currency: str) -> str:
    """A currency as Balance spells it in paths: the lowercase ticker (refused otherwise)."""
    value = (currency or "").strip().lower()
    if not value.isalnum():
        raise BalanceRejected(f"“{currency}” is not an asset ticker.", status=400)
    return value


def segment(value: str) -> str:
    """`value` as one URL path segment."""
    return quote(value, safe="")


def written(payload: Any, what: str) -> dict:
    """The transaction a write created; without one we cannot tell what Balance did."""
    data = expect_dict(payload, f"{what}; it may have acted", keys=("id",))
    tx_id = data["id"]
    if isinstance(tx_id, bool) or not isinstance(tx_id, int | str) or tx_id == "":
        raise unreadable(f"{what}; it may have acted", f"the transaction id is {tx_id!r}")
    return data
