"""What the client makes of each way a request can fail on the wire, against real sockets.

"Not sent" must be provable: a refused connection (a closed port), a connect timeout (a
listener whose accept queue is full, so the kernel drops our SYN), a name that does not
resolve (`.invalid` is reserved by RFC 6761). Everything after the connection is up — the
server reads the request and closes, resets, or cuts its answer short — is "outcome unknown".
A tiny raw-socket server plays the misbehaving Balance and counts the requests it read, so
the retry policy is checked by what arrived, not by what the client says it did.
"""

import contextlib
import logging
import socket
import struct
import threading
from collections.abc import Callable, Iterator

import pytest

from balance.client import BalanceClient
from balance.errors import (
    BalanceNotSent,
    BalanceOutcomeUnknown,
    BalanceTimeout,
    BalanceUnexpectedResponse,
)
from tests.conftest import free_port

BATCH = {
    "source_wallet_id": 3,
    "asset": "btc",
    "destinations": [{"type": "wallet", "id": 10, "amount": 10_000_000}],
}


def make_client(url: str, **kwargs) -> BalanceClient:
    options = {"get_retries": 2, "backoff": 0, "connect_timeout": 0.5, "read_timeout": 1.0}
    return BalanceClient(
        base_url=url, access_id="id", secret_key="top-secret-value", **{**options, **kwargs}
    )


class RawServer:
    """Accepts connections, reads one request from each, then does `behaviour(conn)`."""

    def __init__(self, behaviour: Callable[[socket.socket], None]) -> None:
        self.behaviour = behaviour
        self.requests: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed by the test
            with conn:
                conn.settimeout(5)
                data = read_request(conn)
                if data:
                    self.requests.append(data)
                    self.behaviour(conn)

    def close(self) -> None:
        self.sock.close()


def read_request(conn: socket.socket) -> bytes:
    """The whole request: headers, then Content-Length bytes of body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def close_quietly(conn: socket.socket) -> None:
    """Read the request, answer nothing, close (FIN): http.client's RemoteDisconnected."""


def reset(conn: socket.socket) -> None:
    """Read the request, then abort the connection (RST): ConnectionResetError."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def truncated(conn: socket.socket) -> None:
    """Promise 100 bytes of JSON, send 3, close."""
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[1,"
    )


def redirect(conn: socket.socket) -> None:
    conn.sendall(
        b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:1/elsewhere\r\n"
        b"Content-Length: 0\r\nConnection: close\r\n\r\n"
    )


def html_200(conn: socket.socket) -> None:
    body = b"<html>Service temporarily unavailable</html>"
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(behaviour: Callable[[socket.socket], None]) -> RawServer:
        servers.append(RawServer(behaviour))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def full_backlog() -> Iterator[str]:
    """A listener that never accepts, its queue filled: new connects get no SYN-ACK."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    yield f"http://127.0.0.1:{port}"
    for filler in fillers:
        filler.close()
    listener.close()


# --- not sent ---------------------------------------------------------------------------


def test_a_refused_connection_is_not_sent(caplog):
    client = make_client(f"http://127.0.0.1:{free_port()}")
    with caplog.at_level(logging.WARNING, "balance.client"), pytest.raises(BalanceNotSent) as info:
        client.stats()
    assert "refused" in info.value.message and "nothing was sent" in info.value.message
    # A GET is retried after "not sent" too: two retries were logged before giving up.
    assert len([r for r in caplog.records if "retry" in r.getMessage()]) == 2


def test_a_connect_timeout_is_not_sent(full_backlog):
    with pytest.raises(BalanceNotSent, match="timed out"):
        make_client(full_backlog, get_retries=0).stats()


def test_a_connect_timeout_on_a_write_is_not_sent(full_backlog):
    with pytest.raises(BalanceNotSent):
        make_client(full_backlog).send_batch_now(**BATCH)


def test_a_name_that_does_not_resolve_is_not_sent():
    client = make_client("http://balance-custody.invalid", get_retries=0)
    with pytest.raises(BalanceNotSent, match="does not resolve"):
        client.stats()


def test_a_refused_write_is_not_sent_and_not_retried(caplog):
    client = make_client(f"http://127.0.0.1:{free_port()}")
    with caplog.at_level(logging.WARNING, "balance.client"), pytest.raises(BalanceNotSent):
        client.send_batch_now(**BATCH)
    assert not [r for r in caplog.records if "retry" in r.getMessage()]


