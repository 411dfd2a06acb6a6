"""Storage providers share the wallets' removal rule (custody_portal.removals, DESIGN §11.7).

A complete walk that returns no provider while the portal holds some, or lacks more than half,
removes nothing: the run fails saying so, and the proposal waits for a second walk that
agrees or for an operator's confirmation on the home page.
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from custody_portal.errors import ApplicationError
from custody_portal.models import AuditEvent, PendingRemoval, RefreshRun
from custody_portal.redis import get_redis
from custody_portal.refresh import RefreshRefused
from custody_portal.removals import pending_removal_confirm
from filecoin import services
from filecoin.models import StorageProvider

from .conftest import sandbox_provider_ids

pytestmark = pytest.mark.django_db

CONFIRM = "/sync/removals/storage_providers/confirm/"


def _active() -> set[int]:
    return set(StorageProvider.objects.filter(removed_at__isnull=True).values_list("id", flat=True))


def _last_run() -> RefreshRun:
    return RefreshRun.objects.filter(task="refresh_storage_providers").first()


@pytest.fixture
def copied(fil_wallets, fil_sandbox) -> list[int]:
    """The sandbox's providers in the local copy; returns their ids."""
    services.storage_providers_refresh()
    ids = sandbox_provider_ids(fil_sandbox)
    assert _active() == set(ids) and len(ids) >= 3
    return ids


def _delete_all(sandbox, ids: list[int]) -> None:
    for pid in ids:
        sandbox.control("DELETE", f"storage_providers/{pid}")


def _hold_all(sandbox, ids: list[int]) -> PendingRemoval:
    _delete_all(sandbox, ids)
    with pytest.raises(RefreshRefused):
        services.storage_providers_refresh()
    return PendingRemoval.objects.get(data_set="storage_providers")


def test_a_walk_returning_no_provider_holds_the_removal_and_fails(copied, fil_sandbox):
    """GIVEN the providers in the portal
    WHEN Balance removes every one of them and a walk runs
    THEN nothing is removed, the run fails (kind "removal") saying Balance returned none, and
    the proposal (every id) waits as a PendingRemoval of storage providers."""
    _delete_all(fil_sandbox, copied)

    with pytest.raises(
        RefreshRefused,
        match=rf"Balance returned no storage providers \(the portal holds {len(copied)}\)",
    ):
        services.storage_providers_refresh()

    assert _active() == set(copied)
    run = _last_run()
    assert (run.status, run.error_kind) == ("failed", "removal")
    assert "nothing was removed" in run.error
    assert run.counts["removal_held"] == len(copied) and run.counts["removed"] == 0
    pending = PendingRemoval.objects.get()
    assert pending.data_set == "storage_providers"
    assert sorted(pending.ids) == sorted(copied)
    assert (pending.active_count, pending.seen_count) == (len(copied), 0)
    assert pending.first_run == run


def test_a_second_agreeing_walk_applies_the_held_removal(copied, fil_sandbox):
    """GIVEN a walk held back the removal of every provider
    WHEN the next walk returns none either
    THEN that walk removes them all, succeeds, and says a second walk agreed."""
    _hold_all(fil_sandbox, copied)

    counts = services.storage_providers_refresh()

    assert counts["removed"] == len(copied) and counts["removal_agreed"] == len(copied)
    assert _active() == set()
    assert _last_run().status == RefreshRun.Status.SUCCEEDED
    assert not PendingRemoval.objects.exists()


def test_a_walk_that_returns_them_again_clears_the_held_removal(copied, fil_sandbox):
    """GIVEN a walk held back the removal of every provider (Balance answered empty lists)
    WHEN the next walk returns them all again
    THEN nothing is removed, the run succeeds and no removal waits for confirmation."""
    fil_sandbox.control(
        "POST",
        "faults",
        json={
            "path": "/storage_providers$",
            "method": "GET",
            "status": 200,
            "body": {"storage_providers": []},
        },
    )
    with pytest.raises(RefreshRefused):
        services.storage_providers_refresh()
    assert PendingRemoval.objects.filter(data_set="storage_providers").exists()
    fil_sandbox.control("DELETE", "faults")

    counts = services.storage_providers_refresh()

    assert counts["removed"] == 0 and "removal_held" not in counts
    assert _active() == set(copied)
    assert not PendingRemoval.objects.exists()
    assert _last_run().status == RefreshRun.Status.SUCCEEDED


