"""A hypothesis state machine over the whole payout workflow, against the real sandbox.

Several drafters and approvers draft, edit, approve, reject, cancel, let approvals and
payouts expire, send (with Balance faults injected), send again, reconcile and resolve, in
any order. After every step: no payout was sent to Balance twice, none was sent without a
current quorum, and none was ever approved by its drafter.
"""

import contextlib
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, event
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from balance.errors import BalanceError
from custody_portal.errors import ApplicationError
from custody_portal.refresh import RefreshAlreadyRunning
from payouts.models import Payout, PayoutApproval, PayoutStatus
from payouts.selectors import payout_quorum
from payouts.services import (
    LineInput,
    PayoutInvalid,
    payout_approve,
    payout_cancel,
    payout_reject,
    payout_resolution_confirm,
    payout_resolution_propose,
    payout_send,
    payout_send_again,
    payout_update,
    payouts_expire,
    payouts_reconcile,
)
from tests.conftest import free_port
from tests.factories import UserFactory
from tests.payouts.conftest import ADDRESS, EXTERNAL, OTHER_WALLET, SEND_PATH, SOURCE, draft

AMOUNTS = st.sampled_from(["0.001", "0.002", "0.0005", "0.00012345"])
FAULTS = ["none", "reject", "commit_then_500", "injected_503", "refused"]


