"""`manage.py reconcile_payouts`: one reconciliation run now (and the expiry sweep first)."""

from django.core.management.base import BaseCommand

from payouts.services import payouts_expire, payouts_reconcile
from wallets.management.refresh_command import format_counts, refresh_command_errors


class Command(BaseCommand):
    help = (
        "Look for payouts whose outcome is unknown in Balance's transactions; resolve a "
        "single match to sent, flag none-for-too-long or several matches for a person."
    )

    def handle(self, *args, **options) -> None:
        expired = payouts_expire()
        if any(expired.values()):
            self.stdout.write("expiry: " + format_counts(expired))
        with refresh_command_errors():
            counts = payouts_reconcile()
        self.stdout.write(format_counts(counts))
