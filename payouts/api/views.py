"""Payouts JSON API: operators draft batches; everyone with the viewer role reads.

Approval is browser-only (it needs a TOTP step-up): there is no approve endpoint.
"""

from datetime import timedelta

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from custody_portal.api import StrictJSONParser
from custody_portal.errors import ApplicationError
from custody_portal.roles import ReadOrOperate

from .. import selectors
from ..models import ApprovalPolicy, Payout, PayoutApproval, PayoutStatus
from ..services import LineInput, PayoutInvalid, payout_create, payout_validate
from . import serializers as s

TOP_KEYS = ("source_wallet_id", "asset", "destinations", "note")
LINE_KEYS = ("type", "id", "public_address", "amount", "label")


def _prefetched(qs):
    return qs.select_related("created_by").prefetch_related(
        "lines", Prefetch("approvals", queryset=PayoutApproval.objects.select_related("approver"))
    )


def _context(payouts: list[Payout]) -> dict:
    """Which approvals count (current hash, inside the window): computed once per page."""
    policy = ApprovalPolicy.get_solo()
    cutoff = timezone.now() - timedelta(hours=policy.approval_valid_hours)
    counting = {
        a.pk
        for p in payouts
        for a in p.approvals.all()
        if a.content_hash == p.content_hash and a.approved_at >= cutoff
    }
    return {"counting": counting}


def _invalid(errors: dict) -> Response:
    exc = PayoutInvalid(errors)
    return Response({"detail": exc.message, "errors": _jsonable(errors)}, status=400)


def _jsonable(errors: dict) -> dict:
    out = {k: v for k, v in errors.items() if k != "destinations"}
    if "destinations" in errors:
        value = errors["destinations"]
        out["destinations"] = (
            {str(i): msgs for i, msgs in value.items()} if isinstance(value, dict) else value
        )
    return out


def _parse_create(data) -> tuple[dict | None, dict]:
    """The request body → service arguments (best effort), and the problems of the body
    itself per field / per destination index. Strict: unknown keys are refused and amounts
    must be JSON strings (a JSON number has been through a binary float)."""
    errors: dict = {}
    if not isinstance(data, dict):
        return None, {"non_field": ["The body must be a JSON object."]}
    for key in data:
        if key not in TOP_KEYS:
            errors.setdefault(key, []).append(f"Unknown field “{key}”.")
    wallet_id = data.get("source_wallet_id")
    if isinstance(wallet_id, bool) or not isinstance(wallet_id, int):
        errors.setdefault("source_wallet_id", []).append("source_wallet_id must be an integer.")
        wallet_id = None
    asset = data.get("asset")
    if not isinstance(asset, str):
        errors.setdefault("asset", []).append('asset must be a ticker string, e.g. "btc".')
        asset = ""
    note = data.get("note", "")
    if not isinstance(note, str):
        errors.setdefault("note", []).append("note must be a string.")
        note = ""
    raw = data.get("destinations")
    lines: list[LineInput] = []
    if not isinstance(raw, list):
        errors.setdefault("non_field", []).append("destinations must be a list of objects.")
    else:
        per_line = {}
        for index, item in enumerate(raw):
            line, problems = _parse_line(item)
            lines.append(line)
            if problems:
                per_line[index] = problems
        if per_line:
            errors["destinations"] = per_line
    return {"source_wallet_id": wallet_id, "asset": asset, "lines": lines, "note": note}, errors


def _parse_line(item) -> tuple[LineInput, list[str]]:
    """One destination → a LineInput (best effort, for the service's own checks) and the
    problems of its JSON shape. A non-string amount is passed on as is: the service refuses
    it with its own message."""
    if not isinstance(item, dict):
        return LineInput(destination_type=""), ["Each destination is an object."]
    problems = [f"Unknown field “{k}”." for k in item if k not in LINE_KEYS]
    kind = item.get("type")
    dest_id = item.get("id")
    if kind in ("wallet", "external_account"):
        if isinstance(dest_id, bool) or not isinstance(dest_id, int):
            problems.append(f"id must be an integer for type {kind}.")
        if "public_address" in item:
            problems.append("public_address is only for type public_address.")
    elif kind == "public_address":
        if "id" in item:
            problems.append("id cannot be used with type public_address.")
        if not isinstance(item.get("public_address"), str):
            problems.append("public_address must be a string.")
    else:
        problems.append("type must be wallet, external_account or public_address.")
    label = item.get("label", "")
    if not isinstance(label, str):
        problems.append("label must be a string.")
        label = ""
    line = LineInput(
        destination_type=kind if isinstance(kind, str) else "",
        destination_id=dest_id if kind != "public_address" else None,
        public_address=item.get("public_address") if kind == "public_address" else None,
        amount=item.get("amount"),
        label=label,
    )
    return line, problems


