"""The projection activity's failures must not carry PII (they are logged by the worker).

A database error raised inside an activity becomes the activity failure: Temporal's worker logs
it (WARNING "Completing activity as failed", with the traceback) on every retry. SQLAlchemy
puts the statement's parameters into the exception text unless the engine hides them, and the
parameters of projection writes are names, id numbers and free-text notes.

PostgreSQL refuses NUL characters in text, and a promise note is free text that nothing
cleans, so a note with a NUL is a realistic way to make the write fail.
"""

from __future__ import annotations

import asyncio
import traceback
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.matter import MatterActivities
from domain.money import Money
from store.db import make_engine, make_sessionmaker, migrate
from store.evidence import EvidenceStore
from store.records import MatterOpened, ProjectionUpdate, PromiseRecord
from tests.factories import make_intake
from workflows.contracts import matter_id_for, workflow_id

pytestmark = pytest.mark.integration

NAME, ID_NUMBER = "张伟", "110105198001011234"


@pytest.fixture(scope="module")
async def pg_sessions(pg_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await asyncio.to_thread(migrate, pg_url)
    engine = make_engine(pg_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def test_a_failed_projection_write_does_not_quote_pii(pg_sessions: async_sessionmaker[AsyncSession]) -> None:
    acts = MatterActivities(pg_sessions, EvidenceStore(bucket="unused", endpoint_url="http://127.0.0.1:9"))
    intake = make_intake(external_ref=f"PRJ-{uuid.uuid4().hex[:12]}")
    assert (intake.borrower.name, intake.borrower.id_number) == (NAME, ID_NUMBER)
    matter_id = matter_id_for(intake.external_ref)
    now = datetime.now(UTC)
    opened = MatterOpened(
        matter_id=matter_id, workflow_id=workflow_id(matter_id), intake=intake,
        policy_name="standard", policy_version=1, opened_at=now, opened_by="tester",
    )  # fmt: skip
    await ActivityEnvironment().run(acts.project, ProjectionUpdate(opened=opened))
    promise = PromiseRecord(
        matter_id=matter_id, promise_id="P1", amount=Money(amount=Decimal("100.00"), currency="CNY"),
        due_on=now.date(), deadline=now + timedelta(days=1), status="pending",
        note=f"{NAME} {ID_NUMBER} will pay\x00", actor="tester", created_at=now,
    )  # fmt: skip
    try:
        await ActivityEnvironment().run(acts.project, ProjectionUpdate(promises=(promise,)))
    except Exception as exc:  # the failure Temporal would record and the worker would log
        text = "".join(traceback.format_exception(exc))
        assert NAME not in text and ID_NUMBER not in text, text[-600:]
