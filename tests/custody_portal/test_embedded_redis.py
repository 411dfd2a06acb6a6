"""`python -m custody_portal.embedded_redis`: a foreground redis-server on a unix socket."""

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis

from custody_portal.embedded_redis import socket_is_live

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def socket_path():
    # Short path: unix socket paths are limited to ~107 bytes.
    with tempfile.TemporaryDirectory(prefix="er-") as directory:
        yield Path(directory) / "redis.sock"


def start(socket_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "custody_portal.embedded_redis", "--socket", str(socket_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_until_live(proc: subprocess.Popen, socket_path: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not socket_is_live(socket_path):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            output = proc.communicate()[0].decode(errors="replace")
            pytest.fail(f"embedded redis did not start:\n{output}")
        time.sleep(0.05)


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_answers_ping_without_tcp_and_cleans_up(socket_path):
    socket_path.write_text("")  # a stale socket file left by a killed server

    proc = start(socket_path)
    try:
        wait_until_live(proc, socket_path)
        client = redis.Redis(unix_socket_path=str(socket_path))
        assert client.ping() is True
        assert client.config_get("port") == {"port": "0"}
        assert client.config_get("save") == {"save": ""}
        client.close()
    finally:
        returncode = stop(proc)

    assert returncode == 0
    assert not socket_path.exists()


def test_refuses_a_socket_another_server_answers_on(socket_path):
    first = start(socket_path)
    try:
        wait_until_live(first, socket_path)

        second = subprocess.run(
            [sys.executable, "-m", "custody_portal.embedded_redis", "--socket", str(socket_path)],
            cwd=ROOT, capture_output=True, text=True, timeout=30,
        )  # fmt: skip

        assert second.returncode != 0
        assert "already answers" in second.stderr
        assert redis.Redis(unix_socket_path=str(socket_path)).ping() is True
    finally:
        stop(first)