def _merge(own: dict, service: dict) -> dict:
    """The body's problems first; the service's for every field and line not already named
    (so one mistake is not reported twice in two wordings)."""
    merged = {k: list(v) for k, v in own.items() if k != "destinations"}
    for key, messages in service.items():
        if key == "destinations":
            continue
        if key not in merged:
            merged[key] = list(messages)
        elif key == "non_field":
            merged[key] += [m for m in messages if m not in merged[key]]
    lines = dict(own.get("destinations", {}))
    for index, messages in service.get("destinations", {}).items():
        lines.setdefault(index, list(messages))
    if lines:
        merged["destinations"] = dict(sorted(lines.items()))
    return merged


class PayoutListApi(generics.ListAPIView):
    """Payouts newest first (50 per page); filter by `status`. POST drafts a batch."""

    permission_classes = [ReadOrOperate]
    # The same strict JSON as every other write: bounded depth (a 30,000-deep array was a
    # RecursionError 500), no repeated keys, no NaN, JSON only.
    parser_classes = [StrictJSONParser]
    serializer_class = s.PayoutOutputSerializer

    def get_queryset(self):
        status_filter = self.request.query_params.get("status") or None
        if status_filter is not None and status_filter not in PayoutStatus.values:
            raise ApplicationError(
                f"status must be one of: {', '.join(PayoutStatus.values)}.",
                status=400,
                field="status",
            )
        return _prefetched(
            selectors.payout_list(
                user=self.request.user,
                status=status_filter,
                q=self.request.query_params.get("q", ""),
            )
        )

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        serializer = s.PayoutOutputSerializer(page, many=True, context=_context(page))
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=PayoutStatus.values),
            OpenApiParameter("q", str, description="Reference, wallet id or wallet name."),
        ],
        responses={200: s.PayoutOutputSerializer(many=True), 400: s.PayoutErrorSerializer},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.PayoutCreateInputSerializer,
        responses={
            201: s.PayoutOutputSerializer,
            400: s.PayoutErrorSerializer,
            403: s.PayoutErrorSerializer,
        },
        description="Draft a batch withdrawal (status pending_approval). Amounts are decimal "
        "strings in coin units. On any error nothing is stored and the answer names each "
        "problem per field and per destination index (0-based).",
    )
    def post(self, request: Request) -> Response:
        arguments, errors = _parse_create(request.data)
        if arguments is None:
            return _invalid(errors)
        if errors:  # report the service's findings too, and store nothing
            return _invalid(_merge(errors, payout_validate(**arguments)))
        try:
            payout = payout_create(created_by=request.user, **arguments)
        except PayoutInvalid as exc:
            return _invalid(exc.errors)
        payout = _prefetched(Payout.objects.filter(pk=payout.pk)).get()
        body = s.PayoutOutputSerializer(payout, context=_context([payout])).data
        return Response(body, status=status.HTTP_201_CREATED)


class PayoutDetailApi(generics.GenericAPIView):
    """One payout with its lines, approvals (and whether each still counts) and outcome."""

    permission_classes = [ReadOrOperate]
    serializer_class = s.PayoutOutputSerializer

    @extend_schema(responses={200: s.PayoutOutputSerializer, 404: s.PayoutErrorSerializer})
    def get(self, request: Request, payout_id: int) -> Response:
        payout = _prefetched(Payout.objects.filter(pk=payout_id)).first()
        if payout is None:
            raise Http404(f"There is no payout {payout_id}.")
        return Response(s.PayoutOutputSerializer(payout, context=_context([payout])).data)
