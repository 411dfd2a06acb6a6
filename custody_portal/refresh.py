"""Single-flight, recorded refresh runs (DESIGN.md §7).

Every refresh service runs inside `refresh_run(task, scope)`: a Redis lock makes it
single-flight, a RefreshRun row records start, end, status, counts and the error the UI shows.

The lock expires after CELERY_TASK_TIME_LIMIT seconds, so a worker killed mid-run does not
block the data set forever. A run still alive keeps it: services call `refresh_heartbeat(run)`
per page or batch, which extends the lock; a run that finds its lock already gone (it went
longer than the timeout between two heartbeats, and another run may hold it now) stops
instead of working alongside that one.
"""

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import timezone
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

from balance.errors import BalanceAuthError, BalanceError, BalanceUnexpectedResponse

from .errors import ApplicationError
from .models import RefreshRun
from .redis import get_redis

logger = logging.getLogger(__name__)


class RefreshAlreadyRunning(Exception):
    """Another worker holds the lock for this task and scope."""


class RefreshRefused(ApplicationError):
    """The run read Balance but refused to apply part of what it read (e.g. a mass removal
    held back for confirmation). The run is recorded failed with this message and its
    `kind` as error kind; the message says what happened and what will apply it."""

    def __init__(self, message: str, *, kind: str = "refused") -> None:
        super().__init__(message, status=409)
        self.kind = kind


class RefreshLockLost(Exception):
    """The run's lock expired before a heartbeat extended it: stop, another run may hold it."""


def _lock_timeout() -> int:
    return settings.CELERY_TASK_TIME_LIMIT


def _lock(task: str, scope: str) -> Lock:
    return get_redis().lock(f"refresh:{task}:{scope}", timeout=_lock_timeout(), blocking=False)


@contextmanager
def refresh_lock(task: str, scope: str = "") -> Iterator[Lock]:
    """Hold the task's single-flight lock without recording a run (e.g. an operator applying
    a held-back removal: no refresh may walk meanwhile). Raises RefreshAlreadyRunning."""
    lock = _lock(task, scope)
    if not lock.acquire(blocking=False):
        raise RefreshAlreadyRunning(f"{task} {scope} is already running.".replace("  ", " "))
    try:
        yield lock
    finally:
        _release(lock, task, scope)


@contextmanager
def refresh_run(task: str, scope: str = "") -> Iterator[RefreshRun]:
    """Hold the task's lock and record the run; the body fills `run.counts`.

    A Balance failure marks the run failed with a readable message and is re-raised so that
    callers (management commands, HTMX actions) can report it; the caller decides to swallow.
    So is a RefreshRefused (the service's own message) and a lost lock. Long bodies call
    `refresh_heartbeat(run)` between steps to keep the lock.
    """
    with refresh_lock(task, scope) as lock:
        # Inside the lock: if recording the run fails (database down), the lock is released.
        run = RefreshRun.objects.create(task=task, scope=scope, started_at=timezone.now())
        run._refresh_lock = lock
        run._refresh_heartbeat_at = time.monotonic()
        try:
            yield run
        except BalanceError as exc:
            _finish(run, RefreshRun.Status.FAILED, _readable(exc), _error_kind(exc))
            raise
        except RefreshRefused as exc:
            _finish(run, RefreshRun.Status.FAILED, exc.message, exc.kind)
            raise
        except RefreshLockLost as exc:
            _finish(run, RefreshRun.Status.FAILED, str(exc), "lock")
            raise
        except Exception:
            logger.exception("refresh %s %s crashed", task, scope)
            _finish(run, RefreshRun.Status.FAILED, INTERNAL_ERROR, "internal")
            raise
        else:
            _finish(run, RefreshRun.Status.SUCCEEDED, "", "")


def refresh_heartbeat(run: RefreshRun) -> None:
    """Tell the lock the run is alive: reset its expiry to the full timeout.

    Cheap to call per page or per wallet: Redis is asked at most every third of the timeout.
    Raises RefreshLockLost when the lock expired meanwhile (the run went longer than the
    timeout since its last heartbeat), so the run stops rather than overlap another.
    A run object not made by `refresh_run` (e.g. in a test) has no lock: nothing to do.
    """
    lock: Lock | None = getattr(run, "_refresh_lock", None)
    if lock is None:
        return
    now = time.monotonic()
    if now - run._refresh_heartbeat_at < _lock_timeout() / 3:
        return
    try:
        lock.reacquire()
    except LockError as exc:
        raise RefreshLockLost(
            f"The refresh stopped: it ran more than {_lock_timeout()} s without progress, and "
            "its lock expired (another run may have started). The next run starts over."
        ) from exc
    run._refresh_heartbeat_at = now


def _release(lock: Lock, task: str, scope: str) -> None:
    try:
        lock.release()
    except Exception:  # expired lock: nothing to release
        logger.warning("refresh lock %s/%s had expired", task, scope)


INTERNAL_ERROR = (
    "The refresh stopped on an internal error (the details are in the worker's log); "
    "nothing was removed. The next run starts over."
)
UNREADABLE = (
    "Balance sent an answer the portal cannot read, so the refresh stopped there; nothing "
    "was removed. The next run tries again."
)
# A Python exception name in a message (`TypeError: …`) is for the logs, not for operators.
_PYTHON = re.compile(r"\b[A-Z]\w*(Error|Exception)\b|Traceback|\bobject at 0x")


def _readable(exc: BalanceError) -> str:
    """The run's error as operators read it: the client's sentence, unless it carries
    Python internals (then a plain one; the original is logged)."""
    message = str(exc)
    if not _PYTHON.search(message):
        return message
    logger.warning("refresh failed: %s", message)
    if isinstance(exc, BalanceUnexpectedResponse):
        return UNREADABLE
    return "Balance's answer could not be used, so the refresh stopped there; nothing was removed."


def _error_kind(exc: BalanceError) -> str:
    return "auth" if isinstance(exc, BalanceAuthError) else "balance"


def _finish(run: RefreshRun, status: str, error: str, kind: str) -> None:
    run.status = status
    run.error = error
    run.error_kind = kind
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "error_kind", "finished_at", "counts"])


def run_refresh_task(name: str, call, **kwargs):
    """The body of a beat/queued refresh task: `call(**kwargs)`, or None after logging why not.

    Every expected way a refresh does not happen is already recorded where people look (the
    run row, or the next beat tick tries again), so the task logs it and ends quietly instead
    of filling the worker log with tracebacks: another run in progress, Balance failing or
    refusing (on the run), a refusal such as a held-back removal (ApplicationError, on the
    run), a lock lost mid-run (on the run), Redis unreachable (nothing started).
    """
    try:
        return call(**kwargs)
    except RefreshAlreadyRunning:
        logger.info("%s: another run is in progress; skipped", name)
    except BalanceError as exc:
        logger.warning("%s failed: %s", name, exc)
    except ApplicationError as exc:
        logger.warning("%s: %s", name, exc.message)
    except RefreshLockLost as exc:
        logger.error("%s: %s", name, exc)
    except RedisError as exc:
        logger.error("%s: Redis is unreachable, not started: %s", name, exc)
    return None
