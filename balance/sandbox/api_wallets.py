"""Wallet endpoints: list/detail/create/update, sub-addresses (seed 000), v2 assets holders."""

import time
from typing import Any

from .addresses import make_address
from .catalog import COINS, DEMO_ASSETS, SUB_ADDRESS_ASSETS, coin
from .data import new_wallet
from .http import (
    Request,
    Response,
    Route,
    bad_request,
    not_found,
    optional_bool,
    optional_str,
    query_int,
)
from .models import SubAddress, Wallet
from .pagination import envelope, paginate
from .render import sub_address_list, sub_address_struct, wallet_struct
from .state import SandboxState

WALLET_CREATE_KEYS = ("name", "description", "custom_id", "kind", "default_originator_entity")
WALLET_UPDATE_KEYS = ("name", "description", "custom_id", "default_originator_entity")
SUB_ADDRESS_KEYS = ("name", "notes", "is_watched")
# Our choice for the page-number pagination of GET /api/v2/assets/:currency (undocumented).
ASSET_HOLDERS_PER_PAGE = 25


def list_wallets(state: SandboxState, request: Request) -> Response:
    """GET /api/v1/wallets — cursor pages, id descending, filters type/created_since/custom_id."""
    query = request.query
    kind = query.get("type")
    if kind is not None and kind not in ("warm", "cold"):
        raise bad_request("type must be one of: warm, cold")
    since = query_int(query, "created_since", "created_since must be a UNIX timestamp in seconds")
    custom_id = query.get("custom_id")
    with state.lock:
        state.sync()  # pending transactions that settled move funds
        wallets = state.wallets
        keep = None
        if kind is not None or since is not None or custom_id is not None:

            def keep(wallet_id: int) -> bool:
                w = wallets[wallet_id]
                return (
                    (kind is None or w.kind == kind)
                    and (since is None or w.created_at >= since)
                    and (custom_id is None or w.custom_id == custom_id)
                )

        ids, page_info = paginate(state.wallet_ids, query, keep)
        records = [(i, wallet_struct(wallets[i])) for i in ids]
    return Response(200, envelope(page_info, records))


def get_wallet(state: SandboxState, request: Request, wallet_id: str) -> Response:
    """GET /api/v1/wallets/:id — with spendable_balance and default_originator_entity."""
    with state.lock:
        state.sync()
        wallet = state.wallet(wallet_id)
        return Response(200, wallet_struct(wallet, spendable=True, detail=True))


def _originator(data: dict[str, Any]) -> dict | None:
    value = data.get("default_originator_entity")
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("kind") not in ("individual", "corporate"):
        raise bad_request("default_originator_entity.kind must be individual or corporate")
    return value


def _text_fields(data: dict[str, Any]) -> dict[str, str | None]:
    return {key: optional_str(data, key) for key in ("name", "description", "custom_id")}


def create_wallet(state: SandboxState, request: Request) -> Response:
    """POST /api/v1/wallets — a new empty wallet; cold ones come from a small pool."""
    data = request.json_object(WALLET_CREATE_KEYS)
    fields = _text_fields(data)
    kind = data.get("kind", "warm")
    if kind not in ("warm", "cold"):
        raise bad_request("kind must be one of: warm, cold")
    originator = _originator(data)
    with state.lock:
        if kind == "cold":
            if state.cold_pool <= 0:
                raise bad_request("No cold wallets available")
            state.cold_pool -= 1
        wallet_id = state.next_wallet_id()
        wallet = new_wallet(
            state.seed,
            wallet_id,
            kind=kind,
            name=fields["name"] or f"Wallet {wallet_id}",
            description=fields["description"] or "",
            custom_id=fields["custom_id"] or "",
            created_at=int(time.time()),
            balances=dict.fromkeys(DEMO_ASSETS, 0),
        )
        wallet.default_originator_entity = originator
        state.add_wallet(wallet)
        return Response(200, wallet_struct(wallet, spendable=True, detail=True))


def update_wallet(state: SandboxState, request: Request, wallet_id: str) -> Response:
    """PUT /api/v1/wallets/:id — name, description, custom_id, default_originator_entity."""
    data = request.json_object(WALLET_UPDATE_KEYS)
    fields = _text_fields(data)
    originator = _originator(data)
    with state.lock:
        wallet = state.wallet(wallet_id)
        if originator is not None:
            if wallet.default_originator_entity is not None:
                raise bad_request("Default originator already set for this wallet.")
            wallet.default_originator_entity = originator
        for key, value in fields.items():
            if value is not None:
                setattr(wallet, key, value)
        return Response(200, wallet_struct(wallet, spendable=True, detail=True))


def _sub_address_asset(currency: str) -> str:
    if currency not in SUB_ADDRESS_ASSETS:
        raise bad_request(f"Currency {currency} does not support sub-addresses.")
    return currency


