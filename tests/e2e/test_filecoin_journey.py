"""Filecoin journeys in a real browser against the real sandbox (issue 8)."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from filecoin.models import SectorSnapshot, StorageProvider
from filecoin.services import (
    sector_rollups_refresh,
    storage_provider_alerts_sync,
    storage_providers_refresh,
)
from wallets.services import wallets_refresh

pytestmark = pytest.mark.e2e


@pytest.fixture
def providers(sandbox, transactional_db):
    """The sandbox's providers, all healthy but one that faults, copied as the worker would,
    with two weeks of older history rolled up."""
    sandbox.control("POST", "options", json={"sector_step_seconds": 0})
    ids = sandbox.control("GET", "info").json()["storage_providers"]
    faulty = ids[-1]
    for pid in ids:
        figures = {"faulty_sectors": 80 if pid == faulty else 0, "pinned": True}
        sandbox.control("POST", f"storage_providers/{pid}", json=figures)
    wallets_refresh(include_external_accounts=False)
    storage_providers_refresh()
    now = timezone.now()
    for provider in StorageProvider.objects.all():
        SectorSnapshot.objects.bulk_create(
            [
                SectorSnapshot(
                    provider=provider,
                    last_updated_at=now - timedelta(hours=6 * i + 1),
                    taken_at=now,
                    active_sectors=provider.active_sectors - i,
                    live_sectors=provider.live_sectors - i,
                    faulty_sectors=(i % 4) if provider.id == faulty else 0,
                    live_sectors_penalty=provider.live_sectors_penalty,
                    faulty_sectors_penalty=0,
                    available_balance=provider.available_balance - i * 10**17,
                    locked_rewards=provider.locked_rewards,
                )
                for i in range(1, 56)
            ]
        )
    sector_rollups_refresh()
    storage_provider_alerts_sync()
    return StorageProvider.objects.get(pk=faulty)


def test_operator_finds_the_faulty_provider_switches_range_and_downloads_the_csv(
    page, make_user, login, providers
):
    """GIVEN providers synced from Balance, one of them with faulty sectors
    WHEN an operator opens /filecoin/, opens the first provider, switches the chart range and
    downloads the CSV
    THEN the faulty provider is first with its open alert, the charts redraw without a page
    load, and the CSV holds the range's buckets."""
    operator = make_user(role="operator", username="fiona")
    login(page, operator)

    page.get_by_role("link", name="Filecoin").first.click()
    rows = page.get_by_test_id("provider-row")
    expect(rows).to_have_count(StorageProvider.objects.count())
    expect(rows.first).to_have_attribute("data-provider", str(providers.id))
    expect(rows.first.get_by_test_id("health")).to_have_text("faulty")
    alerts = page.get_by_test_id("open-alerts").get_by_test_id("alert-row")
    expect(alerts).to_have_count(1)
    expect(alerts.first).to_contain_text(providers.address)

    page.get_by_test_id(f"provider-link-{providers.id}").click()
    expect(page.get_by_test_id("provider-address")).to_contain_text(providers.address)
    sectors = page.locator("canvas[data-chart=sectors]")
    expect(sectors).to_have_attribute("data-range", "24h")
    page.evaluate("window.__sameDocument = true")

    page.get_by_test_id("range-7d").click()
    expect(page.get_by_test_id("history")).to_have_attribute("data-range", "7d")
    expect(sectors).to_have_attribute("data-range", "7d")
    assert page.evaluate("window.__sameDocument") is True  # switched without a reload
    assert page.url.endswith(f"/filecoin/{providers.id}/?range=7d")
    points = int(sectors.get_attribute("data-points"))
    assert points >= 7 * 4  # hourly buckets of readings every 6 hours, over 7 days

    page.get_by_test_id("history-table-details").locator("summary").click()
    expect(page.get_by_test_id("history-row")).to_have_count(points)

    with page.expect_download() as download_info:
        page.get_by_test_id("csv-link").click()
    download = download_info.value
    assert download.suggested_filename == f"{providers.address}-7d.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert len(rows) == points and {r["resolution"] for r in rows} == {"hour"}

    page.get_by_test_id("range-1y").click()
    expect(sectors).to_have_attribute("data-range", "1y")
    assert page.console_errors == []


def test_operator_requests_a_reward_withdrawal_that_waits_for_approval(
    page, make_user, login, providers
):
    """GIVEN a provider with an available balance
    WHEN an operator requests a reward withdrawal on its page
    THEN it is listed as waiting for approval by a second person."""
    operator = make_user(role="operator", username="fred")
    login(page, operator)
    page.goto(f"/filecoin/{providers.id}/")

    form = page.get_by_test_id("withdrawal-form")
    form.get_by_label("Amount (FIL)").fill("0.000000123")
    form.get_by_label("Fee").fill("fast")
    form.get_by_label("Notes").fill("journey")
    page.get_by_test_id("withdrawal-submit").click()

    expect(page.get_by_role("status")).to_contain_text("waiting for approval")
    expect(page.get_by_test_id("withdrawal-status").first).to_have_text("waiting for approval")
    assert page.console_errors == []
