"""Audit log benchmark: append rate, the `/audit/` page and `verify_audit` at 10,000 and
100,000 events.

    .venv/bin/python bench/audit_bench.py                        # --sizes 10000,100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench .venv/bin/python bench/audit_bench.py

For each size, from an empty log: N events appended with `audit_record` in time order, 275 a
day (so a week of history holds as many events at every size), 1,000 per transaction and the
audit clock set to each event's time; a mix of what the apps write (payout workflow events,
sub-address edits, wallet refreshes, refresh requests) by 20 people and "system", on 500
wallets. Then the append rate as the portal sees it, one transaction (one commit) per event:
one writer, and 4 threads each with its own connection (they queue on the chain head's row
lock; the chain is verified afterwards).

Then `/audit/` as a logged-in viewer through Django's test client, --requests rounds of one
request per page (no filter, user, action, subject, wallet, date range, user + date range, a
page deep in the past through the keyset cursor), with the same floor as payouts_bench.py: a
minimal authenticated view, `/healthz` and a `SELECT 1` round trip. Last, `verify_audit`
(the management command) over the whole chain: wall time and events/s, best of 3.

Uses a throwaway SQLite database unless DATABASE_URL is set (that database must exist; its
audit table is emptied at each size). Targets: every page ≤ 15 queries and median ≤ 100 ms at
the largest size, the same query count at every size and medians within FLAT_RATIO of the
smallest size's once divided by the floor's own ratio; verify_audit's events/s within
FLAT_RATIO too.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from _pages import (
    FLAT_RATIO,
    FLOOR,
    TARGET_MEDIAN_MS,
    TARGET_QUERIES,
    analyze,
    audit_clock,
    empty_tables,
    flatness_table,
    load_text,
    measure_pages,
    page_table,
    run_in_environment,
    select_one_ms,
    table,
    user_with_role,
)

EVENTS_PER_DAY = 275
CHUNK = 1000  # audit_record calls per transaction while loading
WALLETS = 500
PEOPLE = 20
BUSY_USER = "bench-person-3"


def people() -> list:
    roles = ("viewer", "operator", "operator", "approver", "approver")
    return [user_with_role(f"bench-person-{i}", roles[i % len(roles)]) for i in range(PEOPLE)]


def event_args(rng: random.Random, n: int, users: list) -> dict:
    """One event like the apps write: subject, actor, wallet, before/after, message."""
    roll = rng.random()
    person = users[3] if rng.random() < 0.25 else rng.choice(users)
    if roll < 0.55:  # the payout workflow: ~5 events per payout
        payout = n // 5 + 1
        step = ("create", "approve", "approved", "claim", "sent")[n % 5]
        wallet = payout % 50 + 1
        system = step in ("claim", "sent")
        snapshot = {"status": step, "asset": "btc", "total": str(rng.randint(10**4, 10**9))}
        return {
            "actor": None if system else person,
            "action": f"payout.{step}",
            "object_type": "payout",
            "object_id": str(payout),
            "wallet_id": wallet,
            "before": None if step in ("create", "approve") else snapshot,
            "after": {**snapshot, "content_hash": f"{rng.getrandbits(256):064x}"},
            "message": f"PO-{payout:06d} {step}",
        }
    wallet = rng.randint(1, WALLETS)
    if roll < 0.80:
        sub = rng.randint(1, 20 * WALLETS)
        return {
            "actor": person,
            "action": rng.choice(("sub_address.create", "sub_address.update")),
            "object_type": "sub_address",
            "object_id": str(sub),
            "wallet_id": wallet,
            "before": {"name": f"deposit {sub}", "notes": "", "is_watched": False},
            "after": {"name": f"deposit {sub} (renamed)", "notes": "", "is_watched": True},
            "message": "",
        }
    if roll < 0.95:
        return {
            "actor": None,
            "action": "wallet.refresh",
            "object_type": "wallet",
            "object_id": str(wallet),
            "wallet_id": wallet,
            "before": {"name": f"Wallet {wallet}"},
            "after": {"name": f"Wallet {wallet}", "kind": "warm"},
            "message": "Changed at Balance.",
        }
    return {
        "actor": person,
        "action": "refresh.request",
        "object_type": "refresh",
        "object_id": "refresh_wallets",
        "wallet_id": None,
        "before": None,
        "after": None,
        "message": "Refresh requested.",
    }


def load_events(size: int, seed: int, users: list) -> tuple[float, datetime]:
    """Append `size` events in time order, ending now; returns (seconds, first event time)."""
    from django.db import transaction

    from custody_portal.audit import audit_record

    rng = random.Random(seed)
    span = timedelta(days=size / EVENTS_PER_DAY)
    start = datetime.now(UTC) - span - timedelta(minutes=5)
    started = time.perf_counter()
    with audit_clock() as set_time:
        for chunk in range(0, size, CHUNK):
            with transaction.atomic():
                for n in range(chunk, min(chunk + CHUNK, size)):
                    set_time(start + span * n / size)
                    audit_record(**event_args(rng, n, users))
    return time.perf_counter() - started, start


def append_rate(users: list, threads: int, per_thread: int) -> float:
    """Events/s with one commit per event (as the services append), `threads` writers."""
    from django.db import connection

    from custody_portal.audit import audit_record

    errors: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def writer(index: int) -> None:
        rng = random.Random(index)
        try:
            barrier.wait()
            for n in range(per_thread):
                audit_record(**event_args(rng, n, users))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=writer, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return threads * per_thread / elapsed


def time_verify(runs: int = 3) -> dict:
    """`manage.py verify_audit` over the whole chain; the best of `runs` (least disturbed)."""
    from django.core.management import call_command

    best, output = None, ""
    for _ in range(runs):
        out = io.StringIO()
        started = time.perf_counter()
        call_command("verify_audit", stdout=out)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
        output = out.getvalue().strip()
    events = int(output.split()[1])
    assert output.startswith("OK"), output
    return {"seconds": best, "events": events, "rate": events / best}


def pages_for(size: int, first: datetime) -> list[tuple[str, str]]:
    from custody_portal.models import AuditEvent

    middle = (first + timedelta(days=size / EVENTS_PER_DAY / 2)).date()
    week = {"date_from": middle.isoformat(), "date_to": (middle + timedelta(days=6)).isoformat()}
    deep = AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True)[size // 50]
    subject = AuditEvent.objects.filter(object_type="payout").order_by("-sequence")[500]
    return [
        (FLOOR, "/bench/floor/"),
        ("floor: /healthz", "/healthz"),
        ("/audit/", "/audit/"),
        (f"user={BUSY_USER}", f"/audit/?user={BUSY_USER}"),
        ("user=system", "/audit/?user=system"),
        ("action=payout.approve", "/audit/?action=payout.approve"),
        ("action=refresh.request", "/audit/?action=refresh.request"),
        (
            "subject payout:<id>",
            f"/audit/?subject_type=payout&subject_id={subject.object_id}",
        ),
        ("wallet=42", "/audit/?wallet=42"),
        ("date range: a week, mid-history", f"/audit/?{urlencode(week)}"),
        ("user + date range", f"/audit/?user={BUSY_USER}&{urlencode(week)}"),
        ("deep page: before=<2% from oldest>", f"/audit/?before={deep}"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=None, help="one size (default 100,000)")
    parser.add_argument("--sizes", default="10000,100000", help="sizes to compare (flatness)")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--appends", type=int, default=2000, help="events per append-rate run")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()
    sizes = [args.events] if args.events else sorted(int(s) for s in args.sizes.split(","))

    return run_in_environment("audit-bench-", args.keep, lambda: run(args, sizes))


def run(args, sizes: list[int]) -> int:
    from django.db import connection
    from django.test import Client

    from custody_portal.models import AuditEvent

    users = people()
    client = Client()
    client.force_login(user_with_role("bench-viewer", "viewer"))
    by_size, verify_by_size, ok = {}, {}, True
    for size in sizes:
        empty_tables([AuditEvent])
        print(f"\nAppending {size:,} events…", flush=True)
        seconds, first = load_events(size, args.seed, users)
        single = append_rate(users, 1, args.appends)
        four = append_rate(users, 4, args.appends // 4)
        analyze()
        select_ms = select_one_ms()
        print(
            table(
                ["append path", "events/s"],
                [
                    [f"loading: {CHUNK} audit_record per transaction", f"{size / seconds:,.0f}"],
                    ["one writer, one commit per event", f"{single:,.0f}"],
                    [f"4 threads ({connection.vendor}), one commit per event", f"{four:,.0f}"],
                ],
            )
        )
        results = measure_pages(client, pages_for(size, first), args.requests)
        floor_ms = results[FLOOR]["median"]
        total = AuditEvent.objects.count()
        print(
            f"\n/audit/ — {total:,} events, logged-in viewer, {args.requests} rounds; "
            f"SELECT 1 round trip {select_ms:.3f} ms; {load_text()}"
        )
        print(page_table(results, floor_ms))
        verify = time_verify()
        print(
            f"verify_audit: {verify['events']:,} events in {verify['seconds']:.2f} s = "
            f"{verify['rate']:,.0f} events/s (best of 3)"
        )
        pages = {k: v for k, v in results.items() if not k.startswith("floor")}
        met = all(r["queries"] <= TARGET_QUERIES for r in pages.values())
        if size == max(sizes):
            met &= all(r["median"] <= TARGET_MEDIAN_MS for r in pages.values())
            ok &= met
        worst = max(r["queries"] for r in pages.values())
        print(
            f"Target (≤ {TARGET_QUERIES} queries, median ≤ {TARGET_MEDIAN_MS:.0f} ms at the "
            f"largest size): {'met' if met else 'MISSED'}; most queries on a page: {worst}"
        )
        by_size[size] = results
        verify_by_size[size] = verify
    if len(by_size) > 1:
        text, flat = flatness_table(by_size, "events")
        small, large = min(sizes), max(sizes)
        slower = verify_by_size[small]["rate"] / verify_by_size[large]["rate"]
        print(f"\nFlatness — median / queries (÷ floor ratio ≤ {FLAT_RATIO}, same queries)")
        print(text)
        print(
            f"verify_audit events/s: {verify_by_size[small]['rate']:,.0f} at {small:,}, "
            f"{verify_by_size[large]['rate']:,.0f} at {large:,} (per-event cost ratio "
            f"{slower:.2f})"
        )
        flat &= slower <= FLAT_RATIO
        print(f"Flat: {'yes' if flat else 'NO'}")
        ok &= flat
    print(f"\nTargets: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
