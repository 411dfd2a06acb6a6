"""Celery tasks: the refresh chain (refresh → roll-ups → alerts → due estimates), alerts that
still sync when Balance is down, a real worker draining the termination queue, beat."""

import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from custody_portal.celery import app
from custody_portal.models import RefreshRun
from custody_portal.redis import get_redis
from filecoin import tasks
from filecoin.models import SectorRollup, StorageProvider, StorageProviderAlert
from filecoin.services.termination import QUEUE_KEY
from tests.custody_portal.test_celery_worker import worker_queue  # noqa: F401 - fixture

from .factories import StorageProviderFactory


@pytest.mark.django_db
def test_the_refresh_task_rolls_up_syncs_alerts_and_queues_estimates(
    fil_wallets, fil_sandbox, monkeypatch
):
    woken = []
    monkeypatch.setattr(tasks.drain_termination_fees, "delay", lambda: woken.append(1))
    from .conftest import set_provider

    set_provider(fil_sandbox, 126, faulty_sectors=7, pinned=True)

    counts = tasks.refresh_storage_providers()

    assert counts["created"] == 6
    assert SectorRollup.objects.filter(resolution="day").count() == 6
    assert StorageProviderAlert.objects.filter(provider_id=126, kind="faulty").exists()
    assert get_redis().zcard(QUEUE_KEY) == 6 and woken == [1]


@pytest.mark.django_db
def test_alerts_still_sync_when_balance_is_unreachable(settings, monkeypatch):
    from tests.conftest import free_port

    settings.BALANCE_API_URL = f"http://127.0.0.1:{free_port()}"
    settings.BALANCE_GET_RETRIES = 0
    settings.FILECOIN_STALE_AFTER = 3600
    provider = StorageProviderFactory(last_updated_at=timezone.now() - timedelta(hours=3))
    StorageProviderFactory(wallet=provider.wallet)  # fresh: no alert
    from wallets.models import WalletBalance

    WalletBalance.objects.create(wallet=provider.wallet, asset="fil", total=1)

    assert tasks.refresh_storage_providers() is None

    run = RefreshRun.objects.get(task="refresh_storage_providers")
    assert run.status == "failed" and "unreachable" in run.error
    alert = StorageProviderAlert.objects.get()
    assert (alert.provider_id, alert.kind) == (provider.id, "stale")


def test_beat_schedules_the_filecoin_tasks():
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    expected = {
        "refresh-storage-providers": "filecoin.tasks.refresh_storage_providers",
        "drain-termination-fees": "filecoin.tasks.drain_termination_fees",
        "rollup-sector-snapshots": "filecoin.tasks.rollup_sector_snapshots",
    }
    for entry, task in expected.items():
        assert schedule[entry]["task"] == task
        assert task in app.tasks
    assert (
        schedule["refresh-storage-providers"]["schedule"]
        == django_settings.REFRESH_STORAGE_PROVIDERS_INTERVAL
    )
    assert schedule["drain-termination-fees"]["schedule"] == 15.0  # Balance's limit


@pytest.mark.django_db(transaction=True)
def test_a_worker_refreshes_and_drains_the_queue(worker_queue, fil_sandbox, monkeypatch, settings):  # noqa: F811
    """GIVEN a real Celery worker on the test Redis
    WHEN the refresh task is sent through the broker
    THEN the worker refreshes the providers and, woken by it, fetches one termination estimate
    (one slot: the next waits for the gate)."""
    from wallets.services import wallets_refresh

    wallets_refresh(include_external_accounts=False)
    monkeypatch.setattr(
        tasks.drain_termination_fees,
        "delay",
        lambda: tasks.drain_termination_fees.apply_async(queue=worker_queue),
    )

    tasks.refresh_storage_providers.apply_async(queue=worker_queue)

    deadline = time.monotonic() + 20
    fetched = StorageProvider.objects.none()
    while time.monotonic() < deadline:
        fetched = StorageProvider.objects.filter(termination_fetched_at__isnull=False)
        if fetched.exists():
            break
        time.sleep(0.1)
    assert StorageProvider.objects.count() == 6
    assert fetched.count() == 1
    calls = [c for c in fil_sandbox.calls() if c["path"].endswith("sector_termination_fees")]
    assert [c["status"] for c in calls] == [200]


def test_a_starting_worker_queues_a_first_refresh(monkeypatch):
    from filecoin.signals import COUNTDOWN, TASK, enqueue_initial_refresh

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, **kw: sent.append((name, kw)))

    enqueue_initial_refresh(sender=type("Consumer", (), {"app": app})())

    assert sent == [(TASK, {"countdown": COUNTDOWN})]
    assert COUNTDOWN > 5  # after the wallets refresh custody_portal queues at 5 s
