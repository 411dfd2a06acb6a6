"""DRF glue shared by every app's API: the exception handler and strict JSON input.

Strict input, because a lenient API does harm here: `{"nmae": "x"}` created an unnamed
sub-address at Balance (which cannot be deleted), `{"name": 123}` was stored as "123", and
`"yes"` became `true`. So:

- `StrictJSONParser`: JSON only, at most `MAX_BODY_BYTES`, nested at most `MAX_DEPTH` deep
  (checked before parsing: a 100,000-deep array used to be a RecursionError 500), no NaN or
  Infinity, no key twice in one object.
- `StrictInputSerializer`: the body must be an object and every key a known field.
- `StrictCharField` takes only JSON strings and runs them through
  `custody_portal.text.clean_text`; `StrictBooleanField` takes only `true`/`false`.
- `validated_input` turns a serializer's errors into the API's one error shape,
  `{"detail": "...", "field": "..."}` (an ApplicationError), like every other 4xx.
"""

import json
import re
from collections.abc import Mapping

from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError
from .text import TextError, clean_text


def exception_handler(exc, context):
    """Turn an ApplicationError into a 4xx/5xx JSON answer with its message; never a 500 page."""
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=exc.status)
    return drf_exception_handler(exc, context)


# --- parsing -----------------------------------------------------------------------------

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 32
# An escape pair (skipped), a quote (enters or leaves a string) or a bracket (counted outside
# strings). One linear pass, whatever the text: no backtracking on unterminated strings.
_TOKENS = re.compile(r'\\.|["\[\]{}]', re.DOTALL)


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether arrays/objects nest deeper than `limit` anywhere in `text` (no recursion)."""
    depth = 0
    in_string = False
    for token in _TOKENS.finditer(text):
        char = token.group()
        if char == '"':
            in_string = not in_string
        elif in_string or len(char) == 2:
            continue
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _refuse_constant(name: str):
    raise ParseError(f"The request body contains {name}, which is not a JSON number.")


def _object_without_repeats(pairs: list[tuple[str, object]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise ParseError(f"The key “{key}” appears twice in one object.")
        result[key] = value
    return result


class StrictJSONParser(BaseParser):
    """application/json, bounded in size and depth; anything else is a 400 with a reason."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:
            raise ParseError(f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError("The request body is not UTF-8 text.") from exc
        if json_depth_exceeds(text, MAX_DEPTH):
            raise ParseError(f"The request body nests deeper than {MAX_DEPTH} levels.")
        try:
            return json.loads(
                text, parse_constant=_refuse_constant, object_pairs_hook=_object_without_repeats
            )
        except RecursionError as exc:  # the depth check should make this unreachable
            raise ParseError(f"The request body nests deeper than {MAX_DEPTH} levels.") from exc
        except json.JSONDecodeError as exc:
            raise ParseError(
                f"The request body is not valid JSON: {exc.msg} "
                f"(line {exc.lineno}, column {exc.colno})."
            ) from exc


# --- fields and serializers --------------------------------------------------------------


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


class StrictCharField(serializers.CharField):
    """A JSON string only (never a number or boolean turned into text), checked by
    `clean_text`: no control characters or bidi overrides, NFC, stripped, at most
    `max_length` characters. `multiline` allows line breaks and tabs (notes)."""

    def __init__(self, *, multiline: bool = False, **kwargs) -> None:
        kwargs.setdefault("trim_whitespace", False)  # clean_text strips, after its checks
        super().__init__(**kwargs)
        self.multiline = multiline

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError(
                f"The {self.field_name} must be a JSON string, not {_json_type(data)}."
            )
        try:
            return clean_text(
                data,
                field=self.field_name,
                limit=self.max_length or MAX_BODY_BYTES,
                multiline=self.multiline,
            )
        except TextError as exc:
            raise serializers.ValidationError(exc.message) from exc


class StrictBooleanField(serializers.BooleanField):
    """`true` or `false` only: not "yes", "true", 1 or 0."""

    def to_internal_value(self, data) -> bool:
        if isinstance(data, bool):
            return data
        shown = json.dumps(data) if isinstance(data, str | int | float) else _json_type(data)
        raise serializers.ValidationError(
            f"{self.field_name} must be true or false (a JSON boolean), not {shown}."
        )


class StrictInputSerializer(serializers.Serializer):
    """An input serializer that refuses a body that is not an object, and unknown keys."""

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {
                    "body": [
                        f"The request body must be a JSON object, not {_json_type(data)}; "
                        f"its fields are {', '.join(self.fields)}."
                    ]
                }
            )
        unknown = [key for key in data if key not in self.fields]
        if unknown:
            names = ", ".join(f"“{key}”" for key in unknown)
            raise serializers.ValidationError(
                {
                    unknown[0]: [
                        f"Unknown field{'s' if len(unknown) > 1 else ''} {names}: "
                        f"the fields are {', '.join(self.fields)}. Nothing was changed."
                    ]
                }
            )
        return super().to_internal_value(data)


def _first_messages(errors) -> list[str]:
    if isinstance(errors, Mapping):
        return [m for value in errors.values() for m in _first_messages(value)]
    if isinstance(errors, list):
        return [m for value in errors for m in _first_messages(value)]
    return [str(errors)]


def validated_input(serializer_class: type[serializers.Serializer], data) -> dict:
    """The serializer's validated data, or ApplicationError(400) `{"detail", "field"}`
    naming the field and saying what is wrong with it."""
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return dict(serializer.validated_data)
    errors = serializer.errors
    parts = []
    for field, messages in errors.items():
        for message in _first_messages(messages):
            text = str(message)
            shown_field = field if field not in ("body", "non_field_errors") else ""
            if shown_field and shown_field not in text:
                text = f"{shown_field}: {text}"
            parts.append(text)
    field = next(iter(errors), None)
    raise ApplicationError(
        " ".join(parts),
        status=400,
        field=None if field in ("body", "non_field_errors") else field,
    )
