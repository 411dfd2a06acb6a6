"""A worker that becomes ready enqueues the initial refreshes, by task name."""

from celery.signals import worker_ready

from custody_portal.signals import (
    INITIAL_REFRESH_COUNTDOWN,
    INITIAL_REFRESH_TASKS,
    enqueue_initial_refresh,
)


class FakeApp:
    """The two things the handler uses of a Celery app: its task registry and send_task."""

    def __init__(self, tasks=(), fail: bool = False) -> None:
        self.tasks = dict.fromkeys(tasks)
        self.fail = fail
        self.sent: list[tuple[str, dict]] = []

    def send_task(self, name: str, **options) -> None:
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


def test_broker_failure_does_not_break_worker_start():
    app = FakeApp(tasks=INITIAL_REFRESH_TASKS, fail=True)

    enqueue_initial_refresh(sender=FakeConsumer(app))  # logs, does not raise

    assert app.sent == []
