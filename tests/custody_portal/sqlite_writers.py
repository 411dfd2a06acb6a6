"""A writer process for test_sqlite_concurrency: `python -m tests.custody_portal.sqlite_writers
ROLE START_AT ROUNDS` with DATABASE_URL pointing at a SQLite file.

Roles: `setup` (one wallet for the web writers), `web` (what a sub-address create writes:
read the pair, upsert the address, an audit event — one transaction), `worker` (what a
wallets refresh writes: a run row, a page of 50 wallets with balances, the run's end).
Each transaction reads before it writes, as the real ones do. Prints a JSON summary:
`{"ok": n, "failures": [first messages]}`.
"""

import json
import os
import sys
import time
from decimal import Decimal

WEB_WALLET_ID = 900_000


def _web_round(index: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from balance import types
    from custody_portal.audit import audit_record
    from wallets.models import SubAddress
    from wallets.services.store import store_sub_address

    address = f"tb1-{os.getpid()}-{index}"
    with transaction.atomic():
        SubAddress.objects.filter(wallet_id=WEB_WALLET_ID, asset="btc").count()
        store_sub_address(
            wallet_id=WEB_WALLET_ID,
            asset="btc",
            address=types.FundingAddress(
                address=address, name="n", notes="", balance=Decimal(0), is_watched=False
            ),
            now=timezone.now(),
        )
        audit_record(
            actor=None,
            action="sub_address.create",
            object_type="sub_address",
            object_id=f"btc:{address}",
            wallet_id=WEB_WALLET_ID,
            after={"address": address},
        )


def _worker_round(index: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from balance import types
    from custody_portal.models import RefreshRun
    from wallets.models import Wallet
    from wallets.services.store import upsert_wallet_page

    now = timezone.now()
    with transaction.atomic():
        Wallet.objects.filter(removed_at__isnull=True).count()
        run = RefreshRun.objects.create(task="concurrency", started_at=now)
    page = [
        types.Wallet(
            id=wallet_id,
            kind="warm",
            name=f"W{wallet_id}",
            custom_id="",
            description=f"round {index}",
            balance={"btc": Decimal(index) / 100, "ltc": Decimal(wallet_id)},
            funding_addresses={"btc": f"mb{wallet_id}"},
        )
        for wallet_id in range(1, 51)
    ]
    upsert_wallet_page(page, now, listed=True)
    with transaction.atomic():
        RefreshRun.objects.filter(pk=run.pk).count()
        run.status = RefreshRun.Status.SUCCEEDED
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])


def main(role: str, start_at: float, rounds: int) -> dict:
    import django

    django.setup()
    from django.db import DatabaseError
    from django.utils import timezone

    from wallets.models import Wallet

    if role == "setup":
        Wallet.objects.create(id=WEB_WALLET_ID, name="web", kind="warm", synced_at=timezone.now())
        return {"ok": 1, "failures": []}
    step = _web_round if role == "web" else _worker_round
    time.sleep(max(0.0, start_at - time.time()))  # start together with the other writers
    failures: list[str] = []
    for index in range(rounds):
        try:
            step(index)
        except DatabaseError as exc:
            failures.append(f"{exc.__class__.__name__}: {exc}")
    return {"ok": rounds - len(failures), "failures": failures[:5], "count": len(failures)}


if __name__ == "__main__":
    summary = main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))
    print(json.dumps(summary))
