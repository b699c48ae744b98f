"""A dependency that hangs (a stopped process: connections accepted, never answered) is a prompt
503 naming it, never a request that hangs with it.

Before: with S3 hung, `/health` took 15 s per call and a document download did not answer within
40 s (botocore's 30 s read timeout, five attempts).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import API_S3_TIMEOUTS, create_app
from store.evidence import EvidenceStore
from tests.api.conftest import Stack
from tests.api.test_documents import notice_of


@pytest.fixture
async def black_hole() -> AsyncIterator[int]:
    """A port that accepts TCP connections and never answers (like a SIGSTOPped server)."""
    release = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await release.wait()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    release.set()
    for w in writers:
        w.close()
    server.close()


async def test_a_hung_evidence_store_is_a_prompt_503_naming_it(stack: Stack, black_hole: int) -> None:
    matter_id, doc = await notice_of(stack, "hung-s3")
    s = stack.settings
    hung = EvidenceStore(bucket=s.s3_bucket, endpoint_url=f"http://127.0.0.1:{black_hole}", region=s.s3_region,
                         access_key_id=s.s3_access_key_id, secret_access_key=s.s3_secret_access_key,
                         **API_S3_TIMEOUTS)
    app = create_app(s, temporal=stack.temporal, sessionmaker=stack.sessions, evidence=hung)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as http:
        started = time.monotonic()
        r = await http.get("/health", timeout=10)  # was 15 s
        health_s = time.monotonic() - started
        # Named (the other checks answer within their own 3 s; a machine loaded by other tests may
        # make one of them late as well, which this test is not about).
        assert r.status_code == 503 and "s3" in r.json()["down"], r.text
        started = time.monotonic()
        r = await http.get(f"/documents/{doc['id']}/content", headers=stack.auth("manager"), timeout=30)  # was >40 s
        download_s = time.monotonic() - started
        assert r.status_code == 503 and "evidence store" in r.json()["detail"], r.text
        # The rest of the API, which does not need S3, answers as usual.
        r = await http.get(f"/matters/{matter_id}", headers=stack.auth("manager"), timeout=10)
        assert r.status_code == 200
    print(f"hung S3: /health answered 503 in {health_s:.1f} s, a download 503 in {download_s:.1f} s")


async def test_a_database_that_does_not_answer_is_a_503_naming_it(stack: Stack) -> None:
    from infra.services import free_port
    from store.db import make_engine, make_sessionmaker

    engine = make_engine(f"postgresql://recovery:x@127.0.0.1:{free_port()}/recovery")  # nothing listens there
    app = create_app(stack.settings, temporal=stack.temporal, sessionmaker=make_sessionmaker(engine),
                     evidence=stack.evidence)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as http:
            r = await http.get("/matters", headers=stack.auth("manager"), timeout=20)
            assert r.status_code == 503 and r.json()["detail"] == "the database is unavailable; retry", r.text
            assert r.headers["retry-after"] == "5"
            r = await http.get("/health", timeout=10)
            assert r.status_code == 503 and "database" in r.json()["down"], r.text
    finally:
        await engine.dispose()


class FreezingProxy:
    """A TCP relay to PostgreSQL that can stop relaying while its connections stay open (a hung server)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.server: asyncio.Server | None = None

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self.flowing.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self.flowing.wait()  # a frozen server does not answer new connections either
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    def close(self) -> None:
        self.flowing.set()
        if self.server is not None:
            self.server.close()


async def test_a_hung_database_is_a_prompt_503_naming_it_and_the_api_recovers(pg_stack: Stack) -> None:
    """Before: a request on a pooled connection to a stopped PostgreSQL waited for ever."""
    from sqlalchemy.engine import make_url

    from api.app import API_DB_TIMEOUT
    from store.db import make_engine, make_sessionmaker

    url = make_url(pg_stack.settings.database_url or "")
    proxy = FreezingProxy(url.port or 5432)
    engine = make_engine(url.set(port=await proxy.start()))
    app = create_app(pg_stack.settings, temporal=pg_stack.temporal, evidence=pg_stack.evidence,
                     sessionmaker=make_sessionmaker(engine, timeout=API_DB_TIMEOUT))
    headers = pg_stack.auth("manager")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as http:
            assert (await http.get("/matters?limit=5", headers=headers)).status_code == 200  # pooled connections
            proxy.flowing.clear()
            for path in ("/matters?limit=5", "/matters?limit=5&stage=notice"):  # the first spoils one connection
                started = time.monotonic()
                r = await http.get(path, headers=headers, timeout=60)
                took = time.monotonic() - started
                assert r.status_code == 503, r.text
                assert r.json()["detail"] == f"the database did not answer within {API_DB_TIMEOUT:g} s; retry"
                assert r.headers["retry-after"] == "5" and took < API_DB_TIMEOUT + 2, took
            r = await http.get("/health", timeout=60)
            assert r.status_code == 503 and "database" in r.json()["down"], r.text
            proxy.flowing.set()  # the server answers again: so does the API, without a restart
            deadline = time.monotonic() + 30
            while (r := await http.get("/matters?limit=5", headers=headers)).status_code != 200:
                assert time.monotonic() < deadline, r.text
                await asyncio.sleep(0.5)
    finally:
        proxy.close()
        await engine.dispose()
