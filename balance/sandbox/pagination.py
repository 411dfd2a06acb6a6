"""Cursor pagination in the shape of the `rails_cursor_pagination` gem (REFERENCE §3 proposal).

Records are ordered by id **descending**; a cursor is base64 of the id as text ("MTI=" is 12).
`after=<cursor>` gives the records that follow it (smaller ids), `before=<cursor>` the ones
that precede it (larger ids, the closest `page_size` of them). Ids are kept in an ascending
list so an unfiltered page costs two bisects, not a scan.
"""

import base64
import binascii
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from .http import bad_request

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


def encode_cursor(record_id: int) -> str:
    """base64 of the decimal id, e.g. 12 → "MTI="."""
    return base64.b64encode(str(record_id).encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The id inside a cursor; 400 when it is not one of ours."""
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        return int(text, 10)
    except (binascii.Error, UnicodeError, ValueError):
        raise bad_request(f"Invalid cursor: {cursor}") from None


def page_params(query: dict[str, str]) -> tuple[int, int | None, int | None]:
    """(page_size, after_id, before_id) from the query; 400 for bad values."""
    raw = query.get("page_size")
    page_size = DEFAULT_PAGE_SIZE
    if raw is not None:
        try:
            page_size = int(raw, 10)
        except ValueError:
            page_size = 0
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise bad_request(f"page_size must be an integer between 1 and {MAX_PAGE_SIZE}")
    after, before = query.get("after"), query.get("before")
    if after and before:
        raise bad_request("Only one of before and after can be given")
    return (
        page_size,
        decode_cursor(after) if after else None,
        decode_cursor(before) if before else None,
    )


def _scan(
    ids: Sequence[int], start: int, step: int, keep: Callable[[int], bool] | None, limit: int
) -> list[int]:
    """Up to `limit` ids matching `keep`, walking from index `start` by `step` (±1)."""
    found: list[int] = []
    index = start
    while 0 <= index < len(ids) and len(found) < limit:
        record_id = ids[index]
        if keep is None or keep(record_id):
            found.append(record_id)
        index += step
    return found


def paginate(
    ids: Sequence[int],
    query: dict[str, str],
    keep: Callable[[int], bool] | None = None,
) -> tuple[list[int], dict[str, Any]]:
    """The ids of one page (descending) and its `page_info`, for ascending `ids`."""
    page_size, after, before = page_params(query)
    if before is None:
        top = bisect_left(ids, after) if after is not None else len(ids)
        found = _scan(ids, top - 1, -1, keep, page_size + 1)
        has_next = len(found) > page_size
        page = found[:page_size]
        # As in the gem: a previous page exists when the cursor excluded matching records.
        has_previous = after is not None and bool(_scan(ids, top, 1, keep, 1))
    else:
        bottom = bisect_right(ids, before)
        found = _scan(ids, bottom, 1, keep, page_size + 1)
        has_previous = len(found) > page_size
        page = list(reversed(found[:page_size]))
        has_next = bool(_scan(ids, bottom - 1, -1, keep, 1))
    page_info = {
        "has_previous_page": has_previous,
        "has_next_page": has_next,
        "start_cursor": encode_cursor(page[0]) if page else None,
        "end_cursor": encode_cursor(page[-1]) if page else None,
    }
    return page, page_info


def envelope(page_info: dict[str, Any], records: list[tuple[int, Any]]) -> dict[str, Any]:
    """`{"page_info": …, "page": [{"cursor", "data"}]}` for (id, struct) pairs."""
    return {
        "page_info": page_info,
        "page": [{"cursor": encode_cursor(rid), "data": data} for rid, data in records],
    }