def list_sub_addresses(
    state: SandboxState, request: Request, wallet_id: str, currency: str
) -> Response:
    """GET /api/v1/wallets/:wallet_id/assets/:currency — the funding addresses (array)."""
    with state.lock:
        state.sync()
        wallet = state.wallet(wallet_id)
        asset = _sub_address_asset(currency)
        return Response(200, sub_address_list(wallet, asset))


def _new_sub_address(state: SandboxState, wallet: Wallet, asset: str) -> str:
    state.sub_address_counter += 1
    return make_address(asset, state.seed, "wallet", wallet.id, f"api-{state.sub_address_counter}")


def create_sub_address(
    state: SandboxState, request: Request, wallet_id: str, currency: str
) -> Response:
    """POST /api/v1/wallets/:wallet_id/assets/:currency — new address, returns all of them."""
    with state.lock:
        wallet = state.wallet(wallet_id)
        asset = _sub_address_asset(currency)
        data = request.json_object(SUB_ADDRESS_KEYS)
        name = optional_str(data, "name", nullable=True)
        notes = optional_str(data, "notes", nullable=True)
        watched = optional_bool(data, "is_watched")
        entries = wallet.sub_address_list(asset, coin(asset).name)
        address = _new_sub_address(state, wallet, asset)
        if not entries:
            # First address of an asset the wallet never held: it becomes the funding address.
            wallet.funding_addresses[asset] = address
            wallet.balances.setdefault(asset, 0)
            wallet.spendable.setdefault(asset, 0)
        entries.append(
            SubAddress(
                address=address,
                name=name if name is not None else f"{coin(asset).name} {len(entries) + 1}",
                notes=notes,
                is_watched=bool(watched),
            )
        )
        return Response(200, sub_address_list(wallet, asset))


def update_sub_address(
    state: SandboxState, request: Request, wallet_id: str, currency: str, address: str
) -> Response:
    """PUT /api/v1/wallets/:wallet_id/assets/:currency/:address — returns the one address."""
    with state.lock:
        wallet = state.wallet(wallet_id)
        asset = _sub_address_asset(currency)
        entries = wallet.sub_address_list(asset, coin(asset).name)
        index = next((i for i, e in enumerate(entries) if e.address == address), None)
        if index is None:
            raise not_found("Address not found")
        data = request.json_object(SUB_ADDRESS_KEYS)
        name = optional_str(data, "name", nullable=True)
        notes = optional_str(data, "notes", nullable=True)
        watched = optional_bool(data, "is_watched")
        entry = entries[index]
        if name is not None:
            entry.name = name
        if "notes" in data:
            entry.notes = notes
        if watched is not None:
            entry.is_watched = watched
        balance = wallet.sub_address_balances(asset)[index]
        return Response(200, sub_address_struct(entry, asset, balance))


def asset_holders(state: SandboxState, request: Request, currency: str) -> Response:
    """GET /api/v2/assets/:currency — wallets with a positive balance, 25 per page."""
    if currency not in COINS:
        raise bad_request(f"Currency {currency} is not supported.")
    query = request.query
    order_by = query.get("order_by") or "id"
    if order_by not in ("id", "balance"):
        raise bad_request("order_by must be one of: id, balance")
    page = query_int(query, "page", "page must be a positive integer")
    page = 1 if page is None else page
    if page < 1:
        raise bad_request("page must be a positive integer")
    with state.lock:
        state.sync()
        holders = [w for w in state.wallets.values() if w.balances.get(currency, 0) > 0]
        if order_by == "balance":
            holders.sort(key=lambda w: (w.balances[currency], w.id), reverse=True)
        else:
            holders.sort(key=lambda w: w.id, reverse=True)
        start = (page - 1) * ASSET_HOLDERS_PER_PAGE
        chosen = holders[start : start + ASSET_HOLDERS_PER_PAGE]
        return Response(200, {"wallets": [wallet_struct(w) for w in chosen]})


ROUTES = [
    Route("GET", r"/api/v1/wallets", list_wallets),
    Route("POST", r"/api/v1/wallets", create_wallet),
    Route("GET", r"/api/v1/wallets/(?P<wallet_id>\d+)", get_wallet),
    Route("PUT", r"/api/v1/wallets/(?P<wallet_id>\d+)", update_wallet),
    Route(
        "GET",
        r"/api/v1/wallets/(?P<wallet_id>\d+)/assets/(?P<currency>[a-z0-9]+)",
        list_sub_addresses,
    ),
    Route(
        "POST",
        r"/api/v1/wallets/(?P<wallet_id>\d+)/assets/(?P<currency>[a-z0-9]+)",
        create_sub_address,
    ),
    Route(
        "PUT",
        r"/api/v1/wallets/(?P<wallet_id>\d+)/assets/(?P<currency>[a-z0-9]+)/(?P<address>[^/]+)",
        update_sub_address,
    ),
    Route("GET", r"/api/v2/assets/(?P<currency>[a-z0-9]+)", asset_holders),
]
