"""One validator for the free text people type into the portal (names, notes).

Names and notes travel to Balance and come back on pages and in the audit trail. Characters
that change how *other* text is displayed, or that cannot be seen at all, make those pages lie:
a U+202E RIGHT-TO-LEFT OVERRIDE in a name showed the audit trail's next words reversed. So the
portal refuses them with a message naming the character, instead of silently removing them
(silently changing what someone typed would be a surprise of its own).

What is refused, and why:

- C0 and C1 control characters (Unicode category Cc), NUL and DEL included. In notes
  (`multiline=True`) line feeds and tabs are allowed; a carriage return is turned into a line
  feed first (browsers send textarea lines as CRLF).
- Format characters (category Cf): the bidi embeddings, overrides and isolates (U+202A–U+202E,
  U+2066–U+2069), the direction marks U+200E/U+200F and U+061C, zero-width space U+200B, word
  joiner U+2060, the byte-order mark U+FEFF, soft hyphen U+00AD, tag characters, and so on.
  **Exception**: U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER stay allowed: Persian
  and Indic scripts need them to spell words, and emoji sequences (👩‍💻) are built with them.
  They cannot reorder text.
- Line and paragraph separators (U+2028, U+2029): they break lines where a line break is not
  expected; notes use an ordinary line feed.
- Unpaired surrogates (category Cs; JSON can carry "\\ud800") and the noncharacters
  (U+FDD0–U+FDEF, U+xxFFFE/U+xxFFFF): not text at all.

Unassigned code points (Cn) and private-use characters (Co) are allowed: an emoji newer than
this Python's Unicode tables is unassigned here, and refusing it would be wrong.

Surrounding whitespace is stripped first (a pasted trailing line break is not an error), the
rest is checked, NFC-normalized (one spelling for "é", so equal names compare equal) and
measured against `limit` in characters.
"""

import unicodedata

from .errors import ApplicationError

# Control characters have no Unicode name; these are their standard aliases.
_C0_NAMES = (
    "NULL",
    "START OF HEADING",
    "START OF TEXT",
    "END OF TEXT",
    "END OF TRANSMISSION",
    "ENQUIRY",
    "ACKNOWLEDGE",
    "BELL",
    "BACKSPACE",
    "CHARACTER TABULATION",
    "LINE FEED",
    "LINE TABULATION",
    "FORM FEED",
    "CARRIAGE RETURN",
    "SHIFT OUT",
    "SHIFT IN",
    "DATA LINK ESCAPE",
    "DEVICE CONTROL ONE",
    "DEVICE CONTROL TWO",
    "DEVICE CONTROL THREE",
    "DEVICE CONTROL FOUR",
    "NEGATIVE ACKNOWLEDGE",
    "SYNCHRONOUS IDLE",
    "END OF TRANSMISSION BLOCK",
    "CANCEL",
    "END OF MEDIUM",
    "SUBSTITUTE",
    "ESCAPE",
    "INFORMATION SEPARATOR FOUR",
    "INFORMATION SEPARATOR THREE",
    "INFORMATION SEPARATOR TWO",
    "INFORMATION SEPARATOR ONE",
)
_OTHER_CONTROL_NAMES = {0x7F: "DELETE", 0x85: "NEXT LINE"}

ALLOWED_FORMAT_CHARACTERS = frozenset({"\u200c", "\u200d"})  # ZWNJ, ZWJ (see above)
_LINE_BREAKS = frozenset({"\n", "\u2028", "\u2029"})


class TextError(ApplicationError):
    """Refused free text; `message` names the field and the character, `field` the field."""


def character_label(char: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE`: how a message names a character."""
    code = ord(char)
    if code < 0x20:
        name = _C0_NAMES[code]
    else:
        name = _OTHER_CONTROL_NAMES.get(code) or unicodedata.name(char, "")
    return f"U+{code:04X} {name}".rstrip()


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _refusal(char: str, *, field: str, multiline: bool) -> str | None:
    """Why `char` may not be in the field, or None when it may."""
    label = character_label(char)
    if char in _LINE_BREAKS and not multiline:
        return f"The {field} must be a single line: it contains a line break ({label})."
    if char in ("\n", "\t") and multiline:
        return None
    category = unicodedata.category(char)
    if category == "Cs":
        return f"The {field} contains {label}, half of a character pair that is not text."
    if _is_noncharacter(ord(char)):
        return f"The {field} contains {label}, which is not a character."
    if category == "Cc" or (category == "Cf" and char not in ALLOWED_FORMAT_CHARACTERS):
        return f"The {field} contains an invisible control character ({label}); remove it."
    if category in ("Zl", "Zp"):
        return f"The {field} contains {label}; use an ordinary line break instead."
    return None


def clean_text(value: str, *, field: str, limit: int, multiline: bool = False) -> str:
    """`value` NFC-normalized and stripped, or TextError (status 400) saying what is wrong.

    `field` is the word the message uses ("name", "notes"); `limit` is in characters;
    `multiline` allows line feeds and tabs (notes).
    """
    if not isinstance(value, str):
        raise TextError(f"The {field} must be text.", status=400, field=field)
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.strip()  # whitespace around the text is never kept, whatever it is
    # Check before normalizing, so the message names the character the person actually sent.
    for char in value:
        if char.isprintable():
            continue  # the common case: letters, digits, punctuation, spaces, emoji
        reason = _refusal(char, field=field, multiline=multiline)
        if reason:
            raise TextError(reason, status=400, field=field)
    value = unicodedata.normalize("NFC", value)
    if len(value) > limit:
        raise TextError(
            f"The {field} is too long: at most {limit} characters (it has {len(value)}).",
            status=400,
            field=field,
        )
    return value
