"""Sub-address writes: create, rename/annotate, toggle watching, refresh one wallet.

Flow (DESIGN.md §3): validate → Balance → update the local copy from Balance's answer →
audit event. Every failure becomes an ApplicationError whose message the page, the HTMX
fragment or the API shows as-is.
"""

import logging

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import DatabaseError, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from balance import types
from custody_portal.assets import SUB_ADDRESS_ASSETS
from custody_portal.audit import audit_record
from custody_portal.errors import ApplicationError
from custody_portal.refresh import RefreshAlreadyRunning

from ..models import SubAddress, Wallet
from .balance import MAY_HAVE_ACTED, STATUS_MAY_HAVE_ACTED, balance_client, balance_errors
from .refresh import sub_addresses_refresh
from .store import store_sub_address, store_sub_addresses

logger = logging.getLogger(__name__)

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
) -> types.FundingAddress | None:
    """Balance answers a create with every active address; the new one is the one we did not
    know (several if our copy was stale: prefer the one with the name we sent, then the last).
    None when Balance's list is empty (then we cannot tell what it did)."""
    new = [a for a in addresses if a.address not in known] or addresses
    if not new:
        return None
    matching = [a for a in new if a.name == name and a.notes == notes]
    return (matching or new)[-1]


STORE_FAILED = (
    "Balance {done}, but the portal could not store it; it will appear after the next "
    "refresh (or use “Refresh from Balance”). Do not repeat it."
)


