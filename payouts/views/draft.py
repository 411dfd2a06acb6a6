"""Drafting a batch (`/payouts/new/`) and editing it (`/payouts/<id>/edit/`).

One form: source wallet, asset, note, and destination rows (`parsing.Row`, indexed by a
random key so rows can be added and removed in the browser without renumbering). The same
POST endpoint serves the buttons, by `action`:

- `save` (default): rows → `LineInput`s → `payout_create` / `payout_update`; every message
  (per row, per field, for the whole batch) is shown with all the input kept;
- `paste`: the "Paste lines" box becomes rows, or its line-numbered messages;
- `add-row`, `remove:<key>`: without JavaScript (HTMX adds rows with `draft-row`, and
  portal.js removes them in place).

For an HTMX request the answer is the form fragment (200, so HTMX swaps it); without HTMX
the whole page (400 when something is wrong).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from custody_portal.assets import BATCH_SEND_ASSETS, get_asset
from custody_portal.errors import ApplicationError
from custody_portal.htmx import is_htmx
from custody_portal.roles import OperatorRequiredMixin
from wallets.models import ExternalAccount, Wallet

from .. import selectors, services
from ..forms import PayoutDraftForm
from ..models import DestinationType, Payout, PayoutKind, PayoutStatus
from ..parsing import (
    MAX_ROWS,
    Row,
    option_text,
    parse_pasted_lines,
    plain_amount,
    resolve_rows,
    rows_from_post,
)
from .common import not_found

PAGE = "payouts/payout_form.html"
FRAGMENT = "payouts/partials/_payout_form.html"
FIELD_KEYS = {"source_wallet_id": "source_wallet", "source_wallet": "source_wallet"}
PASTE_PENDING = (
    "The “Paste lines” box still has text: press “Add pasted lines” to turn it into "
    "destinations, or clear it."
)


def _asset_of(form: PayoutDraftForm) -> str:
    asset = form.raw("asset").strip().lower()
    return asset if asset in BATCH_SEND_ASSETS else ""


def _wallet_id_of(form: PayoutDraftForm) -> int | None:
    text = form.raw("source_wallet").strip()
    return int(text) if text.isdigit() else None


def wallet_options() -> list[tuple[str, str]]:
    """The destination-wallet pick list: every wallet at Balance, "Name (#id)"."""
    rows = Wallet.objects.filter(removed_at__isnull=True).order_by("name", "id")
    return [
        (option_text(name, pk), kind) for pk, name, kind in rows.values_list("id", "name", "kind")
    ]


def external_options(asset: str) -> list[tuple[str, str]]:
    """External accounts that have an address for `asset` (filtered here, not in the browser)."""
    if not asset:
        return []
    rows = (
        ExternalAccount.objects.filter(removed_at__isnull=True, addresses__asset=asset)
        .order_by("name", "id")
        .values_list("id", "name", "addresses__address")
    )
    return [(option_text(name, pk), address) for pk, name, address in rows]


def funds_context(*, wallet_id: int | None, asset: str, payout: Payout | None) -> dict:
    funds = None
    if wallet_id is not None and asset:
        funds = selectors.available_funds(
            wallet_id=wallet_id, asset=asset, exclude_payout_id=payout.pk if payout else None
        )
    return {"funds": funds, "funds_asset": asset, "funds_bound": funds_bound(funds)}


def funds_bound(funds) -> int | None:
    """What the service checks against while spendable is unknown: total balance − reserved."""
    if funds is None:
        return None
    return max(funds.balance - funds.reserved, 0)


def _context(
    request: HttpRequest,
    form: PayoutDraftForm,
    rows: list[Row],
    *,
    payout: Payout | None,
    errors: list[str] | None = None,
    paste_errors: list[str] | None = None,
    notice: str = "",
) -> dict:
    asset = _asset_of(form)
    return {
        "nav": "payouts",
        "form": form,
        "rows": rows,
        "payout": payout,
        "errors": errors or [],
        "paste_errors": paste_errors or [],
        "notice": notice,
        "asset": asset,
        "asset_info": get_asset(asset) if asset else None,
        "wallet_options": wallet_options(),
        "external_options": external_options(asset),
        "destination_types": DestinationType.choices,
        "max_rows": MAX_ROWS,
        "voids": payout.approvals.count() if payout else 0,
        **funds_context(wallet_id=_wallet_id_of(form), asset=asset, payout=payout),
    }


def _render(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    if is_htmx(request):
        # HTMX swaps 2xx answers only; the messages are in the fragment.
        return render(request, FRAGMENT, context)
    return render(request, PAGE, context, status=status)


def _apply_service_errors(
    exc: services.PayoutInvalid, form: PayoutDraftForm, rows: list[Row], row_keys: list[str]
) -> list[str]:
    """Put each message of the service next to its field or row; the rest go on top."""
    top: list[str] = []
    by_key = {row.key: row for row in rows}
    for key, value in exc.errors.items():
        if key == "destinations" and isinstance(value, dict):
            for index, row_messages in value.items():
                position = int(index)
                if 0 <= position < len(row_keys):
                    by_key[row_keys[position]].errors.extend(row_messages)
                else:
                    top.extend(row_messages)
        elif key in FIELD_KEYS or key in ("asset", "note"):
            for message in value:
                form.add_error(FIELD_KEYS.get(key, key), message)
        else:
            top.extend(value if isinstance(value, list) else [str(value)])
    return top


class _DraftView(OperatorRequiredMixin, View):
    """Shared by create and edit: everything but loading the payout and calling the service."""

    def payout(self, request: HttpRequest, **kwargs) -> Payout | HttpResponse | None:
        return None

    def save(self, request, payout, form, lines) -> Payout:
        raise NotImplementedError

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        payout = self.payout(request, **kwargs)
        if isinstance(payout, HttpResponse):
            return payout
        form = PayoutDraftForm(request.POST)
        rows = rows_from_post(request.POST)
        action = request.POST.get("action", "save")
        if action.startswith("remove:"):
            rows = [row for row in rows if row.key != action.removeprefix("remove:")] or [Row()]
            return _render(request, _context(request, form, rows, payout=payout))
        if action == "add-row":
            rows.append(Row())
            return _render(request, _context(request, form, rows, payout=payout))
        if action == "paste":
            return self.paste(request, form, rows, payout)
        return self.submit(request, form, rows, payout)

    def paste(self, request, form, rows, payout) -> HttpResponse:
        result = parse_pasted_lines(
            form.raw("paste"), asset=_asset_of(form), source_wallet_id=_wallet_id_of(form)
        )
        if result.errors:
            context = _context(request, form, rows, payout=payout, paste_errors=result.errors)
            return _render(request, context, status=400)
        kept = [row for row in rows if not row.is_blank]
        if len(kept) + len(result.rows) > MAX_ROWS:
            context = _context(
                request,
                form,
                rows,
                payout=payout,
                paste_errors=[f"A batch has at most {MAX_ROWS} destinations."],
            )
            return _render(request, context, status=400)
        data = request.POST.copy()
        data["paste"] = ""
        form = PayoutDraftForm(data)
        count = len(result.rows)
        notice = f"Added {count} destination{'s' if count != 1 else ''} from the pasted lines."
        context = _context(request, form, kept + result.rows, payout=payout, notice=notice)
        return _render(request, context)

    def submit(self, request, form, rows, payout) -> HttpResponse:
        rows = [row for row in rows if not row.is_blank] or [Row()]
        valid = form.is_valid()
        asset = _asset_of(form)
        resolved = resolve_rows(rows, asset=asset) if asset else None
        top = []
        if form.raw("paste").strip():
            top.append(PASTE_PENDING)
        if not valid or resolved is None or resolved.has_errors or top:
            context = _context(request, form, rows, payout=payout, errors=top)
            return _render(request, context, status=400)
        try:
            saved = self.save(request, payout, form, resolved.lines)
        except services.PayoutInvalid as exc:
            top = _apply_service_errors(exc, form, rows, resolved.row_keys)
            if not top and not form.errors and not any(row.errors for row in rows):
                top = [exc.message]
            context = _context(request, form, rows, payout=payout, errors=top)
            return _render(request, context, status=400)
        except ApplicationError as exc:
            context = _context(request, form, rows, payout=payout, errors=[exc.message])
            return _render(request, context, status=exc.status)
        messages.success(request, self.success_message(saved))
        url = saved_url(saved)
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)

    def success_message(self, payout: Payout) -> str:
        raise NotImplementedError


def saved_url(payout: Payout) -> str:
    return reverse("payouts:detail", args=[payout.pk])


class PayoutCreateView(_DraftView):
    """`/payouts/new/` (operators)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        initial = {}
        if request.GET.get("source_wallet", "").isdigit():
            initial["source_wallet"] = int(request.GET["source_wallet"])
        if request.GET.get("asset", "").lower() in BATCH_SEND_ASSETS:
            initial["asset"] = request.GET["asset"].lower()
        form = PayoutDraftForm(initial=initial)
        return render(request, PAGE, _context(request, form, [Row()], payout=None))

    def save(self, request, payout, form, lines) -> Payout:
        return services.payout_create(
            created_by=request.user,
            source_wallet_id=form.cleaned_data["source_wallet"].pk,
            asset=form.cleaned_data["asset"],
            lines=lines,
            note=form.cleaned_data["note"],
        )

    def success_message(self, payout: Payout) -> str:
        return (
            f"{payout.reference} is drafted and waits for approval "
            f"({payout.required_approvals} approver{'s' if payout.required_approvals > 1 else ''}"
            " besides you)."
        )


