"""MatterWorkflow on the time-skipping server: months of durable timers in seconds.

Activities are replaced by same-named fakes that record what the workflow asked for; the
real activities are proven against real servers in tests/activities and tests/api.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from temporalio import activity
from temporalio.api.testservice.v1 import UnlockTimeSkippingRequest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import SearchAttributeKey
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.inputs import PROJECT, RENDER_LETTER, LetterRequest
from domain.evidence import DocumentRef
from domain.money import Money
from store.policies import get_policy
from store.records import ProjectionUpdate
from tests.factories import make_intake
from workflows.contracts import (
    ERR_INVALID,
    ERR_STAGE,
    QUERY_SNAPSHOT,
    UPDATE_DECISION,
    UPDATE_PAYMENT,
    UPDATE_PROMISE,
    DecisionCommand,
    DecisionResult,
    MatterInput,
    MatterSnapshot,
    PaymentCommand,
    PaymentResult,
    PromiseCommand,
    PromiseResult,
)
from workflows.matter import MatterWorkflow


class Recorder:
    """Fake activities: remember letters and projection batches."""

    def __init__(self) -> None:
        self.letters: list[LetterRequest] = []
        self.updates: list[ProjectionUpdate] = []

    def activities(self):  # type: ignore[no-untyped-def]
        @activity.defn(name=RENDER_LETTER)
        async def render(req: LetterRequest) -> DocumentRef:
            self.letters.append(req)
            sha = hashlib.sha256(req.document_id.encode()).hexdigest()
            return DocumentRef(
                document_id=req.document_id, matter_id=req.matter_id, kind=req.kind,
                locale=req.intake.borrower.locale, template_version="1-test", bucket="b",
                key=f"k/{req.document_id}", version_id="v1", sha256=sha, size=1,
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )

        @activity.defn(name=PROJECT)
        async def project(update: ProjectionUpdate) -> None:
            self.updates.append(update)

        return [render, project]

    @property
    def events(self):  # type: ignore[no-untyped-def]
        return [e for u in self.updates for e in u.events]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]


@pytest.fixture
async def matter(env: WorkflowEnvironment):  # type: ignore[no-untyped-def]
    """Start a worker on a fresh task queue; yields a function that starts matters."""
    rec = Recorder()
    queue = f"q-{uuid.uuid4()}"
    started: list[WorkflowHandle] = []
    async with Worker(env.client, task_queue=queue, workflows=[MatterWorkflow], activities=rec.activities()):

        async def start(policy: str = "standard", **kw) -> WorkflowHandle:  # type: ignore[no-untyped-def]
            mid = str(uuid.uuid4())
            inp = MatterInput(matter_id=mid, intake=make_intake(policy=policy), policy=get_policy(policy),
                              opened_by="tester", **kw)
            handle = await env.client.start_workflow(
                MatterWorkflow.run, inp, id=f"matter-{mid}", task_queue=queue
            )
            started.append(handle)
            # Unpinned: queries and updates go to the latest run, across continue-as-new.
            return env.client.get_workflow_handle_for(
                MatterWorkflow.run, handle.id, first_execution_run_id=handle.first_execution_run_id
            )

        start.rec = rec  # type: ignore[attr-defined]
        yield start
        # A workflow left waiting on a timer with no worker would stop the server skipping time.
        for handle in started:
            try:
                await env.client.get_workflow_handle(handle.id).terminate("test over")
            except Exception:  # already completed
                pass


async def describe(env: WorkflowEnvironment, h: WorkflowHandle):  # type: ignore[no-untyped-def]
    """Describe, then release the time-skipping lock the v1 test server leaves behind after it
    (without this, every later env.sleep in the session hangs until its RPC times out)."""
    desc = await h.describe()
    await env.client.test_service.unlock_time_skipping(UnlockTimeSkippingRequest())
    return desc


async def recorded(rec: Recorder, kind: str, seconds: float = 5.0) -> bool:
    """True once the fake projection received an event of `kind` (the worker may lag the clock)."""
    for _ in range(int(seconds / 0.05)):
        if kind in rec.kinds():
            return True
        await asyncio.sleep(0.05)
    return False


async def snap(h: WorkflowHandle) -> MatterSnapshot:
    return await h.query(QUERY_SNAPSHOT, result_type=MatterSnapshot)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


async def pay(h: WorkflowHandle, pid: str, amount: str, actor: str = "clerk", update_id: str | None = None
              ) -> PaymentResult:
    return await h.execute_update(
        UPDATE_PAYMENT,
        PaymentCommand(payment_id=pid, amount=cny(amount), received_on=date(2026, 12, 1), actor=actor),
        id=update_id or f"payment-{pid}-{uuid.uuid4()}",
        result_type=PaymentResult,
    )


async def test_standard_matter_runs_to_legal_review_and_escalates(env, matter):  # type: ignore[no-untyped-def]
    h = await matter("standard")
    await env.sleep(timedelta(hours=1))
    s = await snap(h)
    assert s.stage == "reminders"
    assert s.risk is not None and s.risk.grade in "ABCDE"
    assert [d.kind for d in s.documents] == ["collection_notice"]
    assert s.next_step is not None and s.next_step.name == "first SMS reminder"

    await env.sleep(timedelta(days=29))
    s = await snap(h)
    assert s.stage == "negotiation"
    assert [d.kind for d in s.documents] == ["collection_notice", "reminder_letter", "reminder_letter"]
    assert s.negotiation_ends_on is not None

    await env.sleep(timedelta(days=32))
    s = await snap(h)
    assert s.stage == "legal_review"
    assert s.next_step is None
    # Days past due keeps counting with the durable clock.
    assert s.days_past_due >= 60

    desc = await describe(env, h)
    assert desc.typed_search_attributes.get(SearchAttributeKey.for_keyword("MatterStage")) == "legal_review"
    assert desc.typed_search_attributes.get(SearchAttributeKey.for_int("DaysPastDue")) == s.days_past_due
    assert desc.typed_search_attributes.get(SearchAttributeKey.for_float("OutstandingAmount")) == 19518.0

    result = await h.execute_update(
        UPDATE_DECISION,
        DecisionCommand(
            decision_id="d1", decision="escalate", firm="Firm A LLP", reason="no contact", actor="manager-1"
        ),
        result_type=DecisionResult,
    )
    assert result.stage == "referral" and result.referred_firm == "Firm A LLP"
    assert (await snap(h)).stage == "referral"
    assert await recorded(matter.rec, "decision")
    kinds = matter.rec.kinds()
    assert kinds.count("sms") == 1 and kinds.count("phone_task") == 2 and "legal_review" in kinds
    assert any(e.kind == "decision" and e.actor == "manager-1" for e in matter.rec.events)
    # Letters were asked for with business identities, each once.
    ids = [r.document_id for r in matter.rec.letters]
    assert len(ids) == len(set(ids)) == 3

    # The matter waits in referral for months; paying in full still closes it.
    await env.sleep(timedelta(days=35))
    s = await snap(h)
    assert s.stage == "referral" and s.days_past_due >= 95
    await pay(h, "FINAL", "19518.00")
    final = await h.result()
    assert final.stage == "closed" and final.closure_reason == "paid"
    assert [d.kind for d in final.documents][-1] == "closure_letter"


async def test_payment_allocates_down_the_waterfall_and_full_payment_closes(env, matter):  # type: ignore[no-untyped-def]
    h = await matter("standard")
    await env.sleep(timedelta(hours=1))
    r = await pay(h, "P1", "1318.00")
    a = r.allocation
    assert (a.costs, a.fees, a.penalty, a.interest, a.principal) == (
        cny("0.00"), cny("100.00"), cny("218.00"), cny("1000.00"), cny("0.00"))
    assert r.outstanding == cny("18200.00") and not r.closed
    # Replaying the same payment changes nothing: Temporal dedups the same update id,
    # and the workflow recognises the payment id under a new update id.
    same = await pay(h, "P1", "1318.00", update_id="u-P1")
    same_again = await pay(h, "P1", "1318.00", update_id="u-P1")
    assert same == same_again and same.duplicate
    again = await pay(h, "P1", "1318.00")
    assert again.duplicate and again.outstanding == cny("18200.00")

    r = await pay(h, "P2", "18300.00")
    assert r.closed and r.outstanding == cny("0.00")
    assert r.allocation.unapplied == cny("100.00")
    final = await h.result()
    assert final.stage == "closed" and final.closure_reason == "paid"
    assert [d.kind for d in final.documents] == ["collection_notice", "closure_letter"]
    assert final.paid_total == cny("19518.00")
    payments = [p.payment_id for u in matter.rec.updates for p in u.payments]
    assert payments == ["P1", "P2"]


async def test_commands_refused_with_typed_errors(env, matter):  # type: ignore[no-untyped-def]
    h = await matter("standard")
    await env.sleep(timedelta(hours=1))
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await h.execute_update(UPDATE_PAYMENT, PaymentCommand(
            payment_id="X", amount=Money.of("10.00", "USD"), received_on=date(2026, 12, 1)))
    assert isinstance(err.value.cause, ApplicationError) and err.value.cause.type == ERR_INVALID
    assert "amount.currency" in str(err.value.cause)

    with pytest.raises(WorkflowUpdateFailedError) as err:
        await h.execute_update(UPDATE_DECISION, DecisionCommand(decision_id="d", decision="escalate"))
    assert err.value.cause.type == ERR_STAGE  # type: ignore[union-attr]

    with pytest.raises(WorkflowUpdateFailedError) as err:
        await h.execute_update(UPDATE_PROMISE, PromiseCommand(
            promise_id="p", amount=cny("10.00"), due_on=date(2000, 1, 1)))
    assert err.value.cause.type == ERR_INVALID and "due_on" in str(err.value.cause)  # type: ignore[union-attr]

    await pay(h, "ALL", "19518.00")
    await h.result()
    s = await snap(h)
    assert s.stage == "closed"


async def _today(h: WorkflowHandle) -> date:
    return (await snap(h)).policy_today


async def test_promise_kept_pauses_ladder(env, matter):  # type: ignore[no-untyped-def]
    h = await matter("standard")
    await env.sleep(timedelta(hours=1))
    today = await _today(h)
    r = await h.execute_update(
        UPDATE_PROMISE,
        PromiseCommand(promise_id="pr1", amount=cny("5000.00"), due_on=today + timedelta(days=10), actor="clerk"),
        result_type=PromiseResult,
    )
    assert r.status == "pending"
    s = await snap(h)
    assert s.next_step is not None and s.next_step.at == r.deadline
    # Day 5: normally the SMS (day 3) would have gone; the promise paused the ladder.
    await env.sleep(timedelta(days=5))
    assert "sms" not in matter.rec.kinds()
    await pay(h, "P1", "2000.00")
    await pay(h, "P2", "3000.00")
    s = await snap(h)
    assert s.promises[0].status == "kept"
    assert await recorded(matter.rec, "promise_kept")
    # The ladder resumes, shifted by the pause: the SMS follows shortly after.
    # (Contact hours may push it up to 11 hours later, depending on the server clock's time of day.)
    await env.sleep(timedelta(days=5))
    assert await recorded(matter.rec, "sms")


async def test_promise_broken_resumes_ladder_and_counts_in_risk(env, matter):  # type: ignore[no-untyped-def]
    h = await matter("standard")
    await env.sleep(timedelta(hours=1))
    before = (await snap(h)).risk
    today = await _today(h)
    await h.execute_update(
        UPDATE_PROMISE,
        PromiseCommand(promise_id="pr1", amount=cny("5000.00"), due_on=today + timedelta(days=2)),
        result_type=PromiseResult,
    )
    # Idempotent: same promise id again is a duplicate.
    dup = await h.execute_update(
        UPDATE_PROMISE,
        PromiseCommand(promise_id="pr1", amount=cny("5000.00"), due_on=today + timedelta(days=2)),
        result_type=PromiseResult,
    )
    assert dup.duplicate
    await env.sleep(timedelta(days=7))
    s = await snap(h)
    assert s.promises[0].status == "broken"
    broken = next(f for f in s.risk.factors if f.factor == "broken_promises")  # type: ignore[union-attr]
    assert broken.points > 0
    assert s.risk.score > before.score  # type: ignore[union-attr]
    assert await recorded(matter.rec, "promise_broken")
    await env.sleep(timedelta(days=3))
    assert await recorded(matter.rec, "sms")


async def test_extend_negotiation_then_review_again(env, matter):  # type: ignore[no-untyped-def]
    h = await matter("standard")
    await env.sleep(timedelta(days=62))
    s = await snap(h)
    assert s.stage == "legal_review"
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await h.execute_update(UPDATE_DECISION, DecisionCommand(decision_id="bad", decision="extend_negotiation"))
    assert "new_end_on" in str(err.value.cause)
    new_end = s.policy_today + timedelta(days=10)
    r = await h.execute_update(
        UPDATE_DECISION,
        DecisionCommand(decision_id="d1", decision="extend_negotiation", new_end_on=new_end, reason="talks"),
        result_type=DecisionResult,
    )
    assert r.stage == "negotiation" and r.negotiation_ends_on == new_end
    await env.sleep(timedelta(days=12))
    assert (await snap(h)).stage == "legal_review"


async def test_continue_as_new_keeps_state(env, matter):  # type: ignore[no-untyped-def]
    h = await matter("standard", continue_as_new_after_events=60)
    await env.sleep(timedelta(hours=1))
    await pay(h, "P1", "100.00")
    await env.sleep(timedelta(days=40))
    s = await snap(h)
    assert s.stage == "negotiation"
    assert s.paid_total == cny("100.00") and s.outstanding == cny("19418.00")
    assert [d.kind for d in s.documents] == ["collection_notice", "reminder_letter", "reminder_letter"]
    # The first run ended by continuing as new, carrying the state.
    first = await env.client.get_workflow_handle(h.id, run_id=h.first_execution_run_id).fetch_history()
    assert first.events[-1].HasField("workflow_execution_continued_as_new_event_attributes")
    # The payment id is remembered across runs: replaying it changes nothing.
    again = await pay(h, "P1", "100.00")
    assert again.duplicate and again.outstanding == cny("19418.00")
