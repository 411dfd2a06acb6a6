"""A worker that becomes ready enqueues the initial refreshes, by task name."""

import logging

from celery.signals import worker_ready

from custody_portal.signals import (
    INITIAL_REFRESH_COUNTDOWN,
    INITIAL_REFRESH_TASKS,
    enqueue_initial_refresh,
)


class FakeApp:
    """The two things the handler uses of a Celery app: its task registry and send_task.
    `attempts` records every call, `sent` only those the broker accepted."""

    def __init__(self, tasks=(), fail: bool = False) -> None:
        self.tasks = dict.fromkeys(tasks)
        self.fail = fail
        self.attempts: list[str] = []
        self.sent: list[tuple[str, dict]] = []

    def send_task(self, name: str, **options) -> None:
        self.attempts.append(name)
        if self.fail:
            raise ConnectionError("broker down")
        self.sent.append((name, options))


class FakeConsumer:
    """What worker_ready sends as `sender`: something that has the worker's app."""

    def __init__(self, app: FakeApp) -> None:
        self.app = app


def test_enqueues_refresh_when_task_registered():
    app = FakeApp(tasks=INITIAL_REFRESH_TASKS)

    worker_ready.send(sender=FakeConsumer(app))

    assert app.sent == [
        ("wallets.tasks.refresh_wallets", {"countdown": INITIAL_REFRESH_COUNTDOWN}),
        ("wallets.tasks.refresh_watched_sub_addresses", {"countdown": INITIAL_REFRESH_COUNTDOWN}),
    ]


def test_only_registered_tasks_are_enqueued():
    app = FakeApp(tasks=["wallets.tasks.refresh_wallets"])

    enqueue_initial_refresh(sender=FakeConsumer(app))

    assert app.sent == [("wallets.tasks.refresh_wallets", {"countdown": INITIAL_REFRESH_COUNTDOWN})]


def test_skipped_when_task_not_registered():
    app = FakeApp(tasks=["celery.ping"])

    enqueue_initial_refresh(sender=FakeConsumer(app))

    assert app.sent == []


def test_broker_failure_does_not_break_worker_start(caplog):
    """GIVEN a broker that refuses every message WHEN the worker becomes ready
    THEN the handler tries once, logs a warning, gives up on the rest and does not raise."""
    app = FakeApp(tasks=INITIAL_REFRESH_TASKS, fail=True)

    with caplog.at_level(logging.WARNING, logger="custody_portal.signals"):
        enqueue_initial_refresh(sender=FakeConsumer(app))

    assert app.attempts == [INITIAL_REFRESH_TASKS[0]]
    assert app.sent == []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == ["initial refresh could not be enqueued"]
    assert warnings[0].exc_info and warnings[0].exc_info[0] is ConnectionError
