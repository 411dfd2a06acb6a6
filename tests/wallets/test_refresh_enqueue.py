"""Queuing refreshes: a broker failure never turns a committed request into an error page."""

import pytest
from kombu.exceptions import OperationalError

from custody_portal.errors import ApplicationError
from custody_portal.models import AuditEvent, RefreshRun
from wallets import tasks
from wallets.services import refresh_enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    def refuse():
        raise OperationalError("Error 111 connecting to redis: Connection refused.")

    monkeypatch.setattr(tasks.refresh_wallets, "delay", refuse)


def test_a_broker_failure_after_commit_is_recorded_not_raised(
    operator, broker_down, django_capture_on_commit_callbacks
):
    """GIVEN the task queue is unreachable
    WHEN a refresh is asked for inside a transaction, which then commits
    THEN nothing is raised from the commit hook; a failed wallets run says the refresh could
    not be queued (so the home page shows it), and no refresh request is audited."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        refresh_enqueue(user=operator)
        assert not RefreshRun.objects.exists()  # not before the commit

    assert len(callbacks) == 1
    run = RefreshRun.objects.get(task="refresh_wallets")
    assert (run.status, run.error_kind) == ("failed", "queue")
    assert run.error.startswith("Could not queue the refresh: the task queue is unreachable")
    assert not AuditEvent.objects.exists()


def test_a_broker_failure_outside_a_transaction_reaches_the_user(
    operator, broker_down, monkeypatch
):
    # No transaction open: on_commit runs the callback at once (as in a request).
    monkeypatch.setattr("wallets.services.enqueue.transaction.on_commit", lambda fn, *a, **k: fn())

    with pytest.raises(ApplicationError, match="Could not queue the refresh") as raised:
        refresh_enqueue(user=operator)

    assert raised.value.status == 503
    assert RefreshRun.objects.get().error_kind == "queue"


def test_home_page_shows_a_refresh_that_could_not_be_queued(
    operator, broker_down, viewer_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refresh_enqueue(user=operator)

    html = viewer_client.get("/").content.decode()

    assert "the last refresh failed: Could not queue the refresh" in html
