"""A real Celery worker consumes a task from the real Redis broker (DESIGN.md §3)."""

import time
import uuid

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker

from custody_portal.celery import app
from custody_portal.redis import get_redis
from custody_portal.tasks import PING_KEY_PREFIX, ping


@pytest.fixture
def worker_queue(settings):
    """An in-thread solo worker of the project's app, consuming a queue of its own.

    The app read its broker URL at import; the autouse Redis fixture only changed Django
    settings, so point the app (and its pooled connections) at the test Redis, then restore.
    A queue of its own: a shared Redis (CI) may hold messages other tests left on `sync`.
    """
    queue = f"test-{uuid.uuid4().hex[:12]}"
    previous = app.conf.broker_url
    app.conf.broker_url = settings.CELERY_BROKER_URL
    _drop_connection_pools()
    try:
        with start_worker(
            app,
            pool="solo",
            queues=[queue],
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=10,
        ):
            yield queue
    finally:
        # kombu keeps a queue's bindings in Redis keys of its own; leave nothing behind.
        get_redis().delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        _drop_connection_pools()
        app.conf.broker_url = previous


def _drop_connection_pools() -> None:
    """Forget pooled broker connections so the next use connects to the current URL
    (what Celery itself does after a fork)."""
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def wait_for_key(key: str, timeout: float = 10.0) -> bytes | None:
    deadline = time.monotonic() + timeout
    redis = get_redis()
    while time.monotonic() < deadline:
        value = redis.get(key)
        if value is not None:
            return value
        time.sleep(0.05)
    return None


def test_worker_runs_a_task_sent_through_redis(worker_queue, settings):
    """GIVEN a worker consuming from the test Redis
    WHEN a task is published to its queue
    THEN the worker runs it: its side effect appears in Redis."""
    token = uuid.uuid4().hex
    key = f"{PING_KEY_PREFIX}{token}"

    ping.apply_async(args=[token], queue=worker_queue)

    assert wait_for_key(key) is not None, "the worker did not run the task within 10 s"
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    get_redis().delete(key)


def test_delay_routes_to_sync_and_payouts_tasks_to_payouts():
    router = app.amqp.router

    assert router.route({}, "custody_portal.tasks.ping")["queue"].name == "sync"
    assert router.route({}, "wallets.tasks.refresh_wallets")["queue"].name == "sync"
    assert router.route({}, "payouts.tasks.send_payout")["queue"].name == "payouts"


def test_tasks_are_json_only_without_results():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_ignore_result is True
    assert app.conf.result_backend is None
