"""Matters opened before workflow v2 replay on the frozen v1 code, then continue as new into v2.

A v1 matter is run by v1 exactly as it was (no migration marker in its history); a worker with
today's code then picks it up at its next timer: it replays the v1 history unchanged, and at the
first new workflow task continues as new into `MatterWorkflowV2` with its state carried over.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from temporalio.api.testservice.v1 import UnlockTimeSkippingRequest
from temporalio.testing import WorkflowEnvironment

from domain.money import Money
from store.policies import get_policy
from tests.factories import make_intake
from tests.workflows.harness import Recorder, eventually, snap, workers
from tests.workflows.pristine_v1 import PristineMatterWorkflowV1
from workflows.contracts import (
    LEGACY_WORKFLOW_NAME,
    UPDATE_PAYMENT,
    WORKFLOW_NAME,
    PaymentCommand,
    PaymentResult,
)
from workflows.legacy.matter_v1 import MatterInput as V1Input


async def test_a_v1_matter_continues_as_new_into_v2_and_keeps_everything(env: WorkflowEnvironment) -> None:
    queue = f"q-{uuid.uuid4()}"
    mid = str(uuid.uuid4())
    rec = Recorder()
    async with workers(env.client, queue, rec, workflows=[PristineMatterWorkflowV1], cache=False):
        h = await env.client.start_workflow(
            LEGACY_WORKFLOW_NAME,
            V1Input(matter_id=mid, intake=make_intake(), policy=get_policy("standard"), opened_by="tester"),
            id=f"matter-{mid}", task_queue=queue,
        )
        await env.sleep(timedelta(hours=1))
        await eventually(lambda: [r.kind for r in rec.legacy_letters] == ["collection_notice"])
        paid = await h.execute_update(
            UPDATE_PAYMENT,
            PaymentCommand(payment_id="P1", amount=Money.of("100.00", "CNY"), received_on=date(2026, 12, 1)),
            result_type=PaymentResult,
        )
        assert paid.outstanding == Money.of("19418.00", "CNY")
        assert (await snap(h)).status is None  # v1 has no v2 status
    v1_updates = len(rec.updates)

    # Today's worker: the v1 history replays as it was, then the matter moves to v2.
    async with workers(env.client, queue, rec):
        await env.sleep(timedelta(days=5))
        await eventually(lambda: "migrated" in rec.kinds())
        s = await snap(h)
        assert s.status is not None and s.stage == "reminders"
        assert s.paid_total == Money.of("100.00", "CNY")
        assert [d.kind for d in s.documents] == ["collection_notice"]  # not sent again
        assert s.status.days_past_due(await env.get_current_time()) > 90
        await env.sleep(timedelta(days=5))
        await eventually(lambda: [j.kind for j in rec.jobs] == ["reminder_letter"])  # the ladder goes on, in v2
        assert rec.jobs[0].context.sequence == 1  # type: ignore[attr-defined]
        # The first status v2 wrote comes after v1's (sequence numbers keep increasing).
        seqs = [st.seq for st in rec.statuses()]
        assert seqs == sorted(seqs) and len(rec.updates) > v1_updates
        desc = await env.client.get_workflow_handle(h.id).describe()
        await env.client.test_service.unlock_time_skipping(UnlockTimeSkippingRequest())
        assert desc.workflow_type == WORKFLOW_NAME
        # The first run ended by continuing as new: its history holds the migration marker.
        first = await env.client.get_workflow_handle(h.id, run_id=h.result_run_id).fetch_history()
        assert first.events[-1].HasField("workflow_execution_continued_as_new_event_attributes")
        assert any(e.HasField("marker_recorded_event_attributes") for e in first.events)
        await env.client.get_workflow_handle(h.id).terminate("test over")
