"""Forms of the payout pages: the draft header (the rows live in `parsing`), the list filters,
and the small action forms (approve, reject, resolve)."""

from django import forms

from custody_portal.assets import BATCH_SEND_ASSETS, get_asset
from wallets.models import Wallet

from .models import PayoutStatus, ResolutionOutcome
from .parsing import option_text
from .services.drafting import MAX_NOTE

STATUS_FILTER_CHOICES = [("", "Any status"), *PayoutStatus.choices]


def source_wallets():
    """Wallets a batch may leave from: warm and still at Balance."""
    return Wallet.objects.filter(kind="warm", removed_at__isnull=True).order_by("name", "id")


class SourceWalletField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Wallet) -> str:
        return option_text(obj.name, obj.pk)


class PayoutDraftForm(forms.Form):
    """Source wallet, asset, note, and the "Paste lines" box of the draft page."""

    source_wallet = SourceWalletField(
        queryset=source_wallets(),
        label="Source wallet (warm)",
        empty_label="Choose the wallet to send from…",
        error_messages={
            "required": "Choose the wallet to send from.",
            "invalid_choice": "Choose one of the warm wallets in the list.",
        },
    )
    asset = forms.ChoiceField(
        label="Asset",
        choices=[("", "Choose the asset…")]
        + [(t, f"{t.upper()} · {get_asset(t).name}") for t in BATCH_SEND_ASSETS],
        error_messages={
            "required": "Choose the asset to send.",
            "invalid_choice": "Choose one of the assets a batch can send.",
        },
    )
    note = forms.CharField(
        required=False,
        max_length=MAX_NOTE,
        label="Note for the approvers",
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "payout-note"}),
    )
    paste = forms.CharField(
        required=False,
        label="Paste lines",
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "data-testid": "payout-paste",
                "placeholder": "destination,amount[,label] — one per line; the destination is "
                "an address, wallet:<id> or external:<id>",
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source_wallet"].queryset = source_wallets()
        self.fields["source_wallet"].widget.attrs["data-testid"] = "payout-source-wallet"
        self.fields["asset"].widget.attrs["data-testid"] = "payout-asset"

    def raw(self, name: str) -> str:
        """The submitted value of a field as text, valid or not (for partial updates)."""
        value = self[name].value()
        return "" if value is None else str(value)


class PayoutFilterForm(forms.Form):
    """`/payouts/` filters. Invalid values fall back to "any" (and say so)."""

    status = forms.ChoiceField(required=False, choices=STATUS_FILTER_CHOICES, label="Status")
    mine = forms.BooleanField(required=False, label="Awaiting my approval")
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Wallet",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Wallet name or id, or PO-000042",
                "autocomplete": "off",
                "data-testid": "payout-search",
            }
        ),
    )

    def __init__(self, data=None, **kwargs) -> None:
        super().__init__(data if data is not None else {}, **kwargs)
        self.fields["status"].widget.attrs["data-testid"] = "payout-filter-status"
        self.fields["mine"].widget.attrs["data-testid"] = "payout-filter-mine"

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "status": data.get("status") or None,
            "awaiting_me": bool(data.get("mine")),
            "q": data.get("q") or "",
        }


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=MAX_NOTE,
        label="Reason",
        error_messages={"required": "Give a reason for rejecting: the drafter reads it."},
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "reject-reason"}),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(self.fields["reason"].error_messages["required"])
        return reason


class ResolveForm(forms.Form):
    """Proposal to settle an `unknown` payout by hand; a second person must confirm it."""

    outcome = forms.ChoiceField(
        choices=ResolutionOutcome.choices,
        widget=forms.RadioSelect,
        label="What happened at Balance",
    )
    transaction_id = forms.CharField(
        required=False,
        max_length=64,
        label="Balance transaction id (if it was sent and you found it)",
        widget=forms.TextInput(attrs={"data-testid": "resolve-transaction-id"}),
    )
    reason = forms.CharField(
        max_length=MAX_NOTE,
        label="How you know",
        error_messages={"required": "Say how you know: the person confirming reads it."},
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "resolve-reason"}),
    )
