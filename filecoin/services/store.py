"""Write readings into the local copy: bulk upserts of providers, appended snapshots.

One query reads what the database holds for the providers read (their row, and their faulty
share 24 hours ago from the raw snapshots), then one bulk upsert writes the providers and one
bulk insert the new snapshots. A snapshot whose (provider, `last_updated_at`) is already
stored is the same reading read twice: it is skipped, never overwritten.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import OuterRef, Subquery

from ..models import SECTOR_FIGURES, SectorSnapshot, StorageProvider
from .readings import Reading, faulty_share_ppm, share_increased

BATCH_SIZE = 500
WORSENING_WINDOW = timedelta(hours=24)

BALANCE_FIELDS = ("wallet_id", "address", "initial_pledge", "locked_rewards", "available_balance")
SECTOR_FIELDS = (
    "active_sectors",
    "live_sectors",
    "faulty_sectors",
    "live_sectors_penalty",
    "faulty_sectors_penalty",
    "last_updated_at",
)
DERIVED_FIELDS = ("faulty_share_ppm", "faulty_share_24h_ago_ppm", "worsening")


@dataclass
class StoreResult:
    created: int = 0
    updated: int = 0
    snapshots: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    conflicts: int = 0


def _held(ids: list[int], now: datetime) -> dict[int, dict]:
    """The stored rows of `ids`, each with the faulty/live sectors of its reading 24 h ago (the
    newest at or before now − 24 h, if not older than 48 h: one index seek per provider)."""
    cutoff = now - WORSENING_WINDOW
    past = SectorSnapshot.objects.filter(
        provider=OuterRef("pk"),
        last_updated_at__lte=cutoff,
        last_updated_at__gt=cutoff - WORSENING_WINDOW,
    ).order_by("-last_updated_at")
    rows = (
        StorageProvider.objects.filter(id__in=ids)
        .annotate(
            past_faulty=Subquery(past.values("faulty_sectors")[:1]),
            past_live=Subquery(past.values("live_sectors")[:1]),
        )
        .values("id", "removed_at", "past_faulty", "past_live", *BALANCE_FIELDS, *SECTOR_FIELDS)
    )
    return {row["id"]: row for row in rows}


def _provider_row(reading: Reading, held: dict | None, now: datetime, result: StoreResult):
    row = StorageProvider(
        id=reading.provider_id,
        synced_at=now,
        removed_at=None,
        wallet_id=reading.wallet_id,
        address=reading.address,
        initial_pledge=reading.initial_pledge,
        locked_rewards=reading.locked_rewards,
        available_balance=reading.available_balance,
        active_sectors=reading.active_sectors,
        live_sectors=reading.live_sectors,
        faulty_sectors=reading.faulty_sectors,
        live_sectors_penalty=reading.live_sectors_penalty,
        faulty_sectors_penalty=reading.faulty_sectors_penalty,
        last_updated_at=reading.last_updated_at,
    )
    if (
        held is not None
        and held["last_updated_at"]
        and held["last_updated_at"] > row.last_updated_at
    ):
        # Balance answered with older figures than we already have: keep the newer ones.
        result.out_of_order += 1
        for name in (*BALANCE_FIELDS, *SECTOR_FIELDS):
            setattr(row, name, held[name])
    row.faulty_share_ppm = faulty_share_ppm(row.faulty_sectors, row.live_sectors)
    past_faulty = held["past_faulty"] if held else None
    past_live = held["past_live"] if held else None
    if past_faulty is None or past_live is None:
        row.faulty_share_24h_ago_ppm, row.worsening = None, False
    else:
        row.faulty_share_24h_ago_ppm = faulty_share_ppm(past_faulty, past_live)
        row.worsening = share_increased(
            row.faulty_sectors, row.live_sectors, past_faulty, past_live
        )
    if held is None:
        result.created += 1
    elif held["removed_at"] is not None or any(
        held[name] != getattr(row, name) for name in (*BALANCE_FIELDS, *SECTOR_FIELDS)
    ):
        result.updated += 1
    return row


def store_readings(readings: list[Reading], now: datetime) -> StoreResult:
    """Upsert the providers of `readings` and append their new snapshots, in bulk."""
    result = StoreResult()
    readings = list({r.provider_id: r for r in readings}.values())
    if not readings:
        return result
    held = _held([r.provider_id for r in readings], now)
    rows = [_provider_row(r, held.get(r.provider_id), now, result) for r in readings]
    stored = {
        (row[0], row[1]): row[2:]
        for row in SectorSnapshot.objects.filter(
            provider_id__in=[r.provider_id for r in readings],
            last_updated_at__in={r.last_updated_at for r in readings},
        ).values_list("provider_id", "last_updated_at", *SECTOR_FIGURES)
    }
    snapshots = []
    for r in readings:
        kept = stored.get((r.provider_id, r.last_updated_at))
        if kept is None:
            snapshots.append(
                SectorSnapshot(
                    provider_id=r.provider_id,
                    taken_at=now,
                    last_updated_at=r.last_updated_at,
                    **r.figures(),
                )
            )
        elif tuple(kept) != tuple(r.figures().values()):
            # Same reading time, other figures: the stored snapshot stays as it was.
            result.conflicts += 1
    result.snapshots = len(snapshots)
    result.duplicates = len(readings) - len(snapshots)
    with transaction.atomic():
        StorageProvider.objects.bulk_create(
            rows,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=[
                *BALANCE_FIELDS,
                *SECTOR_FIELDS,
                *DERIVED_FIELDS,
                "synced_at",
                "removed_at",
            ],
        )
        # ignore_conflicts: a reading stored meanwhile is the same reading; never overwrite.
        SectorSnapshot.objects.bulk_create(snapshots, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return result
