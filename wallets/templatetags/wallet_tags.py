"""Template filters for wallet pages: exact coin amounts and audit values."""

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from custody_portal.money import format_coin

register = template.Library()


@register.filter
def coin(base_units, asset: str) -> str:
    """Base units → "1,234.56789012 BTC" (every decimal, exact); "—" when unknown."""
    if not asset:
        return ""
    return format_coin(base_units, asset)


@register.filter
def audit_values(values) -> str:
    """An audit before/after dict as `name “x”, watching on`; "—" when empty."""
    if not values:
        return "—"
    if not isinstance(values, dict):
        return str(values)
    parts = []
    for key, value in values.items():
        if isinstance(value, bool):
            value = "on" if value else "off"
        elif isinstance(value, str):
            value = f"“{value}”"
        parts.append(f"{key.replace('_', ' ')} {value}")
    return ", ".join(parts)


@register.filter
def ago(moment) -> str:
    """ "just now", "3 minutes ago" (the largest unit only); "never" without a moment."""
    if not moment:
        return "never"
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment, depth=1)} ago"
