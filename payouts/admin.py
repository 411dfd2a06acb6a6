"""Admin: the approval policy (a singleton with per-asset thresholds, entered in coin units)
is editable; payouts, approvals and resolutions are read-only records — they change only
through the services (and the database refuses a self-approval whatever the path)."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.forms.models import model_to_dict

from custody_portal.admin import ReadOnlyAdmin
from custody_portal.assets import ASSETS, asset_choices
from custody_portal.audit import audit_record
from custody_portal.money import AmountError, from_base_units, to_base_units

from .models import (
    ApprovalPolicy,
    AssetThreshold,
    Payout,
    PayoutApproval,
    PayoutLine,
    PayoutResolution,
)


class AssetThresholdForm(forms.ModelForm):
    """The threshold is typed in coin units ("0.5" BTC) and stored in base units."""

    asset = forms.ChoiceField(choices=asset_choices())
    threshold_coins = forms.CharField(
        label="Threshold (coin units)",
        help_text="Payouts whose total is above this need the approvals below.",
    )

    class Meta:
        model = AssetThreshold
        fields = ("asset", "threshold_coins", "required_approvals")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            value = from_base_units(self.instance.threshold, self.instance.asset)
            self.initial["threshold_coins"] = format(value, "f")

    def clean(self):
        data = super().clean()
        asset, text = data.get("asset"), (data.get("threshold_coins") or "").strip()
        if asset and text:
            if asset not in ASSETS:
                self.add_error("asset", "Unknown asset.")
                return data
            try:
                if not text.replace(".", "", 1).isdigit():
                    raise AmountError("Digits and one dot only, e.g. 0.5.")
                data["threshold"] = to_base_units(text, asset)
            except AmountError as exc:
                self.add_error("threshold_coins", str(exc))
        return data

    def save(self, commit=True):
        self.instance.threshold = self.cleaned_data["threshold"]
        return super().save(commit=commit)


class AssetThresholdInline(admin.TabularInline):
    model = AssetThreshold
    form = AssetThresholdForm
    extra = 1


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(admin.ModelAdmin):
    """The one policy row; changes are recorded in the audit log."""

    inlines = [AssetThresholdInline]
    list_display = (
        "__str__",
        "default_required_approvals",
        "approval_valid_hours",
        "payout_valid_days",
        "unknown_give_up_minutes",
    )

    def has_add_permission(self, request) -> bool:
        return not ApprovalPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        ApprovalPolicy.get_solo()  # the row exists before anyone looks for it
        return super().changelist_view(request, extra_context)

    def save_related(self, request, form, formsets, change) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            policy = form.instance
            audit_record(
                actor=request.user,
                action="approval_policy.update",
                object_type="approval_policy",
                object_id=str(policy.pk),
                wallet_id=None,
                after={
                    **model_to_dict(policy),
                    "thresholds": [
                        {
                            "asset": t.asset,
                            "threshold": str(int(t.threshold)),
                            "required_approvals": t.required_approvals,
                        }
                        for t in policy.thresholds.all()
                    ],
                },
                message="Approval policy changed in the admin.",
            )


class PayoutLineInline(admin.TabularInline):
    model = PayoutLine
    extra = 0
    can_delete = False
    readonly_fields = (
        "position",
        "destination_type",
        "destination_id",
        "public_address",
        "amount",
        "label",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("reference", "kind", "status", "source_wallet", "asset", "total_display")
    list_filter = ("status", "kind", "asset", "needs_review")
    search_fields = ("=id", "=source_wallet__id", "source_wallet__name", "balance_transaction_id")
    list_select_related = ("source_wallet", "created_by")
    date_hierarchy = "created_at"
    inlines = [PayoutLineInline]


@admin.register(PayoutApproval)
class PayoutApprovalAdmin(ReadOnlyAdmin):
    list_display = ("payout", "approver", "approved_at", "content_hash")
    list_select_related = ("payout", "approver")


@admin.register(PayoutResolution)
class PayoutResolutionAdmin(ReadOnlyAdmin):
    list_display = ("payout", "outcome", "state", "proposed_by", "confirmed_by", "proposed_at")
    list_select_related = ("payout", "proposed_by", "confirmed_by")
