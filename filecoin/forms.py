"""Forms of the Filecoin pages. Amount and fee rules live in the services (one place);
forms only shape and bound the input."""

from datetime import timedelta

from django import forms

from .services.alerts import REASON_MAX_LENGTH
from .services.withdrawals import NOTE_MAX_LENGTH

MUTE_DURATIONS = {
    "1h": timedelta(hours=1),
    "4h": timedelta(hours=4),
    "12h": timedelta(hours=12),
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


class AcknowledgeForm(forms.Form):
    note = forms.CharField(required=False, max_length=REASON_MAX_LENGTH, label="Note", strip=True)


class MuteForm(forms.Form):
    duration = forms.ChoiceField(
        choices=[(k, f"for {k}") for k in MUTE_DURATIONS], initial="1d", label="Mute"
    )
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, label="Reason", strip=True)

    @property
    def delta(self) -> timedelta:
        return MUTE_DURATIONS[self.cleaned_data["duration"]]


class RewardWithdrawalForm(forms.Form):
    """Amount in FIL (up to 18 decimals), fee preset or rate in nanoFIL, note."""

    amount = forms.CharField(
        max_length=64,
        label="Amount (FIL)",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    fee = forms.CharField(
        max_length=32,
        required=False,
        initial="medium",
        label="Fee",
        help_text="slow, medium or fast, or a whole-number rate in nanoFIL",
        widget=forms.TextInput(attrs={"list": "fee-presets", "autocomplete": "off"}),
    )
    note = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        label="Notes",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UnmuteForm(forms.Form):
    """No fields: the POST itself is the request."""
