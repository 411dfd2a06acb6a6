"""JSON API views: thin — input serializer → service or selector → output serializer.

Errors are ApplicationError (the shared exception handler answers `{"detail": …}` with its
status), with the same messages as the pages. Writes take strict JSON only
(`custody_portal.api`): unknown keys, wrong types and oversized or over-deep bodies are a 400
before anything reaches Balance. Path parameters are checked by the URL converters.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from custody_portal.api import StrictJSONParser, validated_input
from custody_portal.errors import ApplicationError
from custody_portal.roles import ReadOrOperate

from .. import selectors, services
from ..forms import WalletFilterForm
from ..models import SubAddress, Wallet
from ..views.messages import without_kept_input
from . import serializers as s

ERRORS = {
    400: s.ErrorSerializer,
    404: s.ErrorSerializer,
    502: s.ErrorSerializer,
    503: s.ErrorSerializer,
}


def _wallet_or_404(wallet_id: int) -> Wallet:
    wallet = selectors.wallet_get(wallet_id=wallet_id)
    if wallet is None:
        raise Http404(f"There is no wallet {wallet_id} in the portal.")
    return wallet


class WalletListApi(generics.ListAPIView):
    """Active wallets, 50 per page; the same filters as the wallets page."""

    permission_classes = [ReadOrOperate]
    serializer_class = s.WalletOutputSerializer

    def get_queryset(self):
        form = WalletFilterForm(self.request.query_params)
        if not form.is_valid():
            name, errors = next(iter(form.errors.items()))
            raise ApplicationError(f"{name}: {' '.join(errors)}", status=400, field=name)
        return selectors.wallet_list(filters=form.filters())

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Name or custom id substring, or wallet id."),
            OpenApiParameter("kind", str, enum=["warm", "cold"]),
            OpenApiParameter("asset", str, description="Only wallets holding this asset (> 0)."),
            OpenApiParameter(
                "sort",
                str,
                description="name, -name, id, -id, or balance:<asset> (largest first).",
            ),
        ],
        responses={200: s.WalletOutputSerializer(many=True), 400: s.ErrorSerializer},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class WalletDetailApi(generics.GenericAPIView):
    """One wallet (removed ones too) with balances and funding addresses."""

    permission_classes = [ReadOrOperate]
    serializer_class = s.WalletDetailOutputSerializer

    @extend_schema(responses={200: s.WalletDetailOutputSerializer, 404: s.ErrorSerializer})
    def get(self, request: Request, wallet_id: int) -> Response:
        return Response(s.WalletDetailOutputSerializer(_wallet_or_404(wallet_id)).data)


class SubAddressListApi(generics.GenericAPIView):
    """Sub-addresses of a wallet for one asset (local copy); POST creates one at Balance."""

    permission_classes = [ReadOrOperate]
    parser_classes = [StrictJSONParser]
    serializer_class = s.SubAddressOutputSerializer
    pagination_class = None

    @extend_schema(responses={200: s.SubAddressOutputSerializer(many=True), **ERRORS})
    def get(self, request: Request, wallet_id: int, asset: str) -> Response:
        wallet = _wallet_or_404(wallet_id)
        asset = services.validate_sub_address_asset(asset)
        rows = selectors.sub_address_list(wallet_id=wallet.id, asset=asset)
        return Response(s.SubAddressOutputSerializer(rows, many=True).data)

    @extend_schema(
        request=s.SubAddressCreateInputSerializer,
        responses={201: s.SubAddressOutputSerializer, 409: s.ErrorSerializer, **ERRORS},
    )
    def post(self, request: Request, wallet_id: int, asset: str) -> Response:
        wallet = _wallet_or_404(wallet_id)
        data = validated_input(s.SubAddressCreateInputSerializer, request.data)
        with _service_errors():
            created = services.sub_address_create(
                user=request.user, wallet=wallet, asset=asset, **data
            )
        return Response(s.SubAddressOutputSerializer(created).data, status=status.HTTP_201_CREATED)


class SubAddressDetailApi(generics.GenericAPIView):
    """One sub-address; PUT/PATCH change its name, notes or watching at Balance."""

    permission_classes = [ReadOrOperate]
    parser_classes = [StrictJSONParser]
    serializer_class = s.SubAddressOutputSerializer

    @extend_schema(responses={200: s.SubAddressOutputSerializer, **ERRORS})
    def get(self, request: Request, wallet_id: int, asset: str, address: str) -> Response:
        wallet = _wallet_or_404(wallet_id)
        asset = services.validate_sub_address_asset(asset)
        sub_address = SubAddress.objects.filter(wallet=wallet, asset=asset, address=address).first()
        if sub_address is None:
            raise Http404("This sub-address is not in the portal's copy.")
        return Response(s.SubAddressOutputSerializer(sub_address).data)

    @extend_schema(
        request=s.SubAddressUpdateInputSerializer,
        responses={200: s.SubAddressOutputSerializer, 409: s.ErrorSerializer, **ERRORS},
    )
    def put(self, request: Request, wallet_id: int, asset: str, address: str) -> Response:
        wallet = _wallet_or_404(wallet_id)
        data = validated_input(s.SubAddressUpdateInputSerializer, request.data)
        with _service_errors():
            updated = services.sub_address_update(
                user=request.user, wallet=wallet, asset=asset, address=address, **data
            )
        return Response(s.SubAddressOutputSerializer(updated).data)

    @extend_schema(
        request=s.SubAddressUpdateInputSerializer,
        responses={200: s.SubAddressOutputSerializer, 409: s.ErrorSerializer, **ERRORS},
    )
    def patch(self, request: Request, wallet_id: int, asset: str, address: str) -> Response:
        return self.put(request, wallet_id, asset, address)


class ExternalAccountListApi(generics.ListAPIView):
    """Approved external accounts with their addresses."""

    permission_classes = [ReadOrOperate]
    serializer_class = s.ExternalAccountOutputSerializer

    def get_queryset(self):
        return selectors.external_account_list()


@contextmanager
def _service_errors() -> Iterator[None]:
    """A script keeps its own request body: messages do not tell it its input was kept."""
    try:
        yield
    except ApplicationError as exc:
        message = without_kept_input(exc.message)
        if message == exc.message:
            raise
        raise ApplicationError(message, status=exc.status, field=exc.field) from exc
