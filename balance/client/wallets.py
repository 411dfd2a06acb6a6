"""Wallets, sub-addresses and external accounts (REFERENCE §5.2–5.5, §5.9, §5.12; seed 000)."""

from collections.abc import Iterator
from typing import Any

from ..types import ExternalAccount, FundingAddress, Wallet
from .base import MAX_PAGE_SIZE, ClientBase, segment, ticker
from .shapes import expect_dict, many, one


class WalletEndpoints(ClientBase):
    """The wallet endpoints of `BalanceClient`."""

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
        path = f"/api/v2/assets/{ticker(currency)}"
        payload = self.request("GET", path, params={"order_by": order_by, "page": page})
        if not isinstance(payload, list):
            payload = expect_dict(payload, f"GET {path}", keys=("wallets",))["wallets"]
        return many(Wallet, payload, f"GET {path}")

    # --- sub-addresses ---------------------------------------------------------------------

    def list_sub_addresses(self, wallet_id: int, currency: str) -> list[FundingAddress]:
        """Active funding addresses of a wallet for one currency."""
        payload = self.request("GET", f"/api/v1/wallets/{int(wallet_id)}/assets/{ticker(currency)}")
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
            "POST", f"/api/v1/wallets/{int(wallet_id)}/assets/{ticker(currency)}", body=body
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
        path = f"/api/v1/wallets/{int(wallet_id)}/assets/{ticker(currency)}/{segment(address)}"
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
