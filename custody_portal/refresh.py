"""Single-flight, recorded refresh runs (DESIGN.md §7).

Every refresh service runs inside `refresh_run(task, scope)`: a Redis lock makes it
single-flight, a RefreshRun row records start, end, status, counts and the error the UI shows.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import timezone

from balance.errors import BalanceAuthError, BalanceError

from .models import RefreshRun
from .redis import get_redis

logger = logging.getLogger(__name__)


class RefreshAlreadyRunning(Exception):
    """Another worker holds the lock for this task and scope."""


@contextmanager
def refresh_run(task: str, scope: str = "") -> Iterator[RefreshRun]:
    """Hold the task's lock and record the run; the body fills `run.counts`.

    A Balance failure marks the run failed with a readable message and is re-raised so that
    callers (management commands, HTMX actions) can report it; the caller decides to swallow.
    """
    lock = get_redis().lock(
        f"refresh:{task}:{scope}", timeout=settings.CELERY_TASK_TIME_LIMIT, blocking=False
    )
    if not lock.acquire(blocking=False):
        raise RefreshAlreadyRunning(f"{task} {scope} is already running.".replace("  ", " "))
    try:
        # Inside the try: if recording the run fails (database down), the lock is released.
        run = RefreshRun.objects.create(task=task, scope=scope, started_at=timezone.now())
    except BaseException:
        lock.release()
        raise
    try:
        yield run
    except BalanceError as exc:
        _finish(run, RefreshRun.Status.FAILED, str(exc), _error_kind(exc))
        raise
    except Exception as exc:
        logger.exception("refresh %s %s crashed", task, scope)
        _finish(run, RefreshRun.Status.FAILED, f"Internal error: {exc.__class__.__name__}", "")
        raise
    else:
        _finish(run, RefreshRun.Status.SUCCEEDED, "", "")
    finally:
        try:
            lock.release()
        except Exception:  # expired lock: nothing to release
            logger.warning("refresh lock %s/%s had expired", task, scope)


def _error_kind(exc: BalanceError) -> str:
    return "auth" if isinstance(exc, BalanceAuthError) else "balance"


def _finish(run: RefreshRun, status: str, error: str, kind: str) -> None:
    run.status = status
    run.error = error
    run.error_kind = kind
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "error_kind", "finished_at", "counts"])
