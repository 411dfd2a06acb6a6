"""Termination exposure through one queue that never calls Balance more than allowed.

`GET /api/v2/assets/fil/sector_termination_fees` is limited by Balance to 1 call per 15 s
(REFERENCE §8), for the whole account. Every worker on every host goes through Redis:

- the **queue** is a sorted set of provider ids (`ZADD NX` keeps a queued provider's place;
  "fetch now" moves it to the front with a lower score);
- the **gate** is one key taken with `SET NX PX`: only its holder may pop one provider and
  call Balance. It is taken for the longest a call can last plus the interval, and when the
  call ends it is reset to expire one full interval later — Balance counts from when it
  received the call, which is before our answer arrived, so the next call can never reach
  Balance within the interval, however slow the previous one was. A worker that dies mid-call
  leaves the gate to expire on its own.

The answer is cached on the provider with its age (`termination_fetched_at`) and Balance's
own cache time (`termination_as_of`). A failed call keeps the previous estimate (never
erased by an error) and records the error; a 429 or an unreachable Balance puts the provider
back at the front. The call is made without the client's GET retries: a retry would be a
second call inside the window.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone
from redis.exceptions import RedisError

from balance.errors import BalanceAuthError, BalanceError, BalanceRejected, BalanceUnavailable
from custody_portal.errors import ApplicationError
from custody_portal.redis import get_redis
from wallets.services.balance import balance_client

from ..models import StorageProvider
from .readings import GarbledReading, fil_to_atto, parse_balance_time

logger = logging.getLogger(__name__)

QUEUE_KEY = "filecoin:termination_fees:queue"
GATE_KEY = "filecoin:termination_fees:gate"
# Scores: normal entries are their enqueue time; "fetch now" entries sort before all of them.
_FRONT = -(10**10)

# Delete the gate only if it is still ours (we took it and made no call).
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)
# After a call: the window restarts now (unless another worker already holds a newer gate).
_RESTART = (
    "local v = redis.call('get', KEYS[1]) "
    "if (not v) or v == ARGV[1] then return redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) end "
    "return 0"
)


def interval_ms() -> int:
    """The minimum gap between two calls, in ms (FILECOIN_TERMINATION_FEES_INTERVAL)."""
    return int(settings.FILECOIN_TERMINATION_FEES_INTERVAL * 1000)


def _hold_ms() -> int:
    # The longest one call may take (connect + read timeouts, no retries) plus the interval.
    call = settings.BALANCE_CONNECT_TIMEOUT + settings.BALANCE_READ_TIMEOUT + 1
    return interval_ms() + int(call * 1000)


@dataclass(frozen=True)
class DrainResult:
    """What one drain attempt did: `fetched`, `failed`, `skipped`, `empty` or `busy`."""

    outcome: str
    provider_id: int | None = None
    wait_ms: int = 0
    error: str = ""


def termination_fees_enqueue(*, provider_ids: list[int], front: bool = False) -> int:
    """Queue providers for an estimate. `front`: ahead of everything ("fetch now"), otherwise
    at the back unless already queued. Returns how many were added or moved."""
    if not provider_ids:
        return 0
    redis = get_redis()
    if front:
        return redis.zadd(QUEUE_KEY, {str(pid): _FRONT + time.time() for pid in provider_ids})
    return redis.zadd(QUEUE_KEY, {str(pid): time.time() for pid in provider_ids}, nx=True)


def termination_fees_enqueue_due(*, now: datetime | None = None) -> int:
    """Queue every active provider whose estimate is missing or older than
    FILECOIN_TERMINATION_FEES_MAX_AGE (after each refresh)."""
    now = now or timezone.now()
    due_before = now - timedelta(seconds=settings.FILECOIN_TERMINATION_FEES_MAX_AGE)
    ids = list(
        StorageProvider.objects.filter(removed_at__isnull=True)
        .filter(Q(termination_fetched_at__isnull=True) | Q(termination_fetched_at__lt=due_before))
        .order_by("id")
        .values_list("id", flat=True)
    )
    return termination_fees_enqueue(provider_ids=ids)


@dataclass(frozen=True)
class QueueState:
    """Where a provider stands: 1-based position (None: not queued), queue length, and how
    long until the next call may be made."""

    position: int | None
    length: int
    next_slot_ms: int

    @property
    def wait_seconds(self) -> int:
        """A rough wait before this provider's answer: the slots ahead of it."""
        if self.position is None:
            return 0
        return self.next_slot_ms // 1000 + (self.position - 1) * interval_ms() // 1000


