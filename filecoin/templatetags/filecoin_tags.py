"""Template filters for Filecoin pages: signed FIL amounts, shares, health labels."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from custody_portal.templatetags.portal_tags import ago, coin

from .. import health
from ..display import MINUS, fil_text

register = template.Library()
register.filter("coin", coin)
register.filter("ago", ago)


@register.filter
def fil(atto) -> str:
    """attoFIL → exact FIL text with a real minus sign (display.fil_text)."""
    return fil_text(atto)


@register.filter
def signed(text) -> str:
    """A decimal string ("-1.5") with a real minus sign ("−1.5"); "—" when missing."""
    if text is None or text == "":
        return "—"
    text = str(text)
    return MINUS + text[1:] if text.startswith("-") else text


@register.filter
def negative(value) -> bool:
    return value is not None and value != "" and value < 0


@register.filter
def share(ppm) -> str:
    """Parts per million → "1.2345 %"; "—" when unknown."""
    if ppm is None:
        return "—"
    return f"{ppm / 10_000:.4f} %"


@register.filter
def share_change(ppm) -> str:
    """A change of share in ppm → "+0.0123 pts" / "−0.0500 pts" / "±0"; "—" when unknown."""
    if ppm is None:
        return "—"
    if ppm == 0:
        return "±0"
    sign = "+" if ppm > 0 else MINUS
    return f"{sign}{abs(ppm) / 10_000:.4f} pts"


@register.filter
def health_label(name: str) -> str:
    return health.HEALTH_LABELS.get(name, name)


@register.filter
def health_of(provider) -> str:
    """Displayed health of a provider annotated with `health_rank`."""
    return health.HEALTH_ORDER[provider.health_rank]


@register.simple_tag
def history_rows(rows: list[dict]) -> str:
    """The history table's rows (charts.table_rows), built in Python: a range has up to 720
    rows and the template language takes ~10× longer to loop over them (it would cost the
    30 d page most of its 100 ms budget). Every value is escaped."""
    out = []
    for r in rows:
        faulty = escape(r["faulty"])
        if r["faulty_max"] is not None:
            faulty += f' <small class="muted">(max {escape(r["faulty_max"])})</small>'
        available = escape(r["available"])
        if r["in_debt"]:
            available = (
                f'<span class="fee-debt">{available}</span> <span class="badge badge-bad">'
                "fee debt</span>"
            )
        if r["available_min"]:
            available += f'<br><small class="muted">(lowest {escape(r["available_min"])})</small>'
        out.append(
            f'<tr data-testid="history-row"><td>{escape(r["at"])}</td>'
            f'<td class="num">{escape(r["samples"])}</td><td class="num">{escape(r["active"])}</td>'
            f'<td class="num">{escape(r["live"])}</td><td class="num">{faulty}</td>'
            f'<td class="amount">{escape(r["live_penalty"])}</td>'
            f'<td class="amount">{escape(r["faulty_penalty"])}</td>'
            f'<td class="amount">{available}</td><td class="amount">{escape(r["locked"])}</td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - built from escaped values above
