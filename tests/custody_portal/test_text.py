"""The one validator for names and notes: what it refuses, what it keeps, what it says."""

import pytest

from custody_portal.errors import ApplicationError
from custody_portal.text import TextError, character_label, clean_text


def _refusal(value: str, **kwargs) -> str:
    kwargs.setdefault("field", "name")
    kwargs.setdefault("limit", 255)
    with pytest.raises(TextError) as caught:
        clean_text(value, **kwargs)
    assert caught.value.status == 400 and caught.value.field == kwargs["field"]
    return caught.value.message


def test_a_bidi_override_is_refused_by_name():
    assert _refusal("Payroll \u202e321") == (
        "The name contains an invisible control character (U+202E RIGHT-TO-LEFT OVERRIDE); "
        "remove it."
    )


@pytest.mark.parametrize(
    "char",
    [
        "\u202a",  # LEFT-TO-RIGHT EMBEDDING
        "\u202b",
        "\u202c",
        "\u202d",
        "\u2066",  # LEFT-TO-RIGHT ISOLATE
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200e",  # LEFT-TO-RIGHT MARK
        "\u200f",
        "\u061c",  # ARABIC LETTER MARK
        "\u200b",  # ZERO WIDTH SPACE
        "\u2060",  # WORD JOINER
        "\ufeff",  # BYTE ORDER MARK
        "\u00ad",  # SOFT HYPHEN
        "\U000e0041",  # TAG LATIN CAPITAL LETTER A
    ],
)
def test_every_invisible_format_character_is_refused(char):
    message = _refusal(f"a{char}b", field="notes", limit=1000, multiline=True)
    assert f"U+{ord(char):04X}" in message and "invisible control character" in message


@pytest.mark.parametrize(
    ("char", "label"),
    [
        ("\x00", "U+0000 NULL"),
        ("\x07", "U+0007 BELL"),
        ("\x1b", "U+001B ESCAPE"),
        ("\x7f", "U+007F DELETE"),
        ("\x85", "U+0085 NEXT LINE"),
        ("\x9b", "U+009B"),  # a C1 control without an alias here
    ],
)
def test_control_characters_are_refused_and_named(char, label):
    assert _refusal(f"a{char}b") == (
        f"The name contains an invisible control character ({label}); remove it."
    )


def test_the_name_is_one_line_but_notes_keep_line_breaks_and_tabs():
    assert _refusal("first\nsecond") == (
        "The name must be a single line: it contains a line break (U+000A LINE FEED)."
    )
    assert "U+0009 CHARACTER TABULATION" in _refusal("a\tb")
    assert "U+2028 LINE SEPARATOR" in _refusal("a\u2028b")
    notes = clean_text("line one\r\nline two\r\tindented", field="notes", limit=100, multiline=True)
    assert notes == "line one\nline two\n\tindented"  # CRLF and CR (textarea) → LF
    assert "U+2029 PARAGRAPH SEPARATOR" in _refusal(
        "a\u2029b", field="notes", limit=100, multiline=True
    )


def test_lone_surrogates_and_noncharacters_are_not_text():
    assert "U+D800" in _refusal("a\ud800b")
    assert "U+FFFE" in _refusal("a\ufffeb")
    assert "U+FDD0" in _refusal("a\ufdd0b")


def test_joiners_emoji_and_other_scripts_are_kept():
    """ZWJ/ZWNJ build emoji and spell Persian and Indic words; they cannot reorder text."""
    for text in (
        "👩\u200d💻 desk",
        "می\u200cخواهم",
        "क्\u200dष",
        "Zürich ✓",
        "東京 ウォレット",
        "a\u00a0b",
    ):
        assert clean_text(text, field="name", limit=255) == text


def test_text_is_stripped_and_nfc_normalized_before_measuring():
    decomposed = "Cafe\u0301"  # e + COMBINING ACUTE ACCENT
    assert clean_text(f"  {decomposed}\n", field="name", limit=4) == "Café"
    assert clean_text("   ", field="name", limit=4) == ""


def test_too_long_text_says_the_limit_and_the_length():
    assert _refusal("x" * 256) == "The name is too long: at most 255 characters (it has 256)."


def test_a_non_string_is_refused_not_converted():
    assert _refusal(123) == "The name must be text."  # type: ignore[arg-type]


def test_the_error_is_an_application_error_the_views_already_handle():
    assert issubclass(TextError, ApplicationError)
    assert character_label("\u202e") == "U+202E RIGHT-TO-LEFT OVERRIDE"
