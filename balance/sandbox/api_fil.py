"""Filecoin endpoints (seed 001, REFERENCE §8): storage providers, reward withdrawals, fees.

Withdrawals are created `inactive` (as in the seed's example), take the amount off the
provider's available balance at once, and complete one sandbox step later (a tick or a
minute), when the owning wallet is credited.
"""

import time
from decimal import Decimal

from .catalog import FEE_SPEEDS, fee_preset
from .data import txid
from .http import (
    ApiError,
    Request,
    Response,
    Route,
    bad_request,
    not_found,
    optional_str,
    strict_int,
)
from .models import StorageProvider, Transaction
from .render import FIL_DECIMALS, sector_penalties, storage_provider_struct, transaction_struct
from .state import SandboxState

WITHDRAWAL_KEYS = ("amount_afil", "fee", "fee_rate", "notes")


def _provider(state: SandboxState, wallet_id: str, provider_id: str) -> StorageProvider:
    wallet = state.wallet(wallet_id)
    sp = state.storage_providers.get(int(provider_id))
    if sp is None or sp.wallet_id != wallet.id:
        raise not_found("Storage provider not found")
    return sp


def list_storage_providers(state: SandboxState, request: Request, wallet_id: str) -> Response:
    """GET /api/v1/wallets/:wallet_id/assets/fil/storage_providers."""
    with state.lock:
        state.sync()
        wallet = state.wallet(wallet_id)
        providers = [state.storage_providers[i] for i in wallet.storage_provider_ids]
        return Response(200, {"storage_providers": [storage_provider_struct(p) for p in providers]})


def get_storage_provider(
    state: SandboxState, request: Request, wallet_id: str, provider_id: str
) -> Response:
    """GET …/storage_providers/:id[?show_sector_summary=true]."""
    summary = request.query.get("show_sector_summary", "").lower() == "true"
    with state.lock:
        state.sync()
        sp = _provider(state, wallet_id, provider_id)
        return Response(200, {"storage_provider": storage_provider_struct(sp, summary=summary)})


def _fee_rate(value: object, key: str) -> Decimal:
    if isinstance(value, str):
        if value not in FEE_SPEEDS:
            raise bad_request(f"{key} must be a number or one of: {', '.join(FEE_SPEEDS)}")
        return fee_preset("fil", value)
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value <= 0:
        raise bad_request(f"{key} must be a number or one of: {', '.join(FEE_SPEEDS)}")
    return Decimal(value)


def _withdrawal_fee(data: dict) -> Decimal:
    """`fee` (documented) or `fee_rate` (the seed's curl); both only if they agree."""
    if "fee" in data and "fee_rate" in data and data["fee"] != data["fee_rate"]:
        raise bad_request("fee and fee_rate differ; send only fee")
    if "fee" in data:
        return _fee_rate(data["fee"], "fee")
    if "fee_rate" in data:
        return _fee_rate(data["fee_rate"], "fee_rate")
    return fee_preset("fil", "medium")


def _fil_text(atto: int) -> str:
    return format(Decimal(atto).scaleb(-FIL_DECIMALS).normalize(), "f")


def create_withdrawal(
    state: SandboxState, request: Request, wallet_id: str, provider_id: str
) -> Response:
    """POST …/storage_providers/:id/withdrawals — a reward withdrawal to the owning wallet."""
    with state.lock:
        step = state.sync()
        sp = _provider(state, wallet_id, provider_id)
        data = request.json_object(WITHDRAWAL_KEYS)
        if "amount_afil" not in data:
            raise bad_request("param is missing or the value is empty: amount_afil")
        amount = strict_int(data["amount_afil"])
        if amount is None or amount <= 0:
            raise bad_request("amount_afil must be a positive integer amount of attoFIL")
        fee = _withdrawal_fee(data)
        notes = optional_str(data, "notes", nullable=True) or ""
        if amount > sp.available_balance:
            raise bad_request(
                f"Insufficient funds: storage provider {sp.address} has "
                f"{_fil_text(sp.available_balance)} FIL available"
            )
        sp.available_balance -= amount
        tx_id = state.next_transaction_id()
        summary = f"Balance withdrawal from FIL miner {sp.address} for {_fil_text(amount)} FIL."
        tx = Transaction(
            id=tx_id,
            kind="internal",
            asset="fil",
            amount=amount,
            created_at=int(time.time()),
            status="inactive",
            destination_wallet_id=sp.wallet_id,
            storage_provider_id=sp.id,
            hash=txid(state.seed, "fil", tx_id),
            fee_rate=format(fee, "f"),
            notes=f"{notes}\n\n{summary}" if notes else summary,
            complete_at_step=step + 1,
        )
        state.add_transaction(tx)
        return Response(200, transaction_struct(tx, state))


def sector_termination_fees(state: SandboxState, request: Request) -> Response:
    """GET /api/v2/assets/fil/sector_termination_fees — 1 call per window (default 15 s)."""
    with state.lock:
        controls = state.controls
        window = controls.termination_fees_window_s
        now = time.monotonic()
        last = controls.last_termination_call
        if window > 0 and last is not None and now - last < window:
            raise ApiError(429, f"Rate limit exceeded: 1 call per {window:g} seconds")
        controls.last_termination_call = now
        address = request.query.get("storage_provider_address")
        if not address:
            raise bad_request("param is missing or the value is empty: storage_provider_address")
        state.sync()
        sp = state.sp_by_address.get(address)
        if sp is None:
            raise not_found("Storage provider not found")
        return Response(200, sector_penalties(sp))


_SP = r"/api/v1/wallets/(?P<wallet_id>\d+)/assets/fil/storage_providers"
ROUTES = [
    Route("GET", _SP, list_storage_providers),
    Route("GET", _SP + r"/(?P<provider_id>\d+)", get_storage_provider),
    Route("POST", _SP + r"/(?P<provider_id>\d+)/withdrawals", create_withdrawal),
    Route("GET", r"/api/v2/assets/fil/sector_termination_fees", sector_termination_fees),
]
