"""/health reports the SMTP server reminders go out through (`notifications.smtp`), never failing on it.

Like the workers, SMTP is reported beside the checks, not among them: with it down, refusing, hung
or speaking the wrong protocol, /health still answers 200 (promptly), and the API serves. The probe
reads the greeting and says QUIT (no EHLO, no mail), and is remembered for 30 s per app, so a
relay does not hear from every readiness probe of every API process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest

import api.routes.health as health_route
from api.app import create_app
from infra.services import free_port
from settings import Settings
from tests.api.conftest import Stack
from tests.local_mail import LocalMail

ALL_UP = {"temporal": "up", "s3": "up", "database": "up"}


def _app(stack: Stack, **smtp: object) -> object:
    settings = stack.settings.model_copy(update=smtp)
    return create_app(settings, temporal=stack.temporal, sessionmaker=stack.sessions, evidence=stack.evidence)


async def _health(app: object) -> httpx.Response:
    """GET /health; asked again (a few times) while a server these tests keep up is reported down: on a busy
    machine a 3-second probe of Temporal, S3 or the database can time out, which is not what they test."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test", timeout=30) as http:
        for _ in range(4):
            r = await http.get("/health")
            if not {"temporal", "s3", "database"} & set(r.json().get("down") or ()):
                break
            await asyncio.sleep(1)
        return r


@dataclass
class FakeSmtp:
    """A TCP server that greets as told (or never), counting connections and keeping the lines it reads."""

    port: int = 0
    connections: int = 0
    lines: list[bytes] = field(default_factory=list)


StartFake = Callable[[bytes | None], Awaitable[FakeSmtp]]


@pytest.fixture
async def fake_smtp() -> AsyncIterator[StartFake]:
    servers: list[asyncio.Server] = []
    release = asyncio.Event()

    async def start(greeting: bytes | None) -> FakeSmtp:
        fake = FakeSmtp()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            fake.connections += 1
            try:
                if greeting is None:  # hung: accepts, never answers
                    await release.wait()
                    return
                writer.write(greeting)
                await writer.drain()
                while line := await reader.readline():
                    fake.lines.append(line)
                    if line.upper().startswith(b"QUIT"):
                        writer.write(b"221 bye\r\n")
                        await writer.drain()
                        break
            except ConnectionError:
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        fake.port = server.sockets[0].getsockname()[1]
        return fake

    yield start
    release.set()
    for server in servers:
        server.close()


async def test_the_stacks_smtp_server_is_up(stack: Stack, mail: LocalMail) -> None:
    assert stack.settings.smtp_port == mail.port  # the stack's workers send to the server the fixture shows
    r = await stack.http.get("/health")
    assert r.status_code == 200 and r.json()["notifications"] == {"smtp": "up"}, r.text


async def test_smtp_down_is_reported_and_health_stays_200(stack: Stack) -> None:
    r = await _health(_app(stack, smtp_port=free_port()))  # nothing listens there
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ok" and body["checks"] == ALL_UP and body["down"] == []
    assert body["notifications"] == {"smtp": "down"}


async def test_a_hung_smtp_server_does_not_hold_health(
    stack: Stack, fake_smtp: StartFake
) -> None:
    hung = await fake_smtp(None)
    started = time.monotonic()
    r = await _health(_app(stack, smtp_port=hung.port))
    took = time.monotonic() - started
    assert r.status_code == 200 and r.json()["notifications"] == {"smtp": "down"}, r.text
    assert hung.connections == 1 and took < health_route.TIMEOUT + 2, took


@pytest.mark.parametrize("greeting", [b"554 5.3.2 no service here\r\n", b"HTTP/1.1 400 Bad Request\r\n\r\n"])
async def test_a_server_that_does_not_greet_with_220_is_down(
    stack: Stack, fake_smtp: StartFake, greeting: bytes
) -> None:
    refusing = await fake_smtp(greeting)
    r = await _health(_app(stack, smtp_port=refusing.port))
    assert r.status_code == 200 and r.json()["notifications"] == {"smtp": "down"}, r.text


async def test_ssl_settings_against_a_plain_server_are_down(stack: Stack, mail: LocalMail) -> None:
    """RECOVERY_SMTP_SECURITY=ssl with a server that speaks plain SMTP: the workers could not send either."""
    r = await _health(_app(stack, smtp_port=mail.port, smtp_security="ssl"))
    assert r.status_code == 200 and r.json()["notifications"] == {"smtp": "down"}, r.text


async def test_the_probe_only_reads_the_greeting_and_is_remembered(
    stack: Stack, fake_smtp: StartFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    relay = await fake_smtp(b"220 relay.example ESMTP\r\n")
    app = _app(stack, smtp_port=relay.port)
    for _ in range(3):
        r = await _health(app)
        assert r.status_code == 200 and r.json()["notifications"] == {"smtp": "up"}, r.text
    assert relay.connections == 1  # remembered for SMTP_RECHECK seconds
    for _ in range(50):  # the probe's QUIT reaches the server after /health has answered
        if relay.lines:
            break
        await asyncio.sleep(0.05)
    assert relay.lines == [b"QUIT\r\n"]  # no EHLO, no MAIL: nothing a relay would count as a client's try
    monkeypatch.setattr(health_route, "SMTP_RECHECK", 0.0)
    assert (await _health(app)).json()["notifications"] == {"smtp": "up"}
    assert relay.connections == 2


async def test_the_field_is_documented(stack: Stack) -> None:
    spec = (await stack.http.get("/openapi.json")).json()
    ref = spec["paths"]["/health"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "notifications" in schema["properties"] and "503" in schema["properties"]["notifications"]["description"]


async def test_a_shorter_smtp_timeout_bounds_the_probe(fake_smtp: StartFake) -> None:
    """RECOVERY_SMTP_TIMEOUT below /health's own bound is the probe's bound."""
    hung = await fake_smtp(None)
    started = time.monotonic()
    assert await health_route.smtp_greets(Settings(smtp_port=hung.port, smtp_timeout=0.5)) is False
    assert time.monotonic() - started < 1.5
