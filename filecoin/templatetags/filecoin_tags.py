"""Template filters for Filecoin pages: signed FIL amounts, shares, health labels."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from custody_portal.templatetags.portal_tags import ago, coin

from .. import health
from ..display import MINUS, fil_text, short_ago

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


@register.simple_tag
def provider_rows(providers, now) -> str:
    """The provider table's rows, built in Python for the same reason as `history_rows`: a
    hundred providers × ten cells through the template language cost most of the list page's
    100 ms budget. Every value is escaped."""
    from django.urls import reverse

    out = []
    for p in providers:
        name = health.HEALTH_ORDER[p.health_rank]
        url = escape(reverse("filecoin:detail", args=[p.id]))
        if p.termination_live_penalty is not None:
            exposure = (
                f"{escape(fil_text(p.termination_live_penalty))}<br>"
                f'<small class="muted">{escape(short_ago(p.termination_fetched_at, now))}</small>'
            )
        else:
            exposure = '<span class="muted">not fetched yet</span>'
        available = escape(fil_text(p.available_balance))
        if p.available_balance < 0:
            available = (
                f'<span class="fee-debt" data-testid="fee-debt">{available}</span> '
                '<span class="badge badge-bad">fee debt</span>'
            )
        if p.last_updated_at:
            data_from = (
                f'<span title="{escape(p.last_updated_at.isoformat())}">'
                f"{escape(short_ago(p.last_updated_at, now))}</span>"
            )
        else:
            data_from = "—"
        faulty = "—" if p.faulty_sectors is None else p.faulty_sectors
        live = "—" if p.live_sectors is None else p.live_sectors
        out.append(
            f'<tr data-testid="provider-row" data-provider="{p.id}" data-health="{name}">'
            f'<td><a href="{url}" data-testid="provider-link-{p.id}">{escape(p.address)}</a><br>'
            f'<small class="muted">{escape(p.wallet.name)} · #{p.id}</small></td>'
            f'<td><span class="health health-{name}" data-testid="health">'
            f"{escape(health.HEALTH_LABELS[name])}</span></td>"
            f'<td class="num">{faulty} / {live}</td>'
            f'<td class="num">{escape(share(p.faulty_share_ppm))}</td>'
            f'<td class="num">{escape(share_change(p.share_change_ppm))}</td>'
            f'<td class="amount">{escape(fil_text(p.faulty_sectors_penalty))}<br>'
            f'<small class="muted">{escape(fil_text(p.live_sectors_penalty))}</small></td>'
            f'<td class="amount">{exposure}</td>'
            f'<td class="amount" data-testid="available">{available}</td>'
            f'<td class="amount">{escape(fil_text(p.locked_rewards))}</td>'
            f"<td>{data_from}</td></tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - built from escaped values above
