"""Fee presets of an asset (`GET /api/v1/transaction_fees/:currency`), cached in Redis.

The payout page shows the current slow / medium / fast presets, but pages never wait on
Balance: the page reads the cached copy and, when it is missing or older than
`FRESH_SECONDS`, queues `refresh_fee_presets` for a worker (at most once a minute per asset)
and says "not loaded yet" meanwhile. Redis rather than Django's cache: the default cache is
per process, and the worker that fetches is not the web process that reads.

A failed or garbled answer leaves the cached copy as it was (it only ages).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from celery import shared_task
from redis.exceptions import RedisError

from balance.client import BalanceClient
from balance.errors import BalanceError
from custody_portal.redis import get_redis

logger = logging.getLogger(__name__)

PRESETS = ("slow", "medium", "fast")
KEY = "payouts:fee-presets:{asset}"
QUEUED_KEY = "payouts:fee-presets-queued:{asset}"
FRESH_SECONDS = 600  # older than this: shown, and a refresh is queued
KEEP_SECONDS = 6 * 3600  # older than this: gone (Redis expiry)
QUEUE_EVERY_SECONDS = 60  # at most one queued refresh per asset per minute


@dataclass(frozen=True)
class FeePreset:
    name: str
    fee_rate: str  # as Balance wrote it (exact decimal text)
    blocks: int | None
    unit: str


@dataclass(frozen=True)
class FeePresets:
    asset: str
    presets: tuple[FeePreset, ...]
    fetched_at: datetime

    @property
    def age_seconds(self) -> float:
        return (datetime.now(UTC) - self.fetched_at).total_seconds()

    @property
    def is_stale(self) -> bool:
        return self.age_seconds > FRESH_SECONDS


def _parse(asset: str, payload) -> tuple[FeePreset, ...]:
    """Balance's answer → presets; ValueError when it is not the documented shape."""
    if not isinstance(payload, dict):
        raise ValueError("not an object")
    presets = []
    for name in PRESETS:
        item = payload.get(name)
        if not isinstance(item, dict) or "fee_rate" not in item:
            raise ValueError(f"no {name} preset")
        try:
            rate = Decimal(str(item["fee_rate"]))
        except (InvalidOperation, ValueError) as exc:
            raise ValueError(f"{name} fee_rate is not a number") from exc
        if not rate.is_finite():
            raise ValueError(f"{name} fee_rate is not a number")
        blocks = item.get("blocks")
        presets.append(
            FeePreset(
                name=name,
                fee_rate=f"{rate:f}",
                blocks=blocks if isinstance(blocks, int) and not isinstance(blocks, bool) else None,
                unit=str(item.get("unit") or ""),
            )
        )
    return tuple(presets)


def fee_presets_refresh(*, asset: str, client: BalanceClient | None = None) -> FeePresets:
    """Read the presets from Balance and cache them. Raises BalanceError (nothing cached
    changes) or ValueError for an answer of the wrong shape."""
    client = client or BalanceClient.from_settings()
    presets = _parse(asset, client.transaction_fees(asset))
    fetched = FeePresets(asset=asset, presets=presets, fetched_at=datetime.now(UTC))
    document = {
        "fetched_at": fetched.fetched_at.isoformat(),
        "presets": [p.__dict__ for p in presets],
    }
    get_redis().set(KEY.format(asset=asset), json.dumps(document), ex=KEEP_SECONDS)
    return fetched


def fee_presets_cached(asset: str) -> FeePresets | None:
    """The cached presets of `asset` (any age), or None. Never raises: a page shows
    "not loaded yet" rather than failing because Redis is away."""
    try:
        raw = get_redis().get(KEY.format(asset=asset))
    except RedisError as exc:
        logger.warning("fee presets: Redis unavailable: %s", exc)
        return None
    if not raw:
        return None
    try:
        document = json.loads(raw)
        return FeePresets(
            asset=asset,
            presets=tuple(FeePreset(**p) for p in document["presets"]),
            fetched_at=datetime.fromisoformat(document["fetched_at"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def fee_presets_for_page(asset: str) -> FeePresets | None:
    """What a page shows: the cached presets; queues a refresh when missing or stale."""
    cached = fee_presets_cached(asset)
    if cached is None or cached.is_stale:
        _queue_refresh(asset)
    return cached


def _queue_refresh(asset: str) -> None:
    try:
        if get_redis().set(QUEUED_KEY.format(asset=asset), "1", nx=True, ex=QUEUE_EVERY_SECONDS):
            refresh_fee_presets.delay(asset)
    except Exception as exc:  # broker or Redis away: the page still renders
        logger.warning("fee presets: could not queue a refresh for %s: %s", asset, exc)


@shared_task(name="payouts.fees.refresh_fee_presets", ignore_result=True)
def refresh_fee_presets(asset: str) -> None:
    """Worker side of the cache (queue `sync`: it must never wait behind a payout send)."""
    try:
        fee_presets_refresh(asset=asset)
    except BalanceError as exc:
        logger.warning("fee presets for %s: %s", asset, exc)
    except (ValueError, RedisError) as exc:
        logger.warning("fee presets for %s not cached: %s", asset, exc)
