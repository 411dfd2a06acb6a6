"""The payout list as payouts accumulate (what bench/payouts_bench.py found): a page is read in
the order of an index, so page 160 costs no sort of every payout before it; the lines of a
page are read without joining every payout; and the queries stay the same in number."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payouts import selectors
from payouts.models import Payout, PayoutStatus
from tests.payouts.conftest import draft
from tests.payouts.ui import client_for

pytestmark = pytest.mark.usefixtures("refreshed")


def _grow_to(count: int, drafter) -> None:
    while Payout.objects.count() < count:
        draft(drafter)


def _queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _plan(queryset) -> str:
    """The database's plan for `queryset`. On a table this small PostgreSQL would scan and
    sort whatever the indexes, so it is told to avoid scans and sorts wherever it can: it then
    reads an index in the requested order if one exists, and sorts only if none does. SQLite
    prefers such an index by itself."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                cursor.execute(f"SET LOCAL {setting} = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("status", "index"), [(None, "payout_created"), ("pending_approval", "payout_status_created")]
)
def test_a_deep_page_is_read_in_index_order_without_sorting(drafter, approver, status, index):
    """GIVEN payouts WHEN page 161 of the list (default order, or one status) is planned THEN
    the payouts come from the index in the list's order (-created_at, -id), with no sort step:
    a sort needs every earlier payout, with its line and approval counts, before the first row
    of the page (bench/payouts_bench.py, SQLite, 10,000 payouts: 47 ms → 4.5 ms)."""
    _grow_to(3, drafter)
    page = selectors.payout_list(user=approver, status=status).values("id")[8000:8050]

    plan = _plan(page)

    assert index in plan, plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan


def test_the_lines_of_a_page_are_read_without_joining_every_payout(drafter, viewer):
    """GIVEN 3 payouts of 3 lines WHEN the API lists them THEN their lines come in each
    payout's order, read from the lines table alone (ordering lines by the payout relation
    joined and scanned every payout to sort by the payout's own order)."""
    _grow_to(3, drafter)

    with CaptureQueriesContext(connection) as ctx:
        response = client_for(viewer).get("/api/payouts/")

    results = response.json()["results"]
    assert len(results) == 3
    for payout in results:
        kinds = [line["type"] for line in payout["lines"]]
        assert kinds == ["wallet", "external_account", "public_address"]
    reads = [q["sql"] for q in ctx.captured_queries if 'FROM "payouts_payoutline"' in q["sql"]]
    assert reads
    assert all('JOIN "payouts_payout"' not in sql for sql in reads), reads


def test_deep_pages_and_the_api_run_the_same_queries_at_5_and_60_payouts(drafter, approver):
    """GIVEN 5 payouts, then 60 WHEN an approver loads the last page of the list, of a status
    filter, and the API list THEN each runs the same number of queries (≤ 15)."""
    urls = [
        "/payouts/?page=last",
        f"/payouts/?status={PayoutStatus.PENDING_APPROVAL}&page=last",
        "/api/payouts/",
        f"/api/payouts/?status={PayoutStatus.PENDING_APPROVAL}",
    ]
    client = client_for(approver)
    _grow_to(5, drafter)
    small = {url: _queries(client, url) for url in urls}

    _grow_to(60, drafter)
    large = {url: _queries(client, url) for url in urls}

    assert large == small
    assert max(small.values()) <= 15, small
    assert client.get("/api/payouts/").json()["count"] == 60
