"""POST /api/v2/send_batch_now (seed 000, REFERENCE §7): validate everything, then move funds.

Validation is atomic: nothing changes unless every destination is valid and the source can pay
the total. On success the source is debited, internal destination wallets are credited, and
one internal transaction (`is_batched: true`, `status: "completed"`) records the batch. The
control surface can make calls reject, or commit and then time out / answer 500 / cut the
connection (`POST /_sandbox/send_batch_now`), and can make batches stay pending and then
complete or fail (`POST /_sandbox/batches`).
"""

import time
from typing import Any

from .addresses import is_valid_testnet_address
from .catalog import BATCH_SEND_ASSETS, fee_preset
from .data import txid
from .http import Request, Response, Route, bad_request, check_keys, not_found, strict_int
from .models import BatchDestination, Transaction
from .render import amount, transaction_struct
from .state import BatchOutcome, SandboxState

BODY_KEYS = ("source_wallet_id", "asset", "destinations")
DESTINATION_KEYS = ("type", "id", "amount", "public_address")
DESTINATION_TYPES = ("wallet", "external_account", "public_address")


def _destination(
    state: SandboxState, index: int, raw: Any, asset: str, source_id: int
) -> BatchDestination:
    where = f"destinations[{index}]"
    if not isinstance(raw, dict):
        raise bad_request(f"{where} must be an object")
    check_keys(raw, DESTINATION_KEYS, f"{where}.")
    kind = raw.get("type")
    if kind not in DESTINATION_TYPES:
        raise bad_request(f"{where}.type must be one of: {', '.join(DESTINATION_TYPES)}")
    units = raw.get("amount")
    if not isinstance(units, str) or not units.isascii() or not units.isdigit() or int(units) <= 0:
        raise bad_request(f"{where}.amount must be a string-encoded positive integer")
    dest = BatchDestination(type=kind, amount=int(units))
    if kind == "public_address":
        if "id" in raw:
            raise bad_request(f"{where}.id can not be used with type public_address")
        address = raw.get("public_address")
        if not isinstance(address, str) or not address:
            raise bad_request(f"param is missing or the value is empty: {where}.public_address")
        if not is_valid_testnet_address(asset, address):
            raise bad_request(f"{where}.public_address is not a valid {asset} address")
        dest.public_address = address
        return dest
    if "public_address" in raw:
        raise bad_request(f"{where}.public_address can only be used with type public_address")
    dest.id = strict_int(raw.get("id"))
    if dest.id is None:
        raise bad_request(f"{where}.id must be an integer for type {kind}")
    if kind == "wallet":
        if dest.id not in state.wallets:
            raise not_found("Wallet not found")
        if dest.id == source_id:
            raise bad_request(f"{where} can not be the source wallet")
    elif dest.id not in state.external_accounts:
        raise not_found("External account not found")
    elif asset not in state.external_accounts[dest.id].funding_addresses:
        raise bad_request(f"External account {dest.id} has no {asset} address")
    return dest


def _validate(state: SandboxState, data: dict[str, Any]) -> tuple[int, str, list[BatchDestination]]:
    """(source id, asset, destinations) or an ApiError; the caller holds the lock."""
    check_keys(data, BODY_KEYS)
    if "source_wallet_id" not in data:
        raise bad_request("param is missing or the value is empty: source_wallet_id")
    source_id = strict_int(data["source_wallet_id"])
    if source_id is None:
        raise bad_request("source_wallet_id must be an integer")
    source = state.wallet(source_id)
    asset = data.get("asset")
    if not isinstance(asset, str) or not asset:
        raise bad_request("param is missing or the value is empty: asset")
    if asset not in BATCH_SEND_ASSETS:
        raise bad_request(
            f"Asset {asset} is not supported for batch withdrawals "
            f"(supported: {', '.join(BATCH_SEND_ASSETS)})"
        )
    if source.kind != "warm":
        raise bad_request("Batch withdrawals can only be sent from warm wallets")
    raw = data.get("destinations")
    if not isinstance(raw, list) or not raw:
        raise bad_request("destinations must be a non-empty array")
    destinations = [_destination(state, i, d, asset, source_id) for i, d in enumerate(raw)]
    total = sum(d.amount for d in destinations)
    spendable = source.spendable.get(asset, 0)
    if total > spendable:
        raise bad_request(
            f"Insufficient funds: wallet {source_id} has {amount(asset, spendable).literal()} "
            f"{asset} spendable, the batch needs {amount(asset, total).literal()} {asset}"
        )
    return source_id, asset, destinations


