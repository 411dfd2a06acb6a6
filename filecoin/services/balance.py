"""How Filecoin services read Balance: a strict list of storage providers.

`BalanceClient.list_storage_providers` reads an answer without a `storage_providers` array as
an empty list. For the refresh, empty means "every provider of this wallet is gone", so an
unreadable answer must not look like one (STYLE: unknown is not empty). This wrapper accepts
the documented object (and a bare array, the seed's wording) and raises
BalanceUnexpectedResponse for anything else.
"""

from balance import types
from balance.client import BalanceClient
from balance.errors import BalanceUnexpectedResponse

_SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, ArithmeticError)


def list_storage_providers(client: BalanceClient, wallet_id: int) -> list[types.StorageProvider]:
    """`GET /api/v1/wallets/:id/assets/fil/storage_providers`, read strictly."""
    payload = client.request(
        "GET", f"/api/v1/wallets/{int(wallet_id)}/assets/fil/storage_providers"
    )
    items = payload.get("storage_providers") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise BalanceUnexpectedResponse(
            f"Balance's storage-provider list of wallet {wallet_id} has no storage_providers "
            "array; nothing was changed."
        )
    try:
        return [types.StorageProvider.from_json(item) for item in items]
    except _SHAPE_ERRORS as exc:
        raise BalanceUnexpectedResponse(
            f"Balance's storage-provider list of wallet {wallet_id} cannot be read "
            f"({exc.__class__.__name__}: {exc}); nothing was changed."
        ) from exc
