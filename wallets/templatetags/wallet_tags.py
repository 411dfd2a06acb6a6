"""Template filters for wallet pages: audit values, plus the portal-wide `coin` and `ago`."""

from django import template

from custody_portal.templatetags.portal_tags import ago, coin

register = template.Library()
# The portal-wide filters, so wallet templates need load only this library.
register.filter("coin", coin)
register.filter("ago", ago)


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