@pytest.mark.usefixtures("refreshed")
def test_no_payout_is_sent_twice_without_quorum_or_by_its_drafter(sandbox, settings):
    drafters = [UserFactory(username=f"sm-drafter-{i}", role="operator") for i in range(2)]
    approvers = [UserFactory(username=f"sm-approver-{i}", role="approver") for i in range(3)]
    boss = UserFactory(username="sm-boss", role="admin")  # drafts and approves
    people = [*drafters, *approvers, boss]
    balance_url = sandbox.url
    dead_url = f"http://127.0.0.1:{free_port()}"

    class PayoutWorkflow(RuleBasedStateMachine):
        payouts = Bundle("payouts")

        def __init__(self) -> None:
            super().__init__()
            sandbox.reset()
            settings.BALANCE_API_URL = balance_url
            self.calls: dict[int, int] = {}
            self.ids: list[int] = []

        def teardown(self) -> None:
            # The sandbox restarts its transaction ids for the next example: forget this
            # example's payouts (nothing reserves funds, no id is linked twice).
            Payout.objects.filter(pk__in=self.ids).delete()

        def _send_count(self) -> int:
            return sum(
                1 for c in sandbox.calls() if c["path"] == SEND_PATH and c["method"] == "POST"
            )

        @initialize(target=payouts, who=st.sampled_from(approvers))
        def an_approved_payout(self, who):
            """Every example starts with one payout already approved (not yet sent)."""
            payout = draft(drafters[0])
            payout_approve(payout=payout, user=who)
            self.ids.append(payout.pk)
            return payout.pk

        @rule(
            target=payouts,
            who=st.sampled_from([*drafters, boss]),
            amounts=st.lists(AMOUNTS, min_size=1, max_size=3),
        )
        def draft(self, who, amounts):
            destinations = [
                LineInput("wallet", OTHER_WALLET, amount=amounts[0]),
                LineInput("external_account", EXTERNAL, amount=amounts[-1]),
                LineInput("public_address", public_address=ADDRESS, amount=amounts[0]),
            ][: len(amounts)]
            payout = draft(who, lines=destinations)
            self.ids.append(payout.pk)
            return payout.pk

        @rule(payout_id=payouts, who=st.sampled_from(people), amount=AMOUNTS)
        def edit(self, payout_id, who, amount):
            payout = Payout.objects.get(pk=payout_id)
            with contextlib.suppress(ApplicationError, PayoutInvalid):
                payout_update(
                    payout=payout,
                    user=who,
                    source_wallet_id=SOURCE,
                    asset="btc",
                    lines=[LineInput("wallet", OTHER_WALLET, amount=amount)],
                )

        @rule(payout_id=payouts, who=st.sampled_from(people))
        def approve(self, payout_id, who):
            payout = Payout.objects.get(pk=payout_id)
            try:
                payout_approve(payout=payout, user=who)
            except ApplicationError:
                return
            assert who.pk != payout.created_by_id

        @rule(payout_id=payouts, who=st.sampled_from(people))
        def reject(self, payout_id, who):
            with contextlib.suppress(ApplicationError):
                payout_reject(payout=Payout.objects.get(pk=payout_id), user=who, reason="no")

        @rule(payout_id=payouts, who=st.sampled_from(people))
        def cancel(self, payout_id, who):
            with contextlib.suppress(ApplicationError):
                payout_cancel(payout=Payout.objects.get(pk=payout_id), user=who)

        @rule(hours=st.sampled_from([1, 12, 23]))
        def time_passes(self, hours):
            """Every approval and deadline of this example moves `hours` into the past."""
            PayoutApproval.objects.filter(payout_id__in=self.ids).update(
                approved_at=F("approved_at") - timedelta(hours=hours)
            )
            Payout.objects.filter(pk__in=self.ids).update(
                expires_at=F("expires_at") - timedelta(hours=hours)
            )

        @rule(payout_id=payouts)
        def time_runs_out(self, payout_id):
            Payout.objects.filter(pk=payout_id).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            )
            payouts_expire()

        @rule(
            payout_id=payouts,
            who=st.sampled_from([*approvers, boss]),
            fault=st.sampled_from(FAULTS),
        )
        def approve_then_send(self, payout_id, who, fault):
            """The common path (approval reaching quorum, then the task), made likely."""
            self.approve(payout_id, who)
            self.send(payout_id, fault)

        @rule(payout_id=payouts, fault=st.sampled_from(FAULTS))
        def send(self, payout_id, fault):
            payout = Payout.objects.get(pk=payout_id)
            had_quorum = payout_quorum(payout=payout).reached
            if fault in ("reject", "commit_then_500"):
                sandbox.control("POST", "send_batch_now", json={"mode": fault, "count": 1})
            elif fault == "injected_503":
                sandbox.control(
                    "POST", "faults", json={"path": SEND_PATH, "status": 503, "count": 1}
                )
            settings.BALANCE_API_URL = dead_url if fault == "refused" else balance_url
            before = self._send_count()
            try:
                payout_send(payout_id=payout_id)
            finally:
                settings.BALANCE_API_URL = balance_url
                sandbox.control("POST", "send_batch_now", json={"mode": "normal"})
                sandbox.control("DELETE", "faults")
            made = self._send_count() - before
            event(f"send: {fault}, {'called Balance' if made else 'no call'}")
            if made:
                assert had_quorum, "Balance was called for a payout without a current quorum"
                self.calls[payout_id] = self.calls.get(payout_id, 0) + made

        @rule(payout_id=payouts, who=st.sampled_from(people))
        def send_again(self, payout_id, who):
            with contextlib.suppress(ApplicationError):
                payout_send_again(payout=Payout.objects.get(pk=payout_id), user=who)

        @rule()
        def reconcile(self):
            with contextlib.suppress(RefreshAlreadyRunning, BalanceError):
                payouts_reconcile()

        @rule(
            payout_id=payouts,
            proposer=st.sampled_from(people),
            confirmer=st.sampled_from(people),
            outcome=st.sampled_from(["sent", "failed"]),
        )
        def resolve(self, payout_id, proposer, confirmer, outcome):
            payout = Payout.objects.get(pk=payout_id)
            try:
                payout_resolution_propose(
                    payout=payout, user=proposer, outcome=outcome, reason="checked at Balance"
                )
                payout_resolution_confirm(payout=payout, user=confirmer)
            except ApplicationError:
                return
            assert proposer.pk != confirmer.pk

        @invariant()
        def sent_at_most_once(self):
            assert all(count <= 1 for count in self.calls.values()), self.calls

        @invariant()
        def never_approved_by_the_drafter(self):
            assert not PayoutApproval.objects.filter(
                payout_id__in=self.ids, approver=F("payout__created_by")
            ).exists()

        @invariant()
        def unknown_and_final_payouts_are_never_sent_again(self):
            # A payout that Balance was called for is never back in approved/pending.
            called = [pid for pid, count in self.calls.items() if count]
            assert not Payout.objects.filter(
                pk__in=called,
                status__in=[PayoutStatus.APPROVED, PayoutStatus.PENDING_APPROVAL],
            ).exists()

    run_state_machine_as_test(
        PayoutWorkflow,
        settings=hypothesis_settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
