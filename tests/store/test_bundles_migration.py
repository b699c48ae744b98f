"""Revisions 0002 (bundles), 0003 (uploads) and 0004 (status v2) upgrade databases with data in them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from store.db import alembic_config, migrate, sync_url
from tests.store.test_migrations import fresh_pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    with fresh_pg_database(request.getfixturevalue("pg_url")) as fresh:
        yield fresh


MATTER = text(
    "INSERT INTO matters (id, external_ref, workflow_id, policy_name, policy_version, stage, currency, "
    "outstanding, costs, fees, penalty, interest, principal, paid_total, days_past_due, overdue_since, "
    "borrower_locale, opened_by, details, created_at, updated_at) VALUES ('m1', 'r1', 'matter-m1', 'demo', 1, "
    "'intake', 'CNY', 1, 0, 0, 0, 0, 1, 0, 3, '2024-01-01', 'zh-CN', 'test', '{}', "
    "'2024-01-01 00:00:00+00:00', '2024-01-01 00:00:00+00:00')"
)
BUNDLE = text(
    "INSERT INTO bundles (id, matter_id, bucket, key, version_id, sha256, size, item_count, manifest, "
    "created_by, created_at) VALUES ('b1', 'm1', 'bucket', 'matters/m1/bundles/b1.zip', 'v1', :sha, 10, 2, "
    "'{\"files\": []}', 'test', '2024-01-02 00:00:00+00:00')"
)


def _revision(conn) -> str | None:  # type: ignore[no-untyped-def]
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_upgrade_from_0001_keeps_data_and_adds_bundles(url: str) -> None:
    migrate(url, "0001")
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            assert "bundles" not in inspect(conn).get_table_names()
            conn.execute(MATTER)
        migrate(url, "0002")
        with engine.begin() as conn:
            assert _revision(conn) == "0002"
            columns = {c["name"] for c in inspect(conn).get_columns("bundles")}
            assert columns == {"id", "matter_id", "bucket", "key", "version_id", "sha256", "size", "item_count",
                               "manifest", "created_by", "created_at"}
            assert conn.execute(text("SELECT count(*) FROM matters")).scalar() == 1
            conn.execute(BUNDLE, {"sha": "a" * 64})
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001")
        with engine.connect() as conn:
            assert "bundles" not in inspect(conn).get_table_names()
            assert _revision(conn) == "0001"
            assert conn.execute(text("SELECT count(*) FROM matters")).scalar() == 1
    finally:
        engine.dispose()


UPLOAD = text(
    "INSERT INTO uploads (id, matter_id, file_name, media_type, description, proves, source, bucket, key, "
    "version_id, sha256, size, uploaded_by, created_at) VALUES (:id, 'm1', 'contract.pdf', 'application/pdf', "
    "'Loan contract', 'The loan', 'Creditor', 'bucket', 'matters/m1/uploads/u1', 'v1', :sha, 10, 'test', "
    "'2024-01-02 00:00:00+00:00')"
)


def test_upgrade_from_0002_keeps_data_and_adds_uploads(url: str) -> None:
    migrate(url, "0002")
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            assert "uploads" not in inspect(conn).get_table_names()
            conn.execute(MATTER)
        migrate(url, "0003")
        with engine.begin() as conn:
            assert _revision(conn) == "0003"
            assert conn.execute(text("SELECT count(*) FROM matters")).scalar() == 1
            conn.execute(UPLOAD, {"id": "u1", "sha": "a" * 64})
        with engine.begin() as conn, pytest.raises(Exception, match="(?i)unique"):
            conn.execute(UPLOAD, {"id": "u2", "sha": "a" * 64})  # same file, same name: one upload
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
        with engine.connect() as conn:
            assert "uploads" not in inspect(conn).get_table_names()
            assert _revision(conn) == "0002"
    finally:
        engine.dispose()


PARTY = text(
    "INSERT INTO parties (matter_id, role, position, name, timezone, details) "
    "VALUES ('m1', 'borrower', 0, 'Zhang San', 'Europe/London', '{}')"
)
DEMO_MATTER = text(
    "INSERT INTO matters (id, external_ref, workflow_id, policy_name, policy_version, stage, currency, "
    "outstanding, costs, fees, penalty, interest, principal, paid_total, days_past_due, overdue_since, "
    "borrower_locale, opened_by, details, created_at, updated_at) VALUES ('m2', 'r2', 'matter-m2', 'demo', 1, "
    "'reminders', 'CNY', 1, 0, 0, 0, 0, 1, 0, 40, '2024-01-01', 'zh-CN', 'test', '{}', "
    "'2024-01-01 00:00:00+00:00', '2024-03-01 12:00:00+00:00')"
)


def test_upgrade_to_0004_backfills_what_days_past_due_are_read_from_and_keeps_every_row(url: str) -> None:
    """0004 drops the stored days past due (an in-place column drop on SQLite: a rebuilt table would
    cascade-delete the matter's children) and fills the columns they are now computed from."""
    from datetime import UTC, datetime

    migrate(url, "0003")
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(MATTER)
            conn.execute(PARTY)
            conn.execute(DEMO_MATTER)
            conn.execute(UPLOAD, {"id": "u1", "sha": "a" * 64})
        migrate(url, "0004")
        with engine.begin() as conn:
            assert _revision(conn) == "0004"
            columns = {c["name"] for c in inspect(conn).get_columns("matters")}
            assert "days_past_due" not in columns
            assert {"timezone", "day_seconds", "overdue_zero_at", "attention_since", "status"} <= columns
            rows = {r[0]: r[1:] for r in conn.execute(text(
                "SELECT id, timezone, day_seconds, overdue_zero_at FROM matters ORDER BY id"))}
            assert conn.execute(text("SELECT count(*) FROM parties")).scalar() == 1  # children kept
            assert conn.execute(text("SELECT count(*) FROM uploads")).scalar() == 1

        def instant(value: object) -> datetime:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
            assert isinstance(parsed, datetime)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

        tz, ds, zero = rows["m1"]
        assert (tz, ds) == ("Europe/London", 1) and instant(zero) == datetime(2024, 1, 1, 0, 0, 3, tzinfo=UTC) - \
            __import__("datetime").timedelta(seconds=6)  # demo policy: written at 00:00:00 with 3 days (3 s) due
        tz, ds, zero = rows["m2"]
        assert (tz, ds) == ("Asia/Shanghai", 1)  # no borrower row: the default zone
        assert instant(zero) == datetime(2024, 3, 1, 11, 59, 20, tzinfo=UTC)  # updated_at - 40 demo days
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")
        with engine.connect() as conn:
            assert _revision(conn) == "0003"
            assert "days_past_due" in {c["name"] for c in inspect(conn).get_columns("matters")}
            assert conn.execute(text("SELECT count(*) FROM parties")).scalar() == 1
    finally:
        engine.dispose()
