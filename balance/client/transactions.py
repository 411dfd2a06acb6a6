"""Fees, stats, transactions and send_batch_now (REFERENCE §5.6–5.7, §5.10–5.13, §7)."""

from collections.abc import Iterator
from typing import Any

from .base import MAX_PAGE_SIZE, ClientBase, segment, ticker, written
from .shapes import expect_dict

FEE_PRESETS = ("slow", "medium", "fast")


class TransactionEndpoints(ClientBase):
    """Fees, stats and the transaction endpoints of `BalanceClient` (transactions are kept as
    Balance's dicts, REFERENCE §5.1)."""

    def transaction_fees(self, currency: str | None = None) -> dict:
        """Fee presets, unauthenticated: `{"slow"|"medium"|"fast": {"fee_rate", "blocks",
        "unit"}}` for one currency, or a dict of those keyed by ticker for all of them."""
        path = "/api/v1/transaction_fees" + (f"/{ticker(currency)}" if currency else "")
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
        path = f"/api/v1/transactions/{segment(str(transaction_id))}"
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
        path = f"/api/v1/wallets/{int(wallet_id)}/transactions/{segment(str(transaction_id))}"
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
            "asset": ticker(asset),
            "destinations": [_destination(d) for d in destinations],
        }
        payload = self.request("POST", "/api/v2/send_batch_now", body=body)
        return written(payload, "POST /api/v2/send_batch_now")


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
