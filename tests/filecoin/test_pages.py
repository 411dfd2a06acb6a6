"""Filecoin pages: worst first, fee debt in red and in words, totals, sorting, ranges, CSV,
permissions, the home card."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from filecoin.models import SectorSnapshot
from filecoin.services import sector_rollups_refresh, storage_provider_alerts_sync

from .factories import FIL, SectorSnapshotFactory, StorageProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fleet():
    """One provider of each health, named so that address order is not health order."""
    now = timezone.now()
    return {
        "healthy": StorageProviderFactory(address="t0100"),
        "stale": StorageProviderFactory(address="t0200", last_updated_at=now - timedelta(days=1)),
        "faulty": StorageProviderFactory(
            address="t0300", faulty_sectors=5, live_sectors=1000, faulty_share_ppm=5000
        ),
        "worsening": StorageProviderFactory(
            address="t0400",
            faulty_sectors=50,
            live_sectors=1000,
            faulty_share_ppm=50_000,
            faulty_share_24h_ago_ppm=10_000,
            worsening=True,
        ),
        "fee_debt": StorageProviderFactory(address="t0500", available_balance=-3 * FIL - 7),
    }


def _rows(html: str) -> list[str]:
    return [
        part.split('"')[0] for part in html.split('data-testid="provider-row" data-provider="')[1:]
    ]


def test_the_list_shows_the_worst_first_and_fee_debt_in_words(fleet, viewer_client):
    html = viewer_client.get("/filecoin/").content.decode()

    order = [
        str(fleet[name].id) for name in ("fee_debt", "worsening", "faulty", "stale", "healthy")
    ]
    assert _rows(html) == order
    assert "−3.000000000000000007 FIL" in html  # a real minus sign, every decimal
    assert 'class="fee-debt"' in html and ">fee debt</span>" in html
    assert "+4.0000 pts" in html  # 24 h change of the worsening provider
    assert 'data-testid="count-fee_debt">1<' in html and 'data-testid="count-healthy">1<' in html


def test_columns_sort_both_ways_and_htmx_swaps_only_the_table(fleet, viewer_client):
    by_address = viewer_client.get("/filecoin/?sort=address").content.decode()
    reverse = viewer_client.get("/filecoin/?sort=-address").content.decode()
    debt_first = viewer_client.get("/filecoin/?sort=available").content.decode()
    fragment = viewer_client.get("/filecoin/?sort=-share", headers={"HX-Request": "true"})

    ids = [str(p.id) for p in sorted(fleet.values(), key=lambda p: p.address)]
    assert _rows(by_address) == ids
    assert _rows(reverse) == ids[::-1]
    assert _rows(debt_first)[0] == str(fleet["fee_debt"].id)
    body = fragment.content.decode()
    assert body.startswith('\n<div id="provider-table"') or body.lstrip().startswith(
        '<div id="provider-table"'
    )
    assert _rows(body)[0] == str(fleet["worsening"].id)
    assert "<html" not in body
    assert 'href="?sort=share"' in body  # second click reverses


def test_totals_are_exact_and_signed(viewer_client):
    StorageProviderFactory(available_balance=2**70, locked_rewards=FIL)
    StorageProviderFactory(available_balance=-(2**70) - 5, locked_rewards=2 * FIL)

    html = viewer_client.get("/filecoin/").content.decode()

    total = 'data-testid="total-available"><span class="fee-debt" data-testid="fee-debt">'
    assert total + "−0.000000000000000005 FIL" in html


def test_removed_providers_leave_the_list_but_keep_their_page(viewer_client):
    gone = StorageProviderFactory(removed_at=timezone.now())

    listed = viewer_client.get("/filecoin/").content.decode()
    page = viewer_client.get(f"/filecoin/{gone.id}/").content.decode()

    assert f'data-provider="{gone.id}"' not in listed
    assert "Balance no longer returns this storage provider" in page


def test_provider_page_switches_range_and_downloads_the_csv(viewer_client):
    provider = StorageProviderFactory(available_balance=-FIL)
    now = timezone.now()
    for hours, faulty in ((3, 1), (2, 40), (1, 2)):
        SectorSnapshotFactory(
            provider=provider,
            last_updated_at=now - timedelta(hours=hours),
            faulty_sectors=faulty,
            available_balance=-FIL if hours == 1 else 10**22 + 1,
        )
    sector_rollups_refresh()

    page = viewer_client.get(f"/filecoin/{provider.id}/").content.decode()
    week = viewer_client.get(
        f"/filecoin/{provider.id}/history/?range=7d", headers={"HX-Request": "true"}
    ).content.decode()
    download = viewer_client.get(f"/filecoin/{provider.id}/history.csv?range=1y")

    assert page.count('data-testid="history-row"') == 3
    assert 'id="history-data" type="application/json"' in page
    assert "<script>" not in page  # no inline script (CSP)
    assert "Fee debt: the available balance is −1.000000000000000000 FIL" in page
    assert week.lstrip().startswith('<section id="history"') and 'data-range="7d"' in week
    assert "hourly buckets" in week
    assert download["Content-Disposition"] == f'attachment; filename="{provider.address}-1y.csv"'
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert len(rows) == 1 and rows[0]["resolution"] == "day"
    assert rows[0]["faulty_sectors_max"] == "40" and rows[0]["faulty_sectors_last"] == "2"
    assert rows[0]["available_balance_fil_min"] == "-1.000000000000000000"
    assert rows[0]["available_balance_fil_max"] == "10000.000000000000000001"


def test_a_bad_range_is_an_error_not_a_guess(viewer_client):
    provider = StorageProviderFactory()

    page = viewer_client.get(f"/filecoin/{provider.id}/?range=2y")
    fragment = viewer_client.get(f"/filecoin/{provider.id}/history/?range=2y")
    download = viewer_client.get(f"/filecoin/{provider.id}/history.csv?range=<b>")

    assert (
        page.status_code == 200 and "range must be one of 24h, 7d, 30d, 1y" in page.content.decode()
    )
    assert fragment.status_code == 400
    assert download.status_code == 400 and download["Content-Type"].startswith("text/plain")


def test_unknown_provider_is_a_404_page(viewer_client):
    response = viewer_client.get("/filecoin/999999/")

    assert response.status_code == 404
    assert "There is no storage provider 999999 in the portal." in response.content.decode()


def test_viewers_read_but_do_not_see_write_controls(viewer_client, operator_client):
    provider = StorageProviderFactory(faulty_sectors=2)
    storage_provider_alerts_sync()

    as_viewer = viewer_client.get(f"/filecoin/{provider.id}/").content.decode()
    as_operator = operator_client.get(f"/filecoin/{provider.id}/").content.decode()

    for control in ('data-testid="exposure-fetch"', 'data-testid="alert-acknowledge"'):
        assert control not in as_viewer and control in as_operator
    assert viewer_client.post(f"/filecoin/{provider.id}/termination-fees/fetch/").status_code == 403
    assert viewer_client.post("/filecoin/refresh/").status_code == 403
    assert (
        viewer_client.post(f"/filecoin/{provider.id}/withdraw/", {"amount": "1"}).status_code == 403
    )


def test_anonymous_users_go_to_the_login_page(client):
    response = client.get("/filecoin/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_home_card_counts_health_exposure_and_open_alerts(fleet, viewer_client):
    fleet["faulty"].termination_live_penalty = 7 * FIL
    fleet["faulty"].termination_fetched_at = timezone.now()
    fleet["faulty"].save()
    fleet["healthy"].termination_live_penalty = 2**65
    fleet["healthy"].termination_fetched_at = timezone.now()
    fleet["healthy"].save()
    storage_provider_alerts_sync()

    html = viewer_client.get("/").content.decode()

    assert 'data-testid="filecoin-card"' in html
    assert 'data-testid="home-health-fee_debt">1 fee debt' in html
    assert 'data-testid="home-health-worsening">1 worsening' in html
    from filecoin.templatetags.filecoin_tags import fil

    assert f'data-testid="home-exposure">{fil(7 * FIL + 2**65)}' in html
    assert "2 of 5 providers estimated so far" in html
    # fee_debt, worsening + faulty (both on t0400), faulty, stale
    assert 'data-testid="home-open-alerts">5<' in html


def test_refresh_now_queues_the_task(
    operator_client, monkeypatch, django_capture_on_commit_callbacks
):
    from filecoin import tasks

    sent = []
    monkeypatch.setattr(tasks.refresh_storage_providers, "delay", lambda: sent.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post("/filecoin/refresh/")

    assert response.status_code == 302 and sent == [1]


def test_the_sync_history_can_be_filtered_to_storage_providers(viewer_client):
    from custody_portal.models import RefreshRun

    now = timezone.now()
    RefreshRun.objects.create(
        task="refresh_storage_providers", started_at=now, status="succeeded", finished_at=now
    )
    RefreshRun.objects.create(
        task="refresh_wallets", started_at=now, status="succeeded", finished_at=now
    )

    html = viewer_client.get("/sync/?task=refresh_storage_providers").content.decode()

    assert html.count('data-testid="run-row"') == 1


def test_snapshots_are_history_not_overwritten(viewer_client):
    provider = StorageProviderFactory()
    at = timezone.now() - timedelta(minutes=5)
    SectorSnapshotFactory(provider=provider, last_updated_at=at, faulty_sectors=1)

    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SectorSnapshotFactory(provider=provider, last_updated_at=at, faulty_sectors=9)
    assert SectorSnapshot.objects.get(provider=provider).faulty_sectors == 1


def test_the_list_shows_the_open_alerts_needing_attention_first_and_counts_the_rest(
    viewer_client,
):
    for _ in range(23):
        StorageProviderFactory(faulty_sectors=1)
    storage_provider_alerts_sync()

    html = viewer_client.get("/filecoin/").content.decode()
    alerts_block = html.split('data-testid="open-alerts"')[1].split("</section>")[0]

    assert 'data-testid="open-alert-count">(23)' in html
    assert alerts_block.count('data-testid="alert-row"') == 20
    assert "23 open alerts in all" in alerts_block
