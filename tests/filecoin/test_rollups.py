"""Roll-ups keep min / max / last of every figure across the raw, hourly and daily
boundaries, so a one-reading fault spike is still there in the 1 y chart."""

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from filecoin.charts import chart_data
from filecoin.models import SECTOR_FIGURES, SectorRollup, SectorSnapshot
from filecoin.selectors import sector_history
from filecoin.services import sector_rollups_refresh

from .factories import FIL, StorageProviderFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 7, tzinfo=UTC)
STEP = timedelta(minutes=15)


def _series(provider, start: datetime, count: int, seed: int = 1) -> list[SectorSnapshot]:
    """`count` readings every 15 minutes from `start`, small random drift, with two one-reading
    fault spikes (one just before midnight, one at midnight) and one fee-debt dip."""
    rng = random.Random(seed)
    rows, active, available = [], 10_000, 50 * FIL
    for i in range(count):
        at = start + i * STEP
        active += rng.randint(0, 3)
        faulty = rng.randint(0, 2)
        available += rng.randint(-FIL, FIL)
        dip = available
        if at == datetime(2026, 5, 20, 23, 30, tzinfo=UTC):
            faulty = 900  # spike in the last hour of a day, not its last reading
        if at == datetime(2026, 5, 21, 0, 0, tzinfo=UTC):
            faulty = 700  # spike on the first reading of the next day
        if at == datetime(2026, 6, 2, 6, 45, tzinfo=UTC):
            dip = -3 * FIL - 1  # one reading in fee debt
        rows.append(
            SectorSnapshot(
                provider=provider,
                last_updated_at=at,
                taken_at=at,
                active_sectors=active,
                live_sectors=active + faulty,
                faulty_sectors=faulty,
                live_sectors_penalty=(active + faulty) * 10**17,
                faulty_sectors_penalty=faulty * 10**17,
                available_balance=dip,
                locked_rewards=20 * FIL + i,
            )
        )
    return rows


def _expected(rows: list[SectorSnapshot], unit: str) -> dict:
    """min / max / last per bucket, computed in Python from the readings."""
    buckets = defaultdict(list)
    for row in rows:
        at = row.last_updated_at.replace(minute=0, second=0, microsecond=0)
        buckets[at.replace(hour=0) if unit == "day" else at].append(row)
    expected = {}
    for start, members in buckets.items():
        members.sort(key=lambda r: r.last_updated_at)
        expected[start] = {
            f: (
                min(getattr(r, f) for r in members),
                max(getattr(r, f) for r in members),
                getattr(members[-1], f),
            )
            for f in SECTOR_FIGURES
        } | {"samples": len(members)}
    return expected


def _stored(provider, resolution: str) -> dict:
    stored = {}
    for b in SectorRollup.objects.filter(provider=provider, resolution=resolution):
        stored[b.bucket_start] = {
            f: tuple(int(getattr(b, f"{f}_{p}")) for p in ("min", "max", "last"))
            for f in SECTOR_FIGURES
        } | {"samples": b.samples}
    return stored


@pytest.fixture
def history():
    """40 days of 15-minute readings up to NOW, rolled up once."""
    provider = StorageProviderFactory()
    start = (NOW - timedelta(days=40)).replace(minute=0)
    rows = _series(provider, start, int((NOW - start) / STEP) + 1)
    SectorSnapshot.objects.bulk_create(rows, batch_size=1000)
    counts = sector_rollups_refresh(now=NOW)
    return provider, rows, counts


def test_hourly_and_daily_buckets_equal_min_max_last_of_the_readings(history, settings):
    provider, rows, counts = history
    hourly_kept_from = NOW - timedelta(days=settings.FILECOIN_HOURLY_RETENTION_DAYS)

    expected_hours = {k: v for k, v in _expected(rows, "hour").items() if k >= hourly_kept_from}
    assert _stored(provider, "hour") == expected_hours
    assert _stored(provider, "day") == _expected(rows, "day")
    assert counts["hourly_pruned"] > 0 and counts["raw_pruned"] > 0