def termination_queue_state(*, provider_id: int | None = None) -> QueueState:
    """The queue as the pages show it (one Redis round trip, no database). Redis down is an
    empty queue for the page (which must not fail for it); actions report it themselves."""
    try:
        with get_redis().pipeline(transaction=False) as pipe:
            pipe.zrank(QUEUE_KEY, str(provider_id) if provider_id is not None else "")
            pipe.zcard(QUEUE_KEY)
            pipe.pttl(GATE_KEY)
            rank, length, ttl = pipe.execute()
    except RedisError as exc:
        logger.warning("termination queue state unavailable: %s", exc)
        return QueueState(position=None, length=0, next_slot_ms=0)
    return QueueState(
        position=None if rank is None or provider_id is None else rank + 1,
        length=length,
        next_slot_ms=max(ttl, 0),
    )


def termination_fee_request(*, provider: StorageProvider, user: AbstractBaseUser) -> QueueState:
    """ "Fetch now": put the provider at the front of the queue and wake a worker. The call
    still waits for its slot; the page shows the position and the wait."""
    if not provider.is_active:
        raise ApplicationError("Balance no longer returns this storage provider.", status=409)
    try:
        termination_fees_enqueue(provider_ids=[provider.id], front=True)
    except RedisError as exc:
        raise ApplicationError(
            f"Could not queue the estimate: Redis is unreachable ({exc}). Nothing was asked of "
            "Balance; try again later.",
            status=503,
        ) from exc
    StorageProvider.objects.filter(pk=provider.pk).update(termination_requested_at=timezone.now())
    from .. import tasks  # tasks import services

    try:
        tasks.drain_termination_fees.delay()
    except Exception as exc:  # the beat schedule drains the queue anyway
        logger.warning("could not wake a termination-fee worker: %s", exc)
    return termination_queue_state(provider_id=provider.id)


def termination_fees_drain_one(*, wait_seconds: float = 0.0) -> DrainResult:
    """Take the gate (waiting up to `wait_seconds` for it), pop one provider, ask Balance.

    Never more than one call per interval across every worker sharing this Redis.
    """
    redis = get_redis()
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait_seconds
    while not redis.set(GATE_KEY, token, nx=True, px=_hold_ms()):
        remaining = redis.pttl(GATE_KEY)
        if remaining == -1:  # a gate without expiry (set by hand?): give it one
            redis.pexpire(GATE_KEY, interval_ms())
            remaining = interval_ms()
        if time.monotonic() + max(remaining, 0) / 1000 > deadline:
            return DrainResult("busy", wait_ms=max(remaining, 0))
        time.sleep(max(remaining, 1) / 1000 + 0.005)
    called = False
    try:
        popped = redis.zpopmin(QUEUE_KEY)
        if not popped:
            return DrainResult("empty")
        provider_id = int(popped[0][0])
        provider = StorageProvider.objects.filter(pk=provider_id, removed_at__isnull=True).first()
        if provider is None:
            return DrainResult("skipped", provider_id=provider_id)
        called = True
        return _fetch(provider)
    finally:
        if called:
            redis.eval(_RESTART, 1, GATE_KEY, token, interval_ms())
        else:
            redis.eval(_RELEASE, 1, GATE_KEY, token)


def _fetch(provider: StorageProvider) -> DrainResult:
    client = balance_client()
    client.get_retries = 0  # a retry would be a second call within the window
    now = timezone.now()
    try:
        answer = client.sector_termination_fees(provider.address)
        live, faulty, as_of = _parse(answer)
    except (BalanceError, GarbledReading) as exc:
        message = _error_text(exc)
        StorageProvider.objects.filter(pk=provider.pk).update(termination_error=message[:1000])
        if isinstance(exc, BalanceUnavailable) and not isinstance(exc, BalanceAuthError):
            termination_fees_enqueue(provider_ids=[provider.pk], front=True)
        logger.warning("termination fees of %s: %s", provider.address, message)
        return DrainResult("failed", provider_id=provider.pk, error=message)
    StorageProvider.objects.filter(pk=provider.pk).update(
        termination_live_penalty=live,
        termination_faulty_penalty=faulty,
        termination_as_of=as_of,
        termination_fetched_at=now,
        termination_requested_at=None,
        termination_error="",
    )
    return DrainResult("fetched", provider_id=provider.pk)


def _parse(answer) -> tuple[int, int, datetime]:
    if not isinstance(answer, dict):
        raise GarbledReading(f"expected an object, got {type(answer).__name__}")
    values = []
    for key in ("live_sectors_penalty_fil", "faulty_sectors_penalty_fil"):
        value = answer.get(key)
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise GarbledReading(f"{key} is {value!r}, not a number")
        values.append(fil_to_atto(value, truncated=[], where=key))
    return values[0], values[1], parse_balance_time(answer.get("last_updated_at"))


def _error_text(exc: Exception) -> str:
    if isinstance(exc, GarbledReading):
        return f"Balance's answer cannot be read ({exc}); the previous estimate is kept."
    if isinstance(exc, BalanceRejected):
        return f"Balance refused: {exc.message}"
    return str(exc)
