"""A wallet-detail read racing a wallet list walk, in two threads, timed by sandbox latency.

The wallets refresh (the list walk) and the detail reads (a wallet's "Refresh from Balance",
the wallet details refresh) hold different locks and run side by side. A detail read must
neither make the walk mark a live wallet removed, nor bring back one the walk removed.

The threads use their own database connections, so these tests commit (transaction=True).
"""

import threading
import time

import pytest

from wallets.models import Wallet
from wallets.services import wallet_details_refresh, wallets_refresh
from wallets.services.refresh import sub_addresses_refresh

pytestmark = pytest.mark.django_db(transaction=True)


class Worker(threading.Thread):
    """Runs `call` in a thread with its own database connection; keeps its result or error."""

    def __init__(self, call):
        super().__init__(daemon=True)
        self.call = call
        self.result = None
        self.error: BaseException | None = None

    def run(self):
        from django.db import connections

        try:
            self.result = self.call()
        except BaseException as exc:
            self.error = exc
        finally:
            connections.close_all()

    def outcome(self):
        self.join(timeout=30)
        assert not self.is_alive(), "the worker did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def _latency(sandbox, path: str, ms: int) -> None:
    sandbox.control("POST", "faults", json={"path": path, "method": "GET", "latency_ms": ms})


def test_a_detail_read_during_a_walk_does_not_get_the_wallet_marked_removed(sandbox):
    """GIVEN a refreshed copy of 30 wallets; list pages answer in 0.8 s, wallet 30's detail
    in 1.6 s (Balance lists the newest wallets first: 30 is on the first page)
    WHEN a "Refresh from Balance" of wallet 30 starts, and 0.3 s later a 3-page list walk:
    the walk stores wallet 30 from its first page, then the detail (asked for before the walk
    began) is stored, then the walk reads its last pages and decides removals
    THEN no wallet is marked removed — Balance still has all 30 — and the detail's spendable
    amounts are stored."""
    wallets_refresh(page_size=10)
    _latency(sandbox, r"^/api/v1/wallets$", 800)
    _latency(sandbox, r"^/api/v1/wallets/30$", 1600)

    detail = Worker(lambda: sub_addresses_refresh(wallet_id=30, assets=(), with_detail=True))
    walk = Worker(lambda: wallets_refresh(page_size=10, include_external_accounts=False))
    detail.start()
    time.sleep(0.3)
    walk.start()

    assert detail.outcome()["wallets"] == 1
    counts = walk.outcome()

    # The race happened as described: the detail answered between the first and last page.
    answered = [(c["at"], c["path"]) for c in sandbox.calls()]
    pages = sorted(at for at, path in answered if path == "/api/v1/wallets")[-3:]
    (detail_at,) = [at for at, path in answered if path == "/api/v1/wallets/30"]
    assert pages[0] < detail_at < pages[-1], (pages, detail_at)
    assert counts["pages"] == 3
    assert counts["removed"] == 0
    assert Wallet.objects.get(pk=30).removed_at is None
    assert Wallet.objects.filter(removed_at__isnull=True).count() == 30
    assert Wallet.objects.get(pk=30).detail_synced_at is not None


def test_a_detail_read_before_a_removal_does_not_bring_the_wallet_back(sandbox):
    """GIVEN a refreshed copy; the wallet details refresh reads wallet 1's detail at once and
    wallet 2's in 2.5 s, storing both together afterwards
    WHEN Balance drops wallet 1 after its detail was read, and a walk marks it removed
    while the details refresh still waits for wallet 2
    THEN storing the (older) detail of wallet 1 leaves it removed."""
    wallets_refresh(page_size=10)
    _latency(sandbox, r"^/api/v1/wallets/2$", 2500)

    details = Worker(lambda: wallet_details_refresh(limit=2))
    details.start()
    deadline = time.monotonic() + 5
    while not any(c["path"] == "/api/v1/wallets/1" for c in sandbox.calls()):
        assert time.monotonic() < deadline, "the details refresh never read wallet 1"
        time.sleep(0.05)
    sandbox.control("DELETE", "wallets/1")

    counts = wallets_refresh(page_size=10, include_external_accounts=False)
    assert counts["removed"] == 1
    assert details.is_alive(), "the detail of wallet 2 should still be on its way"

    assert details.outcome()["fetched"] == 2
    assert Wallet.objects.get(pk=1).removed_at is not None
    assert Wallet.objects.filter(removed_at__isnull=True).count() == 29
