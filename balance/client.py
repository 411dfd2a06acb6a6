"""The one client for the Balance API: the only module that imports `requests`.

- Signs every request (balance.signing) over the exact bytes it sends.
- A keep-alive Session with connect/read timeouts on every call and a User-Agent.
- JSON numbers are parsed as Decimal, never float.
- Failures become the typed errors of balance.errors, with Balance's own message.
- GETs are retried a bounded number of times with backoff; a POST or PUT is never retried:
  when its outcome is unknown the caller must find out, not send again.
"""

import json
import logging
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import requests

from . import signing
from .errors import (
    BalanceAuthError,
    BalanceError,
    BalanceRejected,
    BalanceTimeout,
    BalanceUnavailable,
    BalanceUnexpectedResponse,
)
from .types import ExternalAccount, FundingAddress, StorageProvider, Wallet

logger = logging.getLogger(__name__)

USER_AGENT = "custody-portal/1.0"
MAX_PAGE_SIZE = 100
_MAX_PAGES = 100_000  # a guard against a server that always says has_next_page


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
        """One API call → parsed JSON. GETs retry on unavailability; writes never retry."""
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
            )
        except requests.exceptions.ConnectTimeout as exc:
            raise BalanceUnavailable(
                f"Balance is unreachable (connection timed out): {self._host}"
            ) from exc
        except requests.exceptions.ReadTimeout as exc:
            raise BalanceTimeout(
                f"Balance did not answer within {self.timeout[1]:g} s ({method} {path})."
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            raise BalanceUnavailable(
                f"Balance is unreachable: cannot connect to {self._host}."
            ) from exc
        except requests.exceptions.RequestException as exc:
            raise BalanceUnavailable(f"Balance request failed: {exc.__class__.__name__}.") from exc
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info("Balance %s %s → %s in %.0f ms", method, path, response.status_code, elapsed_ms)
        return self._parse(response, method, path)

    @property
    def _host(self) -> str:
        return self.base_url.split("://", 1)[-1]

    def _parse(self, response: requests.Response, method: str, path: str) -> Any:
        status = response.status_code
        try:
            payload = (
                json.loads(response.content, parse_float=Decimal) if response.content else None
            )
        except ValueError:
            payload = None
        if status < 400:
            if payload is None and response.content:
                raise BalanceUnavailable(
                    f"Balance sent a response that is not JSON ({method} {path})."
                )
            return payload
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
            raise BalanceUnavailable(f"Balance is rate limiting requests: {message}", status=status)
        if status >= 500:
            raise BalanceUnavailable(f"Balance failed (HTTP {status}): {message}", status=status)
        raise BalanceRejected(message, status=status)

    def _paginate(self, path: str, params: dict[str, Any], page_size: int) -> Iterator[list[dict]]:
        """Walk a cursor-paginated list, one page of records at a time (REFERENCE.md §3)."""
        params = {**params, "page_size": min(max(page_size, 1), MAX_PAGE_SIZE)}
        for _ in range(_MAX_PAGES):
            payload = self.request("GET", path, params=params)
            records, has_next, end_cursor = _page_records(payload)
            yield records
            if not has_next or not end_cursor or not records:
                return
            params = {**params, "after": end_cursor}
        raise BalanceError(f"Balance kept returning pages for {path}; stopped.")

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
        for records in self._paginate("/api/v1/wallets", params, page_size):
            yield _many(Wallet, records)

    def list_wallets(self, **filters: Any) -> list[Wallet]:
        """All wallets, walking every page."""
        return [w for page in self.iter_wallet_pages(**filters) for w in page]

    def get_wallet(self, wallet_id: int) -> Wallet:
        """One wallet, with its spendable balances."""
        return _one(Wallet, self.request("GET", f"/api/v1/wallets/{int(wallet_id)}"))

    def wallets_holding(
        self, currency: str, *, order_by: str = "id", page: int = 1
    ) -> list[Wallet]:
        """`GET /api/v2/assets/:currency`: one page of wallets with a positive balance."""
        payload = self.request(
            "GET",
            f"/api/v2/assets/{_ticker(currency)}",
            params={"order_by": order_by, "page": page},
        )
        wallets = payload.get("wallets", []) if isinstance(payload, dict) else payload or []
        return _many(Wallet, wallets)

    # --- sub-addresses ---------------------------------------------------------------------

    def list_sub_addresses(self, wallet_id: int, currency: str) -> list[FundingAddress]:
        """Active funding addresses of a wallet for one currency."""
        payload = self.request(
            "GET", f"/api/v1/wallets/{int(wallet_id)}/assets/{_ticker(currency)}"
        )
        return _many(FundingAddress, payload)

    def create_sub_address(
        self,
        wallet_id: int,
        currency: str,
        *,
        name: str = "",
        notes: str = "",
        is_watched: bool = False,
    ) -> list[FundingAddress]:
        """Create a sub-address; Balance answers with every active address of the pair."""
        body = {"name": name, "notes": notes, "is_watched": bool(is_watched)}
        payload = self.request(
            "POST", f"/api/v1/wallets/{int(wallet_id)}/assets/{_ticker(currency)}", body=body
        )
        return _many(FundingAddress, payload)

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
        return _one(FundingAddress, self.request("PUT", path, body=body))

    # --- external accounts -----------------------------------------------------------------

    def iter_external_account_pages(
        self, *, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[list[ExternalAccount]]:
        for records in self._paginate("/api/v1/external_accounts", {}, page_size):
            yield _many(ExternalAccount, records)

    def list_external_accounts(self, *, page_size: int = MAX_PAGE_SIZE) -> list[ExternalAccount]:
        """Every approved external account."""
        return [a for page in self.iter_external_account_pages(page_size=page_size) for a in page]

    def get_external_account(self, account_id: int) -> ExternalAccount:
        return _one(
            ExternalAccount, self.request("GET", f"/api/v1/external_accounts/{int(account_id)}")
        )

    # --- fees, stats, transactions -------------------------------------------------------

    def transaction_fees(self, currency: str | None = None) -> dict:
        """Fee presets (slow/medium/fast), unauthenticated; all currencies or one."""
        path = "/api/v1/transaction_fees" + (f"/{_ticker(currency)}" if currency else "")
        return self.request("GET", path, signed=False)

    def stats(self) -> dict:
        """Total assets in custody per currency (warm and offline)."""
        return self.request("GET", "/api/v1/stats")

    def list_transactions(
        self,
        *,
        status: str | None = None,
        type: str | None = None,
        completed_since: int | None = None,
        created_since: int | None = None,
        regulatory_status: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> list[dict]:
        """Account-wide transactions (all pages), newest first, as Balance's dicts."""
        params = {
            "status": status,
            "type": type,
            "completed_since": completed_since,
            "created_since": created_since,
            "regulatory_status": regulatory_status,
        }
        return [
            t for page in self._paginate("/api/v1/transactions", params, page_size) for t in page
        ]

    def get_transaction(self, transaction_id: int | str) -> dict:
        return self.request("GET", f"/api/v1/transactions/{_segment(str(transaction_id))}")

    def list_wallet_transactions(
        self,
        wallet_id: int,
        *,
        status: str | None = None,
        type: str | None = None,
        completed_since: int | None = None,
    ) -> list[dict]:
        params = {"status": status, "type": type, "completed_since": completed_since}
        payload = self.request(
            "GET", f"/api/v1/wallets/{int(wallet_id)}/transactions", params=params
        )
        records, _, _ = _page_records(payload)
        return records

    def get_wallet_transaction(self, wallet_id: int, transaction_id: int | str) -> dict:
        path = f"/api/v1/wallets/{int(wallet_id)}/transactions/{_segment(str(transaction_id))}"
        return self.request("GET", path)

    # --- sending -------------------------------------------------------------------------

    def send_batch_now(
        self, *, source_wallet_id: int, asset: str, destinations: list[dict]
    ) -> dict:
        """`POST /api/v2/send_batch_now`. Sent once, never retried.

        `destinations`: dicts with `type` (wallet | external_account | public_address), `id`
        or `public_address`, and `amount` as an integer in base units (sent as a string).
        A BalanceTimeout or BalanceUnavailable here means the outcome is unknown.
        """
        body = {
            "source_wallet_id": int(source_wallet_id),
            "asset": _ticker(asset),
            "destinations": [_destination(d) for d in destinations],
        }
        return self.request("POST", "/api/v2/send_batch_now", body=body)

    # --- filecoin ------------------------------------------------------------------------

    def list_storage_providers(self, wallet_id: int) -> list[StorageProvider]:
        payload = self.request(
            "GET", f"/api/v1/wallets/{int(wallet_id)}/assets/fil/storage_providers"
        )
        items = payload.get("storage_providers", []) if isinstance(payload, dict) else payload or []
        return _many(StorageProvider, items)

    def get_storage_provider(
        self, wallet_id: int, storage_provider_id: int, *, show_sector_summary: bool = False
    ) -> StorageProvider:
        path = _providers_path(wallet_id) + f"/{int(storage_provider_id)}"
        params = {"show_sector_summary": "true"} if show_sector_summary else None
        payload = self.request("GET", path, params=params)
        data = payload.get("storage_provider", payload) if isinstance(payload, dict) else {}
        return _one(StorageProvider, data)

    def withdraw_storage_provider_rewards(
        self,
        wallet_id: int,
        storage_provider_id: int,
        *,
        amount_afil: int,
        fee: str | int = "medium",
        notes: str = "",
    ) -> dict:
        """Create a FIL reward withdrawal (attoFIL integer). Sent once, never retried.

        The seed's parameter list says `fee` (its curl says `fee_rate`): we send `fee`.
        """
        if isinstance(amount_afil, bool) or not isinstance(amount_afil, int):
            raise TypeError("amount_afil must be an integer number of attoFIL")
        body: dict[str, Any] = {"amount_afil": amount_afil, "fee": _fee(fee)}
        if notes:
            body["notes"] = notes
        path = _providers_path(wallet_id) + f"/{int(storage_provider_id)}/withdrawals"
        return self.request("POST", path, body=body)

    def sector_termination_fees(self, storage_provider_address: str) -> dict:
        """Estimated FIL to terminate a provider's sectors (Balance allows 1 call / 15 s)."""
        return self.request(
            "GET",
            "/api/v2/assets/fil/sector_termination_fees",
            params={"storage_provider_address": storage_provider_address},
        )


# --- helpers ------------------------------------------------------------------------------


_SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, ArithmeticError)


def _one(cls: type, data: Any) -> Any:
    """`cls.from_json(data)`, or a typed error naming what Balance sent instead."""
    try:
        return cls.from_json(data)
    except _SHAPE_ERRORS as exc:
        raise BalanceUnexpectedResponse(
            f"Balance sent a response the portal cannot read (expected a {cls.__name__}; "
            f"{exc.__class__.__name__}: {exc})."
        ) from exc


def _many(cls: type, items: Any) -> list:
    if not isinstance(items, list):
        raise BalanceUnexpectedResponse(
            f"Balance sent a response the portal cannot read (expected a list of "
            f"{cls.__name__}, got {type(items).__name__})."
        )
    return [_one(cls, item) for item in items]


def _error_text(payload: Any) -> str:
    if isinstance(payload, dict):
        for key in ("error", "message", "errors"):
            value = payload.get(key)
            if value:
                return value if isinstance(value, str) else json.dumps(value, default=str)
    if isinstance(payload, str):
        return payload
    return ""


def _page_records(payload: Any) -> tuple[list[dict], bool, str | None]:
    """Records of one page, whatever the envelope: a bare array (older Balance), the
    `page: [{cursor, data}]` shape, `edges: [{node}]`, or a resource-named array."""
    if isinstance(payload, list):
        return payload, False, None
    if not isinstance(payload, dict):
        return [], False, None
    info = payload.get("page_info") or {}
    has_next = bool(info.get("has_next_page"))
    end_cursor = info.get("end_cursor")
    for key in ("page", "edges", "data"):
        items = payload.get(key)
        if isinstance(items, list):
            records = [_unwrap(item) for item in items]
            return records, has_next, end_cursor
    for key, value in payload.items():
        if key != "page_info" and isinstance(value, list):
            return [_unwrap(item) for item in value], has_next, end_cursor
    return [], has_next, end_cursor


def _unwrap(item: Any) -> dict:
    if isinstance(item, dict):
        for key in ("data", "node"):
            inner = item.get(key)
            if isinstance(inner, dict):
                return inner
    return item


def _providers_path(wallet_id: int) -> str:
    return f"/api/v1/wallets/{int(wallet_id)}/assets/fil/storage_providers"


def _ticker(currency: str) -> str:
    ticker = (currency or "").strip().lower()
    if not ticker.isalnum():
        raise BalanceRejected(f"“{currency}” is not an asset ticker.", status=400)
    return ticker


def _segment(value: str) -> str:
    from urllib.parse import quote

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