class PayoutEditView(_DraftView):
    """`/payouts/<id>/edit/` (the drafter, while it is pending approval)."""

    def payout(self, request: HttpRequest, payout_id: int) -> Payout | HttpResponse:
        payout = Payout.objects.filter(pk=payout_id).select_related("source_wallet").first()
        if payout is None:
            return not_found(request, f"There is no payout {payout_id}.")
        problem = ""
        if payout.created_by_id != request.user.pk:
            problem = "Only the person who drafted this payout can edit it."
        elif payout.kind != PayoutKind.BATCH:
            problem = "A FIL reward withdrawal cannot be edited; cancel it and draft a new one."
        elif payout.status != PayoutStatus.PENDING_APPROVAL:
            problem = f"This payout is {payout.get_status_display().lower()}; it cannot be edited."
        if problem:
            messages.error(request, problem)
            return redirect("payouts:detail", payout_id=payout.pk)
        return payout

    def get(self, request: HttpRequest, payout_id: int) -> HttpResponse:
        payout = self.payout(request, payout_id)
        if isinstance(payout, HttpResponse):
            return payout
        form = PayoutDraftForm(
            initial={
                "source_wallet": payout.source_wallet_id,
                "asset": payout.asset,
                "note": payout.note,
            }
        )
        return render(request, PAGE, _context(request, form, rows_of(payout), payout=payout))

    def save(self, request, payout, form, lines) -> Payout:
        return services.payout_update(
            payout=payout,
            user=request.user,
            source_wallet_id=form.cleaned_data["source_wallet"].pk,
            asset=form.cleaned_data["asset"],
            lines=lines,
            note=form.cleaned_data["note"],
        )

    def success_message(self, payout: Payout) -> str:
        return f"{payout.reference} is saved; it needs its approvals again."


