"""Filecoin benchmark: 100 providers × 1 year of 15-minute snapshots, roll-ups, pages.

    .venv/bin/python bench/filecoin_bench.py [--providers 100] [--days 365] [--requests 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_filecoin_bench \
        .venv/bin/python bench/filecoin_bench.py

Starts the sandbox (`manage.py runsandbox`) with enough storage providers (added through
`/_sandbox/storage_providers`), an embedded Redis (unless REDIS_URL is set) and a throwaway
SQLite database (unless DATABASE_URL is set: that database must exist; it is migrated and its
Filecoin tables emptied). Then:

1. refreshes wallets, then the providers twice (all new; one sandbox step later), timed;
2. times the pages with one reading per provider (the "short history" column);
3. writes `--days` of 15-minute readings per provider straight into the raw snapshot table —
   set-based on PostgreSQL (`INSERT … SELECT … generate_series`), `executemany` batches on
   SQLite — 3.5 million rows for the defaults;
4. runs the roll-up job over all of it (hourly and daily buckets, then pruning raw readings
   past FILECOIN_RAW_RETENTION_DAYS and hourly buckets past FILECOIN_HOURLY_RETENTION_DAYS),
   then one refresh and the incremental roll-up that follows every refresh;
5. times the pages again (median and p95 server time through Django's test client, query
   count), next to a floor measured in the same run: `/healthz` (a trivial view that runs
   `SELECT 1`) and a bare `SELECT 1` round trip; prints the ratio to the floor;
6. prints database and table sizes, and checks the targets (each page ≤ 100 ms median and
   ≤ 10 queries, the same queries with short and long history).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wallets_bench import (  # bench scripts share helpers by path
    ROOT,
    start_sandbox,
    table,
)

TARGET_MS = 100.0
TARGET_QUERIES = 10
FIL = 10**18
STEP_MINUTES = 15


def configure(sandbox_url: str, workdir: Path):
    from wallets_bench import configure_environment

    return configure_environment(sandbox_url, workdir)


def add_providers(sandbox_url: str, wanted: int) -> int:
    import requests

    info = requests.get(f"{sandbox_url}/_sandbox/info", timeout=10).json()
    have = len(info["storage_providers"])
    if have < wanted:
        requests.post(
            f"{sandbox_url}/_sandbox/storage_providers", json={"count": wanted - have}, timeout=30
        ).raise_for_status()
    return max(have, wanted)


def timed(call, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = call(**kwargs)
    return time.perf_counter() - started, result


def empty_filecoin_tables() -> None:
    """Start from nothing (a previous run's data would skew sizes and timings)."""
    from django.db import connection

    from custody_portal.models import RefreshRun
    from filecoin.models import SectorRollup, SectorSnapshot, StorageProvider, StorageProviderAlert

    models = (StorageProviderAlert, SectorRollup, SectorSnapshot, StorageProvider)
    if connection.vendor == "postgresql":
        tables = ", ".join(m._meta.db_table for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables}")
    else:
        for model in models:
            model.objects.all().delete()
    RefreshRun.objects.filter(
        task__in=("refresh_storage_providers", "rollup_sector_snapshots")
    ).delete()


def generate_history(days: int) -> tuple[float, int]:
    """`days` of readings every 15 minutes for every provider, ending just before the oldest
    reading the refreshes stored. Returns (seconds, rows written)."""
    from django.db import connection

    from filecoin.models import SectorSnapshot, StorageProvider

    steps = days * 24 * 60 // STEP_MINUTES
    oldest = (
        SectorSnapshot.objects.order_by("last_updated_at")
        .values_list("last_updated_at", flat=True)
        .first()
    )
    end = oldest.replace(minute=0, second=0, microsecond=0) - timedelta(minutes=STEP_MINUTES)
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        rows = _generate_postgresql(end, steps)
    else:
        rows = _generate_sqlite(
            list(StorageProvider.objects.values_list("id", flat=True)), end, steps
        )
    return time.perf_counter() - started, rows


# Deterministic readings: a slow climb of sectors, 0–2 faulty sectors, a one-reading spike of
# 250 faulty sectors about once per 997 readings, and the available balance dipping into fee
# debt at those spikes.
_PG_INSERT = """
INSERT INTO filecoin_sectorsnapshot (provider_id, last_updated_at, taken_at, active_sectors,
    live_sectors, faulty_sectors, live_sectors_penalty, faulty_sectors_penalty,
    available_balance, locked_rewards)
SELECT p.id, x.at, x.at, 10000 + (%(steps)s - n) / 96, 10000 + (%(steps)s - n) / 96 + x.faulty,
    x.faulty, (10000 + (%(steps)s - n) / 96 + x.faulty)::numeric * 100000000000000000,
    x.faulty::numeric * 100000000000000000,
    CASE WHEN x.spike THEN -3000000000000000000
         ELSE 1000000000000000000000 + ((n * 31 + p.id) %% 1000)::numeric * 1000000000000000000 END,
    1000000000000000000000 + n::numeric * 1000000000000000
FROM filecoin_storageprovider p
CROSS JOIN generate_series(0, %(steps)s - 1) AS n
CROSS JOIN LATERAL (
    SELECT %(end)s::timestamptz - n * interval '15 minutes' AS at,
           (n * 7919 + p.id * 104729) %% 997 = 0 AS spike,
           CASE WHEN (n * 7919 + p.id * 104729) %% 997 = 0 THEN 250
                ELSE (n + p.id) %% 3 END AS faulty
) x
ON CONFLICT DO NOTHING
"""


def _generate_postgresql(end, steps: int) -> int:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_PG_INSERT, {"steps": steps, "end": end})
        return cursor.rowcount


