"""`/payouts/<id>/`: what a payout page shows, with fee presets from the cache (never from
Balance during the render)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from balance.errors import BalanceUnexpectedResponse
from payouts import fees
from payouts.models import Payout, PayoutStatus
from payouts.services import LineInput, payout_approve
from tests.payouts.conftest import draft, three_lines
from tests.payouts.ui import client_for
from wallets.models import Wallet

pytestmark = pytest.mark.usefixtures("refreshed")


@pytest.fixture(autouse=True)
def queued_fee_refreshes(monkeypatch):
    """The page queues a fee refresh on the sync queue; record it instead of publishing
    (a message left in the test broker could be taken by another test's worker)."""
    from custody_portal.redis import get_redis

    get_redis().delete(*[fees.KEY.format(asset="btc"), fees.QUEUED_KEY.format(asset="btc")])
    queued = []
    monkeypatch.setattr(fees.refresh_fee_presets, "delay", lambda asset: queued.append(asset))
    yield queued
    get_redis().delete(*[fees.KEY.format(asset="btc"), fees.QUEUED_KEY.format(asset="btc")])


def _page(user, payout) -> str:
    response = client_for(user).get(f"/payouts/{payout.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_lines_by_name_total_drafter_and_quorum(drafter, approver):
    payout = draft(drafter, note="April vendors")

    page = _page(approver, payout)

    assert re.search(r'payout-reference">PO-0+\d+<', page)
    assert 'data-status="pending_approval">Pending approval<' in page
    assert 'payout-total">0.00350000 BTC<' in page
    assert 'payout-drafter">dora<' in page
    assert "0 of 1 approval — 1 more needed" in page
    assert page.count('data-testid="payout-line"') == 3
    assert "Vendor Payments APAC 002" in page and "Fabrikam Merchant" in page
    assert "mztPG6nBar1mZ5J7T619iCuFP9SB5G9j5W" in page
    assert "April vendors" in page
    assert 'data-action="payout.create"' in page


def test_the_timeline_lists_every_event_of_the_payout_oldest_first(drafter, approver, approver2):
    from payouts.models import AssetThreshold

    AssetThreshold.objects.create(asset="btc", threshold=1, required_approvals=2)
    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    other = draft(drafter)  # its events stay on its own page
    payout_approve(payout=other, user=approver2)

    page = _page(approver2, payout)

    actions = re.findall(r'data-testid="timeline-entry" data-action="([\w.]+)"', page)
    assert actions == ["payout.create", "payout.approve"]
    assert "1 of 2 approvals — 1 more needed" in page


@pytest.mark.parametrize(
    ("status", "fields", "shown"),
    [
        ("sent", {"balance_transaction_id": "7781", "balance_status": "completed"},
         'balance-transaction-id">7781<'),
        ("failed", {"last_error": "Insufficient funds: wallet 1 has 0.1 btc spendable"},
         "Insufficient funds: wallet 1 has 0.1 btc spendable"),
        ("unknown", {"last_error": "No answer within 20 s"}, "Outcome unknown"),
        ("approved", {"last_error": "Balance could not be reached."}, "Send again"),
        ("rejected", {"rejection_reason": "wrong vendor"}, "wrong vendor"),
        ("cancelled", {}, "Cancelled by the drafter"),
        ("expired", {}, "Expired before it was approved"),
        ("sending", {}, "Being sent to Balance now"),
    ],
)  # fmt: skip
def test_each_status_says_in_words_what_happened(drafter, approver, status, fields, shown):
    payout = draft(drafter)
    Payout.objects.filter(pk=payout.pk).update(status=status, **fields)

    page = _page(approver, payout)

    label = PayoutStatus(status).label
    assert f'data-status="{status}">{label}<' in page
    assert shown in page


def test_fee_presets_not_cached_yet_are_queued_not_fetched(drafter, sandbox, queued_fee_refreshes):
    payout = draft(drafter)
    before = len(sandbox.calls())

    page = _page(drafter, payout)
    _page(drafter, payout)

    assert "Fee presets not loaded yet" in page
    assert queued_fee_refreshes == ["btc"], "queued once a minute at most"
    fee_calls = [c for c in sandbox.calls()[before:] if "transaction_fees" in c["path"]]
    assert fee_calls == [], "the page never calls Balance"


def test_cached_fee_presets_are_shown(drafter, sandbox):
    payout = draft(drafter)
    fees.fee_presets_refresh(asset="btc")
    answer = sandbox.client().transaction_fees("btc")

    page = _page(drafter, payout)

    assert "Fee presets not loaded yet" not in page
    for name in ("slow", "medium", "fast"):
        rate = f"{answer[name]['fee_rate']:f}"
        assert re.search(rf"<th scope=\"row\">{name}</th><td class=\"num\">{rate} ", page), name


def test_a_garbled_fee_answer_keeps_the_cached_presets(drafter, sandbox):
    fees.fee_presets_refresh(asset="btc")
    cached = fees.fee_presets_cached("btc")
    sandbox.control(
        "POST", "faults", json={"path": "transaction_fees", "status": 200, "body": {"slow": 1}}
    )

    # The client refuses the unreadable answer (BalanceUnexpectedResponse); the payouts
    # parser refuses shapes the client lets through (ValueError). Either way: nothing cached
    # changes.
    with pytest.raises((BalanceUnexpectedResponse, ValueError)):
        fees.fee_presets_refresh(asset="btc")

    assert fees.fee_presets_cached("btc") == cached


def test_the_fee_task_runs_on_the_sync_queue_never_behind_a_send():
    from custody_portal.celery import app

    route = app.amqp.router.route({}, fees.refresh_fee_presets.name)
    assert route["queue"].name == "sync"


def test_the_page_runs_the_same_queries_for_3_lines_as_for_30(drafter, approver):
    few = draft(drafter)
    targets = Wallet.objects.exclude(pk=1).values_list("pk", flat=True)[:27]
    many_lines = three_lines() + [LineInput("wallet", pk, amount="0.0001") for pk in targets]
    many = draft(drafter, lines=[line for line in many_lines if line.destination_id != 2][:30])
    client = client_for(approver)

    def queries(payout) -> int:
        client.get(f"/payouts/{payout.pk}/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/payouts/{payout.pk}/").status_code == 200
        return len(ctx.captured_queries)

    assert many.lines.count() >= 28
    assert queries(many) == queries(few)


def test_a_send_without_an_answer_for_a_while_says_when_it_becomes_unknown(
    drafter, approver, settings
):
    """A worker killed mid-call leaves the payout `sending`; until the time limit passes the
    page kept saying "Being sent to Balance now. Reload in a moment." for ten minutes."""
    from datetime import timedelta

    from django.utils import timezone

    settings.CELERY_TASK_TIME_LIMIT = 600
    payout = draft(drafter)
    claimed = timezone.now() - timedelta(minutes=3)
    Payout.objects.filter(pk=payout.pk).update(status="sending", claimed_at=claimed)

    page = _page(approver, payout)

    assert "Reload in a moment" not in page
    unknown_at = claimed + timedelta(seconds=600)
    assert f"after {unknown_at:%H:%M} UTC" in page
    assert "never sent twice" in page

    Payout.objects.filter(pk=payout.pk).update(claimed_at=timezone.now())
    assert "Reload in a moment" in _page(approver, payout)
