"""Exactly once under concurrency: ten racing approve/send attempts, one send_batch_now.

Real PostgreSQL row locks and a real sandbox over HTTP; each thread has its own database
connection (closed at the end of the thread).
"""

import threading

import pytest
from django.db import connection

from custody_portal.errors import ApplicationError
from custody_portal.models import AuditEvent
from payouts.models import Payout, PayoutApproval, PayoutStatus
from payouts.services import payout_approve, payout_send
from tests.factories import UserFactory
from tests.payouts.conftest import draft, send_calls

ATTEMPTS = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_approve_and_send_attempts_send_once(sandbox, refreshed, monkeypatch):
    """GIVEN a payout needing one approval
    WHEN five approvers approve-then-send and five workers send, all at the same moment
    THEN one approval reaches quorum, one worker claims it, Balance is called once."""
    queued: list[int] = []
    monkeypatch.setattr("payouts.services.approval.enqueue_send", queued.append)
    drafter = UserFactory(username="race-drafter", role="operator")
    approvers = [UserFactory(username=f"race-approver-{i}", role="approver") for i in range(5)]
    payout = draft(drafter)
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    crashes: list[BaseException] = []

    def attempt(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            if index < len(approvers):
                try:
                    payout_approve(payout=payout, user=approvers[index])
                    outcomes.append("approved")
                except ApplicationError:
                    outcomes.append("approve refused")
            outcomes.append(payout_send(payout_id=payout.pk) or "not claimed")
        except BaseException as exc:  # reported by the main thread
            crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not crashes, crashes
    assert len(send_calls(sandbox)) == 1
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SENT
    assert outcomes.count("approved") == 1
    assert outcomes.count(PayoutStatus.SENT) == 1
    assert PayoutApproval.objects.filter(payout=payout).count() == 1
    assert queued == [payout.pk]
    claims = AuditEvent.objects.filter(object_id=str(payout.pk), action="payout.claim")
    assert claims.count() == 1
    assert Payout.objects.filter(status=PayoutStatus.SENT).count() == 1
