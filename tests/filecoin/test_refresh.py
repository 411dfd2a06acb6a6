"""The storage-provider refresh against the sandbox over HTTP, over several ticks."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from custody_portal.models import RefreshRun
from custody_portal.refresh import RefreshRefused
from filecoin import services
from filecoin.models import SectorSnapshot, StorageProvider, StorageProviderAlert
from filecoin.selectors import health_name, provider_get, provider_list

from .conftest import sandbox_provider_ids, set_provider

pytestmark = pytest.mark.django_db

FIL = 10**18


def _tick(sandbox, steps: int = 1) -> None:
    sandbox.control("POST", "tick", json={"steps": steps})


def test_refresh_over_ticks_with_faulting_fee_debt_and_disappearing_providers(
    fil_wallets, fil_sandbox
):
    """GIVEN the sandbox's providers copied once
    WHEN over the next ticks one starts faulting, one falls into fee debt, one disappears
    THEN each refresh appends one snapshot per new reading, the first is faulty, the second
    is stored with its negative balance and shown as fee debt, the third is marked removed,
    alerts open for the two bad states, and a refresh with nothing new changes nothing."""
    ids = sandbox_provider_ids(fil_sandbox)
    faulting, indebted, leaving = ids[0], ids[1], ids[2]
    first = services.storage_providers_refresh()
    assert (first["providers"], first["created"], first["snapshots"]) == (
        len(ids),
        len(ids),
        len(ids),
    )
    assert StorageProvider.objects.filter(removed_at__isnull=True).count() == len(ids)

    _tick(fil_sandbox)
    set_provider(fil_sandbox, faulting, faulty_sectors=30, pinned=True)
    set_provider(
        fil_sandbox,
        indebted,
        faulty_sectors=0,
        available_balance="-2500000000000000001",
        pinned=True,
    )
    fil_sandbox.control("DELETE", f"storage_providers/{leaving}")
    second = services.storage_providers_refresh()
    services.storage_provider_alerts_sync()

    assert second["removed"] == 1 and second["providers"] == len(ids) - 1
    assert second["snapshots"] == len(ids) - 1  # every remaining provider has a new reading
    assert provider_get(provider_id=leaving).removed_at is not None
    assert leaving not in [p.id for p in provider_list()]
    faulty = provider_get(provider_id=faulting)
    assert faulty.faulty_sectors == 30 and health_name(faulty) in (
        "faulty",
        "worsening",
        "fee_debt",
    )
    debt = provider_get(provider_id=indebted)
    assert debt.available_balance == Decimal(-2_500_000_000_000_000_001)
    assert health_name(debt) == "fee_debt"
    assert provider_list()[0].id == indebted  # worst first
    kinds = set(
        StorageProviderAlert.objects.filter(closed_at__isnull=True).values_list(
            "provider_id", "kind"
        )
    )
    assert (faulting, "faulty") in kinds and (indebted, "fee_debt") in kinds

    _tick(fil_sandbox, 2)
    third = services.storage_providers_refresh()
    # Pinned providers keep their reading time: deduplicated, not stored again.
    assert third["duplicate_snapshots"] == 2
    assert third["snapshots"] == len(ids) - 3
    assert third["removed"] == 0

    again = services.storage_providers_refresh()
    assert (again["snapshots"], again["created"], again["updated"], again["removed"]) == (
        0,
        0,
        0,
        0,
    )
    assert again["duplicate_snapshots"] == len(ids) - 1
    assert SectorSnapshot.objects.filter(provider_id=faulting).count() == 2
    runs = RefreshRun.objects.filter(task="refresh_storage_providers")
    assert runs.count() == 4 and set(runs.values_list("status", flat=True)) == {"succeeded"}


def test_a_provider_back_at_balance_is_no_longer_removed(fil_wallets, fil_sandbox):
    services.storage_providers_refresh()
    StorageProvider.objects.filter(pk=125).update(removed_at=timezone.now())

    counts = services.storage_providers_refresh()

    assert StorageProvider.objects.get(pk=125).removed_at is None
    assert counts["updated"] == 1


def test_exact_amounts_from_balance_numbers(fil_wallets, fil_sandbox):
    """Balance's 10420.49831870958 FIL and a fee debt beyond 2**64 attoFIL are stored to the
    last attoFIL (the sandbox sends them as JSON numbers in FIL)."""
    set_provider(fil_sandbox, 125, available_balance="10420498318709580000000", pinned=True)
    set_provider(
        fil_sandbox, 126, available_balance=str(-(2**70) - 1), locked_rewards=str(2**65 + 3)
    )

    services.storage_providers_refresh()

    assert StorageProvider.objects.get(pk=125).available_balance == 10_420_498_318_709_580_000_000
    debt = StorageProvider.objects.get(pk=126)
    assert debt.available_balance == -(2**70) - 1
    assert debt.locked_rewards == 2**65 + 3
    assert SectorSnapshot.objects.get(provider_id=126).available_balance == -(2**70) - 1


def test_an_empty_walk_removes_nothing_and_fails_the_run(fil_wallets, fil_sandbox):
    services.storage_providers_refresh()
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

    with pytest.raises(RefreshRefused, match="returned no storage provider"):
        services.storage_providers_refresh()

    assert StorageProvider.objects.filter(removed_at__isnull=False).count() == 0
    run = RefreshRun.objects.filter(task="refresh_storage_providers").first()
    assert run.status == "failed" and "nothing was removed" in run.error


def test_a_garbled_list_removes_nothing(fil_wallets, fil_sandbox):
    services.storage_providers_refresh()
    fil_sandbox.control(
        "POST",
        "faults",
        json={
            "path": "/wallets/1/assets/fil/storage_providers$",
            "status": 200,
            "body": {"providers": "?"},
        },
    )

    from balance.errors import BalanceUnexpectedResponse

    with pytest.raises(BalanceUnexpectedResponse, match="the answer has no storage_providers"):
        services.storage_providers_refresh()

    assert StorageProvider.objects.filter(removed_at__isnull=False).count() == 0


def test_more_than_half_gone_is_refused_unless_forced(fil_wallets, fil_sandbox):
    services.storage_providers_refresh()
    ids = sandbox_provider_ids(fil_sandbox)
    gone = ids[: len(ids) // 2 + 1]
    for pid in gone:
        fil_sandbox.control("DELETE", f"storage_providers/{pid}")

    with pytest.raises(CommandError, match=f"lacks {len(gone)} of the portal's {len(ids)}"):
        call_command("refresh_storage_providers")
    assert StorageProvider.objects.filter(removed_at__isnull=False).count() == 0

    call_command("refresh_storage_providers", "--allow-mass-removal")
    assert set(
        StorageProvider.objects.filter(removed_at__isnull=False).values_list("id", flat=True)
    ) == set(gone)


def test_balance_refusing_one_wallet_keeps_its_providers(fil_wallets, fil_sandbox):
    services.storage_providers_refresh()
    fil_sandbox.control("DELETE", "storage_providers/125")
    fil_sandbox.control(
        "POST",
        "faults",
        json={
            "path": "/wallets/1/assets/fil/storage_providers$",
            "status": 403,
            "body": {"error": "Limit reached"},
        },
    )

    counts = services.storage_providers_refresh()

    assert counts["removed"] == 0
    assert counts["errors"] == ["wallet 1: Limit reached"]
    assert StorageProvider.objects.get(pk=125).removed_at is None


@pytest.mark.parametrize(
    ("detail", "reported"),
    [
        (
            {
                "id": 125,
                "storage_provider": "t01",
                "initial_pledge": 0,
                "locked_rewards": 0,
                "available_balance": 1,
            },
            "storage provider 125: unreadable answer (the sector summary lacks active_sectors",
        ),
        (
            {"id": 125, "storage_provider": "t01", "available_balance": 1},
            "storage provider 125: Balance sent a response the portal cannot read",
        ),
    ],
)
def test_a_garbled_detail_is_reported_and_leaves_the_provider_as_it_was(
    fil_wallets, fil_sandbox, detail, reported
):
    services.storage_providers_refresh()
    before = StorageProvider.objects.get(pk=125)
    _tick(fil_sandbox)
    fil_sandbox.control(
        "POST",
        "faults",
        json={
            "path": "/storage_providers/125$",
            "status": 200,
            "body": {"storage_provider": detail},
        },
    )

    counts = services.storage_providers_refresh()

    assert counts["errors"][0].startswith(reported)
    after = StorageProvider.objects.get(pk=125)
    assert (after.available_balance, after.last_updated_at) == (
        before.available_balance,
        before.last_updated_at,
    )
    assert after.removed_at is None
    assert counts["snapshots"] == counts["providers"] - 1  # the others were read


def test_older_figures_do_not_replace_newer_ones(fil_wallets, fil_sandbox):
    services.storage_providers_refresh()
    current = StorageProvider.objects.get(pk=125)
    older = (current.last_updated_at - timedelta(hours=2)).isoformat()
    set_provider(fil_sandbox, 125, faulty_sectors=99, last_updated_at=older, pinned=True)

    counts = services.storage_providers_refresh()

    assert counts["out_of_order"] == 1
    assert StorageProvider.objects.get(pk=125).faulty_sectors == current.faulty_sectors
    # The reading itself is history: kept as a snapshot at its own time.
    assert SectorSnapshot.objects.get(provider_id=125, faulty_sectors=99)


def test_worsening_compares_with_the_reading_24_hours_ago(fil_wallets, fil_sandbox):
    from .factories import SectorSnapshotFactory

    services.storage_providers_refresh()
    provider = StorageProvider.objects.get(pk=125)
    SectorSnapshotFactory(
        provider=provider,
        last_updated_at=timezone.now() - timedelta(hours=25),
        live_sectors=1000,
        faulty_sectors=1,
    )
    set_provider(fil_sandbox, 125, active_sectors=960, faulty_sectors=40, pinned=True)

    services.storage_providers_refresh()

    provider.refresh_from_db()
    assert provider.worsening is True
    assert provider.faulty_share_24h_ago_ppm == 1_000
    assert provider.faulty_share_ppm == 40_000
    assert health_name(provider_get(provider_id=125)) == "worsening"


def test_stale_when_balance_stops_updating(fil_wallets, fil_sandbox, settings):
    settings.FILECOIN_STALE_AFTER = 3600
    old = (timezone.now() - timedelta(hours=2)).isoformat()
    set_provider(
        fil_sandbox, 125, faulty_sectors=0, available_balance="1", last_updated_at=old, pinned=True
    )

    services.storage_providers_refresh()
    services.storage_provider_alerts_sync()

    assert health_name(provider_get(provider_id=125)) == "stale"
    assert StorageProviderAlert.objects.get(provider_id=125, closed_at__isnull=True).kind == "stale"


def test_the_command_prints_counts_and_chains_rollups_and_alerts(fil_wallets, fil_sandbox, capsys):
    call_command("refresh_storage_providers")

    out = capsys.readouterr().out
    assert "providers=6" in out and "created=6" in out
    assert "roll-ups: hourly=6 daily=6" in out
    assert "termination estimates queued=6" in out


def test_the_seed_example_is_stored_to_the_last_attofil(fil_wallets, fil_sandbox):
    """Balance's own example (seed 001, show_sector_summary=true), sent byte for byte: FIL
    numbers with few decimals, `initial_pledge` as 0.0, a `Z` time."""
    import requests

    seed_detail = (
        '{"storage_provider": {"active_sectors": 0, "available_balance": 10420.49831870958, '
        '"faulty_sectors": 100, "faulty_sectors_penalty_fil": 789.123, "id": 125, '
        '"initial_pledge": 0.0, "last_updated_at": "2023-05-01T15:01:25Z", "live_sectors": 200, '
        '"live_sectors_penalty_fil": 456.789, "locked_rewards": 0.0, "storage_provider": "t01491"}}'
    )
    rule = '{"path": "/storage_providers/125$", "status": 200, "body": ' + seed_detail[:-1] + "}}"
    requests.post(
        f"{fil_sandbox.url}/_sandbox/faults",
        data=rule,
        headers={"Content-Type": "application/json"},
        timeout=5,
    ).raise_for_status()

    services.storage_providers_refresh()

    provider = StorageProvider.objects.get(pk=125)
    assert provider.available_balance == 10_420_498_318_709_580_000_000
    assert provider.faulty_sectors_penalty == 789_123_000_000_000_000_000
    assert provider.live_sectors_penalty == 456_789_000_000_000_000_000
    assert (provider.initial_pledge, provider.locked_rewards) == (0, 0)
    assert (provider.address, provider.faulty_sectors, provider.live_sectors) == (
        "t01491",
        100,
        200,
    )
    assert provider.last_updated_at.isoformat() == "2023-05-01T15:01:25+00:00"
    assert provider.faulty_share_ppm == 500_000
