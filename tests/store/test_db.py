"""`store.db`: URL conversion, SQLite connection settings and the health check."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from infra.services import free_port
from store.db import async_url, check, make_engine, sync_url


@pytest.mark.parametrize(
    ("given", "sync", "asynchronous"),
    [
        ("sqlite:///var/r.db", "sqlite:///var/r.db", "sqlite+aiosqlite:///var/r.db"),
        ("sqlite+aiosqlite:////abs/r.db", "sqlite:////abs/r.db", "sqlite+aiosqlite:////abs/r.db"),
        ("postgresql://u:p%40ss@h:5432/db", "postgresql+psycopg://u:p%40ss@h:5432/db",
         "postgresql+psycopg://u:p%40ss@h:5432/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)  # fmt: skip
def test_url_conversion(given: str, sync: str, asynchronous: str) -> None:
    assert sync_url(given).render_as_string(hide_password=False) == sync
    assert async_url(given).render_as_string(hide_password=False) == asynchronous


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        sync_url("mysql://u@h/db")


async def test_health_check(engine: AsyncEngine) -> None:
    assert await check(engine) is True


async def test_health_check_fails_when_unreachable() -> None:
    eng = make_engine(f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    try:
        assert await check(eng, timeout=5) is False
    finally:
        await eng.dispose()


async def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(sqlite_url: str) -> None:
    eng = make_engine(sqlite_url)
    try:
        async with eng.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() >= 1000
    finally:
        await eng.dispose()


async def test_make_engine_creates_the_sqlite_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    eng = make_engine(f"sqlite:///{tmp_path}/deep/er/r.db")
    try:
        assert await check(eng)
    finally:
        await eng.dispose()
    assert (tmp_path / "deep" / "er" / "r.db").exists()
