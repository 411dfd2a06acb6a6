"""Sandbox authentication: REFERENCE §2.5 error strings in check order, the TV vectors."""

import io
import time
import types
from decimal import Decimal
from wsgiref.util import setup_testing_defaults

import pytest
import requests
from urllib3.util import SKIP_HEADER

import balance.signing
from balance.sandbox.app import make_app
from balance.signing import canonical_string, http_date, sign_headers, signature

from .test_sandbox_support import Api, parse

PATH = "/api/v1/wallets"
CT = "application/json"
TV_ACCESS_ID = "eSKzYGehz5s8R9QJ3"
TV_SECRET = "3mUgEnXkm8UR57RaLycP9Cu7pga4PELdzu2mfbHv6r3E"
TV_TIMESTAMP = 1561661184
TV_DATE = "Thu, 27 Jun 2019 18:46:24 GMT"


def _auth(access_id: str, sig: str) -> str:
    return f"BalanceAPIAuth {access_id}:{sig}"


def _cases(sandbox) -> list[tuple[dict, int, str | None]]:
    """Each step fixes one more header; the rest stay broken, so the order is what is tested."""
    now = int(time.time())
    good = sign_headers(
        access_id=sandbox.access_id,
        secret_key=sandbox.secret_key,
        method="GET",
        path=PATH,
        timestamp=now,
    )
    wrong_path = sign_headers(
        access_id=sandbox.access_id,
        secret_key=sandbox.secret_key,
        method="GET",
        path="/api/v1/stats",
        timestamp=now,
    )
    date = good["Date"]
    return [
        ({"Date": "garbage", "Authorization": "garbage"}, 401, "Content-Type header not set"),
        (
            {"Content-Type": "text/plain", "Date": "garbage"},
            401,
            "Content-Type header must be application/json",
        ),
        ({"Content-Type": CT, "Authorization": "garbage"}, 401, "Date header not set"),
        ({"Content-Type": CT, "Date": "yesterday-ish"}, 401, "Failed to parse Date header"),
        ({"Content-Type": CT, "Date": http_date(now + 16 * 60)}, 401, "Date too far in the future"),
        ({"Content-Type": CT, "Date": http_date(now - 16 * 60)}, 401, "Date is too old"),
        ({"Content-Type": CT, "Date": date}, 401, "Authorization header not set"),
        (
            {"Content-Type": CT, "Date": date, "Authorization": "Bearer abc"},
            401,
            "Failed to parse Authorization header",
        ),
        (
            {"Content-Type": CT, "Date": date, "Authorization": _auth("nobody", "ab12")},
            404,
            "Access ID not found",
        ),
        (wrong_path, 401, "Invalid signature"),
        (good, 200, None),
    ]


@pytest.mark.parametrize("step", range(11))
def test_auth_errors_follow_the_documented_order(sandbox, step):
    headers, status, error = _cases(sandbox)[step]
    response = requests.get(sandbox.url + PATH, headers=headers, timeout=10)
    assert response.status_code == status, response.text
    if error is not None:
        assert response.json() == {"error": error}


