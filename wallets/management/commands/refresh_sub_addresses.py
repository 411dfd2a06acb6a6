"""`manage.py refresh_sub_addresses [--wallet ID]`: sub-addresses now, counts printed."""

from django.core.management.base import BaseCommand

from wallets.management.refresh_command import format_counts, refresh_command_errors
from wallets.services import sub_addresses_refresh


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
        with refresh_command_errors():
            counts = sub_addresses_refresh(wallet_id=wallet, all_wallets=all_wallets)
        self.stdout.write(format_counts(counts))
