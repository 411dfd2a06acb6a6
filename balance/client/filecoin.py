"""Filecoin storage providers and reward withdrawals (seed 001, REFERENCE §8)."""

from typing import Any

from ..types import StorageProvider
from .base import ClientBase, written
from .shapes import expect_dict, many, one


class FilecoinEndpoints(ClientBase):
    """The Filecoin endpoints of `BalanceClient`."""

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
        return written(self.request("POST", path, body=body), f"POST {path}")

    def sector_termination_fees(self, storage_provider_address: str) -> dict:
        """Estimated FIL to terminate a provider's sectors (Balance allows 1 call / 15 s)."""
        path = "/api/v2/assets/fil/sector_termination_fees"
        payload = self.request(
            "GET", path, params={"storage_provider_address": storage_provider_address}
        )
        keys = ("live_sectors_penalty_fil", "faulty_sectors_penalty_fil")
        return expect_dict(payload, f"GET {path}", keys=keys)


def _providers_path(wallet_id: int) -> str:
    return f"/api/v1/wallets/{int(wallet_id)}/assets/fil/storage_providers"


def _fee(fee: str | int) -> str | int:
    """A preset ("slow", "medium", "fast") or an integer rate; fractional rates would need a
    JSON number we cannot write exactly with the standard library, so they are refused."""
    if isinstance(fee, str):
        return fee
    if isinstance(fee, bool) or not isinstance(fee, int):
        raise TypeError("fee must be a preset name or an integer rate")
    return fee
