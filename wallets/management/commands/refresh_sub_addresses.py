"""`manage.py refresh_sub_addresses [--wallet ID]`: sub-addresses now, counts printed."""

from django.core.management.base import BaseCommand, CommandError
from redis.exceptions import RedisError

from balance.errors import BalanceError
from custody_portal.errors import ApplicationError
from custody_portal.refresh import RefreshAlreadyRunning
from wallets.services import sub_addresses_refresh

from .refresh_wallets import format_counts


class Command(BaseCommand):
    help = (
        "Refresh sub-addresses (and spendable balances) from Balance: of one wallet with "
        "--wallet, of every wallet holding btc/bch/ltc/dash with --all (a sweep: five calls "
        "per wallet), otherwise of every wallet having a watched sub-address."
    )

    def add_arguments(self, parser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--wallet", type=int, default=None, help="Balance wallet id.")
        group.add_argument("--all", action="store_true", dest="all_wallets")

    def handle(self, *args, wallet: int | None, all_wallets: bool, **options) -> None:
        try:
            counts = sub_addresses_refresh(wallet_id=wallet, all_wallets=all_wallets)
        except RefreshAlreadyRunning as exc:
            raise CommandError(f"Not started: {exc}") from exc
        except RedisError as exc:
            raise CommandError(f"Not started: Redis (refresh locks) is unreachable: {exc}") from exc
        except BalanceError as exc:
            raise CommandError(f"Refresh failed: {exc.message}") from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(format_counts(counts))
