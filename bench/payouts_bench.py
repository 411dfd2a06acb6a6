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
count at every size, and medians within FLAT_RATIO of the smallest size's once divided by the
floor's own ratio (a page marked † shows fewer rows at the smaller size: only its query count
is compared).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

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
    user_with_role,
)

PAYOUTS_PER_DAY = 30
AUDIT_CHUNK = 1000  # audit_record calls per transaction while loading

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

    return run_in_environment("payouts-bench-", args.keep, lambda: run(args, sizes))


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
        print(f"\nFlatness — median / queries (÷ floor ratio ≤ {FLAT_RATIO}, same queries)")
        print(text)
        print(f"Flat: {'yes' if flat else 'NO'}")
        ok &= flat
    print(f"\nTargets: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
