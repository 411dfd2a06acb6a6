"""Roll-ups: hourly and daily buckets with min / max / last per figure (filecoin/README.md).

Set-based SQL, one statement per resolution: `INSERT … SELECT … GROUP BY … ON CONFLICT DO
UPDATE` recomputes every bucket touched since the last run from its source rows (raw
snapshots for hours, hourly buckets for days), so a run is idempotent and a reading that
arrives late in its hour simply recomputes that hour. "Last" is the figure of the bucket's
newest reading, joined back through the unique (provider, last_updated_at) key; min and max
are plain aggregates, so a one-reading spike survives into the hour, the day and the 1 y chart.
Then raw snapshots past `FILECOIN_RAW_RETENTION_DAYS` and hourly buckets past
`FILECOIN_HOURLY_RETENTION_DAYS` are deleted; daily buckets are kept.

Signed amounts keep their database encoding (numeric on PostgreSQL, order-preserving text on
SQLite, see filecoin/fields.py), so MIN and MAX are numeric on both and values are copied
from column to column without decoding.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from custody_portal.models import RefreshRun
from custody_portal.refresh import refresh_run

from ..models import SECTOR_FIGURES, SectorRollup, SectorSnapshot

logger = logging.getLogger(__name__)

TASK_ROLLUP = "rollup_sector_snapshots"
# Readings stored shortly before the previous run started may have been committed after it
# read: recompute the buckets of everything stored since that start minus this margin.
WATERMARK_MARGIN = timedelta(hours=1)

SNAPSHOTS = SectorSnapshot._meta.db_table
ROLLUPS = SectorRollup._meta.db_table
_AGG_COLUMNS = [f"{f}_{part}" for f in SECTOR_FIGURES for part in ("min", "max", "last")]
_COLUMNS = ["provider_id", "resolution", "bucket_start", "samples", "last_at", *_AGG_COLUMNS]


def _trunc(unit: str, column: str) -> str:
    """SQL truncating a timestamp column to the hour or day (UTC) on this database."""
    if connection.vendor == "postgresql":
        return f"(date_trunc('{unit}', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
    if connection.vendor == "sqlite":
        pattern = "%Y-%m-%d %H:00:00" if unit == "hour" else "%Y-%m-%d 00:00:00"
        return f"strftime('{pattern}', {column})"
    raise NotImplementedError(f"roll-ups support PostgreSQL and SQLite, not {connection.vendor}")


def _upsert(select_sql: str) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in ["samples", "last_at", *_AGG_COLUMNS])
    return (
        f"INSERT INTO {ROLLUPS} ({', '.join(_COLUMNS)}) {select_sql} "
        f"ON CONFLICT (provider_id, resolution, bucket_start) DO UPDATE SET {updates}"
    )


def _hourly_sql() -> str:
    bucket = _trunc("hour", "last_updated_at")
    aggregates = ", ".join(f"MIN({f}) AS {f}_min, MAX({f}) AS {f}_max" for f in SECTOR_FIGURES)
    picks = ", ".join(f"a.{f}_min, a.{f}_max, s.{f}" for f in SECTOR_FIGURES)
    # WHERE 1 = 1: SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT … JOIN … ON.
    # S608: every identifier is a constant of this module; values are query parameters.
    return _upsert(
        f"SELECT a.provider_id, 'hour', a.bucket, a.samples, a.last_at, {picks} "  # noqa: S608
        f"FROM (SELECT provider_id, {bucket} AS bucket, COUNT(*) AS samples, "
        f"MAX(last_updated_at) AS last_at, {aggregates} "
        f"FROM {SNAPSHOTS} WHERE last_updated_at >= %s GROUP BY 1, 2) a "
        f"JOIN {SNAPSHOTS} s ON s.provider_id = a.provider_id AND s.last_updated_at = a.last_at "
        "WHERE 1 = 1"
    )


def _daily_sql() -> str:
    bucket = _trunc("day", "bucket_start")
    aggregates = ", ".join(
        f"MIN({f}_min) AS {f}_min, MAX({f}_max) AS {f}_max" for f in SECTOR_FIGURES
    )
    picks = ", ".join(f"a.{f}_min, a.{f}_max, h.{f}_last" for f in SECTOR_FIGURES)
    return _upsert(
        f"SELECT a.provider_id, 'day', a.bucket, a.samples, a.last_at, {picks} "  # noqa: S608
        f"FROM (SELECT provider_id, {bucket} AS bucket, SUM(samples) AS samples, "
        f"MAX(last_at) AS last_at, {aggregates} "
        f"FROM {ROLLUPS} WHERE resolution = 'hour' AND bucket_start >= %s GROUP BY 1, 2) a "
        f"JOIN {ROLLUPS} h ON h.provider_id = a.provider_id AND h.resolution = 'hour' "
        f"AND h.bucket_start = {_trunc('hour', 'a.last_at')} "
        "WHERE 1 = 1"
    )


def _floor(moment: datetime, unit: str) -> datetime:
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0) if unit == "day" else moment


def _since(now: datetime) -> datetime | None:
    """The first hour whose bucket needs recomputing (None: nothing new since the last run).

    The hours of every reading stored since the previous run started (minus a margin), but
    never an hour the previous run may have pruned part of: recomputing it from what is left
    would lose its min and max. A reading that arrives older than that is left out (and
    pruned): its hour was rolled up when its neighbours were.
    """
    previous = (
        RefreshRun.objects.filter(task=TASK_ROLLUP, status=RefreshRun.Status.SUCCEEDED)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    readings = SectorSnapshot.objects.all()
    if previous is not None:
        readings = readings.filter(taken_at__gte=previous - WATERMARK_MARGIN)
    # Per provider, then the minimum here: a plain MIN() lets PostgreSQL walk the
    # last_updated_at index from the oldest reading, filtering millions of rows on taken_at;
    # grouped, it reads the few recent rows through the taken_at index.
    oldest = min(
        readings.values("provider_id")
        .annotate(oldest=Min("last_updated_at"))
        .values_list("oldest", flat=True),
        default=None,
    )
    if oldest is None:
        return None
    hour = _floor(oldest, "hour")
    if previous is not None:
        # Earlier runs pruned only before their horizon, which is before this run's.
        pruned_before = now - timedelta(days=settings.FILECOIN_RAW_RETENTION_DAYS)
        hour = max(hour, _floor(pruned_before, "hour") + timedelta(hours=1))
    return hour


def sector_rollups_refresh(*, now: datetime | None = None) -> dict:
    """Recompute the hourly and daily buckets touched since the last run, then prune.

    Single-flight and recorded like a refresh (task `rollup_sector_snapshots`).
    """
    now = now or timezone.now()
    with refresh_run(TASK_ROLLUP) as run:
        counts = {"hourly": 0, "daily": 0, "raw_pruned": 0, "hourly_pruned": 0}
        run.counts = counts
        since = _since(now)
        raw_horizon = now - timedelta(days=settings.FILECOIN_RAW_RETENTION_DAYS)
        hourly_horizon = now - timedelta(days=settings.FILECOIN_HOURLY_RETENTION_DAYS)
        with transaction.atomic(), connection.cursor() as cursor:
            if since is not None:
                hour, day = since, _floor(since, "day")
                counts["since"] = hour.isoformat()
                cursor.execute(_hourly_sql(), [connection.ops.adapt_datetimefield_value(hour)])
                counts["hourly"] = max(cursor.rowcount, 0)
                cursor.execute(_daily_sql(), [connection.ops.adapt_datetimefield_value(day)])
                counts["daily"] = max(cursor.rowcount, 0)
            counts["raw_pruned"], _ = SectorSnapshot.objects.filter(
                last_updated_at__lt=raw_horizon
            ).delete()
            counts["hourly_pruned"], _ = SectorRollup.objects.filter(
                resolution=SectorRollup.Resolution.HOUR, bucket_start__lt=hourly_horizon
            ).delete()
        logger.info("sector roll-ups: %s", counts)
    return counts
