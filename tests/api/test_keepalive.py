"""A keep-alive connection ends after so many requests (`api.keepalive`), so API processes share the load."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from api import keepalive
from api.keepalive import RecycleConnections


async def _hello(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"5"),
                            (b"connection", b"keep-alive")]})
    await send({"type": "http.response.body", "body": b"hello"})


@pytest.fixture
def server() -> Iterator[int]:
    """uvicorn (as `python -m api` runs it) serving `_hello` behind the middleware, 3 requests per connection."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    app = RecycleConnections(_hello, max_requests=3)
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield sock.getsockname()[1]
    srv.should_exit = True
    thread.join(10)
    sock.close()


def _exchange(conn: socket.socket) -> bytes:
    conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while not data.endswith(b"hello"):
        chunk = conn.recv(4096)
        assert chunk, f"closed before a whole response: {data!r}"
        data += chunk
    return data.lower()


def test_the_server_closes_a_connection_after_its_last_request(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=5) as one, \
            socket.create_connection(("127.0.0.1", server), timeout=5) as other:
        first, second = _exchange(one), _exchange(one)
        assert b"connection: close" not in first and b"connection: close" not in second
        assert b"connection: close" not in _exchange(other)  # counted per connection
        third = _exchange(one)
        assert b"connection: close" in third and third.count(b"connection:") == 1  # replaces the app's own
        assert one.recv(4096) == b""  # and uvicorn did close it
        assert b"connection: close" not in _exchange(other)
    with socket.create_connection(("127.0.0.1", server), timeout=5) as again:  # the client simply reconnects
        assert _exchange(again).startswith(b"http/1.1 200")


def test_connections_remembered_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keepalive, "_TRACKED", 5)
    app = RecycleConnections(_hello, max_requests=100)
    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def receive() -> dict[str, object]:
        return {"type": "http.request"}

    async def run() -> None:
        for port in range(20):
            await app({"type": "http", "client": ("127.0.0.1", port)}, receive, send)  # type: ignore[arg-type]
        await app({"type": "http", "client": ("127.0.0.1", 19)}, receive, send)  # type: ignore[arg-type]
        await app({"type": "http", "client": None}, receive, send)  # type: ignore[arg-type]  # no peer: untouched

    asyncio.run(run())
    assert len(app.served) == 5
    assert app.served[("127.0.0.1", 19)] == 2 and list(app.served)[-1] == ("127.0.0.1", 19)
    assert len(sent) == 22 * 2


def test_a_connection_must_serve_at_least_one_request() -> None:
    with pytest.raises(ValueError, match="max_requests must be at least 1"):
        RecycleConnections(_hello, max_requests=0)
