"""Balance HMAC signing against the published vectors of REFERENCE.md §2.3."""

import pytest

from balance import signing

ACCESS_ID = "eSKzYGehz5s8R9QJ3"
SECRET = "3mUgEnXkm8UR57RaLycP9Cu7pga4PELdzu2mfbHv6r3E"
TS = 1561661184


def test_tv0_body_hash():
    assert signing.data_hash(b'{"name": "foobar"}') == (
        "e684679449a32cb2477110ce15b02eace29dbfc89b9f8597a90d5702d5f60695"
    )


def test_empty_body_hashes_to_empty_string_not_sha256_of_nothing():
    assert signing.data_hash(b"") == ""
    assert signing.canonical_string("get", "/api/v1/wallets", b"", TS) == (
        "GET,application/json,/api/v1/wallets,,1561661184"
    )


def test_tv1_post_with_body():
    body = b'{"name": "foo", "description": "bar"}'
    canonical = signing.canonical_string("POST", "/api/v1/wallets", body, TS)
    assert canonical == (
        "POST,application/json,/api/v1/wallets,"
        "bfb3244e37e4f79fd7aa50213fae150cae746f65b8194248b8c4b21c69f070f0,1561661184"
    )
    assert signing.signature(SECRET, canonical) == (
        "c3b2f03bb3334ea9a81c0fb1ae3d610a253cebe9b9b4bac62e404a245cf3363d"
    )
    headers = signing.sign_headers(
        access_id=ACCESS_ID,
        secret_key=SECRET,
        method="POST",
        path="/api/v1/wallets",
        body=body,
        timestamp=TS,
    )
    assert headers == {
        "Content-Type": "application/json",
        "Date": "Thu, 27 Jun 2019 18:46:24 GMT",
        "Authorization": "BalanceAPIAuth eSKzYGehz5s8R9QJ3:"
        "c3b2f03bb3334ea9a81c0fb1ae3d610a253cebe9b9b4bac62e404a245cf3363d",
    }


def test_tv2_get_without_body_signs_with_the_real_method():
    canonical = signing.canonical_string("GET", "/api/v1/wallets", b"", TS)
    assert signing.signature(SECRET, canonical) == (
        "98573d4293fc61e607a0584b62f70c28a4180b8cf9988f1dd9a56ee1370751b1"
    )


def test_tv2_docs_erratum_printed_signature_is_a_post_with_empty_body():
    """The GET example in Balance's docs prints the signature of a POST with no body."""
    printed = "05c8fc86fa0568ec05412caab4327e3a7baf78f288832a53bc54cf168a15d3f8"
    post_canonical = signing.canonical_string("POST", "/api/v1/wallets", b"", TS)
    get_canonical = signing.canonical_string("GET", "/api/v1/wallets", b"", TS)
    assert signing.signature(SECRET, post_canonical) == printed
    assert signing.signature(SECRET, get_canonical) != printed


def test_tv3_helper_library_example():
    ts = 1562341937
    assert signing.http_date(ts) == "Fri, 05 Jul 2019 15:52:17 GMT"
    canonical = signing.canonical_string("GET", "/api/v1/wallets", b"", ts)
    assert canonical == "GET,application/json,/api/v1/wallets,,1562341937"
    assert signing.signature("2AxHS3cqqUMrCCKDNGmgCU1ovjAYgzVwRoT3QMVW5j6b", canonical) == (
        "b86e3ffdf6b814f180c1d37bad328b2e241d90db747e98f44fd86a24e02b6fed"
    )


def _headers(**overrides):
    headers = {
        k.lower(): v
        for k, v in signing.sign_headers(
            access_id=ACCESS_ID,
            secret_key=SECRET,
            method="GET",
            path="/api/v1/wallets",
            timestamp=TS,
        ).items()
    }
    headers.update(overrides)
    return {k: v for k, v in headers.items() if v is not None}


def _verify(headers, method="GET", now=TS):
    return signing.verify_request(
        method=method,
        path="/api/v1/wallets",
        body=b"",
        headers=headers,
        secrets={ACCESS_ID: SECRET},
        now=now,
    )


def test_verify_accepts_a_correct_request():
    assert _verify(_headers()) is None


def test_verify_refuses_in_the_documented_order():
    cases = [
        (_headers(**{"content-type": None}), 401, "Content-Type header not set"),
        (
            _headers(**{"content-type": "text/plain"}),
            401,
            "Content-Type header must be application/json",
        ),
        (_headers(date=None), 401, "Date header not set"),
        (_headers(date="yesterday"), 401, "Failed to parse Date header"),
        (_headers(date=signing.http_date(TS + 16 * 60)), 401, "Date too far in the future"),
        (_headers(date=signing.http_date(TS - 16 * 60)), 401, "Date is too old"),
        (_headers(authorization=None), 401, "Authorization header not set"),
        (_headers(authorization="Bearer x"), 401, "Failed to parse Authorization header"),
        (_headers(authorization="BalanceAPIAuth nobody:abcd"), 404, "Access ID not found"),
    ]
    for headers, status, error in cases:
        failure = _verify(headers)
        assert (failure.status, failure.error) == (status, error)


def test_verify_refuses_a_signature_made_for_another_method():
    failure = _verify(_headers(), method="POST")
    assert (failure.status, failure.error) == (401, "Invalid signature")


def test_verify_refuses_the_printed_get_curl_of_the_docs():
    printed = (
        "BalanceAPIAuth eSKzYGehz5s8R9QJ3:"
        "05c8fc86fa0568ec05412caab4327e3a7baf78f288832a53bc54cf168a15d3f8"
    )
    failure = _verify(_headers(authorization=printed))
    assert (failure.status, failure.error) == (401, "Invalid signature")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=utf-8",
        "Application/JSON",
        "APPLICATION/JSON",
        "application/json;charset=utf-8",
        " application/json",
        "application/json ",
    ],
)
def test_verify_requires_content_type_exactly_application_json(content_type):
    """REFERENCE §2.2/§2.5: no case folding, no `; charset=…`, checked before the signature."""
    failure = _verify(_headers(**{"content-type": content_type}))
    assert (failure.status, failure.error) == (
        401,
        "Content-Type header must be application/json",
    )


def test_verify_accepts_the_tv1_request_exactly_as_documented():
    """The documented curl of TV-1 (POST with body) verifies; its canonical string is TV-1's."""
    body = b'{"name": "foo", "description": "bar"}'
    headers = {
        "content-type": "application/json",
        "date": "Thu, 27 Jun 2019 18:46:24 GMT",
        "authorization": "BalanceAPIAuth eSKzYGehz5s8R9QJ3:"
        "c3b2f03bb3334ea9a81c0fb1ae3d610a253cebe9b9b4bac62e404a245cf3363d",
    }
    failure = signing.verify_request(
        method="POST",
        path="/api/v1/wallets",
        body=body,
        headers=headers,
        secrets={ACCESS_ID: SECRET},
        now=TS,
    )
    assert failure is None