def _generate_sqlite(provider_ids: list[int], end, steps: int) -> int:
    from django.db import connection, transaction

    from filecoin.fields import encode_sqlite

    sql = (
        "INSERT OR IGNORE INTO filecoin_sectorsnapshot (provider_id, last_updated_at, taken_at, "
        "active_sectors, live_sectors, faulty_sectors, live_sectors_penalty, "
        "faulty_sectors_penalty, available_balance, locked_rewards) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    adapt = connection.ops.adapt_datetimefield_value
    written = 0
    for pid in provider_ids:
        batch = []
        for n in range(steps):
            at = adapt(end - timedelta(minutes=STEP_MINUTES * n))
            spike = (n * 7919 + pid * 104729) % 997 == 0
            faulty = 250 if spike else (n + pid) % 3
            active = 10000 + (steps - n) // 96
            available = -3 * FIL if spike else 1000 * FIL + ((n * 31 + pid) % 1000) * FIL
            batch.append(
                (
                    pid,
                    at,
                    at,
                    active,
                    active + faulty,
                    faulty,
                    encode_sqlite((active + faulty) * 10**17),
                    encode_sqlite(faulty * 10**17),
                    encode_sqlite(available),
                    encode_sqlite(1000 * FIL + n * 10**15),
                )
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)
        written += len(batch)
    return written


def analyze(*, vacuum: bool = False) -> None:
    """What autovacuum would have done by now on PostgreSQL: statistics for the freshly loaded
    tables and, after the first roll-up deleted millions of raw rows at once, their space back
    (in steady state pruning deletes one day of readings per day)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def compact() -> None:
    """Give the pruned space back (VACUUM FULL; SQLite: VACUUM) so the sizes after the roll-up
    are the steady state of a year of history, not the high-water mark of the bulk load."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM FULL ANALYZE filecoin_sectorsnapshot, filecoin_sectorrollup")
        else:
            cursor.execute("VACUUM")