def sub_address_create(
    *, user: AbstractBaseUser, wallet: Wallet, asset: str, name: str, notes: str, is_watched: bool
) -> SubAddress:
    """Create a sub-address at Balance and store Balance's list for the (wallet, asset) pair.

    Outcomes (see `balance.balance_errors` for the statuses): not sent → 503, input kept;
    rejected → Balance's text; Balance may have created it (timeout, 5xx, unreadable or
    empty answer) → 502 "may have created", and the attempt is audited as
    `sub_address.create_unknown`; created at Balance but not stored here (a database error)
    → 502 saying so, and the `sub_address.create` audit event is still written.
    """
    asset = validate_sub_address_asset(asset)
    name = _clean_text(name, field="name", limit=NAME_MAX_LENGTH) or ""
    notes = _clean_text(notes, field="notes", limit=NOTES_MAX_LENGTH) or ""
    _writable(wallet)
    attempt = {"name": name, "notes": notes, "is_watched": bool(is_watched)}
    known = set(
        SubAddress.objects.filter(wallet=wallet, asset=asset).values_list("address", flat=True)
    )

    def audit_unknown(reason: str) -> None:
        _audit_apart(
            actor=user,
            action="sub_address.create_unknown",
            object_type="sub_address",
            object_id=f"{asset}:?",
            wallet_id=wallet.id,
            after={**attempt, "error": reason},
            message=f"Balance may have created a {asset.upper()} sub-address"
            + (f" “{name}”" if name else "")
            + f": {reason}",
        )

    requested_at = timezone.now()  # rows written after this survive a concurrent store
    with balance_errors(
        write=True, action="created the sub-address anyway", on_unknown=audit_unknown
    ):
        addresses = balance_client(interactive=True).create_sub_address(
            wallet.id, asset, name=name, notes=notes, is_watched=bool(is_watched)
        )
    created = _pick_created(addresses, known, name, notes)
    if created is None:
        audit_unknown("its answer listed no sub-address")
        raise ApplicationError(
            MAY_HAVE_ACTED.format(
                action="created the sub-address anyway", reason="its answer listed none"
            ),
            status=STATUS_MAY_HAVE_ACTED,
        )
    label = f"{asset.upper()} sub-address {created.address}" + (
        f" “{created.name}”" if created.name else ""
    )
    event = {
        "actor": user,
        "action": "sub_address.create",
        "object_type": "sub_address",
        "object_id": f"{asset}:{created.address}",
        "wallet_id": wallet.id,
        "before": None,
    }
    try:
        with transaction.atomic():
            store_sub_addresses(
                wallet_id=wallet.id,
                asset=asset,
                addresses=addresses,
                now=timezone.now(),
                fetched_at=requested_at,
            )
            sub_address = SubAddress.objects.get(
                wallet=wallet, asset=asset, address=created.address
            )
            audit_record(
                **event,
                after={"address": created.address, **sub_address.snapshot()},
                message=f"Created {label}",
            )
    except DatabaseError as exc:
        logger.exception("sub-address %s created at Balance, not stored", created.address)
        _audit_apart(
            **event,
            after={
                "address": created.address,
                "name": created.name,
                "notes": created.notes,
                "is_watched": created.is_watched,
            },
            message=f"Created {label} at Balance; the portal could not store it",
        )
        raise ApplicationError(
            STORE_FAILED.format(done=f"created the {label}"), status=STATUS_MAY_HAVE_ACTED
        ) from exc
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
    Balance decides whether it exists. Outcomes as for `sub_address_create`: when Balance may
    have applied the change, the attempt is audited as `sub_address.update_unknown`; when it
    applied it and the portal could not store it, the update event is still written.
    """
    asset = validate_sub_address_asset(asset)
    name = _clean_text(name, field="name", limit=NAME_MAX_LENGTH)
    notes = _clean_text(notes, field="notes", limit=NOTES_MAX_LENGTH)
    if name is None and notes is None and is_watched is None:
        raise ApplicationError("Nothing to change: give a name, notes or is_watched.", status=400)
    _writable(wallet)
    current = SubAddress.objects.filter(wallet=wallet, asset=asset, address=address).first()
    before = current.snapshot() if current else None
    attempt = {
        k: v
        for k, v in {"name": name, "notes": notes, "is_watched": is_watched}.items()
        if v is not None
    }

    def audit_unknown(reason: str) -> None:
        _audit_apart(
            actor=user,
            action="sub_address.update_unknown",
            object_type="sub_address",
            object_id=f"{asset}:{address}",
            wallet_id=wallet.id,
            before=before,
            after={**attempt, "error": reason},
            message=f"Balance may have applied a change to {asset.upper()} sub-address "
            f"{address} ({_attempt_text(attempt)}): {reason}",
        )

    # Only a name or notes are typed input; a watch toggle is a button.
    with balance_errors(
        write=True,
        kept_input=name is not None or notes is not None,
        action="applied this change",
        on_unknown=audit_unknown,
    ):
        answer = balance_client(interactive=True).update_sub_address(
            wallet.id, asset, address, name=name, notes=notes, is_watched=is_watched
        )
    after = {"name": answer.name, "notes": answer.notes, "is_watched": answer.is_watched}
    event = {
        "actor": user,
        "action": _update_action(before, after),
        "object_type": "sub_address",
        "object_id": f"{asset}:{answer.address}",
        "wallet_id": wallet.id,
        "before": before,
    }
    try:
        with transaction.atomic():
            sub_address = store_sub_address(
                wallet_id=wallet.id, asset=asset, address=answer, now=timezone.now()
            )
            after = sub_address.snapshot()
            audit_record(
                **event,
                after=after,
                message=_update_message(asset, sub_address.address, before, after),
            )
    except DatabaseError as exc:
        logger.exception("sub-address %s updated at Balance, not stored", answer.address)
        _audit_apart(
            **event,
            after=after,
            message=_update_message(asset, answer.address, before, after)
            + " (at Balance; the portal could not store it)",
        )
        raise ApplicationError(
            STORE_FAILED.format(
                done=f"applied the change to {asset.upper()} sub-address {answer.address}"
            ),
            status=STATUS_MAY_HAVE_ACTED,
        ) from exc
    return sub_address


def _audit_apart(**event) -> None:
    """Record an audit event in its own transaction, after the write it describes failed or
    its outcome is unknown; a failure to record it is logged (the user's message stands)."""
    try:
        with transaction.atomic():
            audit_record(**event)
    except DatabaseError:
        logger.exception("could not record the audit event %s", event.get("action"))


def _attempt_text(attempt: dict) -> str:
    labels = {"name": "name", "notes": "notes", "is_watched": "watching"}
    return "; ".join(f"{labels[k]} → {_show(v)}" for k, v in attempt.items())


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
