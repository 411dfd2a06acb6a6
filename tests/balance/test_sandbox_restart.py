"""A restarted sandbox must not hand out a transaction id it handed out before.

`make run` keeps the portal's database across runs, but the sandbox starts from its seed each
time: its new transactions were numbered from the end of the seed history again, so the first
payout sent after a restart got the id of a payout sent in the previous run. The portal
rightly refuses to link one Balance transaction to two payouts, so that payout became
`unknown` ("already linked to another payout; a person must check"). Real Balance never reuses
an id; `make run` starts the sandbox with `--first-transaction-id` taken from the clock.
"""

import os
import re
import subprocess
import sys
import tempfile
import time

import requests

from tests.conftest import (
    ROOT,
    SANDBOX_ACCESS_ID,
    SANDBOX_SECRET_KEY,
    SandboxHandle,
    free_port,
)

from .test_sandbox_batch import TESTNET_BTC
from .test_sandbox_support import Api

FIRST = 1_764_000_000


def _start(*args: str) -> tuple[subprocess.Popen, SandboxHandle]:
    port = free_port()
    env = {
        **os.environ,
        "BALANCE_ACCESS_ID": SANDBOX_ACCESS_ID,
        "BALANCE_SECRET_KEY": SANDBOX_SECRET_KEY,
        "DJANGO_SETTINGS_MODULE": "custody_portal.settings.test",
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the caller's process teardown
    command = [sys.executable, "manage.py", "runsandbox", "--port", str(port), "--wallets", "5"]
    proc = subprocess.Popen([*command, *args], cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{url}/_sandbox/health", timeout=1).ok:
                return proc, SandboxHandle(url, SANDBOX_ACCESS_ID, SANDBOX_SECRET_KEY)
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.seek(0)
            raise RuntimeError("sandbox did not start:\n" + log.read().decode(errors="replace"))
        time.sleep(0.1)


def _send(api: Api) -> int:
    body = {
        "source_wallet_id": 1,
        "asset": "btc",
        "destinations": [{"type": "public_address", "public_address": TESTNET_BTC, "amount": "1"}],
    }
    response = api.request("POST", "/api/v2/send_batch_now", body)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def test_new_transactions_start_at_the_first_transaction_id_given():
    proc, handle = _start("--first-transaction-id", str(FIRST))
    try:
        api = Api(handle)
        history = [t["id"] for t in api.walk("/api/v1/transactions", page_size=100)]
        assert history and max(history) < FIRST  # the seed's history keeps its ids
        assert _send(api) == FIRST
        assert _send(api) == FIRST + 1
        handle.control("POST", "reset")  # a reset regenerates the data, not the numbering floor
        assert _send(api) == FIRST
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_without_it_new_transactions_follow_the_seed_history():
    proc, handle = _start()
    try:
        api = Api(handle)
        history = [t["id"] for t in api.walk("/api/v1/transactions", page_size=100)]
        assert _send(api) == max(history) + 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_make_run_starts_the_sandbox_with_ids_from_the_clock():
    procfile = (ROOT / "Procfile").read_text()
    line = next(x for x in procfile.splitlines() if x.startswith("sandbox:"))
    assert re.search(r"--first-transaction-id \$\(date \+%s\)", line), line
