"""What the refresh management commands share: failures as CommandError, counts as text."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError
from redis.exceptions import RedisError

from balance.errors import BalanceError
from custody_portal.errors import ApplicationError
from custody_portal.refresh import RefreshAlreadyRunning


@contextmanager
def refresh_command_errors() -> Iterator[None]:
    """Turn a refresh's failure into a one-line CommandError (exit status 1), never a trace."""
    try:
        yield
    except RefreshAlreadyRunning as exc:
        raise CommandError(f"Not started: {exc}") from exc
    except RedisError as exc:
        raise CommandError(f"Not started: Redis (refresh locks) is unreachable: {exc}") from exc
    except BalanceError as exc:
        raise CommandError(f"Refresh failed: {exc.message}") from exc
    except ApplicationError as exc:
        raise CommandError(exc.message) from exc


def format_counts(counts: dict) -> str:
    """`pages=3 wallets=250 created=0 …`, then one line per error Balance reported."""
    scalars = " ".join(f"{k}={v}" for k, v in counts.items() if not isinstance(v, list))
    errors = [f"error: {e}" for v in counts.values() if isinstance(v, list) for e in v]
    return "\n".join([scalars, *errors])
