"""Helpers for the sandbox tests: signed requests over HTTP (no tests in this module).

Deliberately independent of `balance.client` (built separately): only `requests` and
`balance.signing.sign_headers`, so these tests pin the sandbox, not our client.
"""

import json
from decimal import Decimal
from typing import Any

import requests

from balance.signing import sign_headers


def parse(response: requests.Response) -> Any:
    """The JSON body with every fractional number as Decimal (never float)."""
    return json.loads(response.text, parse_float=Decimal)


class Api:
    """Signed calls to a running sandbox (`sandbox` fixture handle)."""

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.url = sandbox.url

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict | None = None,
        raw: bytes | None = None,
        timeout: float = 10,
        **sign: Any,
    ) -> requests.Response:
        """Sign exactly the bytes sent (`raw`, or `body` as JSON) and send them."""
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        headers = sign_headers(
            access_id=sign.get("access_id", self.sandbox.access_id),
            secret_key=sign.get("secret_key", self.sandbox.secret_key),
            method=sign.get("sign_method", method),
            path=path,
            body=data,
            timestamp=sign.get("timestamp"),
        )
        headers["User-Agent"] = "custody-portal-tests/1"
        return requests.request(
            method,
            self.url + path,
            data=data or None,
            headers=headers,
            params=params,
            timeout=timeout,
        )

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None) -> requests.Response:
        return self.request("PUT", path, body)

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """The parsed body of a call that must answer 200."""
        response = self.request(method, path, body, params=params or None)
        assert response.status_code == 200, (response.status_code, response.text)
        return parse(response)

    def error(self, response: requests.Response, status: int) -> str:
        """Assert a Balance-style error with `status`; return its message."""
        assert response.status_code == status, (response.status_code, response.text)
        body = response.json()
        assert set(body) == {"error"}, body
        return body["error"]

    def control(self, method: str, path: str, body: Any = None) -> Any:
        return self.sandbox.control(method, path, json=body).json()

    def walk(self, path: str, **params: Any) -> list[dict]:
        """Every record of a cursor-paginated endpoint, following `after=end_cursor`."""
        records: list[dict] = []
        after = None
        while True:
            query = dict(params, **({"after": after} if after else {}))
            body = self.ok("GET", path, **query)
            records += [entry["data"] for entry in body["page"]]
            if not body["page_info"]["has_next_page"]:
                return records
            after = body["page_info"]["end_cursor"]