# --- sent, outcome unknown ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        (close_quietly, BalanceOutcomeUnknown),
        (reset, BalanceOutcomeUnknown),
        (truncated, BalanceOutcomeUnknown),
        (html_200, BalanceUnexpectedResponse),
        (redirect, BalanceUnexpectedResponse),
    ],
    ids=["closed-without-answer", "reset", "truncated-body", "html-200", "redirect"],
)
def test_a_write_that_reached_balance_is_outcome_unknown_and_sent_once(
    raw_server, behaviour, error
):
    """GIVEN a Balance that reads the whole batch request and then misbehaves
    WHEN the portal sends the batch
    THEN the error says Balance may have acted, and exactly one request arrived."""
    server = raw_server(behaviour)
    with pytest.raises(error) as info:
        make_client(server.url).send_batch_now(**BATCH)
    assert isinstance(info.value, BalanceOutcomeUnknown)
    assert not isinstance(info.value, BalanceNotSent)
    assert len(server.requests) == 1
    assert server.requests[0].startswith(b"POST /api/v2/send_batch_now ")
    assert b'"destinations"' in server.requests[0]  # the body left with the request


def test_a_read_timeout_on_a_write_is_a_timeout_sent_once(raw_server):
    hold = threading.Event()
    server = raw_server(lambda conn: hold.wait(5))
    try:
        with pytest.raises(BalanceTimeout) as info:
            make_client(server.url, read_timeout=0.3).send_batch_now(**BATCH)
    finally:
        hold.set()
    assert isinstance(info.value, BalanceOutcomeUnknown)
    assert len(server.requests) == 1


def test_a_put_that_reached_balance_is_outcome_unknown_and_sent_once(raw_server):
    server = raw_server(close_quietly)
    with pytest.raises(BalanceOutcomeUnknown):
        make_client(server.url).update_sub_address(1, "btc", "mabc", name="x")
    assert len(server.requests) == 1


def test_a_get_is_retried_after_a_dropped_connection_then_gives_up(raw_server):
    server = raw_server(close_quietly)
    with pytest.raises(BalanceOutcomeUnknown, match="dropped after the request was sent"):
        make_client(server.url).stats()
    assert len(server.requests) == 3  # one try + two retries


def test_a_redirect_is_never_followed(raw_server):
    server = raw_server(redirect)
    with pytest.raises(BalanceUnexpectedResponse, match="307") as info:
        make_client(server.url, get_retries=0).stats()
    assert info.value.status == 307
    assert len(server.requests) == 1


# --- the client itself -------------------------------------------------------------------


def test_requests_are_signed_with_the_bytes_sent_and_carry_a_user_agent(raw_server):
    from email.utils import parsedate_to_datetime

    from balance import signing

    server = raw_server(close_quietly)
    with pytest.raises(BalanceOutcomeUnknown):
        make_client(server.url).create_sub_address(7, "btc", name="a", notes="b", is_watched=True)
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if ": " in line)
    assert headers["User-Agent"].startswith("custody-portal/")
    timestamp = int(parsedate_to_datetime(headers["Date"]).timestamp())
    expected = signing.signature(
        "top-secret-value",
        signing.canonical_string("POST", "/api/v1/wallets/7/assets/btc", body, timestamp),
    )
    assert headers["Authorization"] == f"BalanceAPIAuth id:{expected}"


def test_the_secret_is_not_in_the_clients_repr():
    assert "top-secret-value" not in repr(make_client("https://custody.example"))


def test_a_url_without_scheme_is_a_configuration_error():
    from balance.errors import BalanceAuthError

    with pytest.raises(BalanceAuthError, match="URL"):
        make_client("custody.example", get_retries=0).stats()


def test_floats_are_refused_for_amounts():
    client = make_client("https://custody.example")
    with pytest.raises(TypeError):
        client.send_batch_now(
            source_wallet_id=1,
            asset="btc",
            destinations=[{"type": "wallet", "id": 2, "amount": 0.1}],
        )
    with pytest.raises(TypeError):
        client.withdraw_storage_provider_rewards(1, 2, amount_afil=1.5)
