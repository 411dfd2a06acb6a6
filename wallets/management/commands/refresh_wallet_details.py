"""`manage.py refresh_wallet_details [--limit N]`: one wallet details run now, counts printed."""

from django.core.management.base import BaseCommand, CommandError
from redis.exceptions import RedisError

from balance.errors import BalanceError
from custody_portal.refresh import RefreshAlreadyRunning
from wallets.services import wallet_details_refresh

from .refresh_wallets import format_counts


class Command(BaseCommand):
    help = (
        "Read wallet details (spendable balances) from Balance, one call per wallet: wallets "
        "with an unknown spendable amount first, then those read longest ago."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="At most this many wallets (default: REFRESH_WALLET_DETAILS_LIMIT).",
        )

    def handle(self, *args, limit: int | None, **options) -> None:
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        try:
            counts = wallet_details_refresh(limit=limit)
        except RefreshAlreadyRunning as exc:
            raise CommandError(f"Not started: {exc}") from exc
        except RedisError as exc:
            raise CommandError(f"Not started: Redis (refresh locks) is unreachable: {exc}") from exc
        except BalanceError as exc:
            raise CommandError(f"Refresh failed: {exc.message}") from exc
        self.stdout.write(format_counts(counts))
