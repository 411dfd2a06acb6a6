"""Sandbox benchmark: generate N wallets, then walk them all through the signed API.

    .venv/bin/python bench/sandbox_bench.py [--wallets 10000] [--page-size 100] [--repeat 3]

In process: times `balance.sandbox.data.generate(seed, N)` (best of --repeat), then serves a
fresh app with waitress on a free loopback port and walks `GET /api/v1/wallets` with
`after=end_cursor` until the last page, every request signed with `balance.signing`; then
walks it again through `BalanceClient.iter_wallet_pages` (its shape checks and typed
wallets included). Prints the figures; nothing is asserted about speed (the tests only check
behaviour).
"""

import argparse
import json
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from balance.client import BalanceClient  # noqa: E402
from balance.sandbox.app import make_app  # noqa: E402
from balance.sandbox.data import generate  # noqa: E402
from balance.sandbox.server import make_server  # noqa: E402
from balance.signing import sign_headers  # noqa: E402

ACCESS_ID = "bench-access-id"
SECRET_KEY = "bench-secret-key-0123456789"
SEED = 1


def time_generation(wallets: int, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        data = generate(SEED, wallets)
        timings.append(time.perf_counter() - start)
        assert len(data.wallets) == wallets
    return timings


def walk_wallets(base_url: str, page_size: int) -> tuple[int, int, list[float]]:
    """(wallets seen, pages, per-request seconds) for a full signed walk."""
    path = "/api/v1/wallets"
    seen = pages = 0
    latencies: list[float] = []
    after = None
    with requests.Session() as session:
        while True:
            params = {"page_size": page_size, **({"after": after} if after else {})}
            headers = sign_headers(
                access_id=ACCESS_ID, secret_key=SECRET_KEY, method="GET", path=path
            )
            headers["User-Agent"] = "custody-portal-bench/1"
            start = time.perf_counter()
            response = session.get(base_url + path, params=params, headers=headers, timeout=60)
            latencies.append(time.perf_counter() - start)
            response.raise_for_status()
            body = json.loads(response.text, parse_float=Decimal)
            pages += 1
            seen += len(body["page"])
            if not body["page_info"]["has_next_page"]:
                return seen, pages, latencies
            after = body["page_info"]["end_cursor"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wallets", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    gen = time_generation(args.wallets, max(1, args.repeat))
    print(f"Sandbox data generation, {args.wallets:,} wallets (seed {SEED})")
    print(f"  best {min(gen):.2f} s   median {statistics.median(gen):.2f} s   runs {len(gen)}")

    app = make_app(seed=SEED, wallets=args.wallets, access_id=ACCESS_ID, secret_key=SECRET_KEY)
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        base_url = f"http://127.0.0.1:{server.effective_port}"
        start = time.perf_counter()
        seen, pages, latencies = walk_wallets(base_url, args.page_size)
        total = time.perf_counter() - start
        client = BalanceClient(base_url=base_url, access_id=ACCESS_ID, secret_key=SECRET_KEY)
        start = time.perf_counter()
        typed = sum(len(page) for page in client.iter_wallet_pages(page_size=args.page_size))
        client_total = time.perf_counter() - start
    finally:
        # Let the worker threads finish their tasks before the sockets go away.
        server.task_dispatcher.shutdown()
        server.close()
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    print(f"Signed wallet walk, page_size {args.page_size}")
    print(f"  {seen:,} wallets in {pages} pages: {total:.2f} s total")
    median_ms = statistics.median(latencies) * 1000
    print(f"  per page: median {median_ms:.1f} ms   p95 {p95 * 1000:.1f} ms")
    print(f"BalanceClient wallet walk: {typed:,} wallets in {client_total:.2f} s")
    if typed != args.wallets:
        print(f"ERROR: the client read {typed} wallets, expected {args.wallets}", file=sys.stderr)
        return 1
    if seen != args.wallets:
        print(f"ERROR: walked {seen} wallets, expected {args.wallets}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
