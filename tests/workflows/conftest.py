"""The time-skipping test server (a real Temporal test server binary, no download)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from infra.services import SEARCH_ATTRIBUTES, find_binary
from tests.conftest import unavailable
from tests.workflows.harness import Recorder, matter_input, start, workers


async def register_search_attributes(client: Client) -> None:
    """The test server knows no custom search attributes until told."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={
                name: getattr(IndexedValueType, f"INDEXED_VALUE_TYPE_{kind.upper()}")
                for name, kind in SEARCH_ATTRIBUTES.items()
            },
        )
    )


QUIET_HOUR_UTC = 2  # 10:00 in Shanghai, 02:00 in London: far from a day's end in the fixtures' zones


def to_a_quiet_hour(now: datetime) -> timedelta:
    """How far to skip so a test starts at the next 02:00 UTC. The test server starts at the wall
    clock's time: a matter started at 23:30 in its borrower's zone would see its policy day change an
    hour later, and tests that sleep an hour and then expect the same day would pass or fail by the
    time of day they ran at."""
    start = now.astimezone(UTC).replace(hour=QUIET_HOUR_UTC, minute=0, second=0, microsecond=0)
    if start <= now:
        start += timedelta(days=1)
    return start - now


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh time-skipping server per test (~0.3 s): the v1 test server can leave time skipping
    locked after some calls (describe, terminate), which would stall every later test."""
    try:
        path = find_binary("temporal-test-server")
    except Exception as exc:
        unavailable(f"temporal-test-server binary missing: {exc}")
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=path, data_converter=pydantic_data_converter
    )
    await register_search_attributes(env.client)
    await env.sleep(to_a_quiet_hour(await env.get_current_time()))
    yield env
    await env.shutdown()


class Matters:
    """Matters started on one task queue with fake activities (`rec`), terminated when the test ends."""

    def __init__(self, env: WorkflowEnvironment, queue: str, rec: Recorder) -> None:
        self.env, self.queue, self.rec = env, queue, rec
        self.started: list[str] = []

    async def start(self, policy: str = "standard", **kw: Any) -> WorkflowHandle[Any, Any]:
        h = await start(self.env.client, self.queue, matter_input(policy, **kw))
        self.started.append(h.id)
        return h


@pytest.fixture
async def matters(env: WorkflowEnvironment) -> AsyncIterator[Matters]:
    rec = Recorder()
    queue = f"q-{uuid.uuid4()}"
    m = Matters(env, queue, rec)
    async with workers(env.client, queue, rec):
        yield m
        # A workflow left waiting on a timer with no worker would stop the server skipping time.
        for wid in m.started:
            for child in range(1, 4):
                try:
                    await env.client.get_workflow_handle(f"{wid}/referral-{child}").terminate("test over")
                except Exception:
                    pass
            try:
                await env.client.get_workflow_handle(wid).terminate("test over")
            except Exception:  # already completed
                pass
        for wid in sorted(rec.contact.workflow_ids if rec.contact else ()):
            try:
                await env.client.get_workflow_handle(wid).terminate("test over")
            except Exception:  # already ended
                pass
