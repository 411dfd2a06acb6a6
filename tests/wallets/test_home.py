"""The home page: exact holdings, freshness, alerts, and the operators' "Refresh now"."""

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from custody_portal.models import AuditEvent, RefreshRun
from wallets import tasks

from .factories import wallet_with_balances

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    """Tasks "sent" to the broker, without a broker."""
    calls: list[str] = []
    monkeypatch.setattr(tasks.refresh_wallets, "delay", lambda: calls.append("wallets"))
    monkeypatch.setattr(
        tasks.refresh_watched_sub_addresses, "delay", lambda: calls.append("watched")
    )
    return calls


def test_home_shows_exact_holdings_and_freshness(viewer_client):
    wallet_with_balances(btc=123_456_789, fil=2**70)
    wallet_with_balances(btc=1)
    now = timezone.now()
    RefreshRun.objects.create(
        task="refresh_wallets", started_at=now, finished_at=now, status="succeeded"
    )

    html = viewer_client.get("/").content.decode()

    assert "1.23456790 BTC" in html
    assert "1,180.591620717411303424 FIL" in html
    assert "synced just now" in html
    assert "Sub-addresses have never been refreshed yet." in html


def test_home_alerts_on_a_balance_credentials_problem(viewer_client):
    now = timezone.now()
    RefreshRun.objects.create(
        task="refresh_wallets",
        started_at=now,
        finished_at=now,
        status="failed",
        error="Balance refused the portal's credentials: Invalid signature",
        error_kind="auth",
    )

    html = viewer_client.get("/").content.decode()

    assert "Check BALANCE_ACCESS_ID and BALANCE_SECRET_KEY" in html


def test_refresh_now_queues_the_tasks_after_commit(
    operator, operator_client, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = operator_client.post("/wallets/refresh/")
    assert sent == []  # nothing leaves before the transaction commits

    for callback in callbacks:
        callback()

    assert response.status_code == 302 and response["Location"] == "/"
    assert sent == ["wallets", "watched"]
    assert AuditEvent.objects.get(action="refresh.request").actor == operator


def test_refresh_now_says_when_the_broker_is_unreachable(operator_client, monkeypatch):
    def broker_down():
        raise OperationalError("Error 111 connecting to redis: Connection refused.")

    monkeypatch.setattr(tasks.refresh_wallets, "delay", broker_down)
    # Requests run in autocommit: on_commit callbacks run at once (the test transaction
    # would otherwise defer them past the view).
    monkeypatch.setattr("wallets.services.enqueue.transaction.on_commit", lambda fn, *a, **k: fn())

    response = operator_client.post("/wallets/refresh/", follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Could not queue the refresh: the task queue is unreachable" in html
    assert not AuditEvent.objects.exists()


def test_viewer_cannot_queue_a_refresh(viewer_client, sent):
    assert viewer_client.post("/wallets/refresh/").status_code == 403
    assert sent == []
