"""`manage.py refresh_wallets`: one wallets refresh now, counts printed."""

from django.core.management.base import BaseCommand

from balance.client import MAX_PAGE_SIZE
from wallets.management.refresh_command import format_counts, refresh_command_errors
from wallets.services import wallets_refresh


class Command(BaseCommand):
    help = "Refresh wallets, balances, funding addresses and external accounts from Balance."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--page-size", type=int, default=MAX_PAGE_SIZE, help="Wallets per Balance page."
        )

    def handle(self, *args, page_size: int, **options) -> None:
        with refresh_command_errors():
            counts = wallets_refresh(page_size=page_size)
        self.stdout.write(format_counts(counts))
