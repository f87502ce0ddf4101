"""What one client can make `cloudgate serve` hold: a request line and headers past the limit are refused
(431, then the connection closes), and a request not sent in full within the bound has its connection
closed; requests within the limits, and answers that take longer than the bound, are served."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.services.served import Served, clean_env, serving

pytestmark = pytest.mark.slow

HEADER_LIMIT = 64 * 1024  # the default
REQUEST_SECONDS = 2.0  # shorter than the default 30 s, so that the tests wait that long at most
SLACK_SECONDS = 5.0  # how much later than the bound a closing may come on a busy machine
ADMIN_SECRET = "admin-secret"


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("limits")
    env = clean_env(tmp, http_request_timeout_seconds=str(REQUEST_SECONDS), admin_secret=ADMIN_SECRET)
    with serving(tmp, "--no-demo", env=env) as server:
        yield server


def connect(server: Served) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_SECONDS + SLACK_SECONDS)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x00" * 8)  # closed by us: no TIME_WAIT left behind
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset counts as closed)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def head_with(header_bytes: int) -> bytes:
    """A GET whose request line and headers take `header_bytes`, without the blank line that ends them."""
    start = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: "
    return start + b"a" * (header_bytes - len(start) - 2) + b"\r\n"


def test_headers_within_the_limit_are_served(served: Served):
    with connect(served) as sock:
        sock.sendall(head_with(HEADER_LIMIT - 1024) + b"Connection: close\r\n\r\n")
        assert read_until_closed(sock).startswith(b"HTTP/1.1 200 ")


def test_headers_past_the_limit_are_refused_with_431_and_the_connection_closed(served: Served):
    with connect(served) as sock:
        sock.sendall(head_with(HEADER_LIMIT + 1024))  # not ended: the server must not wait for the rest
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b"connection: close" in answer.lower()


def test_twenty_megabytes_of_headers_are_cut_off_long_before_their_end(served: Served):
    total, sent = 20 * 1024 * 1024, 0
    chunk = b"a" * 65536
    with connect(served) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ")
        with pytest.raises(OSError):  # the server closed: a reset, or a broken pipe
            while sent < total:
                sock.sendall(chunk)
                sent += len(chunk)
    assert httpx.get(f"{served.url}/healthz", timeout=10).status_code == 200


@pytest.mark.parametrize(
    "sent",
    [
        b"",  # a connection that never sends a request
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # headers begun, never ended
        b"POST /v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n{\"client_id\": ",  # a body of 100 bytes, 14 sent
    ],
    ids=["nothing", "half the headers", "half the body"],
)
def test_a_request_not_sent_in_full_within_the_bound_has_its_connection_closed(served: Served, sent: bytes):
    with connect(served) as sock:
        began = time.monotonic()
        sock.sendall(sent)
        answer = read_until_closed(sock)  # the socket's timeout (bound + slack) fails the test instead
        waited = time.monotonic() - began
    assert answer == b""  # closed, not answered
    assert REQUEST_SECONDS - 0.5 <= waited <= REQUEST_SECONDS + SLACK_SECONDS


def test_each_request_on_a_kept_alive_connection_has_the_bound(served: Served):
    with connect(served) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while not answer.endswith(b'{"status":"ok"}'):
            chunk = sock.recv(65536)
            assert chunk, f"closed after {answer!r}"
            answer += chunk
        began = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the next one, never ended
        assert read_until_closed(sock) == b""
        waited = time.monotonic() - began
    assert REQUEST_SECONDS - 0.5 <= waited <= REQUEST_SECONDS + SLACK_SECONDS


def test_an_answer_that_takes_longer_than_the_bound_is_not_cut(served: Served):
    issued = httpx.post(f"{served.url}/v1/tokens", json={"client_id": "admin", "secret": ADMIN_SECRET}, timeout=10)
    token = issued.json()["token"]
    began = time.monotonic()
    page = httpx.get(
        f"{served.url}/v1/events", params={"after": 10**9, "wait": REQUEST_SECONDS * 2},
        headers={"authorization": f"Bearer {token}"}, timeout=REQUEST_SECONDS * 2 + SLACK_SECONDS,
    )  # fmt: skip
    assert page.status_code == 200 and page.json()["events"] == []
    assert time.monotonic() - began >= REQUEST_SECONDS * 2 - 0.5  # it waited for events the whole time
