"""Filecoin pages and API run the same queries (≤ 10 per page) however long the history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from custody_portal.models import RefreshRun
from filecoin.models import SectorRollup, SectorSnapshot
from filecoin.services import sector_rollups_refresh, storage_provider_alerts_sync

from .factories import StorageProviderFactory

pytestmark = pytest.mark.django_db

PAGE_BUDGET = 10


def _urls(pid: int) -> list[str]:
    return [
        "/filecoin/",
        "/filecoin/?sort=-exposure",
        f"/filecoin/{pid}/",
        *[f"/filecoin/{pid}/?range={r}" for r in ("7d", "30d", "1y")],
        f"/filecoin/{pid}/history/?range=1y",
        f"/filecoin/{pid}/history.csv?range=30d",
        "/filecoin/alerts/?state=all",
        "/api/storage-providers/",
        f"/api/storage-providers/{pid}/",
        *[f"/api/storage-providers/{pid}/snapshots/?range={r}" for r in ("24h", "7d", "30d", "1y")],
        "/api/filecoin/alerts/?state=all",
    ]


def _grow(providers: list, days: int, start_offset: int) -> None:
    """Readings every 15 minutes for `days` days per provider, then the roll-up job."""
    now = timezone.now()
    rows = []
    for p in providers:
        for i in range(days * 96):
            at = now - timedelta(days=start_offset) + timedelta(minutes=15 * i)
            rows.append(
                SectorSnapshot(
                    provider=p,
                    last_updated_at=at,
                    taken_at=now,
                    active_sectors=1000 + i,
                    live_sectors=1000 + i,
                    faulty_sectors=i % 3,
                    live_sectors_penalty=10**20,
                    faulty_sectors_penalty=i % 3,
                    available_balance=-i if i % 7 == 0 else i,
                    locked_rewards=i,
                )
            )
    SectorSnapshot.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    RefreshRun.objects.filter(task="rollup_sector_snapshots").delete()  # roll everything up
    sector_rollups_refresh(now=now + timedelta(days=400))  # nothing pruned while growing


def _queries(client, url: str) -> int:
    client.get(url)  # warm per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_history_or_providers(operator_client, settings):
    """GIVEN 2 providers with 1 day of history, then 5 providers with 40 days
    WHEN every Filecoin page and API endpoint is loaded
    THEN each runs the same number of queries, at most 10 for the pages."""
    settings.FILECOIN_RAW_RETENTION_DAYS = 500
    settings.FILECOIN_HOURLY_RETENTION_DAYS = 500
    now = timezone.now()
    RefreshRun.objects.create(
        task="refresh_storage_providers", started_at=now, finished_at=now, status="succeeded"
    )
    providers = [StorageProviderFactory(faulty_sectors=1, available_balance=-5) for _ in range(2)]
    _grow(providers, days=1, start_offset=1)
    storage_provider_alerts_sync()
    pid = providers[0].pk
    small = {url: _queries(operator_client, url) for url in _urls(pid)}

    more = [StorageProviderFactory(faulty_sectors=2) for _ in range(3)]
    _grow([providers[0]], days=40, start_offset=41)
    _grow(more, days=1, start_offset=1)
    storage_provider_alerts_sync()
    assert SectorSnapshot.objects.filter(provider_id=pid).count() > 40 * 96
    assert SectorRollup.objects.filter(provider_id=pid, resolution="day").count() >= 40
    large = {url: _queries(operator_client, url) for url in _urls(pid)}

    assert large == small
    pages = [u for u in _urls(pid) if not u.startswith("/api/")]
    assert all(small[u] <= PAGE_BUDGET for u in pages), small
