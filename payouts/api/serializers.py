"""Payouts API serializers. Amounts are decimal strings in coin units, never JSON numbers.

Input is validated by hand (`views._parse_create`): DRF's JSON parser reads numbers as floats,
and an amount must never pass through one, so a number amount is refused outright. The input
serializers below document the shape in the OpenAPI schema.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from custody_portal.money import from_base_units

from ..models import DestinationType, PayoutKind, PayoutStatus


def coins(amount, asset: str) -> str:
    return format(from_base_units(amount, asset), "f")


class DestinationInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=DestinationType.choices)
    id = serializers.IntegerField(
        required=False, help_text="Wallet or external account id (types wallet, external_account)."
    )
    public_address = serializers.CharField(
        required=False, help_text="Only with type public_address."
    )
    amount = serializers.CharField(
        help_text='Coin units as a decimal string, e.g. "0.001" (a JSON number is refused).'
    )
    label = serializers.CharField(required=False, allow_blank=True, max_length=255)


class PayoutCreateInputSerializer(serializers.Serializer):
    source_wallet_id = serializers.IntegerField()
    asset = serializers.CharField(help_text="btc, bch, ltc or dash (batch-capable assets).")
    destinations = DestinationInputSerializer(many=True)
    note = serializers.CharField(required=False, allow_blank=True)


class PayoutErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(
        required=False,
        help_text='Messages per field, and per destination index: {"destinations": {"1": […]}}.',
    )


class LineOutputSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    type = serializers.CharField(source="destination_type")
    id = serializers.IntegerField(source="destination_id", allow_null=True)
    public_address = serializers.CharField()
    amount = serializers.SerializerMethodField()
    label = serializers.CharField()

    def get_amount(self, line) -> str:
        return coins(line.amount, self.context["asset_of"][line.payout_id])


class ApprovalOutputSerializer(serializers.Serializer):
    approver = serializers.CharField(source="approver.username")
    approved_at = serializers.DateTimeField()
    counts = serializers.SerializerMethodField(
        help_text="False when the approval is of older content or past the approval window."
    )

    def get_counts(self, approval) -> bool:
        return approval.pk in self.context["counting"]


@extend_schema_field({"type": "string", "example": "0.00350000"})
class TotalField(serializers.Field):
    def __init__(self, **kwargs) -> None:
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, payout) -> str:
        return coins(payout.total, payout.asset)


class PayoutOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    kind = serializers.ChoiceField(choices=PayoutKind.choices)
    status = serializers.ChoiceField(choices=PayoutStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    source_wallet_id = serializers.IntegerField()
    asset = serializers.CharField()
    total = TotalField()
    note = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    required_approvals = serializers.IntegerField()
    approvals = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()
    storage_provider_id = serializers.IntegerField(allow_null=True)
    fee = serializers.CharField()
    claimed_at = serializers.DateTimeField(allow_null=True)
    balance_transaction_id = serializers.CharField()
    balance_status = serializers.CharField()
    last_error = serializers.CharField()
    needs_review = serializers.BooleanField()

    @extend_schema_field(ApprovalOutputSerializer(many=True))
    def get_approvals(self, payout) -> list:
        return ApprovalOutputSerializer(
            payout.approvals.all(), many=True, context=self.context
        ).data

    @extend_schema_field(LineOutputSerializer(many=True))
    def get_lines(self, payout) -> list:
        context = {**self.context, "asset_of": {payout.pk: payout.asset}}
        return LineOutputSerializer(payout.lines.all(), many=True, context=context).data
