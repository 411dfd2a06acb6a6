"""The embedded SQLite database holds concurrent writers (web and worker processes).

Real processes on a real database file (the tests' own database is in memory, shared by
one process, so it cannot show this): each writer runs many transactions that read before
they write — a sub-address create with its audit event, a wallets refresh page — at the
same time. None may fail with "database is locked".
"""

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from tests.conftest import ROOT

ROUNDS = 60
WRITERS = "tests.custody_portal.sqlite_writers"


def _env(database: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "custody_portal.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
    }


def _run_writers(database: str, roles: list[str]) -> list[dict]:
    env = _env(database)
    start_at = time.time() + 3  # every process has imported Django by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", WRITERS, role, str(start_at), str(ROUNDS)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for role in roles
    ]
    summaries = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-2000:]
        summaries.append(json.loads(out.strip().splitlines()[-1]))
    return summaries


@pytest.fixture
def database_file(tmp_path) -> str:
    """A migrated SQLite file with the web writers' wallet."""
    database = str(tmp_path / "portal.sqlite3")
    env = _env(database)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "--verbosity", "0", "--skip-checks"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=180,
    )
    subprocess.run(
        [sys.executable, "-m", WRITERS, "setup", "0", "1"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )
    return database


def test_the_embedded_database_settings_queue_writers():
    """WAL, a busy timeout, and transactions that take the write lock when they begin."""
    options = settings.DATABASES["default"]["OPTIONS"]
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        assert "transaction_mode" not in options  # PostgreSQL: SQLite options do not apply
        return
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
    assert "journal_mode=WAL" in options["init_command"]


def test_web_and_worker_processes_write_at_once_without_database_is_locked(database_file):
    """GIVEN a SQLite file database as `make run` uses
    WHEN two web-like processes create sub-addresses (with audit events) and one worker-like
    process stores wallet pages, 60 transactions each, all at the same time
    THEN every transaction commits: none fails with "database is locked"."""
    summaries = _run_writers(database_file, ["web", "web", "worker"])

    for summary in summaries:
        assert summary["failures"] == [], summary
        assert summary["ok"] == ROUNDS

    import sqlite3

    with sqlite3.connect(database_file) as db:
        addresses = db.execute("SELECT count(*) FROM wallets_subaddress").fetchone()[0]
        events = db.execute(
            "SELECT count(*) FROM custody_portal_auditevent WHERE action='sub_address.create'"
        ).fetchone()[0]
        runs = db.execute(
            "SELECT count(*) FROM custody_portal_refreshrun WHERE status='succeeded'"
        ).fetchone()[0]
    assert (addresses, events, runs) == (2 * ROUNDS, 2 * ROUNDS, ROUNDS)
