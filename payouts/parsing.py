"""Reading payout destinations as people type or paste them, before the service sees them.

The draft form has one row per destination: a type (Balance wallet, external account, public
address), the destination as text, an amount in coin units as typed, a label. Wallets and
external accounts are picked by name from a list whose entries read "Name (#id)"; a bare id
or an exact, unique name works too. `resolve_rows` turns rows into the service's `LineInput`s
and puts a message on each row it cannot read.

"Paste lines" takes `destination,amount[,label]` lines (tab-separated works too, as copied
from a spreadsheet), where the destination is an address, `wallet:<id>` or `external:<id>`.
Each line is checked on its own — destination, address for the asset and network, amount —
and every problem is reported with its line number; rows are added only when every line is
good, so the pasted text and its line numbers stay as they were.

Amounts stay text here: the service parses them (`parse_coin_amount`), except that a pasted
line's amount is checked with that same function so its message carries the line number.
"""

from __future__ import annotations

import csv
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Q

from custody_portal.addresses import AddressError, validate_address
from custody_portal.money import AmountError, from_base_units, parse_coin_amount
from wallets.models import ExternalAccount, Wallet

from .models import DestinationType
from .services import LineInput

MAX_ROWS = 500
LABEL_MAX_LENGTH = 255
DESTINATION_MAX_LENGTH = 300
_KEY = re.compile(r"^[a-z0-9]{1,16}$")
_ID_SUFFIX = re.compile(r"\(?#(\d{1,18})\)?\s*$")
_PASTE_PREFIXES = {"wallet": DestinationType.WALLET, "external": DestinationType.EXTERNAL_ACCOUNT}
PASTE_NEEDS_ASSET = (
    "Choose the asset before pasting lines: addresses and amounts are checked for it."
)
TYPE_NAMES = {
    DestinationType.WALLET: "wallet",
    DestinationType.EXTERNAL_ACCOUNT: "external account",
}


@dataclass
class Row:
    """One destination row of the draft form, exactly as typed (nothing is ever dropped)."""

    key: str = field(default_factory=lambda: secrets.token_hex(4))
    type: str = DestinationType.WALLET
    destination: str = ""
    amount: str = ""
    label: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def is_blank(self) -> bool:
        return not (self.destination.strip() or self.amount.strip() or self.label.strip())


def rows_from_post(data: Mapping) -> list[Row]:
    """The rows of a submitted draft form, in page order (`row` lists their keys)."""
    rows, seen = [], set()
    for key in data.getlist("row"):
        if not _KEY.match(key) or key in seen or len(rows) >= MAX_ROWS:
            continue
        seen.add(key)
        kind = data.get(f"type-{key}", "")
        rows.append(
            Row(
                key=key,
                type=kind if kind in DestinationType.values else DestinationType.WALLET,
                destination=data.get(f"dest-{key}", "")[:DESTINATION_MAX_LENGTH],
                amount=data.get(f"amount-{key}", "")[:100],
                label=data.get(f"label-{key}", "")[: LABEL_MAX_LENGTH + 1],
            )
        )
    return rows


def option_text(name: str, pk: int) -> str:
    """How a wallet or external account reads in the pick lists and in a row: "Name (#id)"."""
    return f"{name} (#{pk})"


def plain_amount(base_units: int, asset: str) -> str:
    """Base units → the shortest exact coin-unit text ("0.001"), to refill an edit form."""
    value = from_base_units(base_units, asset)
    return f"{value.normalize():f}" if value else "0"


