"""The Alembic migrations: they build the schema the models describe, on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from store.db import alembic_config, migrate, sync_url
from store.models import Base

TABLES = {"matters", "parties", "payments", "promises", "documents", "timeline_events", "api_keys"}


@contextmanager
def fresh_pg_database(pg_url: str) -> Iterator[str]:
    """A brand-new, empty PostgreSQL database beside the session's one."""
    name = "recovery_mig_" + uuid.uuid4().hex[:10]
    base, _ = pg_url.rsplit("/", 1)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    with fresh_pg_database(request.getfixturevalue("pg_url")) as url:
        yield url


def _state(url: str) -> tuple[set[str], str | None]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            version = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    return tables, version


def test_migrate_creates_every_table_and_reapplying_is_a_noop(empty_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    migrate(empty_url)
    tables, version = _state(empty_url)
    assert TABLES <= tables
    assert version == head
    migrate(empty_url)  # nothing to do: no error, same state
    assert _state(empty_url) == (tables, head)


def test_migrate_accepts_async_urls(empty_url: str) -> None:
    from settings import async_db_url

    migrate(async_db_url(empty_url))
    assert TABLES <= _state(empty_url)[0]


def test_migrated_schema_matches_the_models(empty_url: str) -> None:
    """No drift: autogenerate against the migrated database finds nothing to change."""
    migrate(empty_url)
    engine = create_engine(sync_url(empty_url))
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_downgrade_to_base_removes_everything(empty_url: str) -> None:
    from alembic import command

    migrate(empty_url)
    engine = create_engine(sync_url(empty_url))
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        with engine.connect() as conn:
            assert not (TABLES & set(inspect(conn).get_table_names()))
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 0
    finally:
        engine.dispose()


def test_a_matter_may_close_cured_and_nothing_unknown(empty_url: str) -> None:
    """0007: `cured` joins the closure reasons the database accepts; others are still refused."""
    migrate(empty_url, "0006")
    engine = create_engine(sync_url(empty_url))
    insert = text(
        "INSERT INTO matters (id, external_ref, workflow_id, policy_name, policy_version, stage, currency, "
        "outstanding, costs, fees, penalty, interest, principal, paid_total, overdue_since, closure_reason, "
        "created_at, updated_at, borrower_locale, opened_by, details) VALUES (:id, :id, :id, 'standard', 1, "
        "'closed', 'CNY', 0, 0, 0, 0, 0, 0, 0, '2026-01-01', :reason, '2026-01-01 00:00:00+00', "
        "'2026-01-01 00:00:00+00', 'zh-CN', 't', '{}')")
    try:
        with engine.begin() as conn:
            conn.execute(insert, {"id": "m-paid", "reason": "paid"})
        with pytest.raises(Exception, match="(?i)check"), engine.begin() as conn:
            conn.execute(insert, {"id": "m-cured-early", "reason": "cured"})  # not yet
        migrate(empty_url)
        with engine.begin() as conn:
            conn.execute(insert, {"id": "m-cured", "reason": "cured"})
        with pytest.raises(Exception, match="(?i)check"), engine.begin() as conn:
            conn.execute(insert, {"id": "m-bogus", "reason": "bogus"})
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, closure_reason FROM matters ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("m-cured", "cured"), ("m-paid", "paid")]  # kept across the copy
    finally:
        engine.dispose()
