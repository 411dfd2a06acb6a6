"""`manage.py verify_audit [--from N]`: walk the audit chain and name its first broken link.

Prints `OK: N events, head <hash>` and exits 0, or `BROKEN at sequence N (id …): <what>` on
stderr and exits 1, so cron jobs and CI can alert on it. Keep the printed head hash somewhere
else (a ticket, a daily report): a later run that no longer passes through it means the chain
was rewritten from that point on.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from custody_portal.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the hash-chained audit log; exit 1 naming the first broken link."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--from",
            dest="from_sequence",
            type=int,
            default=1,
            metavar="N",
            help="Start at sequence N (trusting the stored hash of N-1), e.g. after a "
            "verified run.",
        )
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="Events read per database round trip."
        )

    def handle(self, *args, from_sequence: int, chunk_size: int, **options) -> None:
        try:
            report = audit_verify(from_sequence=from_sequence, chunk_size=chunk_size)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if report.ok:
            self.stdout.write(str(report))
            return
        self.stderr.write(str(report))
        sys.exit(1)
