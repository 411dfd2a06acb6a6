"""`manage.py rollup_sector_snapshots`: the roll-up job now (hourly, daily buckets; pruning)."""

from django.core.management.base import BaseCommand

from filecoin import services
from wallets.management.refresh_command import format_counts, refresh_command_errors


class Command(BaseCommand):
    help = "Roll raw sector snapshots up into hourly and daily buckets and prune old rows."

    def handle(self, *args, **options) -> None:
        with refresh_command_errors():
            counts = services.sector_rollups_refresh()
        self.stdout.write(format_counts(counts))