def test_raw_readings_are_pruned_after_the_raw_window(history, settings):
    provider, rows, _ = history
    horizon = NOW - timedelta(days=settings.FILECOIN_RAW_RETENTION_DAYS)

    kept = SectorSnapshot.objects.filter(provider=provider)

    assert kept.count() == sum(1 for r in rows if r.last_updated_at >= horizon)
    assert kept.order_by("last_updated_at").first().last_updated_at >= horizon


def test_a_one_reading_spike_stays_visible_in_the_1y_chart(history):
    provider, _, _ = history

    year = sector_history(provider_id=provider.id, range_key="1y", now=NOW)
    by_day = {p.at.date().isoformat(): p for p in year.points}
    chart = chart_data(year)

    assert year.resolution == "day"
    # The spike at 23:30 is neither the day's first nor last reading: only max keeps it.
    assert by_day["2026-05-20"].figures["faulty_sectors"][1] == 900
    assert by_day["2026-05-20"].figures["faulty_sectors"][2] != 900
    assert by_day["2026-05-21"].figures["faulty_sectors"][1] == 700
    assert by_day["2026-06-02"].figures["available_balance"][0] == -3 * FIL - 1
    assert 900 in chart["series"]["faulty_sectors"]["max"]
    assert "-3.000000000000000001" in chart["series"]["available_balance"]["min"]


def test_each_range_reads_its_own_resolution(history):
    provider, rows, _ = history

    day = sector_history(provider_id=provider.id, range_key="24h", now=NOW)
    week = sector_history(provider_id=provider.id, range_key="7d", now=NOW)
    month = sector_history(provider_id=provider.id, range_key="30d", now=NOW)

    assert day.resolution == "raw"
    assert len(day.points) == sum(1 for r in rows if r.last_updated_at >= NOW - timedelta(hours=24))
    assert all(p.samples == 1 for p in day.points)
    assert week.resolution == "hour" and len(week.points) == 7 * 24 + 1
    assert month.resolution == "hour" and len(month.points) == 30 * 24 + 1
    # The 7 d chart keeps the fee-debt dip of June 2nd in its hour's minimum.
    dips = [p for p in month.points if p.figures["available_balance"][0] == -3 * FIL - 1]
    assert [p.at for p in dips] == [datetime(2026, 6, 2, 6, tzinfo=UTC)]


def test_rolling_up_again_is_idempotent_and_new_readings_update_their_buckets(history):
    provider, rows, _ = history
    before_hours, before_days = _stored(provider, "hour"), _stored(provider, "day")

    again = sector_rollups_refresh(now=NOW)
    assert (again["hourly"], again["daily"]) == (0, 0)  # nothing new since the last run
    assert _stored(provider, "hour") == before_hours

    late = _series(provider, NOW + timedelta(minutes=3), 1, seed=9)[0]
    late.faulty_sectors = 4_000
    late.taken_at = timezone.now()  # read by the portal after the previous run
    late.save()
    sector_rollups_refresh(now=NOW + timedelta(minutes=10))

    hour = datetime(2026, 6, 15, 12, tzinfo=UTC)
    after_hours, after_days = _stored(provider, "hour"), _stored(provider, "day")
    assert after_hours[hour]["samples"] == before_hours[hour]["samples"] + 1
    assert after_hours[hour]["faulty_sectors"][1:] == (4_000, 4_000)  # new max and last
    assert after_days[hour.replace(hour=0)]["faulty_sectors"][1] == 4_000
    assert {k: v for k, v in after_hours.items() if k != hour} == {
        k: v for k, v in before_hours.items() if k != hour
    }
    assert {k: v for k, v in after_days.items() if k.date() != hour.date()} == {
        k: v for k, v in before_days.items() if k.date() != hour.date()
    }


def test_the_rollup_command_runs_the_job(capsys):
    provider = StorageProviderFactory()
    SectorSnapshot.objects.bulk_create(_series(provider, NOW - timedelta(hours=3), 8))

    call_command("rollup_sector_snapshots")

    assert "hourly=" in capsys.readouterr().out
    assert SectorRollup.objects.filter(provider=provider, resolution="day").exists()
