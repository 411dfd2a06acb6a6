"""`/payouts/`: filters, search by wallet, paging, constant query count; the navigation badge
of payouts awaiting the current approver."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payouts.models import AssetThreshold, Payout, PayoutStatus
from payouts.services import LineInput, payout_approve
from tests.payouts.conftest import OTHER_WALLET, SOURCE, draft
from tests.payouts.ui import client_for
from wallets.models import Wallet

pytestmark = pytest.mark.usefixtures("refreshed")

STATUSES = [s for s, _ in PayoutStatus.choices]


def _grow_to(count: int, drafter, approver) -> None:
    """Payouts of every status, some approved, from two wallets."""
    while Payout.objects.count() < count:
        n = Payout.objects.count()
        source = SOURCE if n % 2 else OTHER_WALLET
        target = OTHER_WALLET if source == SOURCE else SOURCE
        payout = draft(drafter, source=source, lines=[LineInput("wallet", target, amount="0.0001")])
        if n % 3 == 0:
            payout_approve(payout=payout, user=approver)
        if n % 4 == 0:
            Payout.objects.filter(pk=payout.pk).update(status=STATUSES[n % len(STATUSES)])


def _queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


PAGES = ["/payouts/", "/payouts/?status=pending_approval", "/payouts/?mine=on", "/payouts/?q=Main"]


def test_query_count_does_not_grow_with_the_number_of_payouts(drafter, approver, approver2):
    """GIVEN 5 payouts, then 60 WHEN each list page is loaded by an approver (nav badge
    included) THEN it runs the same number of queries."""
    AssetThreshold.objects.create(asset="btc", threshold=10**8, required_approvals=2)
    client = client_for(approver2)
    _grow_to(5, drafter, approver)
    small = {url: _queries(client, url) for url in PAGES}

    _grow_to(60, drafter, approver)
    large = {url: _queries(client, url) for url in PAGES}

    assert large == small
    assert max(small.values()) <= 15, small
    page = client.get("/payouts/").content.decode()
    assert page.count('data-testid="payout-row"') == 50
    assert 'data-testid="page-next"' in page


def test_every_status_has_a_badge_in_words(drafter, approver):
    for status in STATUSES:
        payout = draft(drafter)
        Payout.objects.filter(pk=payout.pk).update(status=status)

    page = client_for(approver).get("/payouts/").content.decode()

    badges = re.findall(r'data-testid="payout-status" data-status="(\w+)">([^<]+)<', page)
    assert dict(badges) == {
        "pending_approval": "Pending approval",
        "approved": "Approved",
        "sending": "Sending",
        "sent": "Sent",
        "failed": "Failed",
        "unknown": "Unknown — needs reconciliation",
        "rejected": "Rejected",
        "cancelled": "Cancelled",
        "expired": "Expired",
    }


def test_filter_by_status_and_search_by_wallet(drafter, approver):
    from_source = draft(drafter, source=SOURCE)
    back = [LineInput("wallet", SOURCE, amount="0.001")]
    from_other = draft(drafter, source=OTHER_WALLET, lines=back)
    Payout.objects.filter(pk=from_other.pk).update(status=PayoutStatus.SENT)
    client = client_for(approver)
    other_name = Wallet.objects.get(pk=OTHER_WALLET).name

    def ids(url):
        page = client.get(url).content.decode()
        return [
            int(i) for i in re.findall(r'data-testid="payout-row" data-payout-id="(\d+)"', page)
        ]

    assert ids("/payouts/") == [from_other.pk, from_source.pk]
    assert ids("/payouts/?status=sent") == [from_other.pk]
    assert ids(f"/payouts/?q={other_name[:12]}") == [from_other.pk]
    assert ids(f"/payouts/?q={SOURCE}") == [from_source.pk]
    assert ids("/payouts/?status=nonsense") == [from_other.pk, from_source.pk]


def test_awaiting_my_approval_leaves_out_my_drafts_and_what_i_approved(
    drafter, admin_user, approver
):
    AssetThreshold.objects.create(asset="btc", threshold=1, required_approvals=2)
    mine = draft(admin_user)
    approved_by_me = draft(drafter)
    payout_approve(payout=approved_by_me, user=admin_user)
    waiting = draft(drafter)
    client = client_for(admin_user)

    page = client.get("/payouts/?mine=on").content.decode()

    listed = [int(i) for i in re.findall(r'data-payout-id="(\d+)"', page)]
    assert listed == [waiting.pk]
    assert mine.pk not in listed and approved_by_me.pk not in listed
    # The approver who has not approved anything sees all three.
    page = client_for(approver).get("/payouts/?mine=on").content.decode()
    assert len(re.findall(r'data-payout-id="(\d+)"', page)) == 3


def test_htmx_filters_answer_the_table_only(drafter, approver):
    draft(drafter)

    response = client_for(approver).get("/payouts/?status=pending_approval", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="payout-table"')
    assert "<html" not in page


class TestNavigationBadge:
    def test_approvers_see_how_many_payouts_await_them(self, drafter, approver):
        AssetThreshold.objects.create(asset="btc", threshold=1, required_approvals=2)
        for _ in range(3):
            draft(drafter)
        client = client_for(approver)

        page = client.get("/").content.decode()
        assert re.search(r'data-testid="nav-payouts-awaiting"[^>]*>3<', page)

        payout_approve(payout=Payout.objects.first(), user=approver)
        page = client.get("/").content.decode()
        assert re.search(r'data-testid="nav-payouts-awaiting"[^>]*>2<', page)

    def test_no_badge_for_non_approvers_nor_without_anything_waiting(self, drafter, viewer):
        draft(drafter)

        for user in (drafter, viewer):
            page = client_for(user).get("/").content.decode()
            assert 'data-testid="nav-payouts"' in page
            assert 'data-testid="nav-payouts-awaiting"' not in page

    def test_the_count_is_not_computed_for_viewers_or_fragments(self, drafter, viewer, approver):
        draft(drafter)

        def payout_queries(client, url, **headers):
            client.get(url, **headers)
            with CaptureQueriesContext(connection) as ctx:
                client.get(url, **headers)
            return [q["sql"] for q in ctx.captured_queries if "payouts_payout" in q["sql"]]

        assert payout_queries(client_for(viewer), "/") == []
        htmx = {"HTTP_HX_REQUEST": "true"}
        assert payout_queries(client_for(approver), "/wallets/?q=x", **htmx) == []
        assert len(payout_queries(client_for(approver), "/")) == 1
