"""A garbled or implausible answer from Balance never looks like "everything is gone".

A complete walk that returns no wallets (or external accounts) while the portal holds some,
or that lacks more than half of them, removes nothing: the run fails saying so, and the
proposal waits for a second walk that agrees or for an operator's confirmation.
"""

import pytest
from django.test import Client

from balance.errors import BalanceError
from custody_portal.errors import ApplicationError
from custody_portal.models import AuditEvent, PendingRemoval, RefreshRun
from custody_portal.redis import get_redis
from custody_portal.refresh import RefreshRefused
from wallets.models import ExternalAccount, Wallet
from wallets.services import wallets_refresh

pytestmark = pytest.mark.django_db

WALLETS = "^/api/v1/wallets$"
ACCOUNTS = "^/api/v1/external_accounts$"
EMPTY_PAGE = {
    "page_info": {
        "has_next_page": False,
        "has_previous_page": False,
        "start_cursor": None,
        "end_cursor": None,
    },
    "page": [],
}


def _answer(sandbox, path: str, body, *, count: int | None = None) -> None:
    """Balance answers 200 with `body` on GET `path` (every time, or `count` times)."""
    fault = {"path": path, "method": "GET", "status": 200, "body": body}
    if count is not None:
        fault["count"] = count
    sandbox.control("POST", "faults", json=fault)


def _clear_faults(sandbox) -> None:
    sandbox.control("DELETE", "faults")


def _active() -> int:
    return Wallet.objects.filter(removed_at__isnull=True).count()


def _last_run() -> RefreshRun:
    return RefreshRun.objects.filter(task="refresh_wallets", scope="").first()


@pytest.mark.parametrize(
    "body",
    [{"maintenance": True}, EMPTY_PAGE, []],
    ids=["maintenance-object", "empty-page", "empty-array"],
)
def test_a_walk_returning_no_wallets_removes_nothing_and_fails(
    sandbox, refreshed, viewer_client, body
):
    """GIVEN 30 wallets in the portal
    WHEN Balance answers the wallet list with 200 and no wallets (a maintenance object, an
    empty page, an empty array)
    THEN no wallet is removed, the run fails saying Balance returned none (or that its answer
    could not be read), and the home page keeps the holdings and shows the failure."""
    _answer(sandbox, WALLETS, body)

    with pytest.raises((RefreshRefused, BalanceError)):
        wallets_refresh()

    assert _active() == 30
    run = _last_run()
    assert run.status == RefreshRun.Status.FAILED
    assert run.counts.get("removed", 0) == 0
    assert (
        "Balance returned no wallets (the portal holds 30): nothing was removed" in run.error
        or run.error_kind == "balance"
    )
    html = viewer_client.get("/").content.decode()
    assert 'data-testid="holding-btc"' in html
    assert "the last refresh failed" in html
    assert 'data-testid="freshness-refresh_wallets"' in html
    row = html.split('data-testid="freshness-refresh_wallets"')[1].split("</tr>")[0]
    assert ">failed<" in row and "fresh</span>" not in row
    page = viewer_client.get("/wallets/1/").content.decode()
    assert "no longer returns this wallet" not in page


def test_an_empty_walk_is_applied_when_a_second_complete_walk_agrees(sandbox, refreshed):
    """GIVEN 30 wallets, and a first walk that returned none (held back)
    WHEN the next walk returns none too
    THEN that walk removes the 30 wallets, succeeds, and its counts say a second walk agreed;
    the proposal is gone."""
    _answer(sandbox, WALLETS, EMPTY_PAGE)
    with pytest.raises(RefreshRefused, match="Balance returned no wallets"):
        wallets_refresh()
    pending = PendingRemoval.objects.get(data_set="wallets")
    assert (pending.count, pending.active_count, pending.seen_count) == (30, 30, 0)
    assert pending.first_run == _last_run()

    counts = wallets_refresh()

    assert counts["removed"] == 30 and counts["removal_agreed"] == 30
    assert _active() == 0
    assert _last_run().status == RefreshRun.Status.SUCCEEDED
    assert not PendingRemoval.objects.exists()


def test_a_walk_missing_more_than_half_is_held_and_the_rest_is_stored(sandbox, refreshed):
    """GIVEN 30 wallets WHEN Balance drops 16 of them and a walk runs
    THEN the 14 it returned are stored as usual but none is removed; the run fails saying
    16 of 30 are missing. The next walk (same 16 missing) removes them."""
    for wallet_id in range(1, 17):
        sandbox.control("DELETE", f"wallets/{wallet_id}")
    sandbox.control("POST", "wallets/20/balances", json={"btc": "777"})

    with pytest.raises(RefreshRefused) as refused:
        wallets_refresh(page_size=10)

    assert "Balance's list lacks 16 of the portal's 30 wallets (more than half)" in str(
        refused.value.message
    )
    assert _active() == 30
    assert Wallet.objects.get(pk=20).balances.get(asset="btc").total == 777
    run = _last_run()
    assert (run.status, run.error_kind) == ("failed", "removal")
    assert run.counts["removal_held"] == 16 and run.counts["removed"] == 0

    counts = wallets_refresh(page_size=10)

    assert (counts["removed"], counts["removal_agreed"]) == (16, 16)
    assert set(Wallet.objects.filter(removed_at__isnull=False).values_list("id", flat=True)) == (
        set(range(1, 17))
    )


