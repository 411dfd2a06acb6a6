"""A real Celery worker SIGKILLed while Balance holds the send_batch_now answer.

The worker is a separate process (`celery -A custody_portal worker -P solo`) on the test's
PostgreSQL database and Redis, consuming a queue of its own. The sandbox commits the batch and
then holds the answer (commit_then_timeout with a long delay), so the kill lands mid-call.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from custody_portal.celery import app
from custody_portal.redis import get_redis
from payouts.models import Payout, PayoutStatus
from payouts.services import payout_approve, payout_send, payouts_reconcile
from payouts.tasks import send_payout
from tests.custody_portal.test_celery_worker import _drop_connection_pools
from tests.factories import UserFactory
from tests.payouts.conftest import ROOT_DIR, SOURCE, draft, send_calls


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def worker(sandbox, redis_url, settings):
    """Start a worker process on a fresh queue; yields (queue, process); killed at the end."""
    queue = f"test-payouts-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "custody_portal.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "BALANCE_API_URL": sandbox.url,
        "BALANCE_ACCESS_ID": sandbox.access_id,
        "BALANCE_SECRET_KEY": sandbox.secret_key,
        "BALANCE_READ_TIMEOUT": "120",
    }
    log = tempfile.NamedTemporaryFile(prefix="worker-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "custody_portal",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    previous = app.conf.broker_url
    app.conf.broker_url = settings.CELERY_BROKER_URL
    _drop_connection_pools()
    try:
        yield queue, process, log.name
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        get_redis().delete(queue, f"_kombu.binding.{queue}")
        _drop_connection_pools()
        app.conf.broker_url = previous
        os.unlink(log.name)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_call_leaves_unknown_then_reconciled(
    sandbox, refreshed, worker, settings, monkeypatch
):
    """GIVEN an approved payout and a worker whose send_batch_now Balance committed but
    has not answered yet
    WHEN the worker is SIGKILLed
    THEN the payout stays `sending`; past the task time limit the sweep marks it `unknown`;
    the reconciler finds the batch and marks it `sent` — and Balance got one call."""
    queue, process, log = worker
    monkeypatch.setattr("payouts.services.approval.enqueue_send", lambda payout_id: None)
    drafter = UserFactory(username="kill-drafter", role="operator")
    approver = UserFactory(username="kill-approver", role="approver")
    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    sandbox.control("POST", "send_batch_now", json={"mode": "commit_then_timeout", "delay_s": 90})

    send_payout.apply_async(args=[payout.pk], queue=queue)

    def called() -> bool:
        return len(send_calls(sandbox)) == 1

    try:
        _wait(called, 60, "the worker's send_batch_now")
    except AssertionError:
        raise AssertionError(Path(log).read_text()[-3000:]) from None
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SENDING

    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)

    # Redelivered or re-queued, the task finds nothing to claim.
    assert payout_send(payout_id=payout.pk) == ""
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SENDING

    # Within the time limit the sweep leaves it alone; past it, the outcome is unknown.
    settings.CELERY_TASK_TIME_LIMIT = 600
    assert payouts_reconcile()["stuck"] == 0
    Payout.objects.filter(pk=payout.pk).update(claimed_at=timezone.now() - timedelta(seconds=5))
    settings.CELERY_TASK_TIME_LIMIT = 3
    counts = payouts_reconcile()
    assert counts["stuck"] == 1 and counts["sent"] == 1
    payout.refresh_from_db()
    batch = next(
        t
        for t in sandbox.client().list_wallet_transactions(SOURCE)
        if str(t["id"]) == payout.balance_transaction_id
    )
    assert payout.status == PayoutStatus.SENT
    assert batch["is_batched"] is True
    assert len(send_calls(sandbox)) == 1
