"""API serializers. Amounts are strings in coin units with the asset's decimals: exact, and
never a JSON float ("12.34567891", "10420.498318709580123457")."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from custody_portal.api import StrictBooleanField, StrictCharField, StrictInputSerializer
from custody_portal.assets import find_asset
from custody_portal.money import from_base_units

from ..services import NAME_MAX_LENGTH, NOTES_MAX_LENGTH


@extend_schema_field(OpenApiTypes.DECIMAL)
class CoinAmountField(serializers.Field):
    """Base units on `source` → exact coin-unit string, using the object's `asset`."""

    def __init__(self, **kwargs) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return (super().get_attribute(instance), instance.asset)

    def to_representation(self, value) -> str | None:
        amount, asset = value
        if amount is None or find_asset(asset) is None:  # unknown decimals: no guess
            return None
        return format(from_base_units(amount, asset), "f")


class BalanceOutputSerializer(serializers.Serializer):
    asset = serializers.CharField()
    total = CoinAmountField()
    spendable = CoinAmountField(
        allow_null=True,
        help_text="Funds not locked by pending transactions; null when not read yet "
        "(Balance only sends it on the wallet detail).",
    )


class FundingAddressOutputSerializer(serializers.Serializer):
    asset = serializers.CharField()
    address = serializers.CharField()


class WalletOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The wallet id at Balance.")
    name = serializers.CharField()
    custom_id = serializers.CharField()
    kind = serializers.CharField()
    description = serializers.CharField()
    synced_at = serializers.DateTimeField()
    balances = BalanceOutputSerializer(many=True, source="balances.all")


class WalletDetailOutputSerializer(WalletOutputSerializer):
    removed_at = serializers.DateTimeField(
        allow_null=True, help_text="Set when Balance stopped returning the wallet."
    )
    detail_synced_at = serializers.DateTimeField(
        allow_null=True, help_text="When the spendable balances were read."
    )
    sub_addresses_synced_at = serializers.DateTimeField(allow_null=True)
    funding_addresses = FundingAddressOutputSerializer(many=True, source="funding_addresses.all")


class SubAddressOutputSerializer(serializers.Serializer):
    asset = serializers.CharField()
    address = serializers.CharField()
    name = serializers.CharField()
    notes = serializers.CharField()
    balance = CoinAmountField()
    is_watched = serializers.BooleanField()
    synced_at = serializers.DateTimeField()


class SubAddressCreateInputSerializer(StrictInputSerializer):
    """Strict: only these keys, `name`/`notes` JSON strings, `is_watched` a JSON boolean."""

    name = StrictCharField(required=False, allow_blank=True, default="", max_length=NAME_MAX_LENGTH)
    notes = StrictCharField(
        required=False, allow_blank=True, default="", max_length=NOTES_MAX_LENGTH, multiline=True
    )
    is_watched = StrictBooleanField(required=False, default=False)


class SubAddressUpdateInputSerializer(StrictInputSerializer):
    """Only the given fields change (PUT and PATCH alike, as Balance's own PUT); strict as
    the create."""

    name = StrictCharField(required=False, allow_blank=True, max_length=NAME_MAX_LENGTH)
    notes = StrictCharField(
        required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH, multiline=True
    )
    is_watched = StrictBooleanField(required=False)


class ExternalAccountAddressOutputSerializer(serializers.Serializer):
    asset = serializers.CharField()
    address = serializers.CharField()


class ExternalAccountOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    custom_id = serializers.CharField()
    description = serializers.CharField()
    synced_at = serializers.DateTimeField()
    addresses = ExternalAccountAddressOutputSerializer(many=True, source="addresses.all")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    field = serializers.CharField(required=False)