def test_more_than_half_missing_is_held(copied, fil_sandbox):
    """More than half gone is held back; the walk's other readings are still stored."""
    gone = copied[: len(copied) // 2 + 1]
    _delete_all(fil_sandbox, gone)

    with pytest.raises(RefreshRefused, match=f"lacks {len(gone)} of the portal's {len(copied)}"):
        services.storage_providers_refresh()

    assert _active() == set(copied)
    assert sorted(PendingRemoval.objects.get().ids) == sorted(gone)


def test_home_page_shows_the_held_removal_and_offers_operators_the_confirmation(
    copied, fil_sandbox, operator_client, viewer_client
):
    pending = _hold_all(fil_sandbox, copied)

    html = operator_client.get("/").content.decode()
    viewer_html = viewer_client.get("/").content.decode()

    assert 'data-testid="pending-removal-storage_providers"' in html
    assert f"Confirm removal of {len(copied)} storage providers" in html
    assert f'value="{pending.ids_hash}"' in html
    assert 'data-testid="pending-removal-storage_providers"' in viewer_html
    assert "Confirm removal" not in viewer_html


def test_an_operator_confirms_the_held_removal_from_the_home_page(
    copied, fil_sandbox, operator, operator_client, django_capture_on_commit_callbacks
):
    """GIVEN a walk held back the removal of every provider
    WHEN an operator presses "Confirm removal of N storage providers" on the home page
    THEN they are marked removed, the proposal is gone, the confirmation is audited and a
    storage-provider refresh is queued (after commit)."""
    pending = _hold_all(fil_sandbox, copied)

    with django_capture_on_commit_callbacks() as queued:
        response = operator_client.post(CONFIRM, {"ids_hash": pending.ids_hash}, follow=True)

    assert response.status_code == 200
    assert (
        f"Removal confirmed: {len(copied)} storage providers are now marked removed."
        in response.content.decode()
    )
    assert _active() == set()
    assert not PendingRemoval.objects.exists()
    event = AuditEvent.objects.get(action="refresh.removal_confirm")
    assert (event.actor, event.object_id) == (operator, "storage_providers")
    assert event.after["removed"] == len(copied)
    assert sorted(event.after["ids"]) == sorted(copied)
    assert len(queued) == 1


def test_confirmation_of_a_changed_proposal_applies_nothing(copied, fil_sandbox, operator_client):
    _hold_all(fil_sandbox, copied)

    response = operator_client.post(CONFIRM, {"ids_hash": "0" * 64}, follow=True)

    assert "changed since the page was shown" in response.content.decode()
    assert _active() == set(copied)
    assert PendingRemoval.objects.exists()


def test_confirmation_waits_for_a_running_storage_provider_refresh(copied, fil_sandbox, operator):
    pending = _hold_all(fil_sandbox, copied)
    lock = get_redis().lock("refresh:refresh_storage_providers:", timeout=30)
    assert lock.acquire(blocking=False)
    try:
        with pytest.raises(ApplicationError, match="A storage-provider refresh is running"):
            pending_removal_confirm(
                user=operator, data_set="storage_providers", ids_hash=pending.ids_hash
            )
    finally:
        lock.release()
    assert _active() == set(copied)


def test_only_operators_may_confirm(copied, fil_sandbox, viewer_client):
    pending = _hold_all(fil_sandbox, copied)

    assert viewer_client.post(CONFIRM, {"ids_hash": pending.ids_hash}).status_code == 403
    assert _active() == set(copied)


def test_allow_mass_removal_applies_a_first_implausible_walk_at_once_and_audits_it(
    copied, fil_sandbox
):
    """GIVEN no held-back removal WHEN Balance removed every provider and an operator runs
    `refresh_storage_providers --allow-mass-removal` THEN that very walk removes them,
    counts it as forced and leaves an audit event; without the flag the walk is held."""
    _delete_all(fil_sandbox, copied)

    call_command("refresh_storage_providers", "--allow-mass-removal")

    assert _active() == set()
    assert _last_run().counts["removal_forced"] == len(copied)
    assert not PendingRemoval.objects.exists()
    event = AuditEvent.objects.get(action="refresh.removal_forced")
    assert event.actor is None and sorted(event.after["ids"]) == sorted(copied)


def test_without_the_flag_the_command_holds_the_removal(copied, fil_sandbox):
    _delete_all(fil_sandbox, copied)

    with pytest.raises(CommandError, match="Balance returned no storage providers"):
        call_command("refresh_storage_providers")

    assert _active() == set(copied)
    assert PendingRemoval.objects.filter(data_set="storage_providers").exists()


def test_providers_of_a_wallet_balance_refused_are_neither_removed_nor_proposed(
    copied, fil_sandbox
):
    """GIVEN Balance refuses wallet 1's provider list and dropped every provider
    THEN wallet 1's providers are not removal candidates (their list was not read); only the
    other wallets' providers are proposed."""
    wallet_1 = set(StorageProvider.objects.filter(wallet_id=1).values_list("id", flat=True))
    assert wallet_1 and wallet_1 != set(copied)
    _delete_all(fil_sandbox, copied)
    fil_sandbox.control(
        "POST",
        "faults",
        json={
            "path": "/wallets/1/assets/fil/storage_providers$",
            "status": 403,
            "body": {"error": "Limit reached"},
        },
    )

    with pytest.raises(RefreshRefused):
        services.storage_providers_refresh()

    assert _active() == set(copied)
    assert set(PendingRemoval.objects.get().ids) == set(copied) - wallet_1
