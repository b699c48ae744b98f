"""The application for enforcement drafted from the record on the time-skipping server: refused while the time to
perform runs, then made with the decision's facts, what the court distributed deducted and the doubled interest
for the delay counted to the day on what was unpaid; the debtor's part payment starts the two years to apply
again (CPL art. 250), so an application that would have been late is not, and one after them is said late."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.deadlines import add_period
from domain.enforcement import delay_interest
from domain.money import Money
from domain.proceedings import Decided, EnforcementFiled, Filed, ProceedsDistributed
from tests.factories import intake_data
from tests.workflows.harness import eventually, pay, snap
from tests.workflows.test_enforcement import CLAUSE
from tests.workflows.test_guarantee_periods import status_today
from tests.workflows.test_proceedings import _child_up, record, referred_and_accepted, start_proceeding
from workflows.children import DraftEnforcementCommand, DraftEnforcementResult, EnforcedAsset, FilingParticulars
from workflows.contracts import (
    ERR_INVALID,
    ERR_KEY_REUSED,
    ERR_STAGE,
    QUERY_PROCEEDING,
    UPDATE_DRAFT_ENFORCEMENT,
    ProceedingSnapshot,
)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def draft(draft_id: str, **kw: Any) -> DraftEnforcementCommand:
    borrower = FilingParticulars(gender="male", born_on=date(1980, 1, 1), ethnicity="汉族")
    fields: dict[str, Any] = {"court": "上海市第一中级人民法院", **kw}
    return DraftEnforcementCommand(draft_id=draft_id, number=1, representative="陈立新", contact_person="王敏",
                                   contact_phone="021-6328 8126", borrower=borrower, firm="firm-a",
                                   actor="partner-a", **fields)


async def test_the_application_is_drafted_from_the_effective_award_with_the_delay_interest(env, matters):  # type: ignore[no-untyped-def]
    h = await referred_and_accepted(env, matters, contract={**intake_data()["contract"], "dispute": CLAUSE})
    r = await start_proceeding(h, "p1", firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))
    _, awarded = await status_today(env, h)
    await record(env, r.workflow_id, "f", Filed(on=awarded, body="上海仲裁委员会", case_number="(2027)沪仲字第1号"))
    await record(env, r.workflow_id, "d", Decided(on=awarded, decision="award", amount=cny("19518.00"),
                                                  costs=cny("359.16"), performance_days=10))
    with pytest.raises(WorkflowUpdateFailedError) as err:  # the time to perform still runs
        await h.execute_update(UPDATE_DRAFT_ENFORCEMENT, draft("x"), result_type=DraftEnforcementResult)
    assert err.value.cause.type == ERR_STAGE and "time to perform runs" in str(err.value.cause)  # type: ignore[union-attr]

    await env.sleep(timedelta(days=20))
    _, today = await status_today(env, h)
    await record(env, r.workflow_id, "e1", EnforcementFiled(
        on=today, court="上海市第一中级人民法院", case_number="E-1"))
    await record(env, r.workflow_id, "pr", ProceedsDistributed(on=today, gross=cny("3000.00"), costs=cny("0.00"),
                                                               to_creditor=cny("3000.00")))
    await eventually(lambda: any("proceeds of enforcement" in e.summary for e in matters.rec.events))
    await env.sleep(timedelta(days=5))
    _, drafted_on = await status_today(env, h)
    done = await h.execute_update(UPDATE_DRAFT_ENFORCEMENT, draft("d1", assets=[EnforcedAsset(
        asset=1, location="上海市车辆管理所登记")]), result_type=DraftEnforcementResult)
    assert not done.late and done.document_id.endswith("-enforcement-1-1-enforcement_application")
    again = await h.execute_update(UPDATE_DRAFT_ENFORCEMENT, draft("d1", assets=[EnforcedAsset(
        asset=1, location="上海市车辆管理所登记")]), result_type=DraftEnforcementResult)
    assert again.duplicate and again.document_id == done.document_id  # the same command: one application
    for cmd, kind, words in ((draft("d1", court="另一法院"), ERR_KEY_REUSED, "draft_id"),
                             (draft("d9", assets=[EnforcedAsset(asset=9, location="L")]), ERR_INVALID,
                              "assets.0.asset: the register holds")):
        with pytest.raises(WorkflowUpdateFailedError) as bad:
            await h.execute_update(UPDATE_DRAFT_ENFORCEMENT, cmd, result_type=DraftEnforcementResult)
        assert bad.value.cause.type == kind and words in str(bad.value.cause), bad.value.cause  # type: ignore[union-attr]
    job = await eventually(lambda: next((j for j in matters.rec.jobs if j.kind == "enforcement_application"), None))
    c: Any = job.context
    deadline = c.performance_deadline
    assert (c.judgment_date, c.effective_date, c.calculated_to) == (awarded, awarded, drafted_on)
    assert deadline >= awarded + timedelta(days=10) and c.instrument == "裁决书" and c.arbitral_award
    assert (c.judgment_amount, c.litigation_costs, c.paid) == (cny("19518.00"), cny("359.16"), cny("3000.00"))
    expected = delay_interest(cny("19877.16"), deadline, drafted_on, [(today, cny("3000.00"))])
    assert c.delay_interest == expected and expected.is_positive()
    assert c.total_to_enforce == cny("19877.16") + expected - cny("3000.00")  # to the cent
    assert [a.description for a in c.assets] == [intake_data()["assets"][0]["description"]]


async def test_the_debtor_s_part_payment_starts_the_two_years_to_apply_again(env, matters):  # type: ignore[no-untyped-def]
    h = await referred_and_accepted(env, matters, contract={**intake_data()["contract"], "dispute": CLAUSE})
    r = await start_proceeding(h, "p1", firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))
    _, awarded = await status_today(env, h)
    await record(env, r.workflow_id, "f", Filed(on=awarded, body="上海仲裁委员会", case_number="A-1"))
    await record(env, r.workflow_id, "d", Decided(on=awarded, decision="award", amount=cny("19518.00"),
                                                  performance_due_on=awarded))

    async def window() -> Any:
        got = await env.client.get_workflow_handle(r.workflow_id).query(QUERY_PROCEEDING,
                                                                          result_type=ProceedingSnapshot)
        return next((d for d in got.deadlines if d.name == "enforcement application"), None)

    before = await eventually(window)
    assert before.runs_from == awarded and before.last_day == add_period(awarded, years=2)
    await env.sleep(timedelta(days=100))
    _, paid_on = await status_today(env, h)
    await pay(h, "part", "500.00", received_on=paid_on)

    async def moved() -> Any:
        d = await window()
        return d if d is not None and d.runs_from == paid_on else None

    after = await eventually(moved)
    assert after.last_day == add_period(paid_on, years=2) and "interrupted on" in after.source
    # Past the first two years, within the new ones: the application is in time.
    await env.sleep(timedelta(days=2 * 365 - 50))
    done = await h.execute_update(UPDATE_DRAFT_ENFORCEMENT, draft("d1"), result_type=DraftEnforcementResult)
    assert not done.late
    # Past those too: drafted all the same, and said late.
    await env.sleep(timedelta(days=120))
    late = await h.execute_update(UPDATE_DRAFT_ENFORCEMENT, draft("d2"), result_type=DraftEnforcementResult)
    assert late.late and (await snap(h)).stage == "litigation"
    await eventually(lambda: len([j for j in matters.rec.jobs if j.kind == "enforcement_application"]) == 2)
    assert [j.context.late for j in matters.rec.jobs if j.kind == "enforcement_application"] == [False, True]


async def test_the_enforcement_window_ending_on_a_holiday_runs_to_the_next_working_day_then_is_late(
        env: Any) -> None:
    import uuid

    from temporalio.worker import UnsandboxedWorkflowRunner, Worker

    from domain.dates import PolicyClock
    from domain.deadlines import RestDays
    from tests.workflows.test_proceedings import ReportSink
    from workflows.children import (
        ChildReport,
        DebtorPaid,
        ProceedingEventCommand,
        ProceedingEventResult,
        ProceedingInput,
    )
    from workflows.contracts import SIGNAL_PROCEEDING_PAID, UPDATE_PROCEEDING_EVENT
    from workflows.proceeding import ProceedingWorkflow

    queue = f"q-{uuid.uuid4()}"
    now = await env.get_current_time()
    clock = PolicyClock.start(now, "Asia/Shanghai", 86400)
    today = clock.today(now)
    due = today + timedelta(days=5)
    last = add_period(due, years=2)
    holidays = frozenset({last, last + timedelta(days=1)})  # the window's last day falls in a festival
    calendar = RestDays(jurisdiction="T", first_year=2020, last_year=2035, holidays=holidays,
                        source="weekends and a festival (test)")
    expected = last + timedelta(days=2)
    while expected.weekday() >= 5:
        expected += timedelta(days=1)

    async def case(n: int) -> Any:
        child = await env.client.start_workflow(
            ProceedingWorkflow.run, ProceedingInput(matter_id="m", number=n, forum="arbitration", firm="firm-a",
                                                    parent_workflow_id=sink.id, clock=clock, started_on=today,
                                                    rest_days=calendar),
            id=f"matter-m-{uuid.uuid4().hex[:6]}/proceeding-{n}", task_queue=queue)
        for event_id, event in (("f", Filed(on=today, body="上海仲裁委员会", case_number=f"A-{n}")),
                                ("d", Decided(on=today, decision="award", amount=cny("100.00"),
                                              performance_due_on=due))):
            done = await child.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(
                event_id=event_id, event=event, actor="partner-a"), result_type=ProceedingEventResult)
        return child, done.snapshot

    async def file(child: Any, on: Any) -> str:
        done = await child.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(
            event_id="e", event=EnforcementFiled(on=on, court="C", case_number="E"), actor="partner-a"),
            result_type=ProceedingEventResult)
        assert done.snapshot.deadlines == ()  # applied for: the window is used

        async def said() -> Any:
            got = await sink.query("reports", result_type=list[ChildReport])
            return next((r.summary for r in got if r.workflow_id == child.id and "Enforcement applied" in r.summary),
                        None)

        return str(await eventually(said))

    async with Worker(env.client, task_queue=queue, workflows=[ReportSink, ProceedingWorkflow],
                      workflow_runner=UnsandboxedWorkflowRunner()):
        sink = await env.client.start_workflow("ReportSink", id=f"sink-{uuid.uuid4()}", task_queue=queue)
        in_time, snap1 = await case(1)
        late, _ = await case(2)
        paid, _ = await case(3)
        window = next(d for d in snap1.deadlines if d.name == "enforcement application")
        assert (window.last_day, window.ends_on, window.moved) == (last, expected, True)
        # The third: the debtor paid part a year in; its window runs from that day.
        await env.sleep(timedelta(days=365))
        paid_on = clock.today(await env.get_current_time())
        await paid.signal(SIGNAL_PROCEEDING_PAID, DebtorPaid(payment_id="p", on=paid_on))
        await env.sleep(timedelta(days=(expected - paid_on).days))
        on = clock.today(await env.get_current_time())
        assert on == expected
        assert "late" not in await file(in_time, on)  # the moved last day: in time
        await env.sleep(timedelta(days=1))
        after = clock.today(await env.get_current_time())
        assert "late: the two years to apply (CPL art. 250) had ended" in await file(late, after)
        assert "late" not in await file(paid, after)  # started again by the part payment
        for child in (in_time, late, paid):
            await child.cancel()
        try:
            await sink.terminate("test over")
        except Exception:  # (the test server may already have ended it)
            pass
