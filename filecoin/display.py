"""How FIL amounts read on pages, in charts and in messages: exact, with a real minus sign.

Integer arithmetic on attoFIL (no Decimal formatting): a 1 y chart and its table format a few
thousand amounts per request, and `divmod` is several times faster than formatting a Decimal.
The output is identical to `custody_portal.money.format_coin(…, "fil")` /
`from_base_units` (tests/filecoin/test_display.py checks it).
"""

MINUS = "\u2212"
ATTO = 10**18


def fil_decimal(atto) -> str:
    """attoFIL → "-1234.500000000000000000": an exact decimal string of FIL (API, CSV, JSON)."""
    number = int(atto)
    whole, fraction = divmod(abs(number), ATTO)
    return f"{'-' if number < 0 else ''}{whole}.{fraction:018d}"


def fil_text(atto) -> str:
    """attoFIL → "1,234.500000000000000000 FIL", every decimal, grouped; fee debt gets a real
    minus sign (−) so it reads as negative without colour; "—" when unknown."""
    if atto is None or atto == "":
        return "—"
    number = int(atto)
    whole, fraction = divmod(abs(number), ATTO)
    return f"{MINUS if number < 0 else ''}{whole:,}.{fraction:018d} FIL"


def short_ago(moment, now) -> str:
    """ "just now", "5 min ago", "3 h ago", "2 days ago" — cheap enough for a 100-row table
    (Django's timesince is ~10× slower and the list shows two ages per provider)."""
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    days = seconds // 86400
    return f"{days} day{'s' if days != 1 else ''} ago"
