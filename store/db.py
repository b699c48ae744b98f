"""Engines, sessions, migrations and the health check for the projection database.

One code path for SQLite (the embedded default under `var/`) and PostgreSQL (production):

- `make_engine(url)` builds the async engine. On SQLite every connection gets WAL, foreign
  keys and a busy timeout, and the driver's own transaction handling is replaced by explicit
  `BEGIN` statements so that writers can ask for `BEGIN IMMEDIATE` (see `WRITE`): without it
  two racing writers in WAL mode fail with "database is locked" instead of queueing.
- `migrate(url)` upgrades the schema to the newest Alembic revision (synchronous; no
  alembic.ini needed, the configuration is built here).
- `check(engine)` answers the health endpoint.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import pydantic_core
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000

# Execution options for a session that writes: on SQLite the transaction takes the write
# lock at BEGIN (BEGIN IMMEDIATE), so concurrent writers wait for each other (busy_timeout)
# instead of failing when a read snapshot is upgraded to a write. Ignored on PostgreSQL.
#   async with factory() as session, session.begin():
#       await session.connection(execution_options=WRITE)  # first use: before any query
#       ...
# or simply `async with write_session(factory) as session: ...`.
WRITE: dict[str, Any] = {"sqlite_begin": "IMMEDIATE"}


def _url(url: str | URL) -> URL:
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "postgres":  # Heroku-style alias
        parsed = parsed.set(drivername="postgresql")
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed


def async_url(url: str | URL) -> URL:
    """The async-driver form of a database URL (sqlite+aiosqlite, postgresql+psycopg)."""
    parsed = _url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    return parsed.set(drivername="postgresql+psycopg")


def sync_url(url: str | URL) -> URL:
    """The sync-driver form of a database URL (sqlite, postgresql+psycopg) for Alembic."""
    parsed = _url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite")
    return parsed.set(drivername="postgresql+psycopg")


def _ensure_sqlite_dir(url: URL) -> None:
    database = url.database
    if url.get_backend_name() == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    """Pragmas on every new connection, and explicit BEGIN [IMMEDIATE] (see module docstring)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver; `_on_begin` emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
            raise ValueError(f"bad sqlite_begin {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _quiet_drivers() -> None:
    # aiosqlite logs every statement with its parameters at DEBUG; never let that through.
    driver_log = logging.getLogger("aiosqlite")
    if driver_log.level < logging.INFO:
        driver_log.setLevel(logging.INFO)


def make_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An async engine for a plain or async URL (the driver is chosen here).

    Statement parameters are hidden from error messages and driver debug logs: they hold
    borrower PII, and an activity failure is logged (with its message) on every retry.
    """
    _quiet_drivers()
    kwargs.setdefault("hide_parameters", True)
    # JSON columns (a matter's status: ~1.2 KB, 50 per list page) parsed by pydantic's Rust parser,
    # a third of the stdlib's time; same values (the documents hold strings, integers and lists).
    kwargs.setdefault("json_deserializer", pydantic_core.from_json)
    parsed = async_url(url)
    if parsed.get_backend_name() == "sqlite":
        _ensure_sqlite_dir(parsed)
        engine = create_async_engine(parsed, **kwargs)
        _configure_sqlite(engine.sync_engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("connect_args", {"connect_timeout": 10})
    return create_async_engine(parsed, **kwargs)


def make_sessionmaker(engine: AsyncEngine, timeout: float | None = None) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (no lazy reloads under asyncio).

    `timeout`: every database round trip of a session (including waiting for a pooled connection)
    must finish within this many seconds, else it raises `DatabaseTimeout` at once (see
    `BoundedSession`); None: no bound (workers, whose activities Temporal already times out).
    """
    if timeout is None:
        return async_sessionmaker(engine, expire_on_commit=False)
    return async_sessionmaker(engine, expire_on_commit=False, class_=BoundedSession, info={_TIMEOUT: timeout})


class DatabaseTimeout(Exception):
    """The database did not answer within the session's bound (hung, overloaded or unreachable)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the database did not answer within {seconds:g} s")
        self.seconds = seconds


_TIMEOUT = "recovery_db_timeout"
_ABANDONED: set[asyncio.Task[Any]] = set()  # operations left to finish (or fail) in the background


async def bounded(operation: Awaitable[T], seconds: float) -> T:
    """`await operation`, or `DatabaseTimeout` after `seconds`, whatever the operation does then.

    Cancelling a query on a hung server is itself slow (the driver asks the server to cancel it and
    waits up to 10 s), so the operation is not waited for: it is cancelled and left to end in the
    background, and the caller has its answer at the bound.
    """
    task = asyncio.ensure_future(operation)
    try:
        return await asyncio.wait_for(asyncio.shield(task), seconds)
    except TimeoutError:
        task.cancel()
        _ABANDONED.add(task)
        task.add_done_callback(_forget)
        raise DatabaseTimeout(seconds) from None
    except asyncio.CancelledError:  # the caller itself was cancelled (a client gone)
        task.cancel()
        raise


def _forget(task: asyncio.Task[Any]) -> None:
    _ABANDONED.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.info("an abandoned database operation ended with %s", type(task.exception()).__name__)


class BoundedSession(AsyncSession):
    """An `AsyncSession` whose round trips are each bounded (`make_sessionmaker(timeout=...)`).

    After one timed out, the session is spoiled: its connection is in an unknown state, so every
    further call raises `DatabaseTimeout` at once, and closing it waits for nothing (the abandoned
    operation and the close end in the background; the connection is discarded, not pooled).
    """

    _spoiled: asyncio.Task[Any] | None = None

    async def _run(self, operation: Awaitable[T]) -> T:
        seconds = float(self.info[_TIMEOUT])
        if self._spoiled is not None:
            if inspect.iscoroutine(operation):
                operation.close()
            raise DatabaseTimeout(seconds)
        task = asyncio.ensure_future(operation)
        try:
            return await bounded(task, seconds)
        except DatabaseTimeout:
            self._spoiled = task
            raise

    async def execute(self, *args: Any, **kw: Any) -> Any:
        return await self._run(super().execute(*args, **kw))

    async def scalar(self, *args: Any, **kw: Any) -> Any:
        return await self._run(super().scalar(*args, **kw))

    async def scalars(self, *args: Any, **kw: Any) -> Any:
        return await self._run(super().scalars(*args, **kw))

    async def get(self, *args: Any, **kw: Any) -> Any:
        return await self._run(super().get(*args, **kw))

    async def connection(self, *args: Any, **kw: Any) -> Any:
        return await self._run(super().connection(*args, **kw))

    async def flush(self, *args: Any, **kw: Any) -> None:
        await self._run(super().flush(*args, **kw))

    async def commit(self) -> None:
        await self._run(super().commit())

    async def rollback(self) -> None:
        if self._spoiled is None:
            await self._run(super().rollback())

    async def close(self) -> None:
        spoiled = self._spoiled
        if spoiled is None:
            await self._run(super().close())
            return

        async def discard() -> None:  # once the abandoned operation has ended: no reset on a hung server
            await asyncio.gather(spoiled, return_exceptions=True)
            await super(BoundedSession, self).invalidate()

        later = asyncio.ensure_future(discard())
        _ABANDONED.add(later)
        later.add_done_callback(_forget)


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic configuration built in code: scripts in `store/migrations`, no ini file."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolates '%': escape it (URL-encoded passwords contain it).
        rendered = sync_url(url).render_as_string(hide_password=False)
        cfg.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return cfg


@asynccontextmanager
async def write_session(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session inside one write transaction, committed on success, rolled back on error.

    Commit and rollback go through the session's own methods (not `session.begin()`'s exit), so a
    `BoundedSession` bounds them like every other round trip.
    """
    async with factory() as session:
        # The connection is procured (and BEGIN emitted) here, with the options in place.
        await session.connection(execution_options=WRITE)
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


# Any constant: serialises concurrent `migrate` calls on one PostgreSQL database (the API and
# the worker may start at the same moment).
_MIGRATION_LOCK_ID = 0x7265636F76  # "recov"


def migrate(url: str | URL, revision: str = "head") -> None:
    """Upgrade the database at `url` (plain or async URL) to `revision`; a no-op when current.

    Runs in one transaction (both databases have transactional DDL), under a lock so that two
    processes migrating at once do not both create the tables.
    """
    parsed = sync_url(url)
    _ensure_sqlite_dir(parsed)
    engine = create_engine(parsed, hide_parameters=True)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    try:
        with engine.connect().execution_options(**WRITE) as connection, connection.begin():
            if parsed.get_backend_name() == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            cfg = alembic_config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()
    log.info("database migrated to %s", revision)


async def check(engine: AsyncEngine, timeout: float = 5.0) -> bool:
    """True when the database answers a trivial query within `timeout` seconds."""

    async def ping() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await bounded(ping(), timeout)
    except Exception as exc:  # any failure means unhealthy; the reason goes to the log
        log.warning("database health check failed: %s", type(exc).__name__)
        return False
    return True