class DestinationLookup:
    """The wallets and external accounts a set of rows or lines names (two queries)."""

    def __init__(self, *, asset: str, wallets: Iterable[Wallet], accounts: Iterable) -> None:
        self.asset = asset
        self.wallets = {w.pk: w for w in wallets}
        self.accounts = {a.pk: a for a in accounts}

    @classmethod
    def load(cls, *, asset: str, texts: dict[str, list[str]]) -> DestinationLookup:
        """`texts`: destination type → the texts typed for it (ids, "Name (#id)", names)."""
        queries = {}
        for kind, model in (
            (DestinationType.WALLET, Wallet),
            (DestinationType.EXTERNAL_ACCOUNT, ExternalAccount),
        ):
            ids, names = set(), set()
            for text in texts.get(kind, []):
                pk = _id_in(text)
                if pk is not None:
                    ids.add(pk)
                elif text.strip():
                    names.add(text.strip())
            qs = model.objects.none()
            if ids or names:
                name_q = model.objects.none()
                if names:
                    # Exact names, case-insensitively: few rows, so an OR of iexact is fine.
                    match = Q()
                    for name in names:
                        match |= Q(name__iexact=name)
                    name_q = model.objects.filter(match)
                qs = (model.objects.filter(pk__in=ids) | name_q).filter(removed_at__isnull=True)
            queries[kind] = qs
        accounts = queries[DestinationType.EXTERNAL_ACCOUNT].prefetch_related("addresses")
        return cls(asset=asset, wallets=list(queries[DestinationType.WALLET]), accounts=accounts)

    def resolve(self, kind: str, text: str) -> int:
        """The id of the wallet / external account `text` names, or ValueError (a message)."""
        table = self.wallets if kind == DestinationType.WALLET else self.accounts
        noun = TYPE_NAMES[kind]
        text = text.strip()
        if not text:
            raise ValueError(f"Choose the {noun} from the list.")
        pk = _id_in(text)
        if pk is not None:
            found = table.get(pk)
            if found is None:
                raise ValueError(f"There is no {noun} #{pk} in the portal.")
            # "Name (#id)" typed or edited by hand: the name must be that id's, or the person
            # meant another destination than the id says.
            named = _ID_SUFFIX.sub("", text).strip()
            if named and not named.isdigit() and named.lower() != found.name.lower():
                raise ValueError(
                    f"{noun.capitalize()} #{pk} is “{found.name}”, not “{named}”: "
                    "choose it from the list again."
                )
        else:
            named = [o for o in table.values() if o.name.lower() == text.lower()]
            if not named:
                raise ValueError(f"No {noun} is named “{text}”: choose one from the list.")
            if len(named) > 1:
                raise ValueError(
                    f"Several {noun}s are named “{text}”: choose one from the list "
                    "(the list shows their ids)."
                )
            found = named[0]
        if kind == DestinationType.EXTERNAL_ACCOUNT and not self.has_address(found):
            raise ValueError(f"{found.name} has no {self.asset.upper()} address at Balance.")
        return found.pk

    def has_address(self, account) -> bool:
        return any(a.asset == self.asset for a in account.addresses.all())

    def display(self, kind: str, pk: int) -> str:
        table = self.wallets if kind == DestinationType.WALLET else self.accounts
        found = table.get(pk)
        return option_text(found.name, pk) if found else f"#{pk}"


def _id_in(text: str) -> int | None:
    text = (text or "").strip()
    if text.isdigit() and len(text) <= 18:
        return int(text)
    match = _ID_SUFFIX.search(text)
    return int(match.group(1)) if match else None


@dataclass
class Resolved:
    """The service's lines for the non-blank rows, and which row each line came from."""

    lines: list[LineInput]
    row_keys: list[str]
    has_errors: bool


def resolve_rows(rows: list[Row], *, asset: str) -> Resolved:
    """Rows → `LineInput`s. Blank rows are skipped; a row whose destination cannot be read
    gets a message (its amount too, read by the service's own parser, so every problem shows
    at once)."""
    filled = [r for r in rows if not r.is_blank]
    texts: dict[str, list[str]] = {}
    for row in filled:
        texts.setdefault(row.type, []).append(row.destination)
    lookup = DestinationLookup.load(asset=asset, texts=texts)
    lines, keys, has_errors = [], [], False
    for row in filled:
        row.errors = []
        try:
            line = _line_for(row, lookup)
        except ValueError as exc:
            row.errors.append(str(exc))
            has_errors = True
            try:
                parse_coin_amount(row.amount, asset)
            except AmountError as amount_error:
                row.errors.append(str(amount_error))
            continue
        lines.append(line)
        keys.append(row.key)
    return Resolved(lines=lines, row_keys=keys, has_errors=has_errors)


