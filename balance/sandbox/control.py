"""The unsigned `/_sandbox/` control surface for tests and benchmarks (loopback clients only).

JSON in, JSON out. Everything set here is cleared by `POST /_sandbox/reset`.
"""

import re
import time
from decimal import Decimal
from typing import Any

from .catalog import COINS
from .http import Request, Response, Route, bad_request
from .render import wallet_struct
from .state import BatchMode, BatchOutcome, Fault, SandboxState

BATCH_MODES = ("normal", "reject", "commit_then_timeout", "commit_then_500", "commit_then_reset")
BATCH_OUTCOMES = ("completed", "pending")
# The documented statuses of a transaction still in progress (REFERENCE §5.1).
PENDING_STATUSES = ("pending_approval", "approved", "pending_generation")
FINAL_STATUSES = ("completed", "failed")
FAULT_KEYS = (
    "path",
    "method",
    "status",
    "body",
    "raw_body",
    "content_type",
    "reset",
    "commit",
    "latency_ms",
    "count",
)


def _int(data: dict[str, Any], key: str, default: int | None, *, minimum: int = 0) -> int | None:
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise bad_request(f"{key} must be an integer ≥ {minimum}")
    return value


def _bool(data: dict[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise bad_request(f"{key} must be a boolean")
    return value


def _choice(data: dict[str, Any], key: str, default: str, choices: tuple[str, ...]) -> str:
    value = data.get(key, default)
    if value not in choices:
        raise bad_request(f"{key} must be one of: {', '.join(choices)}")
    return value


def _number(data: dict[str, Any], key: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal) or value < 0:
        raise bad_request(f"{key} must be a number ≥ 0")
    return float(value)  # a duration, never an amount


def health(state: SandboxState, request: Request) -> Response:
    """GET /_sandbox/health."""
    return Response(200, {"ok": True})


def info(state: SandboxState, request: Request) -> Response:
    """GET /_sandbox/info — seed, size and clock (never the secret)."""
    with state.lock:
        return Response(
            200,
            {
                "seed": state.seed,
                "wallets": len(state.wallets),
                "step": state.current_step(),
                "access_id": next(iter(state.credentials)),
                "storage_providers": sorted(state.storage_providers),
            },
        )


def reset(state: SandboxState, request: Request) -> Response:
    """POST /_sandbox/reset {"seed"?, "wallets"?} — regenerate data, clear log and controls."""
    data = request.json_object(("seed", "wallets"))
    seed = _int(data, "seed", None)
    wallets = _int(data, "wallets", None)
    state.reset(seed, wallets)
    return Response(200, {"ok": True, "seed": state.seed, "wallets": state.wallet_count})


def get_calls(state: SandboxState, request: Request) -> Response:
    """GET /_sandbox/calls — every /api/ request so far (method, path, query, status, body)."""
    with state.lock:
        return Response(200, {"calls": list(state.controls.calls)})


def clear_calls(state: SandboxState, request: Request) -> Response:
    """DELETE /_sandbox/calls."""
    with state.lock:
        state.controls.calls.clear()
    return Response(200, {"ok": True})


def add_fault(state: SandboxState, request: Request) -> Response:
    """POST /_sandbox/faults — a rule for matching /api/ requests (README: "Faults")."""
    data = request.json_object(FAULT_KEYS)
    try:
        pattern = re.compile(str(data.get("path") or ""))
    except re.error as exc:
        raise bad_request(f"path is not a valid regex: {exc}") from None
    method = data.get("method")
    if method is not None and not isinstance(method, str):
        raise bad_request("method must be a string or null")
    status = _int(data, "status", None, minimum=100)
    body = data.get("body")
    raw_body = data.get("raw_body")
    reset = _bool(data, "reset", False)
    if raw_body is not None and not isinstance(raw_body, str):
        raise bad_request("raw_body must be a string")
    if raw_body is not None and body is not None:
        raise bad_request("give body or raw_body, not both")
    if reset and (status is not None or body is not None or raw_body is not None):
        raise bad_request("reset answers nothing: give no status, body or raw_body with it")
    content_type = data.get("content_type", "text/html; charset=utf-8")
    if not isinstance(content_type, str) or not content_type:
        raise bad_request("content_type must be a non-empty string")
    if "content_type" in data and raw_body is None:
        raise bad_request("content_type only applies to raw_body")
    if status is not None and body is None and raw_body is None:
        body = {"error": f"Sandbox injected fault (HTTP {status})"}
    fault = Fault(
        pattern=pattern,
        method=method.upper() if method else None,
        status=status,
        body=body,
        latency_ms=_int(data, "latency_ms", 0) or 0,
        # Omitted count = null = until cleared (an absent key reads like null in JSON).
        remaining=_int(data, "count", None, minimum=1),
        raw_body=raw_body.encode() if raw_body is not None else None,
        content_type=content_type,
        reset=reset,
        commit=_bool(data, "commit", False),
    )
    with state.lock:
        state.controls.faults.append(fault)
        count = len(state.controls.faults)
    return Response(200, {"ok": True, "faults": count})


def clear_faults(state: SandboxState, request: Request) -> Response:
    """DELETE /_sandbox/faults."""
    with state.lock:
        state.controls.faults.clear()
    return Response(200, {"ok": True})


def set_latency(state: SandboxState, request: Request) -> Response:
    """POST /_sandbox/latency {"ms": N} — added to every /api/ request."""
    data = request.json_object(("ms",))
    with state.lock:
        state.controls.latency_ms = _int(data, "ms", 0) or 0
    return Response(200, {"ok": True, "ms": state.controls.latency_ms})


def set_batch_mode(state: SandboxState, request: Request) -> Response:
    """POST /_sandbox/send_batch_now {"mode", "message", "status", "delay_s", "count"}."""
    data = request.json_object(("mode", "message", "status", "delay_s", "count"))
    mode = data.get("mode", "normal")
    if mode not in BATCH_MODES:
        raise bad_request(f"mode must be one of: {', '.join(BATCH_MODES)}")
    message = data.get("message")
    if message is not None and not isinstance(message, str):
        raise bad_request("message must be a string")
    batch = BatchMode(
        mode=mode,
        message=message,
        status=_int(data, "status", 400, minimum=100) or 400,
        delay_s=_number(data, "delay_s", 30.0),
        remaining=_int(data, "count", None, minimum=1),
    )
    with state.lock:
        state.controls.batch = batch
    return Response(200, {"ok": True, "mode": mode})


def set_batch_outcome(state: SandboxState, request: Request) -> Response:
    """POST /_sandbox/batches {"mode": "pending"|"completed", "status", "then", "after_ticks",
    "count"} — whether the next committed batches complete at once or stay pending first."""
    data = request.json_object(("mode", "status", "then", "after_ticks", "count"))
    outcome = BatchOutcome(
        mode=_choice(data, "mode", "completed", BATCH_OUTCOMES),
        status=_choice(data, "status", "pending_generation", PENDING_STATUSES),
        then=_choice(data, "then", "completed", FINAL_STATUSES),
        after_ticks=_int(data, "after_ticks", 1, minimum=1) or 1,
        remaining=_int(data, "count", None, minimum=1),
    )
    with state.lock:
        state.controls.batch_outcome = outcome
    return Response(
        200,
        {
            "ok": True,
            "mode": outcome.mode,
            "status": outcome.status,
            "then": outcome.then,
            "after_ticks": outcome.after_ticks,
            "count": outcome.remaining,
        },
    )


def add_wallets(state: SandboxState, request: Request) -> Response:
    """POST /_sandbox/wallets {"count": N} — append N generated wallets; returns their ids."""
    data = request.json_object(("count",))
    count = _int(data, "count", 1, minimum=1) or 1
    with state.lock:
        ids = state.add_generated_wallets(count)
    return Response(200, {"ids": ids})


def _units(asset: str, value: Any, key: str) -> int:
    if asset not in COINS:
        raise bad_request(f"Unknown asset {asset} (the sandbox serves: {', '.join(COINS)})")
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        raise bad_request(f'{key} must be a string of base units, e.g. "123"')
    return int(value)


def set_balances(state: SandboxState, request: Request, wallet_id: str) -> Response:
    """POST /_sandbox/wallets/<id>/balances {"btc": "123", "spendable": {"btc": "100"}}."""
    data = request.json_object()
    raw_spendable = data.pop("spendable", {})
    if not isinstance(raw_spendable, dict):
        raise bad_request("spendable must be an object")
    totals = {asset: _units(asset, v, asset) for asset, v in data.items()}
    spendable = {
        asset: _units(asset, v, f"spendable.{asset}") for asset, v in raw_spendable.items()
    }
    with state.lock:
        wallet = state.set_balances(int(wallet_id), totals, spendable)
        return Response(200, wallet_struct(wallet, spendable=True, detail=True))


def delete_wallet(state: SandboxState, request: Request, wallet_id: str) -> Response:
    """DELETE /_sandbox/wallets/<id> — the wallet disappears from the API."""
    with state.lock:
        state.delete_wallet(int(wallet_id))
    return Response(200, {"ok": True})


def tick(state: SandboxState, request: Request) -> Response:
    """POST /_sandbox/tick {"steps": N} — drift FIL sectors, settle pending withdrawals and
    pending batches that are due."""
    data = request.json_object(("steps",))
    with state.lock:
        state.controls.ticks += _int(data, "steps", 1) or 0
        step = state.sync()
    return Response(200, {"ok": True, "step": step})


def set_rate_limit(state: SandboxState, request: Request) -> Response:
    """POST /_sandbox/rate_limit {"termination_fees_window_s": 0} (0 disables the limit)."""
    data = request.json_object(("termination_fees_window_s",))
    with state.lock:
        controls = state.controls
        controls.termination_fees_window_s = _number(data, "termination_fees_window_s", 15.0)
        controls.last_termination_call = None
    return Response(200, {"ok": True})


OPTION_KEYS = (
    "require_user_agent",
    "sector_step_seconds",
    "batch_destinations",
    "paginate_wallet_transactions",
)
_BOOLEAN_OPTIONS = ("require_user_agent", "batch_destinations", "paginate_wallet_transactions")


def set_options(state: SandboxState, request: Request) -> Response:
    """POST /_sandbox/options {"require_user_agent": bool, "sector_step_seconds": N,
    "batch_destinations": bool, "paginate_wallet_transactions": bool} → every option."""
    data = request.json_object(OPTION_KEYS)
    with state.lock:
        controls = state.controls
        for key in _BOOLEAN_OPTIONS:
            if key in data:
                setattr(controls, key, _bool(data, key, False))
        if "sector_step_seconds" in data:
            # Keep the current step: the wall-clock part restarts from now at the new pace.
            controls.ticks = state.current_step()
            state.started_at = time.time()
            controls.sector_step_seconds = _number(data, "sector_step_seconds", 60.0)
        return Response(
            200,
            {
                **{key: getattr(controls, key) for key in _BOOLEAN_OPTIONS},
                "sector_step_seconds": Decimal(str(controls.sector_step_seconds)),
            },
        )


ROUTES = [
    Route("GET", r"/_sandbox/health", health),
    Route("GET", r"/_sandbox/info", info),
    Route("POST", r"/_sandbox/reset", reset),
    Route("GET", r"/_sandbox/calls", get_calls),
    Route("DELETE", r"/_sandbox/calls", clear_calls),
    Route("POST", r"/_sandbox/faults", add_fault),
    Route("DELETE", r"/_sandbox/faults", clear_faults),
    Route("POST", r"/_sandbox/latency", set_latency),
    Route("POST", r"/_sandbox/send_batch_now", set_batch_mode),
    Route("POST", r"/_sandbox/batches", set_batch_outcome),
    Route("POST", r"/_sandbox/wallets", add_wallets),
    Route("POST", r"/_sandbox/wallets/(?P<wallet_id>\d+)/balances", set_balances),
    Route("DELETE", r"/_sandbox/wallets/(?P<wallet_id>\d+)", delete_wallet),
    Route("POST", r"/_sandbox/tick", tick),
    Route("POST", r"/_sandbox/rate_limit", set_rate_limit),
    Route("POST", r"/_sandbox/options", set_options),
]
