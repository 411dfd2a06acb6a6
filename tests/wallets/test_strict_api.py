"""The JSON API takes exactly what it documents, or says no before calling Balance.

A lenient API did harm: `{"nmae": "x"}` created an unnamed sub-address at Balance (which
cannot be deleted), `{"name": 123}` became "123", `"yes"` became true, and a 100,000-deep
array was a RecursionError 500.
"""

import json

import pytest

from custody_portal.api import MAX_BODY_BYTES, json_depth_exceeds
from custody_portal.models import AuditEvent
from wallets.models import SubAddress
from wallets.services import sub_addresses_refresh

pytestmark = pytest.mark.django_db

URL = "/api/wallets/1/sub-addresses/btc/"


def _send(client, method: str, url: str, body, *, content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return getattr(client, method)(url, data, content_type=content_type)


@pytest.fixture
def address(sandbox, refreshed) -> str:
    sub_addresses_refresh(wallet_id=1)
    return SubAddress.objects.filter(wallet_id=1, asset="btc").first().address


def _writes(sandbox) -> list[dict]:
    return [c for c in sandbox.calls() if c["method"] in ("POST", "PUT")]


BAD_BODIES = [
    # (body, the 400's detail, its field)
    (
        {"nmae": "x"},
        "Unknown field “nmae”: the fields are name, notes, is_watched. Nothing was changed.",
        "nmae",
    ),
    (
        {"name": "ok", "colour": "red", "size": 1},
        "Unknown fields “colour”, “size”: the fields are name, notes, is_watched. "
        "Nothing was changed.",
        "colour",
    ),
    ({"name": 123}, "The name must be a JSON string, not a number.", "name"),
    ({"name": True}, "The name must be a JSON string, not a boolean.", "name"),
    ({"notes": ["a"]}, "The notes must be a JSON string, not an array.", "notes"),
    ({"name": {"x": 1}}, "The name must be a JSON string, not an object.", "name"),
    ({"name": None}, "name: This field may not be null.", "name"),
    ({"is_watched": "yes"}, 'is_watched must be true or false (a JSON boolean), not "yes".', None),
    (
        {"is_watched": "true"},
        'is_watched must be true or false (a JSON boolean), not "true".',
        None,
    ),
    ({"is_watched": 1}, "is_watched must be true or false (a JSON boolean), not 1.", None),
    ({"is_watched": 0}, "is_watched must be true or false (a JSON boolean), not 0.", None),
    (
        {"name": "Pay\u202eroll"},
        "The name contains an invisible control character (U+202E RIGHT-TO-LEFT OVERRIDE); "
        "remove it.",
        "name",
    ),
    (
        {"name": "two\nlines"},
        "The name must be a single line: it contains a line break (U+000A LINE FEED).",
        "name",
    ),
    (
        ["name", "x"],
        "The request body must be a JSON object, not an array; its fields are name, notes, "
        "is_watched.",
        None,
    ),
    (
        "42",
        "The request body must be a JSON object, not a number; its fields are name, notes, "
        "is_watched.",
        None,
    ),
]


# Every bad body against the create; a representative few against PUT and PATCH (same
# serializer base, same parser).
CASES = [("post", *case) for case in BAD_BODIES] + [
    (method, *BAD_BODIES[i]) for method in ("put", "patch") for i in (0, 2, 7, 13)
]


@pytest.mark.parametrize(("method", "body", "detail", "field"), CASES)
def test_bad_bodies_are_a_400_naming_the_problem_and_balance_never_hears_of_them(
    sandbox, address, operator_client, method, body, detail, field
):
    url = URL if method == "post" else f"{URL}{address}/"
    sandbox.control("DELETE", "calls")
    field = field or ("is_watched" if "is_watched must" in detail else None)

    response = _send(operator_client, method, url, body)

    assert response.status_code == 400
    expected = {"detail": detail, **({"field": field} if field else {})}
    assert response.json() == expected
    assert _writes(sandbox) == []
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("[" * 100_000 + "]" * 100_000, "The request body is larger than 64 KB."),
        ("[" * 30_000 + "]" * 30_000, "The request body nests deeper than 32 levels."),
        ('{"name": ' + "[" * 33 + "]" * 33 + "}", "The request body nests deeper than 32 levels."),
        ('{"name": "a", "name": "b"}', "The key “name” appears twice in one object."),
        ('{"is_watched": NaN}', "The request body contains NaN, which is not a JSON number."),
        ('{"name": "x",}', "The request body is not valid JSON: "),
        ('{"name": "unterminated', "The request body is not valid JSON: "),
        ('{"name": "' + "x" * MAX_BODY_BYTES + '"}', "The request body is larger than 64 KB."),
    ],
    ids=[
        "100k-deep",
        "30k-deep",
        "33-deep",
        "repeated-key",
        "nan",
        "trailing-comma",
        "unterminated",
        "big",
    ],
)
def test_unreadable_json_is_a_400_not_a_500(sandbox, refreshed, operator_client, raw, detail):
    response = _send(operator_client, "post", URL, raw)

    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
    assert _writes(sandbox) == []


def test_json_only(sandbox, refreshed, operator_client):
    """A form-encoded body would turn "false" into text: only JSON is read."""
    response = operator_client.post(URL, {"name": "x", "is_watched": "false"})

    assert response.status_code == 415
    assert response.json()["detail"].startswith('Unsupported media type "multipart/form-data')
    assert _writes(sandbox) == []


def test_strings_with_escapes_do_not_fool_the_depth_check():
    assert not json_depth_exceeds('{"name": "[[[[[\\"[[[["}', 2)
    assert json_depth_exceeds('{"a": [[1]]}', 2)
    assert not json_depth_exceeds('{"a": [[1]]}', 3)


def test_a_strict_body_still_creates_and_updates(sandbox, address, operator_client):
    created = _send(
        operator_client,
        "post",
        URL,
        {"name": "  Cafe\u0301 desk  ", "notes": "line 1\nline 2", "is_watched": False},
    )
    patched = _send(operator_client, "patch", f"{URL}{address}/", {"is_watched": True})
    empty = _send(operator_client, "post", URL, "")

    assert created.status_code == 201
    assert created.json()["name"] == "Café desk"  # stripped, NFC (é as one character)
    assert created.json()["notes"] == "line 1\nline 2"
    assert patched.status_code == 200 and patched.json()["is_watched"] is True
    assert empty.status_code == 201 and empty.json()["name"] == ""  # no body: the defaults
    posts = [c["body"] for c in _writes(sandbox) if c["method"] == "POST"]
    assert posts[0] == {"name": "Café desk", "notes": "line 1\nline 2", "is_watched": False}
