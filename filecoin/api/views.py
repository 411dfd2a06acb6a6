"""Filecoin JSON API (read-only): providers with their latest figures, health and open
alerts; a provider's history per range; alerts. Strict query parameters: a bad value is a
400 `{"detail": …}` naming the allowed ones, never a silent default."""

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from custody_portal.errors import ApplicationError
from custody_portal.roles import ReadOrOperate
from wallets.api.serializers import ErrorSerializer  # one "Error" component in the schema

from .. import selectors
from ..models import StorageProvider
from . import serializers as s


def _with_open_alerts(qs, now):
    open_alerts = selectors.open_alerts_queryset(now=now)
    return qs.prefetch_related(Prefetch("alerts", queryset=open_alerts, to_attr="open_alerts_list"))


def _choice(request: Request, name: str, allowed, default: str) -> str:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if value not in allowed:
        raise ApplicationError(
            f"{name} must be one of {', '.join(allowed)}; got “{value[:40]}”.", status=400
        )
    return value


class StorageProviderListApi(generics.ListAPIView):
    """Active storage providers, worst first (or `sort`), each with its latest figures,
    health, termination estimate and open alerts."""

    permission_classes = [ReadOrOperate]
    serializer_class = s.StorageProviderSerializer

    def get_queryset(self):
        now = timezone.now()
        sort = _choice(self.request, "sort", selectors.SORTS, selectors.DEFAULT_SORT)
        qs = (
            selectors.provider_queryset(now=now)
            .filter(removed_at__isnull=True)
            .order_by(*selectors.SORTS[sort], "address", "id")
        )
        return _with_open_alerts(qs, now)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "sort", str, enum=list(selectors.SORTS), description="Default: worst."
            ),
        ],
        responses={200: s.StorageProviderSerializer(many=True), 400: ErrorSerializer},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class StorageProviderDetailApi(generics.GenericAPIView):
    """One storage provider (removed ones too)."""

    permission_classes = [ReadOrOperate]
    serializer_class = s.StorageProviderSerializer

    @extend_schema(responses={200: s.StorageProviderSerializer, 404: ErrorSerializer})
    def get(self, request: Request, provider_id: int) -> Response:
        now = timezone.now()
        provider = _with_open_alerts(
            selectors.provider_queryset(now=now).filter(pk=provider_id), now
        ).first()
        if provider is None:
            raise Http404(f"There is no storage provider {provider_id} in the portal.")
        return Response(s.StorageProviderSerializer(provider).data)


class StorageProviderSnapshotsApi(generics.GenericAPIView):
    """A provider's sector history over a range, from the matching resolution: 24h raw
    readings, 7d and 30d hourly buckets, 1y daily buckets; each figure's min, max and last."""

    permission_classes = [ReadOrOperate]
    serializer_class = s.HistorySerializer
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("range", str, enum=list(selectors.RANGES), description="Default: 24h.")
        ],
        responses={200: s.HistorySerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request: Request, provider_id: int) -> Response:
        range_key = _choice(request, "range", selectors.RANGES, selectors.DEFAULT_RANGE)
        if not StorageProvider.objects.filter(pk=provider_id).exists():
            raise Http404(f"There is no storage provider {provider_id} in the portal.")
        history = selectors.sector_history(provider_id=provider_id, range_key=range_key)
        data = {
            "provider_id": provider_id,
            "range": history.range,
            "resolution": history.resolution,
            "since": history.since,
            "points": [s.point_json(p) for p in history.points],
        }
        # The serializer documents the shape; the points are already plain JSON values, and
        # running 720 of them through nested serializers would triple the answer's time.
        return Response(data)


class AlertListApi(generics.ListAPIView):
    """Storage-provider alerts: open ones (default, needing attention first), closed ones or
    all (newest first); optionally of one provider."""

    permission_classes = [ReadOrOperate]
    serializer_class = s.AlertSerializer

    def get_queryset(self):
        state = _choice(self.request, "state", selectors.ALERT_STATES, "open")
        provider = self.request.query_params.get("provider")
        if provider is not None and not provider.isdigit():
            raise ApplicationError("provider must be a storage provider id.", status=400)
        return selectors.alert_list(state=state, provider_id=int(provider) if provider else None)

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=list(selectors.ALERT_STATES)),
            OpenApiParameter("provider", int, description="Only this provider's alerts."),
        ],
        responses={200: s.AlertSerializer(many=True), 400: ErrorSerializer},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)
