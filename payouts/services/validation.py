"""Validation of drafts: every problem collected, per field and per destination index.

Nothing here writes. `validate_batch` returns what `payout_create` / `payout_update` store;
any problem raises `PayoutInvalid`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from custody_portal.addresses import AddressError, validate_address
from custody_portal.assets import BATCH_SEND_ASSETS
from custody_portal.money import AmountError, format_coin, parse_coin_amount
from custody_portal.text import TextError, clean_text
from wallets.models import ExternalAccount, FundingAddress, SubAddress, Wallet

from ..models import DestinationType, PayoutKind
from ..selectors import available_funds
from .common import content_hash
from .errors import PayoutInvalid
from .inputs import LineInput

MAX_LINES = 1000
MAX_NOTE = 2000
MAX_LABEL = 255
FEE_PRESETS = ("slow", "medium", "fast")


@dataclass
class Errors:
    fields: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lines: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, key: str, message: str) -> None:
        self.fields[key].append(message)

    def line(self, index: int, message: str) -> None:
        self.lines[index].append(message)

    def __bool__(self) -> bool:
        return bool(self.fields) or bool(self.lines)

    def raise_if_any(self) -> None:
        if self:
            errors: dict = {k: list(v) for k, v in self.fields.items()}
            if self.lines:
                errors["destinations"] = {i: list(v) for i, v in sorted(self.lines.items())}
            raise PayoutInvalid(errors)


@dataclass(frozen=True)
class Draft:
    """A validated batch: what will be stored."""

    source_wallet_id: int
    asset: str
    lines: list[dict]
    total: int
    note: str

    @property
    def content_hash(self) -> str:
        return content_hash(
            kind=PayoutKind.BATCH,
            source_wallet_id=self.source_wallet_id,
            asset=self.asset,
            lines=self.lines,
        )


def int_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def source_wallet(errors: Errors, source_wallet_id) -> Wallet | None:
    wallet_id = int_id(source_wallet_id)
    if wallet_id is None:
        errors.add("source_wallet_id", "Choose a source wallet.")
        return None
    wallet = Wallet.objects.filter(pk=wallet_id).first()
    if wallet is None:
        errors.add("source_wallet_id", f"Wallet {wallet_id} does not exist.")
    elif not wallet.is_active:
        errors.add("source_wallet_id", f"Wallet {wallet} was removed from Balance.")
    elif wallet.kind != "warm":
        errors.add("source_wallet_id", f"Wallet {wallet} is {wallet.kind}; only warm wallets send.")
    else:
        return wallet
    return None


def _batch_asset(errors: Errors, asset) -> str | None:
    ticker = (asset or "").strip().lower() if isinstance(asset, str) else ""
    if not ticker:
        errors.add("asset", "Choose an asset.")
        return None
    if ticker not in BATCH_SEND_ASSETS:
        supported = ", ".join(a.upper() for a in BATCH_SEND_ASSETS)
        errors.add("asset", f"{ticker.upper()} cannot be sent in a batch (only {supported}).")
        return None
    return ticker


def note_of(errors: Errors, note) -> str:
    """The note as stored (`clean_text`: line breaks kept, no control characters or bidi
    overrides: it is shown on pages, in the timeline and in emails), or "" with an error."""
    if note is None:
        return ""
    if not isinstance(note, str):
        errors.add("note", "The note must be text.")
        return ""
    if len(note) > MAX_NOTE:  # before cleaning, so the message counts what was typed
        errors.add("note", f"The note is too long (at most {MAX_NOTE} characters).")
        return ""
    try:
        return clean_text(note, field="note", limit=MAX_NOTE, multiline=True)
    except TextError as exc:
        errors.add("note", exc.message)
        return ""


def _label(errors: Errors, index: int, label) -> str:
    """A destination's label (one line, `clean_text`), or "" with the line's error."""
    if not label:
        return ""
    if not isinstance(label, str) or len(label) > MAX_LABEL:
        errors.line(index, f"The label is too long (at most {MAX_LABEL} characters).")
        return ""
    try:
        return clean_text(label, field="label", limit=MAX_LABEL)
    except TextError as exc:
        errors.line(index, exc.message)
        return ""


def _canonical(asset: str, address: str) -> str:
    """`validate_address`: the canonical form, or AddressError with its message."""
    return validate_address(asset, address)


def _own_addresses(wallet: Wallet, asset: str) -> set[str]:
    """The source wallet's own funding and sub-addresses for the asset, canonical."""
    raw = list(
        FundingAddress.objects.filter(wallet=wallet, asset=asset).values_list("address", flat=True)
    ) + list(
        SubAddress.objects.filter(wallet=wallet, asset=asset).values_list("address", flat=True)
    )
    own = set()
    for address in raw:
        try:
            own.add(_canonical(asset, address))
        except (AddressError, ValueError):
            own.add(address)
    return own


