"""`manage.py runsandbox`: serve the Balance sandbox (DESIGN §9) until interrupted."""

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from balance.sandbox import DEFAULT_SECRET_KEY
from balance.sandbox.app import make_app
from balance.sandbox.server import make_server, run_until_interrupted


class Command(BaseCommand):
    """Start the in-memory Balance simulator with deterministic demo data."""

    help = "Run the Balance sandbox (in-memory simulator of the Balance Custody API)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--seed", type=int, default=1, help="demo data seed (default 1)")
        parser.add_argument("--wallets", type=int, default=40, help="demo wallets (default 40)")
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--first-transaction-id",
            type=int,
            default=0,
            help="number new transactions from here at least (make run: the clock, so a "
            "restart never reuses an id of an earlier run); default: after the seed history",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        access_id = os.environ.get("BALANCE_ACCESS_ID") or settings.BALANCE_ACCESS_ID
        secret_key = os.environ.get("BALANCE_SECRET_KEY") or settings.BALANCE_SECRET_KEY
        app = make_app(
            options["seed"],
            options["wallets"],
            access_id,
            secret_key,
            first_transaction_id=options["first_transaction_id"],
        )
        server = make_server(options["host"], options["port"], app, threads=options["threads"])
        host = options["host"]
        port = getattr(server, "effective_port", options["port"])
        url_host = f"[{host}]" if ":" in host else host
        # The built-in demo secret may be shown; anything else came from the operator.
        shown = secret_key if secret_key == DEFAULT_SECRET_KEY else "(from environment)"
        self.stdout.write(
            f"Balance sandbox on http://{url_host}:{port} "
            f"(seed {options['seed']}, {options['wallets']} wallets)\n"
            f"  access id:  {access_id}\n"
            f"  secret key: {shown}\n"
            f"  control:    http://{url_host}:{port}/_sandbox/ (loopback only)"
        )
        self.stdout.flush()
        run_until_interrupted(server)
