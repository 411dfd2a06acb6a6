"""`manage.py refresh_wallet_details [--limit N]`: one wallet details run now, counts printed."""

from django.core.management.base import BaseCommand, CommandError

from wallets.management.refresh_command import format_counts, refresh_command_errors
from wallets.services import wallet_details_refresh


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
        with refresh_command_errors():
            counts = wallet_details_refresh(limit=limit)
        self.stdout.write(format_counts(counts))