def sizes() -> dict[str, str]:
    from django.conf import settings
    from django.db import connection

    from filecoin.models import SectorRollup, SectorSnapshot

    counts = {
        "raw snapshots": SectorSnapshot.objects.count(),
        "hourly buckets": SectorRollup.objects.filter(resolution="hour").count(),
        "daily buckets": SectorRollup.objects.filter(resolution="day").count(),
    }
    result = {name: f"{n:,} rows" for name, n in counts.items()}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            result["database"] = cursor.fetchone()[0]
            for table_name in ("filecoin_sectorsnapshot", "filecoin_sectorrollup"):
                cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [table_name])
                result[f"{table_name} (with indexes)"] = cursor.fetchone()[0]
        else:
            path = Path(settings.DATABASES["default"]["NAME"])
            result["database file"] = f"{path.stat().st_size / 1e6:.1f} MB"
    return result


def pages(provider_id: int) -> list[tuple[str, str]]:
    return [
        ("/filecoin/ (list)", "/filecoin/"),
        ("provider page, 1y", f"/filecoin/{provider_id}/?range=1y"),
        ("provider page, 30d", f"/filecoin/{provider_id}/?range=30d"),
        ("provider page, 24h", f"/filecoin/{provider_id}/"),
        ("range switch (HTMX), 7d", f"/filecoin/{provider_id}/history/?range=7d"),
        ("CSV, 1y", f"/filecoin/{provider_id}/history.csv?range=1y"),
        ("API snapshots, 1y", f"/api/storage-providers/{provider_id}/snapshots/?range=1y"),
        ("API providers", "/api/storage-providers/"),
        ("home (with Filecoin card)", "/"),
    ]


def time_url(client, url: str, requests: int, headers: dict | None = None) -> dict:
    from django.db import connection

    for _ in range(3):
        assert client.get(url, headers=headers).status_code == 200, url
    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url, headers=headers)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    samples.sort()
    return {
        "median": statistics.median(samples),
        "p95": samples[max(0, int(len(samples) * 0.95) - 1)],
        "queries": len(executed),
    }


def select_one_ms(requests: int) -> float:
    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        for _ in range(max(requests, 50)):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(client, provider_id: int, requests: int) -> dict[str, dict]:
    results = {}
    for name, url in pages(provider_id):
        headers = {"HX-Request": "true"} if "HTMX" in name else None
        results[name] = time_url(client, url, requests, headers)
    return results


