"""Forms of the wallet pages: the list filters and the sub-address panel forms."""

from django import forms

from custody_portal.assets import ASSETS
from custody_portal.text import TextError, clean_text

from .selectors import BALANCE_SORT_PREFIX, WalletFilters
from .services import NAME_MAX_LENGTH, NOTES_MAX_LENGTH

KIND_CHOICES = [("", "Any kind"), ("warm", "Warm"), ("cold", "Cold")]


def _asset_choices(empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [(t, f"{t.upper()} · {a.name}") for t, a in ASSETS.items()]


def _sort_choices() -> list[tuple[str, str]]:
    return [
        ("name", "Name (A → Z)"),
        ("-name", "Name (Z → A)"),
        ("id", "ID (lowest first)"),
        ("-id", "ID (highest first)"),
    ] + [(f"{BALANCE_SORT_PREFIX}{t}", f"{t.upper()} balance (largest first)") for t in ASSETS]


class WalletFilterForm(forms.Form):
    """Search, kind, "holds asset", sort. Invalid values are reported and ignored."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Name, custom ID or wallet ID",
                "data-testid": "wallet-search",
                "autocomplete": "off",
            }
        ),
    )
    kind = forms.ChoiceField(required=False, choices=KIND_CHOICES, label="Kind")
    asset = forms.ChoiceField(required=False, choices=_asset_choices("Any asset"), label="Holds")
    sort = forms.ChoiceField(required=False, choices=_sort_choices(), label="Sort by")

    def __init__(self, data=None, **kwargs) -> None:
        super().__init__(data if data is not None else {}, **kwargs)
        for name in ("kind", "asset", "sort"):
            self.fields[name].widget.attrs["data-testid"] = f"wallet-filter-{name}"

    def filters(self) -> WalletFilters:
        """The valid part of the input (an invalid field falls back to its default)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return WalletFilters(
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            asset=data.get("asset") or "",
            sort=data.get("sort") or "name",
        )

    def error_text(self) -> str:
        return " ".join(
            f"{self.fields[name].label}: {' '.join(errors)}" for name, errors in self.errors.items()
        )


class CleanTextField(forms.CharField):
    """Free text checked by `custody_portal.text.clean_text`: no control characters or bidi
    overrides (the message names the character), NFC, stripped, at most `max_length`."""

    def __init__(self, *, field: str, multiline: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.field_word = field
        self.multiline = multiline

    def to_python(self, value) -> str:
        value = super().to_python(value)
        try:
            return clean_text(
                value, field=self.field_word, limit=self.max_length, multiline=self.multiline
            )
        except TextError as exc:
            raise forms.ValidationError(exc.message, code="text") from exc


class _NameNotesForm(forms.Form):
    """The two fields a person may set on a sub-address, with Balance's limits."""

    name = CleanTextField(field="name", required=False, max_length=NAME_MAX_LENGTH, label="Name")
    notes = CleanTextField(
        field="notes",
        multiline=True,
        required=False,
        max_length=NOTES_MAX_LENGTH,
        label="Notes",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SubAddressCreateForm(_NameNotesForm):
    """The create form of one panel; prefixed with the asset so four panels share a page."""

    is_watched = forms.BooleanField(required=False, label="Watch this address")

    def __init__(self, *args, asset: str, **kwargs) -> None:
        super().__init__(*args, prefix=asset, **kwargs)
        for name in self.fields:
            self.fields[name].widget.attrs["data-testid"] = f"sub-address-{name}-{asset}"


class SubAddressEditForm(_NameNotesForm):
    """Inline edit of one sub-address's name and notes.

    A field absent from the POST (not merely empty) is left unchanged at Balance: `changes()`
    gives None for it. An empty field clears it.
    """

    def __init__(self, *args, asset: str, **kwargs) -> None:
        super().__init__(*args, prefix=f"edit-{asset}", **kwargs)
        for name in self.fields:
            self.fields[name].widget.attrs["data-testid"] = f"sub-address-edit-{name}-{asset}"

    def clean(self):
        cleaned = super().clean()
        if self.is_bound and not any(self.add_prefix(name) in self.data for name in self.fields):
            raise forms.ValidationError(
                "Nothing to save: the form sent neither a name nor notes. Reload the page and "
                "edit the sub-address again.",
                code="empty",
            )
        return cleaned

    def changes(self) -> dict[str, str | None]:
        """name/notes for the service: the cleaned value, or None for a field not sent."""
        return {
            name: self.cleaned_data.get(name) if self.add_prefix(name) in self.data else None
            for name in self.fields
        }


class WatchForm(forms.Form):
    """The watch toggle sends the wanted state, so a double click cannot flip it back."""

    is_watched = forms.TypedChoiceField(
        choices=[("true", "watch"), ("false", "unwatch")], coerce=lambda v: v == "true"
    )