def _line_for(row: Row, lookup: DestinationLookup) -> LineInput:
    label = row.label.strip()
    if len(label) > LABEL_MAX_LENGTH:
        raise ValueError(f"The label is longer than {LABEL_MAX_LENGTH} characters.")
    if row.type == DestinationType.PUBLIC_ADDRESS:
        if not row.destination.strip():
            raise ValueError("Enter the address.")
        return LineInput(
            destination_type=row.type,
            public_address=row.destination.strip(),
            amount=row.amount,
            label=label,
        )
    return LineInput(
        destination_type=row.type,
        destination_id=lookup.resolve(row.type, row.destination),
        amount=row.amount,
        label=label,
    )


@dataclass
class PasteResult:
    rows: list[Row]
    errors: list[str]


def parse_pasted_lines(
    text: str, *, asset: str, source_wallet_id: int | None = None
) -> PasteResult:
    """Each non-empty line `destination,amount[,label]` → a row, or "line N: …" messages.
    With `source_wallet_id`, a line sending the source wallet to itself is refused too."""
    if not asset:
        return PasteResult([], [PASTE_NEEDS_ASSET])
    parsed: list[tuple[int, str, str, str]] = []
    errors: list[tuple[int, str]] = []
    numbered = [(n, line) for n, line in enumerate((text or "").splitlines(), start=1)]
    numbered = [(n, line) for n, line in numbered if line.strip()]
    if not numbered:
        return PasteResult([], ["Paste at least one line: destination,amount[,label]."])
    if len(numbered) > MAX_ROWS:
        return PasteResult([], [f"Paste at most {MAX_ROWS} lines at once."])
    for n, line in numbered:
        fields = _fields(line)
        if len(fields) < 2 or not fields[0] or not fields[1]:
            errors.append((n, "Expected destination,amount[,label]."))
            continue
        if len(fields) > 3:
            errors.append(
                (
                    n,
                    "Too many fields: put quotes around an amount with thousands separators "
                    '("1,000.5") or a label containing commas.',
                )
            )
            continue
        parsed.append((n, fields[0], fields[1], fields[2] if len(fields) == 3 else ""))
    texts: dict[str, list[str]] = {}
    for _n, dest, _amount, _label in parsed:
        prefix, _, rest = dest.partition(":")
        if prefix.lower() in _PASTE_PREFIXES:
            texts.setdefault(_PASTE_PREFIXES[prefix.lower()], []).append(rest.strip())
    lookup = DestinationLookup.load(asset=asset, texts=texts)
    rows = []
    for n, dest, amount, label in parsed:
        problems = []
        try:
            row = _pasted_row(dest, lookup, asset)
            if (
                row.type == DestinationType.WALLET
                and source_wallet_id is not None
                and _id_in(row.destination) == source_wallet_id
            ):
                raise ValueError("The source wallet cannot be its own destination.")
        except ValueError as exc:
            problems.append(str(exc))
            row = None
        try:
            parse_coin_amount(amount, asset)
        except AmountError as exc:
            problems.append(str(exc))
        if len(label) > LABEL_MAX_LENGTH:
            problems.append(f"The label is longer than {LABEL_MAX_LENGTH} characters.")
        if problems:
            errors.append((n, " ".join(problems)))
            continue
        row.amount, row.label = amount, label
        rows.append(row)
    messages = [f"line {n}: {message}" for n, message in sorted(errors)]
    return PasteResult(rows=[] if errors else rows, errors=messages)


def _fields(line: str) -> list[str]:
    if "\t" in line:
        return [f.strip() for f in line.split("\t")]
    return [f.strip() for f in next(csv.reader([line], skipinitialspace=True), [])]


def _pasted_row(dest: str, lookup: DestinationLookup, asset: str) -> Row:
    prefix, colon, rest = dest.partition(":")
    kind = _PASTE_PREFIXES.get(prefix.lower()) if colon else None
    if kind is not None:
        rest = rest.strip()
        if not rest.isdigit():
            raise ValueError(f"Write {prefix.lower()}:<id> with the {TYPE_NAMES[kind]}'s number.")
        pk = lookup.resolve(kind, rest)
        return Row(type=kind, destination=lookup.display(kind, pk))
    try:
        address = validate_address(asset, dest)
    except AddressError as exc:
        raise ValueError(str(exc)) from exc
    return Row(type=DestinationType.PUBLIC_ADDRESS, destination=address)