def viewer_client():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.add(Group.objects.get(name="viewer"))
    client = Client()
    client.force_login(user)
    return client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--providers", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--wallets", type=int, default=200)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway SQLite database")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="filecoin-bench-"))
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    print(f"Starting the sandbox ({args.wallets} wallets)…", flush=True)
    sandbox, url = start_sandbox(args.wallets, 1)
    redis_server = None
    try:
        providers = add_providers(url, args.providers)
        redis_server = configure(url, workdir)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()
        call_command("migrate", verbosity=0)
        empty_filecoin_tables()
        database = settings.DATABASES["default"]
        print(f"Database: {connection.vendor} {database['NAME']}", flush=True)
        if connection.vendor == "sqlite":
            print("(SQLite: history is written row batches by Python; expect minutes)", flush=True)

        import requests

        from filecoin import services
        from filecoin.models import StorageProvider
        from wallets.services import wallets_refresh

        wallets_refresh(include_external_accounts=False)
        refresh_rows = []
        for label in ("first refresh (all new)", "next refresh (one step later)"):
            seconds, counts = timed(services.storage_providers_refresh)
            refresh_rows.append(
                [
                    label,
                    f"{seconds:.2f} s",
                    counts["providers"],
                    counts["created"],
                    counts["snapshots"],
                ]
            )
            requests.post(f"{url}/_sandbox/tick", json={"steps": 1}, timeout=10)
        services.sector_rollups_refresh()
        services.storage_provider_alerts_sync()
        provider_id = (
            StorageProvider.objects.order_by("-faulty_sectors", "id")
            .values_list("id", flat=True)
            .first()
        )
        client = viewer_client()
        analyze()
        short = measure(client, provider_id, args.requests)

        print(
            f"Writing {args.days} days of 15-minute readings for {providers} providers…", flush=True
        )
        gen_seconds, gen_rows = generate_history(args.days)
        print(f"  {gen_rows:,} rows in {gen_seconds:.1f} s", flush=True)
        analyze()
        before = sizes()
        from custody_portal.models import RefreshRun

        RefreshRun.objects.filter(task="rollup_sector_snapshots").delete()  # roll up everything
        first_rollup_s, first_rollup = timed(services.sector_rollups_refresh)
        analyze(vacuum=True)
        seconds, counts = timed(services.storage_providers_refresh)
        refresh_rows.append(
            [
                "refresh with 1 year of history",
                f"{seconds:.2f} s",
                counts["providers"],
                counts["created"],
                counts["snapshots"],
            ]
        )
        incremental_s, incremental = timed(services.sector_rollups_refresh)
        services.storage_provider_alerts_sync()
        compact()
        after = sizes()
        long = measure(client, provider_id, args.requests)
        floor_page = time_url(client, "/healthz", args.requests)["median"]
        floor_sql = select_one_ms(args.requests)

        report(
            args,
            providers,
            refresh_rows,
            gen_rows,
            gen_seconds,
            first_rollup_s,
            first_rollup,
            incremental_s,
            incremental,
            before,
            after,
            short,
            long,
            floor_page,
            floor_sql,
        )
        ok = all(
            p["median"] <= TARGET_MS and p["queries"] <= TARGET_QUERIES
            for name, p in long.items()
            if name.startswith(("/filecoin/", "provider page"))
        ) and all(short[name]["queries"] == long[name]["queries"] for name in long)
        print(
            "\nTargets (list and provider pages ≤ 100 ms median and ≤ 10 queries; "
            f"same queries with short and long history): {'met' if ok else 'MISSED'}"
        )
        return 0 if ok else 1
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
        if redis_server is not None:
            redis_server.shutdown()
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def report(
    args,
    providers,
    refresh_rows,
    gen_rows,
    gen_seconds,
    first_rollup_s,
    first_rollup,
    incremental_s,
    incremental,
    before,
    after,
    short,
    long,
    floor_page,
    floor_sql,
) -> None:
    from django.db import connection

    print(f"\nStorage-provider refresh — {providers} providers (sandbox over HTTP, sequential)")
    print(table(["run", "wall time", "providers", "created", "snapshots"], refresh_rows))
    print(f"\nHistory and roll-ups — {connection.vendor}, {args.days} days × 96 readings/day")
    print(
        table(
            ["step", "wall time", "result"],
            [
                ["write raw readings", f"{gen_seconds:.1f} s", f"{gen_rows:,} rows"],
                [
                    "first roll-up (everything) + pruning",
                    f"{first_rollup_s:.1f} s",
                    f"{first_rollup['hourly']:,} hourly, {first_rollup['daily']:,} daily buckets; "
                    f"pruned {first_rollup['raw_pruned']:,} raw, "
                    f"{first_rollup['hourly_pruned']:,} hourly",
                ],
                [
                    "incremental roll-up after a refresh",
                    f"{incremental_s * 1000:.0f} ms",
                    f"{incremental['hourly']} hourly, {incremental['daily']} daily buckets",
                ],
            ],
        )
    )
    print("\nDatabase size")
    print(
        table(
            ["", "before roll-up", "after roll-up, pruning, VACUUM (steady state)"],
            [[k, before.get(k, ""), after.get(k, "")] for k in after],
        )
    )
    print(
        f"\nPages — logged-in viewer, {args.requests} requests each, server time (test client); "
        f"floor: /healthz {floor_page:.1f} ms, SELECT 1 {floor_sql:.2f} ms"
    )
    rows = []
    for name in long:
        s, lg = short[name], long[name]
        rows.append(
            [
                name,
                f"{s['median']:.1f} ms / {s['queries']}",
                f"{lg['median']:.1f} ms",
                f"{lg['p95']:.1f} ms",
                lg["queries"],
                f"{lg['median'] / floor_page:.1f}×",
            ]
        )
    print(
        table(
            ["page", "1 reading: median / queries", "1 year: median", "p95", "queries", "÷ floor"],
            rows,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