def test_header_names_are_case_insensitive(sandbox):
    headers = sign_headers(
        access_id=sandbox.access_id, secret_key=sandbox.secret_key, method="GET", path=PATH
    )
    lower = {key.lower(): value for key, value in headers.items()}
    assert lower["content-type"] == CT
    assert requests.get(sandbox.url + PATH, headers=lower, timeout=10).status_code == 200


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"],
)
def test_content_type_value_must_be_exactly_application_json(sandbox, content_type):
    """REFERENCE §2.2/§2.5: the value is `application/json`, no other case, no parameters."""
    headers = sign_headers(
        access_id=sandbox.access_id, secret_key=sandbox.secret_key, method="GET", path=PATH
    )
    headers["Content-Type"] = content_type
    response = requests.get(sandbox.url + PATH, headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json() == {"error": "Content-Type header must be application/json"}


def test_signature_uses_the_real_method(sandbox):
    """What the printed TV-2 GET curl really signs (POST, empty body) is refused for a GET."""
    api = Api(sandbox)
    response = api.request("GET", PATH, sign_method="POST")
    assert api.error(response, 401) == "Invalid signature"


def test_query_string_is_not_signed(sandbox):
    api = Api(sandbox)
    assert api.get(PATH, page_size=3).status_code == 200


def test_body_is_signed(sandbox):
    api = Api(sandbox)
    headers = sign_headers(
        access_id=sandbox.access_id,
        secret_key=sandbox.secret_key,
        method="POST",
        path=PATH,
        body=b'{"name": "a"}',
    )
    response = requests.post(sandbox.url + PATH, data=b'{"name": "b"}', headers=headers, timeout=10)
    assert api.error(response, 401) == "Invalid signature"


def test_transaction_fees_are_public(sandbox):
    fees = parse(requests.get(sandbox.url + "/api/v1/transaction_fees", timeout=10))
    assert fees["btc"]["medium"] == {"fee_rate": Decimal("19.137"), "blocks": 2, "unit": "sat/b"}
    one = requests.get(sandbox.url + "/api/v1/transaction_fees/fil", timeout=10)
    assert set(parse(one)) == {"slow", "medium", "fast"}
    unknown = requests.get(sandbox.url + "/api/v1/transaction_fees/doge", timeout=10)
    assert unknown.status_code == 404 and "error" in unknown.json()


def test_user_agent_toggle(sandbox):
    api = Api(sandbox)
    sandbox.control("POST", "options", json={"require_user_agent": True})
    headers = sign_headers(
        access_id=sandbox.access_id, secret_key=sandbox.secret_key, method="GET", path=PATH
    )
    headers["User-Agent"] = SKIP_HEADER  # otherwise urllib3 adds its own
    response = requests.get(sandbox.url + PATH, headers=headers, timeout=10)
    assert api.error(response, 401) == "User-Agent header not set"
    assert api.get(PATH).status_code == 200


def test_unknown_path_and_bad_json(sandbox):
    api = Api(sandbox)
    assert api.error(api.get("/api/v1/nothing"), 404) == "Not found"
    assert api.error(requests.get(sandbox.url + "/", timeout=10), 404) == "Not found"
    assert api.error(api.post(PATH, raw=b'{"name": '), 400) == "Malformed JSON in request body"


# ---- the published vectors, replayed in-process at their 2019 timestamp -----------------


def _wsgi(
    app, method: str, path: str, headers: dict, body: bytes = b"", remote: str = "127.0.0.1"
) -> tuple[int, bytes]:
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD=method,
        PATH_INFO=path,
        QUERY_STRING="",
        REMOTE_ADDR=remote,
        CONTENT_LENGTH=str(len(body)),
    )
    environ["wsgi.input"] = io.BytesIO(body)
    for name, value in headers.items():
        if name.lower() == "content-type":
            environ["CONTENT_TYPE"] = value
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    status: list[str] = []
    chunks = app(environ, lambda s, h: status.append(s))
    return int(status[0].split()[0]), b"".join(chunks)


@pytest.fixture
def tv_app(monkeypatch):
    """A sandbox holding the TV credentials whose signature check believes it is 2019."""
    monkeypatch.setattr(balance.signing, "time", types.SimpleNamespace(time=lambda: TV_TIMESTAMP))
    return make_app(1, 3, TV_ACCESS_ID, TV_SECRET)


def test_tv1_documented_post_is_accepted(tv_app):
    headers = {
        "Content-Type": CT,
        "Date": TV_DATE,
        "Authorization": _auth(
            TV_ACCESS_ID, "c3b2f03bb3334ea9a81c0fb1ae3d610a253cebe9b9b4bac62e404a245cf3363d"
        ),
    }
    status, body = _wsgi(tv_app, "POST", PATH, headers, b'{"name": "foo", "description": "bar"}')
    assert status == 200, body


def test_tv2_printed_get_curl_is_refused(tv_app):
    printed = "05c8fc86fa0568ec05412caab4327e3a7baf78f288832a53bc54cf168a15d3f8"
    # Docs errata: the printed value is the signature of a POST with an empty body.
    post_canonical = canonical_string("POST", PATH, b"", TV_TIMESTAMP)
    assert signature(TV_SECRET, post_canonical) == printed
    headers = {"Content-Type": CT, "Date": TV_DATE, "Authorization": _auth(TV_ACCESS_ID, printed)}
    status, body = _wsgi(tv_app, "GET", PATH, headers)
    assert (status, body) == (401, b'{"error": "Invalid signature"}')
    computed = "98573d4293fc61e607a0584b62f70c28a4180b8cf9988f1dd9a56ee1370751b1"
    headers["Authorization"] = _auth(TV_ACCESS_ID, computed)
    assert _wsgi(tv_app, "GET", PATH, headers)[0] == 200


def test_control_surface_is_loopback_only(tv_app):
    status, body = _wsgi(tv_app, "GET", "/_sandbox/health", {}, remote="10.1.2.3")
    assert status == 403
    assert _wsgi(tv_app, "GET", "/_sandbox/health", {}, remote="::1") == (200, b'{"ok": true}')
