"""Serving the sandbox with waitress (threaded, pure Python, already a dependency)."""

from typing import Any

from waitress import create_server

DEFAULT_THREADS = 8


def make_server(host: str, port: int, app: Any, *, threads: int = DEFAULT_THREADS) -> Any:
    """A bound waitress server; call `.run()` to serve and `.close()` to stop (benchmarks).

    `port=0` picks a free port: read it back from `server.effective_port`.
    """
    return create_server(
        app,
        host=host,
        port=port,
        # Several threads: a commit-then-timeout call sleeps in its thread for `delay_s`.
        threads=threads,
        ident="balance-sandbox",
    )


def serve(host: str, port: int, app: Any, *, threads: int = DEFAULT_THREADS) -> None:
    """Serve `app` on host:port until interrupted."""
    run_until_interrupted(make_server(host, port, app, threads=threads))


def run_until_interrupted(server: Any) -> None:
    """Run a made server until Ctrl-C, then close its sockets."""
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
