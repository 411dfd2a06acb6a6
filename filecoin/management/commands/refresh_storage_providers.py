"""`manage.py refresh_storage_providers`: one storage-provider refresh now, as beat runs it."""

from django.core.management.base import BaseCommand

from filecoin import services
from wallets.management.refresh_command import format_counts, refresh_command_errors


class Command(BaseCommand):
    help = (
        "Refresh Filecoin storage providers from Balance, then roll up their sector history, "
        "open or close alerts and queue due termination estimates."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-mass-removal",
            action="store_true",
            help="Apply this walk's removal even when Balance returned no provider, or when "
            "more than half would go, instead of holding it for a second walk or an "
            "operator's confirmation on the home page (only after checking at Balance that "
            "they are really gone; audited).",
        )

    def handle(self, *args, allow_mass_removal: bool, **options) -> None:
        with refresh_command_errors():
            counts = services.storage_providers_refresh(allow_mass_removal=allow_mass_removal)
        self.stdout.write(format_counts(counts))
        with refresh_command_errors():
            rollups = services.sector_rollups_refresh()
        self.stdout.write("roll-ups: " + format_counts(rollups))
        alerts = services.storage_provider_alerts_sync()
        queued = services.termination_fees_enqueue_due()
        self.stdout.write(
            f"alerts: opened={alerts['opened']} closed={alerts['closed']}; "
            f"termination estimates queued={queued}"
        )
