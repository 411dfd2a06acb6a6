"""`BalanceClient`: one method per Balance endpoint the portal uses (REFERENCE.md, seeds)."""

import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import requests

from .. import signing
from ..errors import BalanceAuthError, BalanceRejected, BalanceUnavailable
from ..types import ExternalAccount, FundingAddress, StorageProvider, Wallet
from .shapes import Page, expect_dict, many, one, read_page, unreadable
from .transport import read_answer, transport_error

logger = logging.getLogger(__name__)

USER_AGENT = "custody-portal/1.0"
MAX_PAGE_SIZE = 100
_MAX_PAGES = 100_000  # a guard against a server that always says has_next_page
FEE_PRESETS = ("slow", "medium", "fast")


class BalanceClient:
    """A client bound to one Balance host and one pair of credentials."""

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
    def from_settings(cls) -> "BalanceClient":
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

    # --- wallets ---------------------------------------------------------------------------

    def iter_wallet_pages(
        self,
        *,
        page_size: int = MAX_PAGE_SIZE,
        kind: str | None = None,
        created_since: int | None = None,
        custom_id: str | None = None,
    ) -> Iterator[list[Wallet]]:
        """Every wallet, one page at a time (for bulk upserts)."""
        params = {"type": kind, "created_since": created_since, "custom_id": custom_id}
        for items in self._pages("/api/v1/wallets", params, page_size, "wallets"):
            yield many(Wallet, items)

    def list_wallets(self, **filters: Any) -> list[Wallet]:
        """All wallets, walking every page."""
        return [w for page in self.iter_wallet_pages(**filters) for w in page]

    def get_wallet(self, wallet_id: int) -> Wallet:
        """One wallet, with its spendable balances."""
        return one(Wallet, self.request("GET", f"/api/v1/wallets/{int(wallet_id)}"))

    def wallets_holding(
        self, currency: str, *, order_by: str = "id", page: int = 1
    ) -> list[Wallet]:
        """`GET /api/v2/assets/:currency`: one page of wallets with a positive balance.

        The body is `{"wallets": [...]}` (REFERENCE §11 #8; a bare array, as the page's text
        says, is read too). An empty `wallets` array is the end of the list.
        """
        path = f"/api/v2/assets/{_ticker(currency)}"
        payload = self.request("GET", path, params={"order_by": order_by, "page": page})
        if not isinstance(payload, list):
            payload = expect_dict(payload, f"GET {path}", keys=("wallets",))["wallets"]
        return many(Wallet, payload, f"GET {path}")

    # --- sub-addresses ---------------------------------------------------------------------

    def list_sub_addresses(self, wallet_id: int, currency: str) -> list[FundingAddress]:
        """Active funding addresses of a wallet for one currency."""
        payload = self.request(
            "GET", f"/api/v1/wallets/{int(wallet_id)}/assets/{_ticker(currency)}"
        )
        return many(FundingAddress, payload)

    def create_sub_address(
        self,
        wallet_id: int,
        currency: str,
        *,
        name: str = "",
        notes: str = "",
        is_watched: bool = False,
    ) -> list[FundingAddress]:
        """Create a sub-address; Balance answers with every active address of the pair.

        Sent once. `BalanceNotSent`: nothing was created; any other `BalanceUnavailable`: it
        may have been created (re-read the list before trying again).
        """
        body = {"name": name, "notes": notes, "is_watched": bool(is_watched)}
        payload = self.request(
            "POST", f"/api/v1/wallets/{int(wallet_id)}/assets/{_ticker(currency)}", body=body
        )
        return many(FundingAddress, payload)

    def update_sub_address(
        self,
        wallet_id: int,
        currency: str,
        address: str,
        *,
        name: str | None = None,
        notes: str | None = None,
        is_watched: bool | None = None,
    ) -> FundingAddress:
        """Change name, notes or watching of one sub-address; returns it as Balance has it."""
        body = {
            k: v
            for k, v in {"name": name, "notes": notes, "is_watched": is_watched}.items()
            if v is not None
        }
        path = f"/api/v1/wallets/{int(wallet_id)}/assets/{_ticker(currency)}/{_segment(address)}"
        return one(FundingAddress, self.request("PUT", path, body=body))

    # --- external accounts -----------------------------------------------------------------

    def iter_external_account_pages(
        self, *, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[list[ExternalAccount]]:
        """Every approved external account, one page at a time."""
        for items in self._pages("/api/v1/external_accounts", {}, page_size, "external_accounts"):
            yield many(ExternalAccount, items)

    def list_external_accounts(self, *, page_size: int = MAX_PAGE_SIZE) -> list[ExternalAccount]:
        """Every approved external account."""
        return [a for page in self.iter_external_account_pages(page_size=page_size) for a in page]

    def get_external_account(self, account_id: int) -> ExternalAccount:
        """One external account."""
        return one(
            ExternalAccount, self.request("GET", f"/api/v1/external_accounts/{int(account_id)}")
        )

    # --- fees, stats -----------------------------------------------------------------------

    def transaction_fees(self, currency: str | None = None) -> dict:
        """Fee presets, unauthenticated: `{"slow"|"medium"|"fast": {"fee_rate", "blocks",
        "unit"}}` for one currency, or a dict of those keyed by ticker for all of them."""
        path = "/api/v1/transaction_fees" + (f"/{_ticker(currency)}" if currency else "")
        payload = self.request("GET", path, signed=False)
        what = f"GET {path}"
        tables = [payload] if currency else expect_dict(payload, what).values()
        for table in tables:
            for preset in expect_dict(table, what, keys=FEE_PRESETS).values():
                expect_dict(preset, what, keys=("fee_rate",))
        return payload

    def stats(self) -> dict:
        """Total assets in custody per currency (warm and offline):
        `{"total_assets_in_custody": {ticker: {"offline", "unit", "warm"}}}`."""
        payload = self.request("GET", "/api/v1/stats")
        totals = expect_dict(payload, "GET /api/v1/stats", keys=("total_assets_in_custody",))
        expect_dict(totals["total_assets_in_custody"], "GET /api/v1/stats")
        return payload

    # --- transactions (Balance's dicts, as documented in REFERENCE §5.1) -------------------

    def iter_transaction_pages(
        self,
        *,
        status: str | None = None,
        type: str | None = None,
        completed_since: int | None = None,
        created_since: int | None = None,
        regulatory_status: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[list[dict]]:
        """Account-wide transactions, newest first, one page at a time."""
        params = {
            "status": status,
            "type": type,
            "completed_since": completed_since,
            "created_since": created_since,
            "regulatory_status": regulatory_status,
        }
        yield from self._pages("/api/v1/transactions", params, page_size, "transactions")

    def list_transactions(self, **filters: Any) -> list[dict]:
        """Account-wide transactions (all pages), newest first; filters as
        `iter_transaction_pages` (status, type, completed_since, created_since,
        regulatory_status, page_size)."""
        return [t for page in self.iter_transaction_pages(**filters) for t in page]

    def get_transaction(self, transaction_id: int | str) -> dict:
        """One transaction by internal id or external hash."""
        path = f"/api/v1/transactions/{_segment(str(transaction_id))}"
        return expect_dict(self.request("GET", path), f"GET {path}", keys=("id",))

    def iter_wallet_transaction_pages(
        self,
        wallet_id: int,
        *,
        status: str | None = None,
        type: str | None = None,
        completed_since: int | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[list[dict]]:
        """One wallet's transactions, newest first, one page at a time.

        Whether Balance paginates this list is not documented (REFERENCE §3, a [GAP]; the
        earlier revision answers a bare array): a bare array is the whole list, an envelope is
        walked like the other lists. Only the documented filters (§5.6) are offered; there is
        no `created_since` on this endpoint.
        """
        params = {"status": status, "type": type, "completed_since": completed_since}
        path = f"/api/v1/wallets/{int(wallet_id)}/transactions"
        yield from self._pages(path, params, page_size, "transactions")

    def list_wallet_transactions(self, wallet_id: int, **filters: Any) -> list[dict]:
        """One wallet's transactions (all pages); filters as `iter_wallet_transaction_pages`."""
        return [
            t for page in self.iter_wallet_transaction_pages(wallet_id, **filters) for t in page
        ]

    def get_wallet_transaction(self, wallet_id: int, transaction_id: int | str) -> dict:
        """One transaction of a wallet, by internal id or external hash."""
        path = f"/api/v1/wallets/{int(wallet_id)}/transactions/{_segment(str(transaction_id))}"
        return expect_dict(self.request("GET", path), f"GET {path}")

    # --- sending -------------------------------------------------------------------------

    def send_batch_now(
        self, *, source_wallet_id: int, asset: str, destinations: list[dict]
    ) -> dict:
        """`POST /api/v2/send_batch_now` → the batch's transaction dict. Sent once, never
        retried.

        `destinations`: dicts with `type` (wallet | external_account | public_address), `id`
        or `public_address`, and `amount` as an integer in base units (sent as a string).
        `BalanceNotSent`: nothing left the portal. `BalanceRejected`: Balance refused the whole
        batch. Any other `BalanceUnavailable` (timeout, dropped connection, 5xx, 429, an answer
        without a transaction `id`): the batch **may have been sent**.
        """
        body = {
            "source_wallet_id": int(source_wallet_id),
            "asset": _ticker(asset),
            "destinations": [_destination(d) for d in destinations],
        }
        payload = self.request("POST", "/api/v2/send_batch_now", body=body)
        return _written(payload, "POST /api/v2/send_batch_now")

    # --- filecoin ------------------------------------------------------------------------

    def list_storage_providers(self, wallet_id: int) -> list[StorageProvider]:
        """The storage providers of a FIL wallet (`{"storage_providers": [...]}`)."""
        path = _providers_path(wallet_id)
        payload = self.request("GET", path)
        if not isinstance(payload, list):
            payload = expect_dict(payload, f"GET {path}", keys=("storage_providers",))
            payload = payload["storage_providers"]
        return many(StorageProvider, payload, f"GET {path}")

    def get_storage_provider(
        self, wallet_id: int, storage_provider_id: int, *, show_sector_summary: bool = False
    ) -> StorageProvider:
        """One storage provider (`{"storage_provider": {...}}`); sector fields on request."""
        path = _providers_path(wallet_id) + f"/{int(storage_provider_id)}"
        params = {"show_sector_summary": "true"} if show_sector_summary else None
        payload = self.request("GET", path, params=params)
        data = expect_dict(payload, f"GET {path}", keys=("storage_provider",))
        return one(StorageProvider, data["storage_provider"], f"GET {path}")

    def withdraw_storage_provider_rewards(
        self,
        wallet_id: int,
        storage_provider_id: int,
        *,
        amount_afil: int,
        fee: str | int = "medium",
        notes: str = "",
    ) -> dict:
        """Create a FIL reward withdrawal (attoFIL integer) → its transaction dict. Sent once,
        never retried; errors mean what they mean for `send_batch_now`.

        The seed's parameter list says `fee` (its curl says `fee_rate`): we send `fee`.
        Balance keeps `notes` at the start of the transaction's notes (seed 001).
        """
        if isinstance(amount_afil, bool) or not isinstance(amount_afil, int):
            raise TypeError("amount_afil must be an integer number of attoFIL")
        body: dict[str, Any] = {"amount_afil": amount_afil, "fee": _fee(fee)}
        if notes:
            body["notes"] = notes
        path = _providers_path(wallet_id) + f"/{int(storage_provider_id)}/withdrawals"
        return _written(self.request("POST", path, body=body), f"POST {path}")

    def sector_termination_fees(self, storage_provider_address: str) -> dict:
        """Estimated FIL to terminate a provider's sectors (Balance allows 1 call / 15 s)."""
        path = "/api/v2/assets/fil/sector_termination_fees"
        payload = self.request(
            "GET", path, params={"storage_provider_address": storage_provider_address}
        )
        keys = ("live_sectors_penalty_fil", "faulty_sectors_penalty_fil")
        return expect_dict(payload, f"GET {path}", keys=keys)


# --- helpers ------------------------------------------------------------------------------


def _written(payload: Any, what: str) -> dict:
    """The transaction a write created; without one we cannot tell what Balance did."""
    data = expect_dict(payload, f"{what}; it may have acted", keys=("id",))
    tx_id = data["id"]
    if isinstance(tx_id, bool) or not isinstance(tx_id, int | str) or tx_id == "":
        raise unreadable(f"{what}; it may have acted", f"the transaction id is {tx_id!r}")
    return data


def _providers_path(wallet_id: int) -> str:
    return f"/api/v1/wallets/{int(wallet_id)}/assets/fil/storage_providers"


def _ticker(currency: str) -> str:
    ticker = (currency or "").strip().lower()
    if not ticker.isalnum():
        raise BalanceRejected(f"“{currency}” is not an asset ticker.", status=400)
    return ticker


def _segment(value: str) -> str:
    return quote(value, safe="")


def _destination(d: dict) -> dict:
    amount = d["amount"]
    if isinstance(amount, bool) or not isinstance(amount, int | str):
        raise TypeError("destination amounts must be integers of base units")
    out: dict[str, Any] = {"type": d["type"], "amount": str(int(amount))}
    if d["type"] == "public_address":
        out["public_address"] = d["public_address"]
    else:
        out["id"] = int(d["id"])
    return out


def _fee(fee: str | int) -> str | int:
    """A preset ("slow", "medium", "fast") or an integer rate; fractional rates would need a
    JSON number we cannot write exactly with the standard library, so they are refused."""
    if isinstance(fee, str):
        return fee
    if isinstance(fee, bool) or not isinstance(fee, int):
        raise TypeError("fee must be a preset name or an integer rate")
    return fee
