"""Termination exposure through the shared, rate-limited queue (Redis gate + sorted set).

Balance allows 1 call / 15 s to sector_termination_fees. The tests shrink the window to 2 s
on both sides (portal setting and the sandbox's own limiter, which answers 429 to a call that
comes too early) so that several calls fit in a few seconds; the mechanism is the same.
"""

import itertools
import threading
import time
from datetime import datetime
from decimal import Decimal

import pytest

from custody_portal.redis import get_redis
from filecoin import services
from filecoin.models import StorageProvider
from filecoin.services.termination import GATE_KEY, QUEUE_KEY

WINDOW = 2.0
FEES_PATH = "/api/v2/assets/fil/sector_termination_fees"


@pytest.fixture
def limited(fil_sandbox, settings):
    settings.FILECOIN_TERMINATION_FEES_INTERVAL = WINDOW
    fil_sandbox.control("POST", "rate_limit", json={"termination_fees_window_s": WINDOW})
    return fil_sandbox


def _fee_calls(sandbox) -> list[dict]:
    return [c for c in sandbox.calls() if c["path"] == FEES_PATH]


def _at(call: dict) -> float:
    return datetime.fromisoformat(call["at"].replace("Z", "+00:00")).timestamp()


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_call_balance_twice_within_the_window(limited):
    """GIVEN four providers queued and two workers draining the queue at the same time
    WHEN they run until it is empty
    THEN Balance received four calls, none refused, each at least one window after the last,
    and both workers waited for the gate at least once."""
    from wallets.services import wallets_refresh

    wallets_refresh(include_external_accounts=False)
    services.storage_providers_refresh()
    queued = list(StorageProvider.objects.order_by("id").values_list("id", flat=True)[:4])
    services.termination_fees_enqueue(provider_ids=queued)
    outcomes: dict[str, list[str]] = {"a": [], "b": []}
    failures: list[BaseException] = []

    def worker(name: str) -> None:
        from django.db import connection

        try:
            deadline = time.monotonic() + 4 * WINDOW + 6
            while time.monotonic() < deadline:
                result = services.termination_fees_drain_one(wait_seconds=0.5)
                outcomes[name].append(result.outcome)
                if result.outcome == "empty":
                    return
        except BaseException as exc:  # surfaced below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in outcomes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not failures
    calls = _fee_calls(limited)
    assert [c["status"] for c in calls] == [200] * 4
    gaps = [_at(b) - _at(a) for a, b in itertools.pairwise(calls)]
    assert all(gap >= WINDOW - 0.005 for gap in gaps), gaps
    fetched = outcomes["a"].count("fetched") + outcomes["b"].count("fetched")
    assert fetched == 4
    assert "busy" in outcomes["a"] and "busy" in outcomes["b"]
    estimates = StorageProvider.objects.filter(id__in=queued, termination_fetched_at__isnull=False)
    assert estimates.count() == 4
    assert all(p.termination_live_penalty == p.live_sectors_penalty for p in estimates)


@pytest.mark.django_db
def test_the_gate_waits_one_full_window_after_each_call(limited, fil_wallets):
    services.storage_providers_refresh()
    services.termination_fees_enqueue(provider_ids=[125, 126])

    first = services.termination_fees_drain_one()
    second = services.termination_fees_drain_one()

    assert first.outcome == "fetched" and first.provider_id == 125
    assert second.outcome == "busy" and 0 < second.wait_ms <= WINDOW * 1000
    assert get_redis().zrange(QUEUE_KEY, 0, -1) == [b"126"]
    assert len(_fee_calls(limited)) == 1


@pytest.mark.django_db
def test_fetch_now_puts_the_provider_first(limited, fil_wallets, operator_client):
    services.storage_providers_refresh()
    services.termination_fees_enqueue(provider_ids=[125, 126, 127])

    response = operator_client.post("/filecoin/128/termination-fees/fetch/")
    result = services.termination_fees_drain_one()

    assert response.status_code == 302
    assert result.provider_id == 128 and result.outcome == "fetched"
    provider = StorageProvider.objects.get(pk=128)
    assert provider.termination_requested_at is None and provider.termination_fetched_at
    page = operator_client.get("/filecoin/128/").content.decode()
    assert "Fetched just now" in page


