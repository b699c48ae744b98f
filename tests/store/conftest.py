"""Fixtures for the store tests: migrated databases (SQLite and PostgreSQL) and S3 buckets.

Database tests take `db_url`, parametrized over both databases. SQLite gets a fresh file per
test; PostgreSQL shares the session's database (migrated once) and is emptied before each
test, which is much faster than a database per test and just as independent.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from store.db import make_engine, make_sessionmaker, migrate
from store.evidence import EvidenceStore
from store.models import Base
from tests.conftest import S3Server


@pytest.fixture(scope="session")
def pg_migrated(pg_databases: Callable[[], str]) -> str:
    # Its own database: these tests TRUNCATE every table before each test.
    url = pg_databases()
    migrate(url)
    return url


def _truncate(url: str) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database of each kind (plain URL, as settings would give it)."""
    if request.param == "sqlite":
        url: str = request.getfixturevalue("sqlite_url")
        migrate(url)
        return url
    url = request.getfixturevalue("pg_migrated")
    _truncate(url)
    return url


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        await eng.dispose()


@pytest.fixture
def factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


# ---- S3 ------------------------------------------------------------------------------------
def make_store(s3: S3Server, bucket: str | None = None, **kwargs: object) -> EvidenceStore:
    return EvidenceStore(
        bucket=bucket or "ev-" + uuid.uuid4().hex[:20],
        endpoint_url=s3.endpoint_url,
        region=s3.region,
        access_key_id=s3.access_key,
        secret_access_key=s3.secret_key,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def s3_ready(s3_server: S3Server) -> S3Server:
    """The S3 server once it accepts writes (a fresh SeaweedFS needs ~1-2 s after it answers)."""
    probe = make_store(s3_server)
    deadline = time.monotonic() + 30
    while True:
        try:
            probe.ensure_bucket()
            probe.put_document("ready", b"ok", "text/plain")
            return s3_server
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def evidence(s3_ready: S3Server) -> Iterator[EvidenceStore]:
    """An EvidenceStore on a fresh, Object-Locked bucket of its own."""
    store = make_store(s3_ready)
    store.ensure_bucket()
    yield store
