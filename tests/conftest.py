"""Shared fixtures: real servers for integration tests.

SeaweedFS and the Temporal dev server are started once per test session on free ports with
data under a temporary folder. PostgreSQL is the one at 127.0.0.1:5432 (or
RECOVERY_TEST_PG_URL); each session gets a fresh database. With CI=true a missing server is
a failure, never a skip. `local_mail` is a test's own SMTP server and SMS outbox (tests/local_mail.py).
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.services import SeaweedPorts, free_port, seaweedfs_service, temporal_service
from tests.local_mail import LocalMail, serve_local_mail

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get("RECOVERY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def unavailable(reason: str) -> None:
    """Skip on a laptop without the server; fail in CI, where every server must be there."""
    if CI:
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    root = tmp_path_factory.mktemp("seaweedfs")
    ak, sk = "test" + secrets.token_hex(4), secrets.token_urlsafe(24)
    ports = SeaweedPorts.random()
    try:
        svc = seaweedfs_service(root, ak, sk, ports=ports).start()
    except Exception as exc:  # binary missing or failed to start
        unavailable(f"SeaweedFS could not start: {exc}")
    try:
        yield S3Server(endpoint_url=f"http://127.0.0.1:{ports.s3}", access_key=ak, secret_key=sk)
    finally:
        svc.stop()


@pytest.fixture(scope="session")
def temporal_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("temporal")
    port = free_port()
    try:
        svc = temporal_service(root, port=port, ui_port=free_port()).start()
    except Exception as exc:
        unavailable(f"Temporal dev server could not start: {exc}")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        svc.stop()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[Callable[[], str]]:
    """Makes fresh PostgreSQL databases (plain URLs); all are dropped at the end of the session.

    Suites that empty their tables between tests get a database of their own, so they never
    block on, or wipe, the rows of another suite's long-lived stack.
    """
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:
        unavailable(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    made: list[str] = []

    def create() -> str:
        name = "recovery_test_" + uuid.uuid4().hex[:10]
        admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return f"{base}/{name}"

    try:
        yield create
    finally:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def pg_url(pg_databases: Callable[[], str]) -> str:
    """A fresh PostgreSQL database for this session (plain URL, as settings would give it)."""
    return pg_databases()


@pytest.fixture
def local_mail(tmp_path: Path) -> Iterator[LocalMail]:
    """A real SMTP server on loopback keeping mail under `tmp_path/mail`, and the SMS outbox
    `tmp_path/sms/outbox.jsonl`: `Settings(**local_mail.settings(), ...)` sends reminders there."""
    with serve_local_mail(tmp_path) as mail:
        yield mail


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'recovery.db'}"
