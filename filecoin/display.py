"""How FIL amounts read on pages and in messages: exact, grouped, with a real minus sign."""

from custody_portal.money import format_coin

MINUS = "\u2212"


def fil_text(atto) -> str:
    """attoFIL → "1,234.500000000000000000 FIL", every decimal; fee debt gets a real minus
    sign (−), so it reads as negative without colour; "—" when unknown."""
    if atto is None or atto == "":
        return "—"
    text = format_coin(atto, "fil")
    return MINUS + text[1:] if text.startswith("-") else text
