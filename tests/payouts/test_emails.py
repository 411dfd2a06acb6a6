"""Emails: approvers hear about a payout awaiting them, the drafter about its outcome; a
broken mail server never breaks the workflow."""

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from payouts.models import PayoutStatus
from payouts.services import payout_approve, payout_reject, payout_send
from tests.factories import UserFactory
from tests.payouts.conftest import draft

pytestmark = pytest.mark.usefixtures("refreshed")


class ExplodingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server down")


def test_approvers_but_not_the_drafter_are_told(
    django_capture_on_commit_callbacks, drafter, approver, approver2, admin_user
):
    UserFactory(username="noemail", role="approver", email="")
    with django_capture_on_commit_callbacks(execute=True):
        payout = draft(admin_user)  # an admin drafts: they hold approve, yet are not told
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == [approver.email, approver2.email]
    assert payout.reference in mail.outbox[0].subject
    assert f"/payouts/{payout.pk}/" in mail.outbox[0].body


def test_the_drafter_hears_that_it_was_sent(
    django_capture_on_commit_callbacks, sandbox, drafter, approver
):
    payout = draft(drafter)
    payout_approve(payout=payout, user=approver)
    with django_capture_on_commit_callbacks(execute=True):
        assert payout_send(payout_id=payout.pk) == PayoutStatus.SENT
    [message] = mail.outbox
    payout.refresh_from_db()
    assert message.to == [drafter.email]
    assert "sent" in message.subject
    assert payout.balance_transaction_id in message.body


def test_the_drafter_hears_that_it_was_rejected(
    django_capture_on_commit_callbacks, drafter, approver
):
    payout = draft(drafter)
    with django_capture_on_commit_callbacks(execute=True):
        payout_reject(payout=payout, user=approver, reason="wrong wallet")
    [message] = mail.outbox
    assert message.to == [drafter.email] and "rejected" in message.subject
    assert "wrong wallet" in message.body


def test_a_mail_failure_does_not_break_the_workflow(
    django_capture_on_commit_callbacks, settings, drafter, approver
):
    settings.EMAIL_BACKEND = "tests.payouts.test_emails.ExplodingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        payout = draft(drafter)
    with django_capture_on_commit_callbacks(execute=True):
        payout_reject(payout=payout, user=approver, reason="no")
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REJECTED
