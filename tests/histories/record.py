"""Record the replay fixtures: `python -m tests.histories.record`.

Runs matters on the time-skipping test server with fake activities (fictional data only) and
saves their event histories as JSON next to this file. Re-record only on purpose: the point of
these files is that today's workflow code must replay yesterday's histories unchanged.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from infra.services import find_binary
from store.policies import get_policy
from tests.factories import make_intake
from tests.workflows.test_matter import Recorder
from workflows.contracts import (
    QUERY_SNAPSHOT,
    UPDATE_DECISION,
    UPDATE_PAYMENT,
    UPDATE_PROMISE,
    DecisionCommand,
    MatterInput,
    MatterSnapshot,
    PaymentCommand,
    PromiseCommand,
)
from workflows.matter import MatterWorkflow

HERE = Path(__file__).parent


async def main() -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"), data_converter=pydantic_data_converter
    )
    from tests.workflows.conftest import register_search_attributes

    await register_search_attributes(env.client)
    rec = Recorder()
    async with Worker(env.client, task_queue="record", workflows=[MatterWorkflow], activities=rec.activities()):
        from domain.money import Money

        cny = lambda a: Money.of(a, "CNY")  # noqa: E731

        # 1. Paid in full after a partial payment: closure.
        h = await env.client.start_workflow(
            MatterWorkflow.run,
            MatterInput(matter_id="hist-paid", intake=make_intake(), policy=get_policy("standard")),
            id="matter-hist-paid", task_queue="record",
        )
        await env.sleep(timedelta(days=8))
        await h.execute_update(UPDATE_PAYMENT, PaymentCommand(
            payment_id="P1", amount=cny("1000.00"), received_on=date(2026, 12, 1), actor="clerk"))
        await env.sleep(timedelta(days=3))
        await h.execute_update(UPDATE_PAYMENT, PaymentCommand(
            payment_id="P2", amount=cny("18518.00"), received_on=date(2026, 12, 4), actor="clerk"))
        await h.result()
        (HERE / "paid_in_full.json").write_text(json.dumps(json.loads((await h.fetch_history()).to_json()), indent=1))

        # 2. A broken promise, the ladder to legal review, escalation.
        h = await env.client.start_workflow(
            MatterWorkflow.run,
            MatterInput(matter_id="hist-escalated", intake=make_intake(locale="en", currency="CNY"),
                        policy=get_policy("standard")),
            id="matter-hist-escalated", task_queue="record",
        )
        await env.sleep(timedelta(hours=2))
        today = (await h.query(QUERY_SNAPSHOT, result_type=MatterSnapshot)).policy_today
        await h.execute_update(UPDATE_PROMISE, PromiseCommand(
            promise_id="pr1", amount=cny("3000.00"), due_on=today + timedelta(days=4), actor="clerk"))
        await env.sleep(timedelta(days=70))
        await h.execute_update(UPDATE_DECISION, DecisionCommand(
            decision_id="d1", decision="escalate", reason="no response", actor="manager"))
        await env.sleep(timedelta(hours=1))
        await h.terminate("recorded")
        (HERE / "escalated.json").write_text(json.dumps(json.loads((await h.fetch_history()).to_json()), indent=1))
    await env.shutdown()
    print("recorded paid_in_full.json, escalated.json")


if __name__ == "__main__":
    asyncio.run(main())
