"""Filecoin controls of the `/_sandbox/` surface (loopback only, unsigned, JSON in and out).

Tests and benchmarks use them to put storage providers into the states the portal must
notice: faulty sectors, fee debt (a negative available balance), figures Balance stopped
updating (pinned, with an old `last_updated_at`), a provider that disappears, and more
providers than the seed data has. Everything is undone by `POST /_sandbox/reset`.
"""

import random
import time
from datetime import datetime
from typing import Any

from .http import Request, Response, Route, bad_request, not_found
from .models import StorageProvider
from .render import storage_provider_struct
from .sectors import new_storage_provider
from .state import SandboxState

SETTABLE = (
    "active_sectors",
    "faulty_sectors",
    "available_balance",
    "locked_rewards",
    "initial_pledge",
    "last_updated_at",
    "pinned",
)
# Sector counts are plain integers; money is a string of signed base units (attoFIL).
_COUNTS = ("active_sectors", "faulty_sectors")
_AMOUNTS = ("available_balance", "locked_rewards", "initial_pledge")


def _provider(state: SandboxState, provider_id: str) -> StorageProvider:
    sp = state.storage_providers.get(int(provider_id))
    if sp is None:
        raise not_found("Storage provider not found")
    return sp


def _count(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise bad_request(f"{key} must be an integer ≥ 0")
    return value


def _signed_units(value: Any, key: str) -> int:
    text = value if isinstance(value, str) else ""
    digits = text[1:] if text.startswith("-") else text
    if not digits.isascii() or not digits.isdigit():
        raise bad_request(f'{key} must be a string of signed base units, e.g. "-1500"')
    return int(text)


def _timestamp(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
        except ValueError:
            pass
    raise bad_request("last_updated_at must be UNIX seconds or an ISO-8601 time with offset")


def set_storage_provider(state: SandboxState, request: Request, provider_id: str) -> Response:
    """POST /_sandbox/storage_providers/<id> {"faulty_sectors": 40, "available_balance": "-5",
    "pinned": true, …} — set figures (after bringing the provider to the current step)."""
    data = request.json_object(SETTABLE)
    with state.lock:
        state.sync()
        sp = _provider(state, provider_id)
        for key in _COUNTS:
            if key in data:
                setattr(sp, key, _count(data[key], key))
        for key in _AMOUNTS:
            if key in data:
                setattr(sp, key, _signed_units(data[key], key))
        if "last_updated_at" in data:
            sp.last_updated_at = _timestamp(data["last_updated_at"])
        elif any(key in data for key in (*_COUNTS, *_AMOUNTS)):
            # Balance read new figures: a new reading time, later than the previous one.
            sp.last_updated_at = max(int(time.time()), sp.last_updated_at + 1)
        if "pinned" in data:
            if not isinstance(data["pinned"], bool):
                raise bad_request("pinned must be a boolean")
            sp.pinned = data["pinned"]  # read by sectors.is_pinned
        return Response(200, storage_provider_struct(sp, summary=True))


def delete_storage_provider(state: SandboxState, request: Request, provider_id: str) -> Response:
    """DELETE /_sandbox/storage_providers/<id> — the provider disappears from the API."""
    with state.lock:
        sp = _provider(state, provider_id)
        del state.storage_providers[sp.id]
        state.sp_by_address.pop(sp.address, None)
        wallet = state.wallets.get(sp.wallet_id)
        if wallet is not None and sp.id in wallet.storage_provider_ids:
            wallet.storage_provider_ids.remove(sp.id)
    return Response(200, {"ok": True})


def add_storage_providers(state: SandboxState, request: Request) -> Response:
    """POST /_sandbox/storage_providers {"count": N, "wallet_id"?: W} — N more providers, on
    W or spread over the warm wallets that hold FIL (deterministic for the seed and the
    providers already there)."""
    data = request.json_object(("count", "wallet_id"))
    count = data.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000:
        raise bad_request("count must be an integer between 1 and 10000")
    with state.lock:
        step = state.sync()
        if "wallet_id" in data:
            owners = [state.wallet(data["wallet_id"]).id]
        else:
            owners = [
                w.id for w in state.wallets.values() if w.kind == "warm" and w.balances.get("fil")
            ]
        if not owners:
            raise bad_request("No warm wallet holds FIL")
        rng = random.Random(f"{state.seed}:more-sp:{len(state.storage_providers)}")
        used = {int(address[2:]) for address in state.sp_by_address}
        next_id = max(state.storage_providers, default=124) + 1
        ids, now = [], int(time.time())
        for index in range(count):
            number = rng.randint(1000, 999_999)
            while number in used:
                number += 1
            used.add(number)
            sp = new_storage_provider(rng, next_id, owners[index % len(owners)], number)
            sp.steps_applied, sp.last_updated_at = step, now
            state.storage_providers[sp.id] = sp
            state.sp_by_address[sp.address] = sp
            state.wallets[sp.wallet_id].storage_provider_ids.append(sp.id)
            ids.append(sp.id)
            next_id += 1
    return Response(200, {"ids": ids})


ROUTES = [
    Route("POST", r"/_sandbox/storage_providers", add_storage_providers),
    Route("POST", r"/_sandbox/storage_providers/(?P<provider_id>\d+)", set_storage_provider),
    Route("DELETE", r"/_sandbox/storage_providers/(?P<provider_id>\d+)", delete_storage_provider),
]
