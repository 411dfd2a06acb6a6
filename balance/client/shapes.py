"""Reading Balance's 2xx bodies as the documented shapes, or refusing them.

"Unknown is not empty" (STYLE.md): every function here either returns what the documentation
promises or raises `BalanceUnexpectedResponse`. None of them ever turns an answer it cannot
read into `[]` or `{}`, because a caller would take that as the truth ("every wallet is gone").
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import BalanceUnexpectedResponse

# What `cls.from_json` raises when a record is not the documented struct.
_SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, ArithmeticError)


def unreadable(what: str, detail: str) -> BalanceUnexpectedResponse:
    """The error for a 2xx we cannot read; `what` names the call, `detail` what was wrong."""
    return BalanceUnexpectedResponse(
        f"Balance sent a response the portal cannot read ({what}: {detail})."
    )


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def expect_dict(payload: Any, what: str, *, keys: Iterable[str] = ()) -> dict:
    """`payload` when it is a JSON object holding every key of `keys`."""
    if not isinstance(payload, dict):
        raise unreadable(what, f"expected an object, got {_kind(payload)}")
    missing = [key for key in keys if key not in payload]
    if missing:
        raise unreadable(what, f"the answer has no {', '.join(missing)}")
    return payload


def expect_list(payload: Any, what: str) -> list:
    """`payload` when it is a JSON array."""
    if not isinstance(payload, list):
        raise unreadable(what, f"expected an array, got {_kind(payload)}")
    return payload


def records(items: Any, what: str) -> list[dict]:
    """An array whose every element is an object (transactions are kept as Balance's dicts)."""
    items = expect_list(items, what)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise unreadable(what, f"item {index} is {_kind(item)}, not an object")
    return items


def one(cls: type, data: Any, what: str = "") -> Any:
    """`cls.from_json(data)`, or a typed error naming what Balance sent instead."""
    what = what or f"expected a {cls.__name__}"
    if not isinstance(data, dict):
        raise unreadable(what, f"expected an object, got {_kind(data)}")
    try:
        return cls.from_json(data)
    except _SHAPE_ERRORS as exc:
        raise unreadable(what, _plain(exc)) from exc


def _plain(exc: Exception) -> str:
    """What was wrong with a record, for operations staff (never a Python class name)."""
    if isinstance(exc, KeyError) and exc.args:
        return f"the field “{exc.args[0]}” is missing"
    text = str(exc).strip()
    return f"a field has an unexpected value ({text})" if text else "a field is unreadable"


def many(cls: type, items: Any, what: str = "") -> list:
    """`[cls.from_json(item) …]` for a JSON array, or a typed error."""
    what = what or f"expected a list of {cls.__name__}"
    return [one(cls, item, what) for item in expect_list(items, what)]


@dataclass(frozen=True)
class Page:
    """One page of a list: its records, and the cursor of the next page (None: last page).

    `enveloped` is False for a bare JSON array (the earlier, unpaginated revision of the API).
    """

    records: list[dict]
    next_cursor: str | None
    enveloped: bool


# Envelopes we know (REFERENCE §3): `page: [{cursor, data}]` (rails_cursor_pagination, the one
# the docs' page_info belongs to), `edges: [{node}]`, `data: [...]`, or the resource's own name.
_WRAPPED = {"page": "data", "edges": "node"}


def read_page(payload: Any, resource: str, what: str) -> Page:
    """One page of a cursor-paginated list, in any envelope we know; raises for anything else.

    A bare array is a complete list. An envelope must carry `page_info` with a boolean
    `has_next_page`, and an `end_cursor` when it is true: a page that says "more" without
    saying where is unreadable, not the end of the list.
    """
    if isinstance(payload, list):
        return Page(records(payload, what), None, enveloped=False)
    body = expect_dict(payload, what)
    key = next((k for k in (*_WRAPPED, "data", resource) if isinstance(body.get(k), list)), None)
    if key is None:
        known = ", ".join(f"`{k}`" for k in (*_WRAPPED, "data", resource))
        raise unreadable(what, f"no list of records under any of {known}")
    items = body[key]
    inner = _WRAPPED.get(key)
    if inner is not None:
        items = [_unwrap(item, inner, index, what) for index, item in enumerate(items)]
    info = body.get("page_info")
    if not isinstance(info, dict):
        raise unreadable(what, "the page has no `page_info` object")
    if "has_next_page" not in info:
        raise unreadable(what, "`page_info` does not say whether there is a next page")
    has_next = info["has_next_page"]
    if not isinstance(has_next, bool):
        raise unreadable(what, f"`page_info.has_next_page` is {_kind(has_next)}, not a boolean")
    cursor = info.get("end_cursor")
    if has_next and (not isinstance(cursor, str) or not cursor):
        raise unreadable(what, "`has_next_page` is true but there is no `end_cursor`")
    return Page(records(items, what), cursor if has_next else None, enveloped=True)


def _unwrap(item: Any, inner: str, index: int, what: str) -> Any:
    if not isinstance(item, dict) or not isinstance(item.get(inner), dict):
        raise unreadable(what, f"page item {index} has no `{inner}` object")
    return item[inner]