def _take_outcome(state: SandboxState) -> BatchOutcome:
    """The outcome control for this batch, counting it down."""
    outcome = state.controls.batch_outcome
    if outcome.mode != "pending":
        return outcome
    if outcome.remaining is not None:
        outcome.remaining -= 1
        if outcome.remaining <= 0:
            state.controls.batch_outcome = BatchOutcome()
    return outcome


def _commit(
    state: SandboxState, source_id: int, asset: str, destinations: list[BatchDestination]
) -> Transaction:
    """Move the funds and record the batch; the caller holds the lock.

    By default the batch completes at once. Under a `pending` outcome control the total is
    held on the source (spendable drops, the total stays) and the batch settles later
    (`SandboxState._settle_batch`).
    """
    now = int(time.time())
    total = sum(d.amount for d in destinations)
    outcome = _take_outcome(state)
    source = state.wallets[source_id]
    tx = Transaction(
        id=state.next_transaction_id(),
        kind="internal",
        asset=asset,
        amount=total,
        created_at=now,
        source_wallet_id=source_id,
        destinations=destinations,
        fee_rate=str(fee_preset(asset, "medium")),
        is_batched=True,
    )
    tx.hash = txid(state.seed, "batch", tx.id)
    if outcome.mode == "pending":
        source.hold(asset, total)
        tx.status, tx.final_status = outcome.status, outcome.then
        tx.complete_at_step = state.current_step() + outcome.after_ticks
        return state.add_transaction(tx)
    source.debit(asset, total)
    for dest in destinations:
        if dest.type == "wallet":
            state.credit(state.wallets[dest.id], asset, dest.amount)
    tx.status, tx.completed_at = "completed", now
    return state.add_transaction(tx)


def _take_mode(state: SandboxState, applies: bool) -> str:
    """The active misbehaviour for this call, counting it down when it applies."""
    batch = state.controls.batch
    mode = batch.mode
    if mode == "normal" or not applies:
        return "normal"
    if batch.remaining is not None:
        batch.remaining -= 1
        if batch.remaining <= 0:
            state.controls.batch = type(batch)()
    return mode


def send_batch_now(state: SandboxState, request: Request) -> Response:
    """POST /api/v2/send_batch_now — 200 with the batch's internal-transaction struct."""
    data = request.json_object()
    with state.lock:
        batch = state.controls.batch
        message, status, delay = batch.message, batch.status, batch.delay_s
        if _take_mode(state, batch.mode == "reject") == "reject":
            return Response(
                status,
                {"error": message or "Batch withdrawal rejected by the sandbox"},
                fault={"kind": "reject", "commit": False, "handled_status": None},
            )
        source_id, asset, destinations = _validate(state, data)
        mode = _take_mode(state, True)
        tx = _commit(state, source_id, asset, destinations)
        body = transaction_struct(tx, state)
    fault = None if mode == "normal" else {"kind": mode, "commit": True, "handled_status": 200}
    if mode == "commit_then_500":
        return Response(500, {"error": message or "Internal server error"}, fault=fault)
    if mode == "commit_then_timeout":
        return Response(200, body, delay_after=delay, fault=fault)
    if mode == "commit_then_reset":
        return Response(None, None, reset=True, fault=fault)
    return Response(200, body)


ROUTES = [Route("POST", r"/api/v2/send_batch_now", send_batch_now)]
