"""Serving the sandbox with waitress (threaded, pure Python, already a dependency)."""

from typing import Any

from waitress import create_server
from waitress.channel import ClientDisconnected

from .app import AbortConnection

DEFAULT_THREADS = 8


def abortable(app: Any) -> Any:
    """`app`, with `AbortConnection` turned into waitress's `ClientDisconnected`.

    Waitress answers any other exception with a 500 page; for `ClientDisconnected` raised
    before anything was written it writes nothing and closes the connection. The client then
    sees its request sent and the connection closed without an answer (http.client's
    `RemoteDisconnected`): the `reset` faults of the control surface.
    """

    def serve_request(environ: dict[str, Any], start_response: Any) -> Any:
        try:
            return app(environ, start_response)
        except AbortConnection as exc:
            raise ClientDisconnected(f"sandbox reset fault on {exc}") from exc

    return serve_request


def make_server(host: str, port: int, app: Any, *, threads: int = DEFAULT_THREADS) -> Any:
    """A bound waitress server; call `.run()` to serve and `.close()` to stop (benchmarks).

    `port=0` picks a free port: read it back from `server.effective_port`.
    """
    return create_server(
        abortable(app),
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
