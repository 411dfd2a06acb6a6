"""`manage.py refresh_wallets`: one wallets refresh now, counts printed."""

from django.core.management.base import BaseCommand, CommandError
from redis.exceptions import RedisError

from balance.client import MAX_PAGE_SIZE
from balance.errors import BalanceError
from custody_portal.refresh import RefreshAlreadyRunning
from wallets.services import wallets_refresh


class Command(BaseCommand):
    help = "Refresh wallets, balances, funding addresses and external accounts from Balance."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--page-size", type=int, default=MAX_PAGE_SIZE, help="Wallets per Balance page."
        )

    def handle(self, *args, page_size: int, **options) -> None:
        try:
            counts = wallets_refresh(page_size=page_size)
        except RefreshAlreadyRunning as exc:
            raise CommandError(f"Not started: {exc}") from exc
        except RedisError as exc:
            raise CommandError(f"Not started: Redis (refresh locks) is unreachable: {exc}") from exc
        except BalanceError as exc:
            raise CommandError(f"Refresh failed: {exc.message}") from exc
        self.stdout.write(format_counts(counts))


def format_counts(counts: dict) -> str:
    """`pages=3 wallets=250 created=0 …`, then one line per error Balance reported."""
    scalars = " ".join(f"{k}={v}" for k, v in counts.items() if not isinstance(v, list))
    errors = [f"error: {e}" for v in counts.values() if isinstance(v, list) for e in v]
    return "\n".join([scalars, *errors])
