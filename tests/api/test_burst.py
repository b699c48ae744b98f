"""A burst of matters on the demo policy: every one reaches legal review with its letters; none stalls.

Issue 6, defect 1: 300 matters imported at once left 62 in `intake` for good (a letter refused for
ever under load). This opens a burst of matters at once against the real stack (Temporal dev server,
SeaweedFS, SQLite projection, a real worker) and waits for every one of them to reach
`legal_review` in the projection with its collection notice and its reminder letter, and none
in `needs_attention`. (`make bench-portfolio` does the same with 1,000 and measures it.)
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import func, select

from domain.matter import MatterIntake
from store.models import Document, Matter
from store.policies import get_policy
from tests.api.conftest import Stack
from tests.factories import intake_data
from workers.client import open_matter

pytestmark = pytest.mark.integration

BURST = 150


async def test_a_burst_of_demo_matters_all_reach_legal_review_with_their_letters(stack: Stack) -> None:
    policy = get_policy("demo", stack.settings.policy_dir)
    prefix = stack.ref("burst")
    intakes = [MatterIntake.model_validate(intake_data(external_ref=f"{prefix}-{i:04d}", policy="demo",
                                                       locale="en" if i % 2 else "zh-CN"))
               for i in range(BURST)]
    gate = asyncio.Semaphore(32)

    async def one(intake: MatterIntake) -> str:
        async with gate:
            matter_id, created = await open_matter(stack.temporal, stack.settings.temporal_task_queue, intake,
                                                   policy, "burst-test")
        assert created
        return matter_id

    ids = await asyncio.gather(*(one(i) for i in intakes))
    started = time.monotonic()
    expected = policy.ladder_days + policy.negotiation_days  # policy days (= seconds on demo)

    async def stages() -> dict[str, int]:
        async with stack.sessions() as session:
            rows = (await session.execute(
                select(Matter.stage, func.count()).where(Matter.id.in_(ids)).group_by(Matter.stage)
            )).all()
        return {stage: n for stage, n in rows}

    counts: dict[str, int] = {}
    while time.monotonic() - started < expected * 4 + 60:
        counts = await stages()
        if counts.get("legal_review", 0) == BURST:
            break
        await asyncio.sleep(1)
    assert counts.get("legal_review", 0) == BURST, counts

    async with stack.sessions() as session:
        letters = (await session.execute(
            select(Document.kind, func.count()).where(Document.matter_id.in_(ids)).group_by(Document.kind)
        )).all()
        attention = await session.scalar(
            select(func.count()).select_from(Matter).where(Matter.id.in_(ids), Matter.attention_since.is_not(None))
        )
    assert dict(letters) == {"collection_notice": BURST, "reminder_letter": BURST}
    assert attention == 0
