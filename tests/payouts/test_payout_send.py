"""Sending: one claim, one call, the outcome stored from Balance's answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from payouts.models import Payout, PayoutStatus
from payouts.services import payout_approve, payout_send, payouts_mark_stuck_unknown
from payouts.tasks import send_payout
from tests.payouts.conftest import (
    ADDRESS,
    EXTERNAL,
    OTHER_WALLET,
    SOURCE,
    draft,
    send_calls,
    unknown_event,
)

pytestmark = pytest.mark.usefixtures("refreshed")


def set_btc(sandbox, *, total: str, spendable: str) -> None:
    body = {"btc": total, "spendable": {"btc": spendable}}
    sandbox.control("POST", f"wallets/{SOURCE}/balances", json=body)


@pytest.fixture
def approved(drafter, approver) -> Payout:
    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.APPROVED
    return payout


def test_sent_with_balances_transaction_id_and_status(sandbox, approved):
    assert payout_send(payout_id=approved.pk) == PayoutStatus.SENT
    approved.refresh_from_db()
    [call] = send_calls(sandbox)
    assert call["status"] == 200
    assert call["body"] == {
        "source_wallet_id": SOURCE,
        "asset": "btc",
        "destinations": [
            {"type": "wallet", "id": OTHER_WALLET, "amount": "100000"},
            {"type": "external_account", "id": EXTERNAL, "amount": "200000"},
            {"type": "public_address", "public_address": ADDRESS, "amount": "50000"},
        ],
    }
    tx = sandbox.client().list_wallet_transactions(SOURCE)[0]
    assert approved.status == PayoutStatus.SENT
    assert approved.balance_transaction_id == str(tx["id"])
    assert approved.balance_status == tx["status"] == "completed"
    assert approved.last_error == ""
    assert approved.claimed_at is not None and approved.finished_at is not None


def test_the_task_delivered_twice_sends_once(sandbox, approved):
    """A redelivered task finds nothing to claim: one call to Balance."""
    send_payout.apply(args=[approved.pk])
    send_payout.apply(args=[approved.pk])
    assert payout_send(payout_id=approved.pk) == ""
    assert len(send_calls(sandbox)) == 1
    approved.refresh_from_db()
    assert approved.status == PayoutStatus.SENT


def test_a_payout_not_approved_is_never_sent(sandbox, drafter):
    payout = draft(drafter)
    assert payout_send(payout_id=payout.pk) == ""
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING_APPROVAL
    assert send_calls(sandbox) == []


def test_the_send_rechecks_funds_at_balance_first(sandbox, approved):
    """Balance says only 0.003 BTC is spendable now: the 0.0035 batch is not sent, it waits
    approved with the reason (and "Send again" once funds arrive)."""
    set_btc(sandbox, total="1000000", spendable="300000")
    assert payout_send(payout_id=approved.pk) == PayoutStatus.APPROVED
    approved.refresh_from_db()
    assert approved.status == PayoutStatus.APPROVED
    assert "above what is available now" in approved.last_error
    assert send_calls(sandbox) == []


def test_other_approved_payouts_reserve_funds_at_send(sandbox, drafter, approver, approved):
    """Spendable 0.006 BTC, another approved payout of 0.0035 reserves its part: this one
    (0.0035) no longer fits and is not sent."""
    other = draft(drafter)
    payout_approve(payout=other, user=approver)
    set_btc(sandbox, total="600000", spendable="600000")
    assert payout_send(payout_id=approved.pk) == PayoutStatus.APPROVED
    assert send_calls(sandbox) == []


def test_a_payout_stuck_in_sending_past_the_time_limit_becomes_unknown(settings, approved):
    """A worker killed mid-call leaves `sending`; after the task time limit the sweep says
    the outcome is unknown (it may have gone) — never back to approved."""
    settings.CELERY_TASK_TIME_LIMIT = 60
    Payout.objects.filter(pk=approved.pk).update(
        status=PayoutStatus.SENDING, claimed_at=timezone.now() - timedelta(seconds=30)
    )
    assert payouts_mark_stuck_unknown() == 0
    Payout.objects.filter(pk=approved.pk).update(claimed_at=timezone.now() - timedelta(seconds=61))
    assert payouts_mark_stuck_unknown() == 1
    approved.refresh_from_db()
    assert approved.status == PayoutStatus.UNKNOWN
    assert "stopped without recording an answer" in approved.last_error
    assert "may have sent" in unknown_event(approved).message