def rows_of(payout: Payout) -> list[Row]:
    """The stored lines as form rows (names looked up in two queries)."""
    lines = list(payout.lines.order_by("position"))
    wallets = Wallet.objects.in_bulk(
        [x.destination_id for x in lines if x.destination_type == DestinationType.WALLET]
    )
    accounts = ExternalAccount.objects.in_bulk(
        [x.destination_id for x in lines if x.destination_type == DestinationType.EXTERNAL_ACCOUNT]
    )
    rows = []
    for line in lines:
        if line.destination_type == DestinationType.PUBLIC_ADDRESS:
            text = line.public_address
        else:
            table = wallets if line.destination_type == DestinationType.WALLET else accounts
            found = table.get(line.destination_id)
            text = option_text(found.name, found.pk) if found else f"#{line.destination_id}"
        rows.append(
            Row(
                type=line.destination_type,
                destination=text,
                amount=plain_amount(int(line.amount), payout.asset),
                label=line.label,
            )
        )
    return rows or [Row()]


class DraftRowView(OperatorRequiredMixin, View):
    """HTMX: one empty destination row to append to the form."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "payouts/partials/_payout_row.html",
            {"row": Row(), "destination_types": DestinationType.choices},
        )


class DraftContextView(OperatorRequiredMixin, View):
    """HTMX, when the source wallet or asset changes: the funds panel, and (out of band) the
    external accounts that have an address for the asset."""

    def get(self, request: HttpRequest) -> HttpResponse:
        asset = request.GET.get("asset", "").strip().lower()
        asset = asset if asset in BATCH_SEND_ASSETS else ""
        wallet = request.GET.get("source_wallet", "").strip()
        payout_id = request.GET.get("payout_id", "").strip()
        payout = (
            Payout.objects.filter(pk=int(payout_id), created_by=request.user).first()
            if payout_id.isdigit()
            else None
        )
        context = {
            "asset": asset,
            "asset_info": get_asset(asset) if asset else None,
            "external_options": external_options(asset),
            "oob": True,
            **funds_context(
                wallet_id=int(wallet) if wallet.isdigit() else None, asset=asset, payout=payout
            ),
        }
        return render(request, "payouts/partials/_draft_context.html", context)