def test_removing_half_or_fewer_is_applied_at_once(sandbox, refreshed):
    for wallet_id in range(1, 16):
        sandbox.control("DELETE", f"wallets/{wallet_id}")

    counts = wallets_refresh(page_size=10)

    assert counts["removed"] == 15 and "removal_held" not in counts
    assert _active() == 15


def test_a_walk_that_returns_them_again_clears_the_held_removal(sandbox, refreshed):
    """GIVEN a held-back removal (one empty answer) WHEN the next walk returns every wallet
    THEN nothing is removed, the run succeeds and no removal waits for confirmation."""
    _answer(sandbox, WALLETS, EMPTY_PAGE, count=1)
    with pytest.raises(RefreshRefused):
        wallets_refresh()
    assert PendingRemoval.objects.filter(data_set="wallets").exists()

    counts = wallets_refresh()

    assert counts["removed"] == 0
    assert _active() == 30
    assert not PendingRemoval.objects.exists()


def test_a_different_proposal_replaces_the_held_one_instead_of_agreeing(sandbox, refreshed):
    """GIVEN a walk held back the removal of wallets 1-16
    WHEN Balance then also drops wallet 17 and a walk proposes 1-17
    THEN that is a new proposal (held, nothing removed); only a walk agreeing on 1-17 applies."""
    for wallet_id in range(1, 17):
        sandbox.control("DELETE", f"wallets/{wallet_id}")
    with pytest.raises(RefreshRefused):
        wallets_refresh()
    sandbox.control("DELETE", "wallets/17")

    with pytest.raises(RefreshRefused, match="lacks 17 of"):
        wallets_refresh()
    assert _active() == 30
    assert PendingRemoval.objects.get().count == 17

    assert wallets_refresh()["removal_agreed"] == 17
    assert _active() == 13


def test_external_accounts_returned_empty_are_held_while_wallets_refresh(sandbox, refreshed):
    """GIVEN 10 external accounts in the portal WHEN Balance lists none
    THEN none is removed and the run fails saying so; the wallets part of the run (Balance
    dropped wallet 3) is applied."""
    assert ExternalAccount.objects.filter(removed_at__isnull=True).count() == 10
    sandbox.control("DELETE", "wallets/3")
    _answer(sandbox, ACCOUNTS, EMPTY_PAGE)

    with pytest.raises(
        RefreshRefused, match=r"Balance returned no external accounts \(the portal holds 10\)"
    ):
        wallets_refresh()

    assert ExternalAccount.objects.filter(removed_at__isnull=True).count() == 10
    assert Wallet.objects.get(pk=3).removed_at is not None
    run = _last_run()
    assert run.counts["external_accounts_removal_held"] == 10
    assert run.counts["removed"] == 1
    assert PendingRemoval.objects.get().data_set == "external_accounts"


def _hold_all_wallets(sandbox) -> PendingRemoval:
    _answer(sandbox, WALLETS, EMPTY_PAGE, count=1)
    with pytest.raises(RefreshRefused):
        wallets_refresh()
    return PendingRemoval.objects.get(data_set="wallets")


def test_home_page_offers_operators_the_confirmation(
    sandbox, refreshed, operator_client, viewer_client
):
    pending = _hold_all_wallets(sandbox)

    html = operator_client.get("/").content.decode()
    viewer_html = viewer_client.get("/").content.decode()

    assert 'data-testid="pending-removal-wallets"' in html
    assert "Confirm removal of 30 wallets" in html
    assert f'value="{pending.ids_hash}"' in html
    assert 'data-testid="pending-removal-wallets"' in viewer_html
    assert "Confirm removal" not in viewer_html


def test_an_operator_confirms_the_held_removal(sandbox, refreshed, operator, operator_client):
    """GIVEN a walk held back the removal of the 30 wallets
    WHEN an operator presses "Confirm removal of 30 wallets"
    THEN the 30 are marked removed, the proposal is gone and the confirmation is audited."""
    pending = _hold_all_wallets(sandbox)

    response = operator_client.post(
        "/sync/removals/wallets/confirm/", {"ids_hash": pending.ids_hash}, follow=True
    )

    assert response.status_code == 200
    assert "Removal confirmed: 30 wallets are now marked removed." in response.content.decode()
    assert _active() == 0
    assert not PendingRemoval.objects.exists()
    event = AuditEvent.objects.get(action="refresh.removal_confirm")
    assert event.actor == operator
    assert event.after["removed"] == 30 and sorted(event.after["ids"]) == list(range(1, 31))


