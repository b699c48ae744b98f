"""Holds on the time-skipping server: every clock stops while held and resumes, shifted, when the hold ends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from tests.workflows.harness import Recorder, cny, eventually, matter_input, pay, refused, snap, start, workers
from workflows.contracts import (
    ERR_FORBIDDEN,
    ERR_INVALID,
    UPDATE_CONTACT,
    UPDATE_HOLD,
    UPDATE_PROMISE,
    UPDATE_RELEASE,
    ContactCommand,
    ContactResult,
    HoldCommand,
    HoldResult,
    PromiseCommand,
    PromiseResult,
    ReleaseCommand,
)


@pytest.fixture
async def rec(env: WorkflowEnvironment) -> AsyncIterator[tuple[Recorder, str, list[str]]]:
    r, queue, started = Recorder(), f"q-{uuid.uuid4()}", []  # type: ignore[var-annotated]
    async with workers(env.client, queue, r):
        yield r, queue, started
        for wid in started:
            try:
                await env.client.get_workflow_handle(wid).terminate("test over")
            except Exception:
                pass


async def begin(env: WorkflowEnvironment, rec: Any) -> WorkflowHandle[Any, Any]:
    _, queue, started = rec
    h = await start(env.client, queue, matter_input("standard"))
    started.append(h.id)
    return h


async def hold(h: WorkflowHandle[Any, Any], hold_id: str, kind: str = "dispute", ends_on: date | None = None,
               role: str = "legal_team") -> HoldResult:
    return await h.execute_update(UPDATE_HOLD, HoldCommand(hold_id=hold_id, kind=kind, reason="borrower disputes "  # type: ignore[arg-type]
                                                           "the amount", ends_on=ends_on, role=role,  # type: ignore[arg-type]
                                                           actor="clerk-1"), result_type=HoldResult)


async def release(h: WorkflowHandle[Any, Any], hold_id: str, role: str = "legal_team") -> HoldResult:
    return await h.execute_update(UPDATE_RELEASE, ReleaseCommand(hold_id=hold_id, role=role, actor="clerk-1"),  # type: ignore[arg-type]
                                  result_type=HoldResult)




def at_of(recorder: Recorder, kind: str) -> list[Any]:
    return [e.occurred_at for e in recorder.events if e.kind == kind]


async def test_a_hold_stops_the_ladder_and_a_promise_and_they_resume_shifted(env, rec) -> None:  # type: ignore[no-untyped-def]
    recorder = rec[0]
    h = await begin(env, rec)
    await env.sleep(timedelta(hours=1))
    started = (await snap(h)).status
    assert started is not None
    today = started.policy_today(await env.get_current_time())
    p = await h.execute_update(UPDATE_PROMISE, PromiseCommand(promise_id="PR1", amount=cny("100.00"),
                                                              due_on=today + timedelta(days=2)),
                               result_type=PromiseResult)
    placed = await hold(h, "H1")
    assert placed.active and placed.held and not placed.duplicate
    again = await hold(h, "H1")
    assert again.duplicate
    await env.sleep(timedelta(days=20))  # the SMS (day 3), the letter (day 8) and the promise would all be due
    s = (await snap(h)).status
    assert s is not None and s.held and s.next_step is None
    assert "sms" not in recorder.kinds() and "promise_broken" not in recorder.kinds()
    assert [j.kind for j in recorder.jobs] == ["collection_notice"]
    lifted = await release(h, "H1")
    assert not lifted.held and 19 * 86400 < lifted.shifted_seconds < 21 * 86400
    ended = next(e for e in recorder.events if e.kind == "hold_ended")
    assert ended.data["shift_days"] in (20, 21)
    s = (await snap(h)).status
    assert s is not None and s.held is False
    # The promise's deadline moved by exactly the time held; the ladder likewise.
    moved = next(x for x in (await snap(h)).promises if x.promise_id == "PR1")
    assert moved.deadline - p.deadline == timedelta(seconds=lifted.shifted_seconds)
    await env.sleep(timedelta(days=6))  # promise due + grace, shifted: broken now
    await eventually(lambda: "promise_broken" in recorder.kinds())
    # The promise paused the ladder from its making to its breaking (the hold inside that pause counts once):
    # the SMS of day 3 comes 3 days after the promise broke, inside contact hours.
    broken_at = at_of(recorder, "promise_broken")[0]
    assert "sms" not in recorder.kinds()
    await env.sleep(timedelta(days=4))
    await eventually(lambda: "sms" in recorder.kinds())
    sms_at = at_of(recorder, "sms")[0]
    assert timedelta(days=2) < sms_at - broken_at < timedelta(days=4)


async def test_a_hold_with_a_last_day_ends_by_itself(env, rec) -> None:  # type: ignore[no-untyped-def]
    recorder = rec[0]
    h = await begin(env, rec)
    await env.sleep(timedelta(hours=1))
    s = (await snap(h)).status
    assert s is not None
    today = s.policy_today(await env.get_current_time())
    await hold(h, "H1", kind="hardship", ends_on=today + timedelta(days=5))
    await env.sleep(timedelta(days=7))
    await eventually(lambda: "hold_ended" in recorder.kinds())
    ended = next(e for e in recorder.events if e.kind == "hold_ended")
    assert ended.data["shift_days"] in (5, 6)  # to the end of its last day
    late = await refused(release(h, "H1"))
    assert late.type == ERR_INVALID and "already ended" in late.message
    await env.sleep(timedelta(days=5))
    await eventually(lambda: "sms" in recorder.kinds())


async def test_a_bankruptcy_stay_needs_a_manager_and_holds_are_refused_by_field(env, rec) -> None:  # type: ignore[no-untyped-def]
    h = await begin(env, rec)
    await env.sleep(timedelta(hours=1))
    no = await refused(hold(h, "B1", kind="bankruptcy_stay"))
    assert no.type == ERR_FORBIDDEN
    ok = await hold(h, "B1", kind="bankruptcy_stay", role="manager")
    assert ok.active
    lift = await refused(release(h, "B1"))
    assert lift.type == ERR_FORBIDDEN
    s = (await snap(h)).status
    assert s is not None
    past = await refused(hold(h, "H2", ends_on=s.policy_today(await env.get_current_time()) - timedelta(days=1)))
    assert past.type == ERR_INVALID and past.message.startswith("ends_on")
    unknown = await refused(release(h, "NOPE"))
    assert unknown.type == ERR_INVALID and unknown.message.startswith("hold_id")
    # Payments are still taken while held.
    r = await pay(h, "P1", "100.00")
    assert not r.duplicate and r.outstanding.amount > 0
    done = await release(h, "B1", role="manager")
    assert not done.held


async def test_the_contact_log_moves_the_risk_grade_and_cease_contact_stops_the_reminders(env, rec) -> None:  # type: ignore[no-untyped-def]
    recorder = rec[0]
    h = await begin(env, rec)
    await env.sleep(timedelta(hours=1))
    before = (await snap(h)).risk
    assert before is not None
    refused_ = await h.execute_update(UPDATE_CONTACT, ContactCommand(
        contact_id="C1", channel="phone", outcome="refused_to_pay", cause="unwilling", actor="clerk-1"),
        result_type=ContactResult)
    assert (refused_.ability, refused_.willingness) == ("unknown", "unwilling")
    after = (await snap(h)).risk
    assert after is not None and after.score == before.score + 15
    assert any(f.factor == "willingness" and f.points == 15 for f in after.factors)
    again = await h.execute_update(UPDATE_CONTACT, ContactCommand(
        contact_id="C1", channel="phone", outcome="refused_to_pay", cause="unwilling", actor="clerk-1"),
        result_type=ContactResult)
    assert again.duplicate and again.contacts_in_7_days == 1
    future = await refused(h.execute_update(UPDATE_CONTACT, ContactCommand(
        contact_id="C2", channel="visit", outcome="reached", at=await env.get_current_time() + timedelta(days=1)),
        result_type=ContactResult))
    assert future.type == ERR_INVALID and future.message.startswith("at:")
    stop = await h.execute_update(UPDATE_CONTACT, ContactCommand(
        contact_id="C3", channel="phone", outcome="reached", cease_contact=True, actor="clerk-1"),
        result_type=ContactResult)
    assert stop.cease_contact
    await env.sleep(timedelta(days=35))  # every ladder step falls due, then the negotiation window opens
    skipped = [e for e in recorder.events if e.kind == "contact_skipped"]
    assert len(skipped) == 6 and "asked to be contacted no more" in skipped[0].summary
    assert not recorder.messages and [j.kind for j in recorder.jobs] == ["collection_notice"]
    assert (await snap(h)).stage == "negotiation"  # the process goes on
