"""API serializers for Filecoin. FIL amounts are exact decimal strings of FIL (attoFIL
precision, signed: "-1.5" is fee debt), never JSON floats."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..display import fil_decimal
from ..health import HEALTH_ORDER
from ..models import AMOUNT_FIGURES, SECTOR_FIGURES


def fil_text(atto) -> str | None:
    return None if atto is None else fil_decimal(atto)


@extend_schema_field(OpenApiTypes.DECIMAL)
class FilField(serializers.Field):
    """attoFIL on `source` → an exact decimal string of FIL (signed); null when unknown."""

    def __init__(self, **kwargs) -> None:
        kwargs["read_only"] = True
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str | None:
        return fil_text(value)


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider_id = serializers.IntegerField()
    provider_address = serializers.CharField(source="provider.address")
    kind = serializers.ChoiceField(choices=["fee_debt", "worsening", "faulty", "stale"])
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    close_reason = serializers.CharField()
    figures = serializers.DictField(help_text="The provider's figures when the alert opened.")
    closing_figures = serializers.DictField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", allow_null=True)
    acknowledge_note = serializers.CharField()
    muted_until = serializers.DateTimeField(allow_null=True)
    muted_by = serializers.CharField(source="muted_by.username", allow_null=True)
    mute_reason = serializers.CharField()
    muted = serializers.BooleanField(help_text="Muted now.")


class SectorSummarySerializer(serializers.Serializer):
    """The provider's latest sector reading (null fields until one was read)."""

    active_sectors = serializers.IntegerField(allow_null=True)
    live_sectors = serializers.IntegerField(allow_null=True)
    faulty_sectors = serializers.IntegerField(allow_null=True)
    live_sectors_penalty_fil = FilField(source="live_sectors_penalty")
    faulty_sectors_penalty_fil = FilField(source="faulty_sectors_penalty")
    faulty_share_ppm = serializers.IntegerField(
        allow_null=True, help_text="Faulty / live sectors, parts per million."
    )
    faulty_share_24h_ago_ppm = serializers.IntegerField(allow_null=True)
    last_updated_at = serializers.DateTimeField(
        allow_null=True, help_text="Balance's time of these figures."
    )


class TerminationSerializer(serializers.Serializer):
    """Balance's cached termination estimate (fetched through the rate-limited queue)."""

    live_sectors_penalty_fil = FilField(
        source="termination_live_penalty",
        help_text="What terminating every live sector would cost now.",
    )
    faulty_sectors_penalty_fil = FilField(source="termination_faulty_penalty")
    as_of = serializers.DateTimeField(source="termination_as_of", allow_null=True)
    fetched_at = serializers.DateTimeField(source="termination_fetched_at", allow_null=True)
    error = serializers.CharField(source="termination_error")


class StorageProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The storage provider id at Balance.")
    wallet_id = serializers.IntegerField()
    address = serializers.CharField()
    health = serializers.SerializerMethodField()
    in_fee_debt = serializers.BooleanField()
    initial_pledge_fil = FilField(source="initial_pledge")
    locked_rewards_fil = FilField(source="locked_rewards")
    available_balance_fil = FilField(source="available_balance", help_text="Negative: fee debt.")
    latest_snapshot = SectorSummarySerializer(source="*")
    worsening = serializers.BooleanField()
    termination = TerminationSerializer(source="*")
    synced_at = serializers.DateTimeField()
    removed_at = serializers.DateTimeField(allow_null=True)
    open_alerts = AlertSerializer(many=True, source="open_alerts_list")

    @extend_schema_field(serializers.ChoiceField(choices=list(HEALTH_ORDER)))
    def get_health(self, provider) -> str:
        return HEALTH_ORDER[provider.health_rank]


class MinMaxLastSerializer(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()
    last = serializers.IntegerField()


@extend_schema_field(OpenApiTypes.DECIMAL)
class _Decimal(serializers.CharField):
    pass


class MinMaxLastFilSerializer(serializers.Serializer):
    min = _Decimal()
    max = _Decimal()
    last = _Decimal()


class PointSerializer(serializers.Serializer):
    """One reading (24 h: min = max = last) or one hourly / daily bucket."""

    at = serializers.DateTimeField(help_text="Reading time, or the bucket's start (UTC).")
    readings = serializers.IntegerField()
    active_sectors = MinMaxLastSerializer()
    live_sectors = MinMaxLastSerializer()
    faulty_sectors = MinMaxLastSerializer()
    live_sectors_penalty_fil = MinMaxLastFilSerializer()
    faulty_sectors_penalty_fil = MinMaxLastFilSerializer()
    available_balance_fil = MinMaxLastFilSerializer()
    locked_rewards_fil = MinMaxLastFilSerializer()


class HistorySerializer(serializers.Serializer):
    provider_id = serializers.IntegerField()
    range = serializers.ChoiceField(choices=["24h", "7d", "30d", "1y"])
    resolution = serializers.ChoiceField(choices=["raw", "hour", "day"])
    since = serializers.DateTimeField()
    points = PointSerializer(many=True)


def point_json(point) -> dict:
    """A HistoryPoint as the API shows it (amount figures get a `_fil` suffix)."""
    data = {"at": point.at, "readings": point.samples}
    for name in SECTOR_FIGURES:
        low, high, last = point.figures[name]
        if name in AMOUNT_FIGURES:
            data[f"{name}_fil"] = {
                "min": fil_text(low),
                "max": fil_text(high),
                "last": fil_text(last),
            }
        else:
            data[name] = {"min": low, "max": high, "last": last}
    return data