def test_confirmation_of_a_proposal_that_changed_applies_nothing(
    sandbox, refreshed, operator_client
):
    _hold_all_wallets(sandbox)

    response = operator_client.post(
        "/sync/removals/wallets/confirm/", {"ids_hash": "0" * 64}, follow=True
    )

    assert "changed since the page was shown" in response.content.decode()
    assert _active() == 30
    assert PendingRemoval.objects.exists()
    assert not AuditEvent.objects.filter(action="refresh.removal_confirm").exists()


def test_confirmation_waits_for_a_running_wallets_refresh(sandbox, refreshed, operator):
    from custody_portal.removals import pending_removal_confirm

    pending = _hold_all_wallets(sandbox)
    lock = get_redis().lock("refresh:refresh_wallets:", timeout=30)
    assert lock.acquire(blocking=False)
    try:
        with pytest.raises(ApplicationError, match="A wallets refresh is running"):
            pending_removal_confirm(user=operator, data_set="wallets", ids_hash=pending.ids_hash)
    finally:
        lock.release()
    assert _active() == 30


def test_only_operators_may_confirm_and_only_with_csrf(sandbox, refreshed, viewer_client, operator):
    pending = _hold_all_wallets(sandbox)
    url = "/sync/removals/wallets/confirm/"

    assert viewer_client.post(url, {"ids_hash": pending.ids_hash}).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(operator)
    assert strict.post(url, {"ids_hash": pending.ids_hash}).status_code == 403
    assert strict.get(url).status_code == 405
    assert _active() == 30


def test_an_operator_confirms_held_external_accounts(sandbox, refreshed, operator_client):
    _answer(sandbox, ACCOUNTS, EMPTY_PAGE, count=1)
    with pytest.raises(RefreshRefused):
        wallets_refresh()
    pending = PendingRemoval.objects.get(data_set="external_accounts")

    operator_client.post(
        "/sync/removals/external_accounts/confirm/", {"ids_hash": pending.ids_hash}
    )

    assert not ExternalAccount.objects.filter(removed_at__isnull=True).exists()
    assert _active() == 30


def test_a_garbled_wallet_record_fails_the_run_in_plain_words(sandbox, refreshed, viewer_client):
    """GIVEN 30 wallets WHEN Balance's list page holds a record that is not a wallet
    THEN the run fails, nothing is removed, and the error operators read names no Python
    exception (`TypeError: string indices…` stays in the logs)."""
    _answer(sandbox, WALLETS, {**EMPTY_PAGE, "page": [{"cursor": "x", "data": "oops"}]})

    with pytest.raises(BalanceError):
        wallets_refresh()

    run = _last_run()
    assert run.status == RefreshRun.Status.FAILED
    assert "cannot read" in run.error
    for python in ("TypeError", "string indices", "Error:"):
        assert python not in run.error
    assert _active() == 30
    html = viewer_client.get("/").content.decode()
    assert "TypeError" not in html and "the last refresh failed" in html


def test_an_html_answer_never_removes_anything_however_often_it_comes(
    sandbox, refreshed, viewer_client
):
    """GIVEN 30 wallets WHEN Balance answers its wallet list with a 200 HTML page, for three
    refreshes in a row
    THEN each run fails saying the answer was not JSON, no walk is complete, so no
    removal is ever proposed or applied, and the home page shows the failure."""
    sandbox.control(
        "POST",
        "faults",
        json={
            "path": WALLETS,
            "method": "GET",
            "status": 200,
            "raw_body": "<html>Service temporarily unavailable</html>",
        },
    )

    for _ in range(3):
        with pytest.raises(BalanceError):
            wallets_refresh()

    assert _active() == 30
    assert not PendingRemoval.objects.exists()
    runs = RefreshRun.objects.filter(task="refresh_wallets", status="failed")
    assert runs.count() == 3
    for run in runs:
        assert run.error_kind == "balance" and "not JSON" in run.error, run.error
        assert "<html" not in run.error
    html = viewer_client.get("/").content.decode()
    assert "the last refresh failed" in html and 'data-testid="holding-btc"' in html


def test_a_maintenance_answer_repeated_never_agrees_to_a_removal(sandbox, refreshed):
    _answer(sandbox, WALLETS, {"maintenance": True})

    for _ in range(2):
        with pytest.raises((RefreshRefused, BalanceError)):
            wallets_refresh()

    assert _active() == 30
