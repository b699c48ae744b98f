"""Each guarantor's guarantee period in the matter's status and deadlines, with warnings on the time-skipping
server (patch "guarantee-periods"): it runs from the main debt's due date (here: the day the acceleration
notice reached the borrower, the contract naming no maturity), as agreed or six months (Civil Code art.
692); the team is warned before its last day; a general guarantor is held once the debtor is sued within
it (art. 693), so its period is no longer one to act within."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from domain.deadlines import add_period
from domain.proceedings import Filed
from tests.factories import intake_data
from tests.workflows.harness import eventually, snap
from tests.workflows.test_proceedings import _child_up, record, referred_and_accepted, start_proceeding
from workflows.contracts import (
    UPDATE_ACCELERATE,
    UPDATE_SERVED,
    AccelerateCommand,
    AccelerationResult,
    ServedCommand,
)

GUARANTORS = [
    {"name": "李娜", "id_number": "110105198202022345", "guarantee_type": "joint_and_several"},
    {"name": "王强", "id_number": "310101197706124418"},  # the contract does not say: general (art. 686(2))
]


async def status_today(env: Any, h: Any) -> tuple[Any, date]:
    s = (await snap(h)).status
    assert s is not None
    return s, s.policy_today(await env.get_current_time())


async def test_the_periods_run_from_the_acceleration_warn_and_a_suit_holds_the_general_guarantor(env, matters):  # type: ignore[no-untyped-def]
    contract = {**intake_data()["contract"], "principal_not_due": {"amount": "150000.00", "currency": "CNY"}}
    h = await referred_and_accepted(env, matters, contract=contract, guarantors=GUARANTORS)
    s, today = await status_today(env, h)
    assert s.guarantees == ()  # no maturity on record, not accelerated: the periods cannot be said yet
    await h.execute_update(UPDATE_ACCELERATE, AccelerateCommand(clause="第十二条", actor="manager-1"),
                           result_type=AccelerationResult)
    await env.sleep(timedelta(days=1))
    s, today = await status_today(env, h)
    await h.execute_update(UPDATE_SERVED, ServedCommand(delivered_on=today, method="courier"),
                           result_type=AccelerationResult)
    s, _ = await status_today(env, h)
    joint, general = s.guarantees
    assert joint.name == "guarantee period: guarantor 1 (joint and several)" and joint.runs_from == today
    assert joint.last_day == joint.ends_on == add_period(today, months=6)
    assert general.name == "guarantee period: guarantor 2 (general)" and "against the debtor" in general.rule

    # The debtor sued within the period: the general guarantor is held; the joint one still needs a demand.
    r = await start_proceeding(h, "p1", firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))
    await record(env, r.workflow_id, "f", Filed(on=today, body="Huangpu District People's Court", case_number="C-1"))

    async def only_the_joint() -> bool:
        got = (await snap(h)).status
        return got is not None and [d.name for d in got.guarantees or ()] == [joint.name]

    await eventually(only_the_joint)

    # Warned 60, 30 and 7 days before its last day, once each, counting to the day itself.
    _, now = await status_today(env, h)
    await env.sleep(timedelta(days=(joint.last_day - timedelta(days=60) - now).days + 1))
    warned = [e for e in matters.rec.events if e.kind == "guarantee_period_warning"]
    assert [e.data["days_left"] for e in warned] == [60] and "guarantor 1" in warned[0].summary
    await env.sleep(timedelta(days=60))
    warned = [e.data["days_left"] for e in matters.rec.events if e.kind == "guarantee_period_warning"]
    assert warned == [60, 30, 7], warned
    s, now = await status_today(env, h)
    # Over: nothing left to act within (a reader drops what its own today has passed: the status is as of
    # the workflow's last task).
    assert now > joint.last_day and [d for d in s.guarantees if d.last_day >= now] == []
