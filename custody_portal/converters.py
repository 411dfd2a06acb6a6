"""URL path converters: a path parameter is checked by the URL itself, before any view runs.

A value that does not match is a 404 (the styled page, or JSON under /api/) before any query
or Balance call: `/assets/%00/` used to reach PostgreSQL (which refuses NUL in text, a 500),
and an address of `.` or `..` made the Balance client send `PUT …/assets/` to Balance.

Importing this module registers them; URL modules import it before using `<asset:…>` or
`<address:…>`.
"""

from django.urls import register_converter


class AssetConverter:
    """An asset ticker: 1–16 ASCII letters or digits. Either case is accepted (`/assets/BTC/`
    worked before and people type it); the view gets it in lower case, as the registry
    spells it."""

    regex = "[A-Za-z0-9]{1,16}"

    def to_python(self, value: str) -> str:
        return value.lower()

    def to_url(self, value: str) -> str:
        return str(value).lower()


class AddressConverter:
    """A blockchain address as it may appear in a sub-address URL: ASCII letters and digits,
    plus `:` for the BCH CashAddr prefix (`bchtest:q…`); at most 120 characters. Never `.`,
    `/`, `%`, or a control character."""

    regex = "[A-Za-z0-9:]{1,120}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(AssetConverter, "asset")
register_converter(AddressConverter, "address")
