"""Sub-address writes: create, rename/annotate, toggle watching, refresh one wallet.

Flow (DESIGN.md §3): validate → Balance → update the local copy from Balance's answer →
audit event. Every failure becomes an ApplicationError whose message the page, the HTMX
fragment or the API shows as-is.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from balance import types
from custody_portal.assets import SUB_ADDRESS_ASSETS
from custody_portal.audit import audit_record
from custody_portal.errors import ApplicationError
from custody_portal.refresh import RefreshAlreadyRunning

from ..models import SubAddress, Wallet
from .balance import balance_client, balance_errors
from .refresh import sub_addresses_refresh
from .store import store_sub_address, store_sub_addresses

NAME_MAX_LENGTH = 255
NOTES_MAX_LENGTH = 1000


def validate_sub_address_asset(asset: str) -> str:
    """The lowercase ticker, or the error Balance itself would give for it."""
    ticker = (asset or "").strip().lower()
    if ticker not in SUB_ADDRESS_ASSETS:
        raise ApplicationError(
            f"Currency {ticker or asset} does not support sub-addresses.", status=400
        )
    return ticker


def _clean_text(value: str | None, *, field: str, limit: int) -> str | None:
    if value is None:
        return None
    # One validator for every way in (forms, API, here): control characters and bidi
    # overrides are refused with a message naming them (TextError is an ApplicationError).
    from custody_portal.text import clean_text

    return clean_text(value, field=field, limit=limit, multiline=field == "notes")


def _writable(wallet: Wallet) -> None:
    if wallet.removed_at is not None:
        raise ApplicationError(
            f"Wallet {wallet.id} is no longer returned by Balance (removed "
            f"{wallet.removed_at:%Y-%m-%d %H:%M} UTC); its sub-addresses cannot be changed.",
            status=409,
        )


def _pick_created(
    addresses: list[types.FundingAddress], known: set[str], name: str, notes: str
) -> types.FundingAddress:
    """Balance answers a create with every active address; the new one is the one we did not
    know (several if our copy was stale: prefer the one with the name we sent, then the last)."""
    new = [a for a in addresses if a.address not in known] or addresses
    if not new:
        raise ApplicationError(
            "Balance did not return the new sub-address; use “Refresh from Balance”.", status=502
        )
    matching = [a for a in new if a.name == name and a.notes == notes]
    return (matching or new)[-1]


def sub_address_create(
    *, user: AbstractBaseUser, wallet: Wallet, asset: str, name: str, notes: str, is_watched: bool
) -> SubAddress:
    """Create a sub-address at Balance and store Balance's list for the (wallet, asset) pair."""
    asset = validate_sub_address_asset(asset)
    name = _clean_text(name, field="name", limit=NAME_MAX_LENGTH) or ""
    notes = _clean_text(notes, field="notes", limit=NOTES_MAX_LENGTH) or ""
    _writable(wallet)
    known = set(
        SubAddress.objects.filter(wallet=wallet, asset=asset).values_list("address", flat=True)
    )
    requested_at = timezone.now()  # rows written after this survive a concurrent store
    with balance_errors(write_once=True):
        addresses = balance_client(interactive=True).create_sub_address(
            wallet.id, asset, name=name, notes=notes, is_watched=bool(is_watched)
        )
    created = _pick_created(addresses, known, name, notes)
    with transaction.atomic():
        store_sub_addresses(
            wallet_id=wallet.id,
            asset=asset,
            addresses=addresses,
            now=timezone.now(),
            fetched_at=requested_at,
        )
        sub_address = SubAddress.objects.get(wallet=wallet, asset=asset, address=created.address)
        audit_record(
            actor=user,
            action="sub_address.create",
            object_type="sub_address",
            object_id=f"{asset}:{created.address}",
            wallet_id=wallet.id,
            before=None,
            after={"address": created.address, **sub_address.snapshot()},
            message=f"Created {asset.upper()} sub-address {created.address}"
            + (f" “{sub_address.name}”" if sub_address.name else ""),
        )
    return sub_address


def sub_address_update(
    *,
    user: AbstractBaseUser,
    wallet: Wallet,
    asset: str,
    address: str,
    name: str | None = None,
    notes: str | None = None,
    is_watched: bool | None = None,
) -> SubAddress:
    """Change a sub-address's name, notes and/or watching at Balance, then store its answer.

    Only the given (non-None) fields are sent. The address need not be in the local copy:
    Balance decides whether it exists.
    """
    asset = validate_sub_address_asset(asset)
    name = _clean_text(name, field="name", limit=NAME_MAX_LENGTH)
    notes = _clean_text(notes, field="notes", limit=NOTES_MAX_LENGTH)
    if name is None and notes is None and is_watched is None:
        raise ApplicationError("Nothing to change: give a name, notes or is_watched.", status=400)
    _writable(wallet)
    current = SubAddress.objects.filter(wallet=wallet, asset=asset, address=address).first()
    before = current.snapshot() if current else None
    with balance_errors():
        answer = balance_client(interactive=True).update_sub_address(
            wallet.id, asset, address, name=name, notes=notes, is_watched=is_watched
        )
    with transaction.atomic():
        sub_address = store_sub_address(
            wallet_id=wallet.id, asset=asset, address=answer, now=timezone.now()
        )
        after = sub_address.snapshot()
        audit_record(
            actor=user,
            action=_update_action(before, after),
            object_type="sub_address",
            object_id=f"{asset}:{sub_address.address}",
            wallet_id=wallet.id,
            before=before,
            after=after,
            message=_update_message(asset, sub_address.address, before, after),
        )
    return sub_address


def _update_action(before: dict | None, after: dict) -> str:
    changed = {k for k in after if before is None or before.get(k) != after[k]}
    if changed == {"is_watched"}:
        return "sub_address.watch" if after["is_watched"] else "sub_address.unwatch"
    return "sub_address.update"


def _update_message(asset: str, address: str, before: dict | None, after: dict) -> str:
    parts = []
    for key, label in (("name", "name"), ("notes", "notes"), ("is_watched", "watching")):
        old = before.get(key) if before else None
        if before is None or old != after[key]:
            parts.append(f"{label} {_show(old)} → {_show(after[key])}")
    detail = "; ".join(parts) or "no change"
    return f"Updated {asset.upper()} sub-address {address}: {detail}"


def _show(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"“{value}”"


def wallet_refresh_from_balance(*, user, wallet: Wallet, asset: str | None = None) -> dict:
    """A person asked to re-read one wallet (or one of its sub-address assets) now.

    Without `asset`: the wallet detail (spendable balances) and every sub-address asset;
    with `asset`: that asset's sub-addresses only. Errors become ApplicationError.
    """
    assets = (validate_sub_address_asset(asset),) if asset else SUB_ADDRESS_ASSETS
    try:
        with balance_errors(kept_input=False):
            return sub_addresses_refresh(
                wallet_id=wallet.id,
                assets=assets,
                with_detail=asset is None,
                user=user,
                interactive=True,
            )
    except RefreshAlreadyRunning as exc:
        raise ApplicationError(
            "A refresh of this wallet is already running; try again in a moment.", status=409
        ) from exc
    except RedisError as exc:  # the single-flight lock lives in Redis
        raise ApplicationError(
            "Could not start the refresh: Redis (used for refresh locks) is unreachable. "
            "Ask an administrator to check REDIS_URL.",
            status=503,
        ) from exc
