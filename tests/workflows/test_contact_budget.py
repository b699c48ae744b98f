"""The contact budget is the borrower's, not the matter's: one limit of attempts per rolling 7 days
across all of a person's matters and channels (workflows/borrower.py), on the time-skipping server.

The policy here allows 2 attempts per 7 days and sends an SMS on day 1, an e-mail on day 2 and an
SMS on day 4: one matter alone needs 3 attempts in 4 days, two matters of one person 6.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import WorkflowHandle

from domain.policy import ContactRules, LadderStep
from store.policies import get_policy
from tests.factories import make_intake
from tests.workflows.conftest import Matters
from tests.workflows.harness import eventually, matter_input, pay_off, snap, start
from workflows.contracts import UPDATE_CONTACT, ContactCommand, ContactResult

LIMIT = 2
WEEK = timedelta(days=7)


def tight_policy() -> Any:
    return get_policy("standard").model_copy(update={
        "ladder": [LadderStep(day=1, channel="sms", name="first SMS reminder"),
                   LadderStep(day=2, channel="email", name="e-mail reminder"),
                   LadderStep(day=4, channel="sms", name="second SMS reminder")],
        "contact": ContactRules(max_attempts_per_7_days=LIMIT),
    })


async def begin(matters: Matters, id_number: str = "110105198001011234") -> WorkflowHandle[Any, Any]:
    intake = make_intake()
    intake = intake.model_copy(update={"borrower": intake.borrower.model_copy(update={"id_number": id_number})})
    inp = matter_input("standard").model_copy(update={"intake": intake, "policy": tight_policy()})
    h = await start(matters.env.client, matters.queue, inp)
    matters.started.append(h.id)
    return h


def sent_at(matters: Matters, workflow_ids: list[str]) -> list[datetime]:
    """When each reminder of these matters was sent (its history line), in order."""
    mids = {w.removeprefix("matter-") for w in workflow_ids}
    return sorted(e.occurred_at.astimezone(UTC) for e in matters.rec.events
                  if e.kind in ("sms", "email") and e.matter_id in mids and "message_id" in e.data)


def most_in_a_week(times: list[datetime]) -> int:
    """The most attempts any rolling 7-day window `(s - 7 days, s]` holds. (An attempt is counted when
    the budget allowed it; its history line is written once it is sent, a few milliseconds later:
    a second's slack.)"""
    slack = timedelta(seconds=1)
    return max((sum(1 for t in times if s - WEEK + slack < t <= s) for s in times), default=0)


async def test_two_matters_of_one_borrower_share_one_budget_and_another_borrower_has_their_own(env, matters):  # type: ignore[no-untyped-def]
    a = await begin(matters)
    b = await begin(matters, id_number="110105 19800101123 4")  # the same person, written otherwise
    other = await begin(matters, id_number="310101199002023456")
    await env.sleep(timedelta(days=30))
    await eventually(lambda: len(sent_at(matters, [a.id, b.id])) == 6, seconds=20)
    mine = sent_at(matters, [a.id, b.id])
    # Every one of the six reminders went, never more than the limit in any 7 days of the person's.
    assert most_in_a_week(mine) == LIMIT
    # 6 attempts at 2 a week: the last 14 days after the first (to the moment the first two left the window)
    assert mine[-1] - mine[0] >= 2 * WEEK - timedelta(seconds=1)
    deferred = [e for e in matters.rec.events if e.kind == "contact_deferred" and e.matter_id != other.id[7:]]
    assert len(deferred) == 4 and {e.matter_id for e in deferred} == {a.id[7:], b.id[7:]}
    assert all(f"limit of {LIMIT} contact attempts per rolling 7 days" in e.summary for e in deferred)
    for e in deferred:  # each went when its deferral said, not before
        until = datetime.fromisoformat(e.data["until"])
        step_sent = [x for x in matters.rec.events if x.matter_id == e.matter_id and x.data.get("step") ==
                     e.data["step"] and "message_id" in x.data]
        assert len(step_sent) == 1 and step_sent[0].occurred_at >= until
    # The other person has a budget of their own: their first two reminders went on their days, the third
    # waited only for their own first to leave the window.
    theirs = sent_at(matters, [other.id])
    assert len(theirs) == 3 and most_in_a_week(theirs) == LIMIT
    assert abs(theirs[1] - theirs[0] - timedelta(days=1)) < timedelta(minutes=1)
    assert abs(theirs[2] - theirs[0] - WEEK) < timedelta(minutes=1)
    assert len([e for e in matters.rec.events if e.kind == "contact_deferred" and e.matter_id == other.id[7:]]) == 1


async def test_logged_calls_count_and_a_message_waiting_for_the_budget_is_dropped_when_the_matter_closes(env, matters):  # type: ignore[no-untyped-def]
    a = await begin(matters)
    b = await begin(matters)
    await env.sleep(timedelta(hours=1))
    for n in (1, 2):
        r = await a.execute_update(UPDATE_CONTACT, ContactCommand(
            contact_id=f"CALL{n}", channel="phone", outcome="no_answer", actor="clerk-1"), result_type=ContactResult)
        assert not r.duplicate
    # A third attempt that day (a visit, on the other matter) breaks the limit: recorded, and the history says so.
    await b.execute_update(UPDATE_CONTACT, ContactCommand(
        contact_id="CALL3", channel="visit", outcome="reached", actor="clerk-2"), result_type=ContactResult)
    # (Whichever of the three was counted last is the one over the limit: the matters count them concurrently.)
    over = await eventually(lambda: [e for e in matters.rec.events if e.kind == "contact_over_limit"])
    assert len(over) == 1 and over[0].data["attempts_in_7_days"] == 3 and "over the limit of 2" in over[0].summary
    # Day 1's SMS on both matters must wait until the calls are 7 days old.
    await env.sleep(timedelta(days=2))
    deferred = await eventually(lambda: [e for e in matters.rec.events if e.kind == "contact_deferred"])
    assert {e.matter_id for e in deferred} == {a.id[7:], b.id[7:]}
    assert all("deferred to" in e.summary and "leaves the 7-day window" in e.summary for e in deferred)
    assert not sent_at(matters, [a.id, b.id])
    # Matter b is paid off while its SMS waits: the SMS is never sent.
    await pay_off(env, b, "P1")
    await eventually(lambda: any(e.kind == "contact_skipped" and e.matter_id == b.id[7:]
                                 and "closed before it could be sent" in e.summary for e in matters.rec.events))
    await env.sleep(timedelta(days=20))
    sent_b = [e for e in matters.rec.events if e.matter_id == b.id[7:] and e.kind in ("sms", "email")]
    assert not sent_b
    mine = sent_at(matters, [a.id])
    assert len(mine) == 3
    calls = min(e.occurred_at for e in matters.rec.events if e.kind == "contact_logged").astimezone(UTC)
    assert mine[0] >= calls + WEEK - timedelta(minutes=1)  # (the calls' times are the updates' times)
    assert (await snap(a)).stage in ("reminders", "negotiation", "legal_review")


async def test_a_message_waiting_for_the_budget_waits_for_a_hold_too_and_asks_again_when_it_ends(env, matters):  # type: ignore[no-untyped-def]
    from tests.workflows.test_holds import hold, release

    h = await begin(matters)
    await env.sleep(timedelta(hours=1))
    for n in (1, 2):
        await h.execute_update(UPDATE_CONTACT, ContactCommand(
            contact_id=f"CALL{n}", channel="phone", outcome="no_answer", actor="clerk-1"), result_type=ContactResult)
    await env.sleep(timedelta(days=2))
    first = await eventually(lambda: [e for e in matters.rec.events if e.kind == "contact_deferred"])
    until = datetime.fromisoformat(first[0].data["until"])
    await hold(h, "H1")
    await env.sleep(until - await env.get_current_time() + timedelta(days=3))  # past the moment it was given
    assert not sent_at(matters, [h.id])
    lifted = await release(h, "H1")
    assert not lifted.held
    await eventually(lambda: sent_at(matters, [h.id]), seconds=20)
    sms = sent_at(matters, [h.id])[0]
    ended = next(e.occurred_at for e in matters.rec.events if e.kind == "hold_ended")
    assert sms >= ended  # not during the hold; asked again when it ended (the calls are 7 days old by then)
    assert len([e for e in matters.rec.events if e.kind == "contact_deferred"]) == 1


async def test_a_step_the_contact_hours_move_says_so_in_its_name_and_goes_at_eight(env, matters):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    await env.sleep(timedelta(hours=12))  # 14:00 UTC: 22:00 in Shanghai, after the contact hours
    h = await matters.start("standard")
    await env.sleep(timedelta(minutes=5))
    s = (await snap(h)).status
    assert s is not None and s.next_step is not None
    assert s.next_step.name == "first SMS reminder (moved into the contact hours 08:00-21:00 Asia/Shanghai)"
    local = s.next_step.at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local.hour, local.minute) == (8, 0)