def validate_batch(
    *,
    source_wallet_id,
    asset,
    lines: list[LineInput],
    note,
    exclude_payout_id: int | None = None,
) -> Draft:
    errors = Errors()
    wallet = source_wallet(errors, source_wallet_id)
    ticker = _batch_asset(errors, asset)
    note_text = note_of(errors, note)
    if not lines:
        errors.add("non_field", "Add at least one destination.")
    elif len(lines) > MAX_LINES:
        errors.add("non_field", f"A batch has at most {MAX_LINES} destinations.")
    if not ticker:
        # Amounts and addresses depend on the asset: nothing more to say about the lines.
        errors.raise_if_any()

    wallet_ids = {
        int_id(x.destination_id) for x in lines if x.destination_type == DestinationType.WALLET
    }
    account_ids = {
        int_id(x.destination_id)
        for x in lines
        if x.destination_type == DestinationType.EXTERNAL_ACCOUNT
    }
    wallets = Wallet.objects.in_bulk([i for i in wallet_ids if i is not None])
    accounts = {
        a.pk: a
        for a in ExternalAccount.objects.filter(
            pk__in=[i for i in account_ids if i is not None]
        ).prefetch_related("addresses")
    }
    own = _own_addresses(wallet, ticker) if wallet else set()

    stored: list[dict] = []
    seen: dict[tuple, int] = {}
    total = 0
    for index, line in enumerate(lines):
        row = _validate_line(errors, index, line, ticker, wallet, wallets, accounts, own)
        amount = _line_amount(errors, index, line.amount, ticker)
        label = _label(errors, index, line.label)
        if row is None or amount is None:
            continue
        key = (row["destination_type"], row["destination_id"], row["public_address"])
        if key in seen:
            errors.line(index, f"Duplicate destination: the same as line {seen[key] + 1}.")
            continue
        seen[key] = index
        total += amount
        stored.append({**row, "amount": amount, "label": label, "position": index})

    if wallet and not errors:
        _check_funds(errors, wallet, ticker, total, exclude_payout_id)
    errors.raise_if_any()
    return Draft(
        source_wallet_id=wallet.pk, asset=ticker, lines=stored, total=total, note=note_text
    )


def _validate_line(
    errors: Errors,
    index: int,
    line: LineInput,
    asset: str,
    source: Wallet | None,
    wallets: dict,
    accounts: dict,
    own: set[str],
) -> dict | None:
    kind = line.destination_type
    if kind == DestinationType.WALLET:
        wallet_id = int_id(line.destination_id)
        wallet = wallets.get(wallet_id) if wallet_id is not None else None
        if wallet_id is None:
            errors.line(index, "Choose a destination wallet.")
        elif wallet is None or not wallet.is_active:
            errors.line(index, f"Wallet {wallet_id} does not exist.")
        elif source is not None and wallet_id == source.pk:
            errors.line(index, "The source wallet cannot be its own destination.")
        else:
            return {"destination_type": kind, "destination_id": wallet_id, "public_address": ""}
        return None
    if kind == DestinationType.EXTERNAL_ACCOUNT:
        account_id = int_id(line.destination_id)
        account = accounts.get(account_id) if account_id is not None else None
        if account_id is None:
            errors.line(index, "Choose an external account.")
        elif account is None or account.removed_at is not None:
            errors.line(index, f"External account {account_id} does not exist.")
        elif not any(a.asset == asset for a in account.addresses.all()):
            errors.line(index, f"External account {account.name} has no {asset.upper()} address.")
        else:
            return {"destination_type": kind, "destination_id": account_id, "public_address": ""}
        return None
    if kind == DestinationType.PUBLIC_ADDRESS:
        try:
            address = _canonical(asset, line.public_address or "")
        except AddressError as exc:
            errors.line(index, str(exc))
            return None
        if address in own:
            errors.line(index, "This address belongs to the source wallet itself.")
            return None
        return {"destination_type": kind, "destination_id": None, "public_address": address}
    errors.line(index, "The destination type must be wallet, external_account or public_address.")
    return None


def _line_amount(errors: Errors, index: int, text, asset: str) -> int | None:
    if not isinstance(text, str):
        errors.line(index, 'Amounts are decimal strings in coin units, e.g. "0.001" (not numbers).')
        return None
    try:
        return parse_coin_amount(text, asset)
    except AmountError as exc:
        errors.line(index, str(exc))
        return None


def _check_funds(
    errors: Errors, wallet: Wallet, asset: str, total: int, exclude_payout_id: int | None
) -> None:
    """total ≤ available = spendable − reserved by the wallet's other unsent payouts.

    When the local copy has no spendable figure yet, the balance total bounds it (spendable is
    never above it); the send step re-checks against Balance's live spendable either way.
    """
    funds = available_funds(wallet_id=wallet.pk, asset=asset, exclude_payout_id=exclude_payout_id)
    bound = funds.spendable if funds.spendable is not None else funds.balance
    available = bound - funds.reserved
    if total > available:
        what = "spendable" if funds.spendable is not None else "balance (spendable not read yet)"
        errors.add(
            "non_field",
            f"The total {format_coin(total, asset)} is more than the available "
            f"{format_coin(max(available, 0), asset)} ({what} {format_coin(bound, asset)} − "
            f"{format_coin(funds.reserved, asset)} reserved by other approved payouts).",
        )


def fee_setting(errors: Errors, fee) -> str:
    text = fee.strip().lower() if isinstance(fee, str) else ""
    if isinstance(fee, int) and not isinstance(fee, bool) and fee > 0:
        return str(fee)
    if text in FEE_PRESETS:
        return text
    if text.isascii() and text.isdigit() and int(text) > 0:
        return str(int(text))
    errors.add("fee", "The fee is slow, medium, fast, or a positive whole-number rate.")
    return ""