@pytest.mark.django_db
def test_a_failed_call_keeps_the_previous_estimate(limited, fil_wallets, settings):
    settings.FILECOIN_TERMINATION_FEES_INTERVAL = 0.05
    limited.control("POST", "rate_limit", json={"termination_fees_window_s": 0})
    services.storage_providers_refresh()
    services.termination_fees_enqueue(provider_ids=[125])
    assert services.termination_fees_drain_one().outcome == "fetched"
    kept = StorageProvider.objects.get(pk=125).termination_live_penalty
    assert kept is not None

    limited.control(
        "POST", "faults", json={"path": "sector_termination_fees", "status": 503, "count": 1}
    )
    services.termination_fees_enqueue(provider_ids=[125])
    time.sleep(0.1)
    failed = services.termination_fees_drain_one(wait_seconds=1)

    provider = StorageProvider.objects.get(pk=125)
    assert failed.outcome == "failed" and "503" in provider.termination_error
    assert provider.termination_live_penalty == kept
    assert get_redis().zrange(QUEUE_KEY, 0, -1) == [b"125"]  # back first, for the next slot

    limited.control(
        "POST",
        "faults",
        json={
            "path": "sector_termination_fees",
            "status": 200,
            "body": {"live_sectors_penalty_fil": "lots"},
            "count": 1,
        },
    )
    time.sleep(0.1)
    garbled = services.termination_fees_drain_one(wait_seconds=1)
    provider.refresh_from_db()
    assert garbled.outcome == "failed" and "cannot read" in provider.termination_error
    assert provider.termination_live_penalty == kept

    time.sleep(0.1)
    services.termination_fees_enqueue(provider_ids=[125])
    assert services.termination_fees_drain_one(wait_seconds=1).outcome == "fetched"
    provider.refresh_from_db()
    assert provider.termination_error == ""


@pytest.mark.django_db
def test_estimates_are_exact_and_summed_on_the_list(limited, fil_wallets, viewer_client, settings):
    settings.FILECOIN_TERMINATION_FEES_INTERVAL = 0.01
    limited.control("POST", "rate_limit", json={"termination_fees_window_s": 0})
    services.storage_providers_refresh()
    services.termination_fees_enqueue_due()
    while services.termination_fees_drain_one(wait_seconds=1).outcome != "empty":
        pass

    providers = list(StorageProvider.objects.all())
    total = sum(int(p.termination_live_penalty) for p in providers)
    html = viewer_client.get("/filecoin/").content.decode()

    from filecoin.templatetags.filecoin_tags import fil

    assert fil(total) in html
    assert all(isinstance(p.termination_live_penalty, Decimal) for p in providers)
    assert services.termination_fees_enqueue_due() == 0  # every estimate is fresh


@pytest.mark.django_db
def test_an_empty_queue_releases_the_gate_at_once(fil_wallets):
    assert services.termination_fees_drain_one().outcome == "empty"
    assert get_redis().exists(GATE_KEY) == 0


@pytest.mark.django_db
def test_the_page_survives_redis_being_down_and_fetch_now_says_so(operator_client, settings):
    from custody_portal.redis import _client

    from .factories import StorageProviderFactory

    provider = StorageProviderFactory()
    working = settings.REDIS_URL
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    _client.cache_clear()
    try:
        page = operator_client.get(f"/filecoin/{provider.id}/")
        url = f"/filecoin/{provider.id}/termination-fees/fetch/"
        fetch = operator_client.post(url, follow=True)
    finally:
        settings.REDIS_URL = working
        _client.cache_clear()

    assert page.status_code == 200
    assert "Could not queue the estimate: Redis is unreachable" in fetch.content.decode()
