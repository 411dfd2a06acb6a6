"""`/audit/`: the audit log, filtered and paged, for every role that may read the portal."""

from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.views import View

from .htmx import render_page_or_fragment
from .roles import ViewerRequiredMixin
from .selectors import AuditFilters, audit_event_list, audit_event_page

FILTER_FIELDS = ("user", "action", "subject_type", "subject_id", "wallet", "date_from", "date_to")


class AuditFilterForm(forms.Form):
    """The page's query parameters. Anything unreadable becomes a message on the page."""

    user = forms.CharField(required=False, max_length=150, label="User")
    action = forms.CharField(required=False, max_length=64, label="Action")
    subject_type = forms.CharField(required=False, max_length=64, label="Subject type")
    subject_id = forms.CharField(required=False, max_length=128, label="Subject id")
    wallet = forms.IntegerField(required=False, min_value=1, label="Wallet id")
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    # Keyset cursors of the page links (see selectors.audit_event_page).
    before = forms.IntegerField(
        required=False, min_value=1, label="Page link", widget=forms.HiddenInput
    )
    after = forms.IntegerField(
        required=False, min_value=0, label="Page link", widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["data-testid"] = f"audit-filter-{name}"

    def messages(self) -> list[str]:
        """Every error as one readable line ("From: Enter a valid date.")."""
        return [
            f"{self.fields[name].label}: {error}" if name in self.fields else error
            for name, errors in self.errors.items()
            for error in errors
        ]

    def clean(self):
        data = super().clean()
        if data.get("subject_id") and not data.get("subject_type"):
            self.add_error("subject_type", "Give the subject's type with its id (e.g. payout).")
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        if data.get("before") is not None and data.get("after") is not None:
            raise forms.ValidationError("Use either before or after, not both.")
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            username=data["user"],
            action=data["action"],
            subject_type=data["subject_type"],
            subject_id=data["subject_id"],
            wallet_id=data["wallet"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )

    def query(self) -> str:
        """The filters as a query string, for the page links."""
        values = {name: self.cleaned_data.get(name) for name in FILTER_FIELDS}
        return urlencode({name: str(v) for name, v in values.items() if v not in (None, "")})


class AuditEventListView(ViewerRequiredMixin, View):
    """The audit log, newest first, 50 per page, in a constant number of queries (the actor's
    name is on each event: no join, no per-row lookup)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = AuditFilterForm(request.GET)
        page = query = None
        if form.is_valid():
            page = audit_event_page(
                audit_event_list(filters=form.filters()),
                before=form.cleaned_data["before"],
                after=form.cleaned_data["after"],
            )
            query = form.query()
        context = {
            "nav": "audit",
            "form": form,
            "errors": form.messages(),
            "page": page,
            "query": query,
        }
        return render_page_or_fragment(
            request,
            "custody_portal/audit.html",
            "custody_portal/partials/_audit_table.html",
            context,
        )
