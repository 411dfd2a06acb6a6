"""Template filters every page may use: exact coin amounts and "3 minutes ago"."""

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from custody_portal.money import format_coin

register = template.Library()


@register.filter
def coin(base_units, asset: str) -> str:
    """Base units → "1,234.56789012 BTC" (every decimal, exact); "—" when unknown. A ticker the
    registry does not know shows raw base units and says its decimals are unknown."""
    if not asset:
        return ""
    return format_coin(base_units, asset)


@register.filter
def ago(moment) -> str:
    """ "just now", "3 minutes ago" (the largest unit only); "never" without a moment."""
    if not moment:
        return "never"
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment, depth=1)} ago"
