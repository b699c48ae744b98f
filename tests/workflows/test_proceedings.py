"""Suits and arbitrations on the time-skipping server: the matter starts its proceeding child (the forum
from the contract's dispute clause), the firm records the events, and the child's clocks run: hearing
reminders, the appeal window from service with the rest-day rule, the decision taking effect, then
performance and the enforcement window."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from temporalio import workflow
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from domain.dates import PolicyClock
from domain.deadlines import RestDays
from domain.money import Money
from domain.proceedings import Appealed, Decided, Filed, Hearing, Preserved, Served
from tests.factories import intake_data
from tests.workflows.harness import eventually, snap
from tests.workflows.test_matter import FIRM_ON_RECORD, answer, decide, mid
from workflows.contracts import (
    ERR_FORBIDDEN,
    ERR_INVALID,
    ERR_NOT_YOURS,
    ERR_STAGE,
    QUERY_PROCEEDING,
    SIGNAL_CHILD_REPORT,
    UPDATE_DRAFT_FILING,
    UPDATE_DRAFT_PRESERVATION,
    UPDATE_PROCEEDING_EVENT,
    UPDATE_RECALL_REFERRAL,
    UPDATE_START_PROCEEDING,
    ChildReport,
    DraftFilingCommand,
    DraftFilingResult,
    DraftPreservationCommand,
    DraftPreservationResult,
    ProceedingEventCommand,
    ProceedingEventResult,
    ProceedingInput,
    ProceedingSnapshot,
    RecallCommand,
    RecallResult,
    StartProceedingCommand,
    StartProceedingResult,
    proceeding_workflow_id,
)
from workflows.proceeding import ProceedingWorkflow

WEEKENDS_ONLY = RestDays(jurisdiction="T", first_year=2020, last_year=2035, source="weekends only (test)")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


async def start_proceeding(h: Any, pid: str, **kw: Any) -> StartProceedingResult:
    return await h.execute_update(UPDATE_START_PROCEEDING, StartProceedingCommand(proceeding_id=pid, actor="partner-a",
                                                                                  **kw),
                                  result_type=StartProceedingResult)


async def record(env: WorkflowEnvironment, wid: str, event_id: str, event: Any, firm: str | None = "firm-a"
                 ) -> ProceedingEventResult:
    return await env.client.get_workflow_handle(wid).execute_update(
        UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(event_id=event_id, event=event, firm=firm, actor="partner-a"),
        result_type=ProceedingEventResult)


async def referred_and_accepted(env: WorkflowEnvironment, matters: Any, **intake: Any) -> Any:
    # (Counted, not just seen: a test may refer more than one matter.)
    instructed, accepted = matters.rec.kinds().count("referral_instruction_sent"), matters.rec.kinds().count(
        "referral_accepted")
    h = await matters.start("standard", **({"intake": intake} if intake else {}))
    await env.sleep(timedelta(days=62))
    await decide(h, "d1", "escalate", firm="firm-a", firm_details=FIRM_ON_RECORD)
    await eventually(lambda: matters.rec.kinds().count("referral_instruction_sent") > instructed)
    await answer(env, mid(h), 1, "accept", firm="firm-a")
    await eventually(lambda: matters.rec.kinds().count("referral_accepted") > accepted)
    return h


async def test_the_forum_follows_the_dispute_clause_and_a_suit_against_it_needs_a_manager(env, matters):  # type: ignore[no-untyped-def]
    contract = {**intake_data()["contract"], "dispute": {"forum": "arbitration",
                                                          "institution": "Shanghai Arbitration Commission"}}
    h = await referred_and_accepted(env, matters, contract=contract)
    for kw, err_type, words in (
        ({"firm": "firm-b"}, ERR_NOT_YOURS, "not found"),
        ({"forum": "court", "firm": "firm-a"}, ERR_INVALID, "override_reason: the contract's dispute clause submits"),
        ({"forum": "court", "firm": "firm-a", "override_reason": "void"}, ERR_FORBIDDEN, "only a manager"),
        ({"appeal_of": 1, "firm": "firm-a"}, ERR_INVALID, "appeal_of: proceeding 1 has no appeal recorded"),
    ):
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await start_proceeding(h, f"bad-{uuid.uuid4().hex[:6]}", **kw)
        assert err.value.cause.type == err_type and words in str(err.value.cause), (kw, err.value.cause)  # type: ignore[union-attr]
    r = await start_proceeding(h, "p1", firm="firm-a")  # as the clause says: arbitration
    assert (r.number, r.forum, r.instance, r.stage) == (1, "arbitration", 1, "litigation")
    assert r.workflow_id == proceeding_workflow_id(mid(h), 1)
    assert (await start_proceeding(h, "p1", firm="firm-a")).duplicate
    with pytest.raises(WorkflowUpdateFailedError) as err:  # one case at a time
        await start_proceeding(h, "p2", forum="court", override_reason="the clause names no seat: void")
    assert err.value.cause.type == ERR_STAGE and "still open" in str(err.value.cause)  # type: ignore[union-attr]
    await eventually(lambda: "proceeding_started" in matters.rec.kinds())
    started = next(e for e in matters.rec.events if e.kind == "proceeding_started")
    assert "Arbitration (proceeding 1) started before Shanghai Arbitration Commission" in started.summary
    s = await snap(h)
    assert s.stage == "litigation" and s.status is not None and s.status.proceedings is not None
    assert s.status.proceedings[0].forum == "arbitration"
    # An arbitration decides by award; a judgment is refused by name.
    today = s.status.policy_today(await env.get_current_time())
    await eventually(lambda: _child_up(env, r.workflow_id))
    await record(env, r.workflow_id, "e1", Filed(on=today, body="Shanghai Arbitration Commission", case_number="A-1"))
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await record(env, r.workflow_id, "e2", Decided(on=today, decision="judgment"))
    assert err.value.cause.type == ERR_INVALID and "event.decision:" in str(err.value.cause)  # type: ignore[union-attr]
    with pytest.raises(WorkflowUpdateFailedError) as err:  # another firm's partner: no such proceeding
        await record(env, r.workflow_id, "e3", Hearing(on=today + timedelta(days=9)), firm="firm-b")
    assert err.value.cause.type == ERR_NOT_YOURS  # type: ignore[union-attr]
    with pytest.raises(WorkflowUpdateFailedError) as err:  # what has not happened is not recorded
        await record(env, r.workflow_id, "e4", Served(on=today + timedelta(days=1)))
    assert err.value.cause.type == ERR_INVALID and "after today" in str(err.value.cause)  # type: ignore[union-attr]
    award = Decided(on=today, decision="award", amount=cny("19518.00"), performance_due_on=today + timedelta(days=15))
    result = await record(env, r.workflow_id, "e5", award)
    assert result.snapshot.status == "effective" and result.snapshot.effective_on == today  # final when made
    await eventually(lambda: "decision_effective" in matters.rec.kinds())
    s = await snap(h)
    view = s.status.proceedings[0]  # type: ignore[index, union-attr]
    assert (view.status, view.case_number, view.effective_on) == ("effective", "A-1", today)


async def _child_up(env: WorkflowEnvironment, wid: str) -> bool:
    try:
        await env.client.get_workflow_handle(wid).query(QUERY_PROCEEDING, result_type=ProceedingSnapshot)
        return True
    except Exception:
        return False


async def test_a_suit_s_appeal_window_beyond_the_calendar_is_said_not_guessed(env, matters):  # type: ignore[no-untyped-def]
    h = await referred_and_accepted(env, matters)
    r = await start_proceeding(h, "p1", firm="firm-a")
    assert r.forum == "court"  # no clause: the court by law
    await eventually(lambda: _child_up(env, r.workflow_id))
    today = (await snap(h)).status.policy_today(await env.get_current_time())  # type: ignore[union-attr]
    await record(env, r.workflow_id, "f", Filed(on=today, body="Huangpu District People's Court", case_number="C-1"))
    await record(env, r.workflow_id, "d", Decided(on=today, decision="judgment", amount=cny("19518.00"),
                                                  performance_days=10))
    served = await record(env, r.workflow_id, "s", Served(on=today))
    [appeal] = served.snapshot.deadlines
    if appeal.ends_on is None:  # the holiday data does not cover the window's year (chinese-calendar 2004-2026)
        assert appeal.calendar_gap and served.snapshot.effective_on is None
        await eventually(lambda: any("cannot be counted" in e.summary for e in matters.rec.events))
    else:
        assert served.snapshot.effective_on == appeal.ends_on + timedelta(days=1)
    s = await snap(h)
    view = s.status.proceedings[0]  # type: ignore[index, union-attr]
    assert view.status == "decided" and view.body == "Huangpu District People's Court"
    # An appeal in time: the second instance is started against it, by a court.
    await record(env, r.workflow_id, "a", Appealed(on=today, by="debtor"))
    await eventually(lambda: any(p.status == "appealed" for p in (snap_cache(matters) or ())))
    r2 = await start_proceeding(h, "p2", firm="firm-a", appeal_of=1)
    assert (r2.number, r2.instance, r2.forum) == (2, 2, "court")


def snap_cache(matters: Any) -> Any:
    statuses = matters.rec.statuses()
    return statuses[-1].status.proceedings if statuses else None


# ---- the child's clocks, on a calendar that covers the years (weekends only) -----------------------

@workflow.defn(name="ReportSink")
class ReportSink:
    """A stand-in parent: keeps the reports its child sends."""

    def __init__(self) -> None:
        self.reports: list[ChildReport] = []

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.signal(name=SIGNAL_CHILD_REPORT)
    def report(self, report: ChildReport) -> None:
        self.reports.append(report)

    @workflow.query(name="reports")
    def kept(self) -> list[ChildReport]:
        return self.reports


async def test_hearing_reminders_and_the_appeal_window_run_on_timers(env: WorkflowEnvironment) -> None:
    queue = f"q-{uuid.uuid4()}"
    now = await env.get_current_time()
    clock = PolicyClock.start(now, "Asia/Shanghai", 86400)
    today = clock.today(now)
    # (Unsandboxed: the stand-in parent lives in this test module; the child's code is the same either way.)
    async with Worker(env.client, task_queue=queue, workflows=[ReportSink, ProceedingWorkflow],
                      workflow_runner=UnsandboxedWorkflowRunner()):
        sink = await env.client.start_workflow("ReportSink", id=f"sink-{uuid.uuid4()}", task_queue=queue)
        child = await env.client.start_workflow(
            ProceedingWorkflow.run,
            ProceedingInput(matter_id="m", number=1, forum="court", firm="firm-a", firm_name="Firm A LLP",
                            parent_workflow_id=sink.id, clock=clock, started_on=today, rest_days=WEEKENDS_ONLY),
            id=f"matter-m-{uuid.uuid4().hex[:6]}/proceeding-1", task_queue=queue)

        async def reports() -> list[ChildReport]:
            got: list[ChildReport] = await sink.query("reports", result_type=list[ChildReport])
            return got

        async def ev(event_id: str, event: Any) -> ProceedingEventResult:
            return await child.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(
                event_id=event_id, event=event, actor="partner-a"), result_type=ProceedingEventResult)

        await ev("f", Filed(on=today, body="Court", case_number="C-7"))
        hearing_on = today + timedelta(days=10)
        await ev("h", Hearing(on=hearing_on, place="Court room 3"))
        await env.sleep(timedelta(days=6))
        assert not [r for r in await reports() if r.kind == "hearing_soon"]
        await env.sleep(timedelta(days=2))  # 3 days before it
        soon = await eventually(lambda: _kinds(reports, "hearing_soon"))
        assert "Court room 3" in soon[0].summary and "day(s) away" in soon[0].summary
        decided_on = clock.today(await env.get_current_time())
        await ev("d", Decided(on=decided_on, decision="judgment", amount=cny("100.00"), performance_days=10))
        served = await ev("s", Served(on=decided_on))
        [appeal] = served.snapshot.deadlines
        assert appeal.ends_on is not None and appeal.ends_on.weekday() < 5
        assert appeal.last_day == decided_on + timedelta(days=15)
        effective = appeal.ends_on + timedelta(days=1)
        assert served.snapshot.status == "decided" and served.snapshot.effective_on == effective
        await env.sleep(timedelta(days=(effective - decided_on).days - 1))
        assert not [r for r in await reports() if r.kind == "effective"]  # the window still runs
        await env.sleep(timedelta(days=2))
        [done] = await eventually(lambda: _kinds(reports, "effective"))
        assert effective.isoformat() in done.summary and "performance due by" in done.summary
        snap_ = await child.query(QUERY_PROCEEDING, result_type=ProceedingSnapshot)
        assert snap_.status == "effective"
        assert [d.name for d in snap_.deadlines] == ["performance", "enforcement application"]
        assert len([r for r in await reports() if r.kind == "effective"]) == 1
        await child.cancel()
        closed = await child.result()
        assert closed.status == "closed"
        await eventually(lambda: _kinds(reports, "closed"))
        try:
            await sink.terminate("test over")
        except Exception:  # (the test server may already have ended it)
            pass


async def _kinds(reports: Any, kind: str) -> list[ChildReport]:
    return [r for r in await reports() if r.kind == kind]



async def test_the_30_days_to_file_after_pre_suit_preservation_warn_then_lapse(env: WorkflowEnvironment) -> None:
    queue = f"q-{uuid.uuid4()}"
    now = await env.get_current_time()
    clock = PolicyClock.start(now, "Asia/Shanghai", 86400)
    today = clock.today(now)
    async with Worker(env.client, task_queue=queue, workflows=[ReportSink, ProceedingWorkflow],
                      workflow_runner=UnsandboxedWorkflowRunner()):
        sink = await env.client.start_workflow("ReportSink", id=f"sink-{uuid.uuid4()}", task_queue=queue)

        async def child_with(n: int) -> Any:
            return await env.client.start_workflow(
                ProceedingWorkflow.run,
                ProceedingInput(matter_id="m", number=n, forum="court", firm="firm-a", parent_workflow_id=sink.id,
                                clock=clock, started_on=today, rest_days=WEEKENDS_ONLY, preservation_warn_days=(5, 2)),
                id=f"matter-m-{uuid.uuid4().hex[:6]}/proceeding-{n}", task_queue=queue)

        lapsing, filing = await child_with(1), await child_with(2)

        async def reports(kind: str, n: int) -> list[ChildReport]:
            got = await sink.query("reports", result_type=list[ChildReport])
            return [r for r in got if r.kind == kind and r.number == n]

        def preserved(on: Any) -> Preserved:
            return Preserved(on=on, pre_suit=True, court="Huangpu District People's Court", ruling_number="B-1",
                             amount=cny("19518.00"), measures="deposits frozen", security="given",
                             security_detail="insurer's guarantee PICC-1 for CNY 19,518.00")

        for child in (lapsing, filing):
            r = await child.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(
                event_id="p", event=preserved(today), actor="partner-a"), result_type=ProceedingEventResult)
        [suit] = r.snapshot.deadlines
        assert suit.name == "suit after pre-suit preservation" and suit.ends_on is not None
        end = suit.ends_on
        assert suit.last_day == today + timedelta(days=30) and end.weekday() < 5
        await env.sleep(timedelta(days=(suit.last_day - today).days - 6))
        assert not await reports("preservation_due", 1)
        await env.sleep(timedelta(days=2))  # 5 days before the last day
        [first] = await eventually(lambda: reports("preservation_due", 1))
        assert end.isoformat() in first.summary and "art. 104" in first.summary
        # The other one files in time: its warnings stop, its deadline goes.
        filed_on = clock.today(await env.get_current_time())
        done = await filing.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(
            event_id="f", event=Filed(on=filed_on, body="Court", case_number="C-8"), actor="partner-a"),
            result_type=ProceedingEventResult)
        assert done.snapshot.deadlines == ()
        await env.sleep(timedelta(days=(end - filed_on).days + 2))
        lapsed = await eventually(lambda: reports("preservation_lapsed", 1))
        assert len(lapsed) == 1 and "lift" in lapsed[0].summary and end.isoformat() in lapsed[0].summary
        assert len(await reports("preservation_due", 1)) == 2  # 5 and 2 days before
        assert len(await reports("preservation_due", 2)) == 1 and not await reports("preservation_lapsed", 2)
        for child in (lapsing, filing):
            await child.cancel()
        try:
            await sink.terminate("test over")
        except Exception:  # (the test server may already have ended it)
            pass


async def test_a_filing_interrupts_limitation_until_the_proceeding_ends(env, matters):  # type: ignore[no-untyped-def]
    h = await referred_and_accepted(env, matters)
    before = (await snap(h)).status.limitation  # type: ignore[union-attr]
    assert before is not None and "filing" not in before.source
    r = await start_proceeding(h, "p1", firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))
    today = (await snap(h)).status.policy_today(await env.get_current_time())  # type: ignore[union-attr]
    await record(env, r.workflow_id, "f", Filed(on=today, body="Huangpu District People's Court", case_number="C-9"))

    async def interrupted() -> Any:
        d = (await snap(h)).status.limitation  # type: ignore[union-attr]
        return d if d is not None and "case C-9" in d.source else None

    d = await eventually(interrupted)
    assert d.runs_from == today and "suit or arbitration was filed" in d.source
    assert "runs again from the day the proceeding ends" in d.source
    assert d.last_day == today.replace(year=today.year + 3)


# ---- the filing drafted from the record --------------------------------------------------------------

def draft(number: int = 1, draft_id: str = "dr1", **kw: Any) -> DraftFilingCommand:
    body: dict[str, Any] = {
        "draft_id": draft_id, "number": number, "representative": "王建国", "contact_person": "李敏",
        "contact_phone": "010-88880001", "borrower": {"gender": "male", "born_on": "1980-01-01", "ethnicity": "汉族"},
        "guarantors": [{"gender": "female", "born_on": "1982-02-02", "ethnicity": "汉族"}],
        "court": "北京市朝阳区人民法院",
        "agents": [{"name": "陈静", "licence_number": "13101200910187654"}], "firm": "firm-a", "actor": "partner-a",
        **kw}
    return DraftFilingCommand.model_validate(body)


async def test_the_firm_drafts_the_complaint_and_power_of_attorney_from_the_record(env, matters):  # type: ignore[no-untyped-def]
    contract = {**intake_data()["contract"], "penalty_rate": "0.072"}
    h = await referred_and_accepted(env, matters, contract=contract)
    r = await start_proceeding(h, "p1", firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))
    for bad, field in ((draft(court=None), "court: name the people's court"),
                       (draft(guarantors=[]), "guarantors: 0 given for the 1 guarantor(s)"),
                       (draft(borrower={"ethnicity": "汉族"}), "borrower.id_number: its check digit is wrong"),
                       (draft(borrower={"gender": "male", "born_on": "1980-01-01"}),
                        "borrower.ethnicity: give the ethnicity"),
                       (draft(borrower={"nationality": "British"}), "borrower.gender: required, with born_on"),
                       (draft(agents=[]), "agents: the power of attorney"), (draft(number=7), "proceeding not found"),
                       (draft(firm="firm-b"), "proceeding not found")):
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await h.execute_update(UPDATE_DRAFT_FILING, bad, result_type=DraftFilingResult)
        assert field in str(err.value.cause), (field, err.value.cause)
    done = await h.execute_update(UPDATE_DRAFT_FILING, draft(), result_type=DraftFilingResult)
    assert done.kind == "civil_complaint" and len(done.documents) == 2 and not done.duplicate
    again = await h.execute_update(UPDATE_DRAFT_FILING, draft(), result_type=DraftFilingResult)
    assert again.duplicate and again.documents == done.documents
    with pytest.raises(WorkflowUpdateFailedError):  # the same id for another body
        await h.execute_update(UPDATE_DRAFT_FILING, draft(representative="赵六"), result_type=DraftFilingResult)
    try:
        await eventually(lambda: {"civil_complaint", "power_of_attorney"} <= {j.kind for j in matters.rec.jobs})
    except AssertionError:
        raise AssertionError([e.summary for e in matters.rec.events][-8:]) from None
    [bundle] = [b for b in matters.rec.bundles if b.prefix == "P"]
    assert bundle.reference == done.evidence_reference and bundle.number == 1
    complaint = next(j for j in matters.rec.jobs if j.kind == "civil_complaint")
    assert complaint.document_id == done.documents[0]
    ctx: Any = complaint.context
    assert ctx.evidence_catalog_reference == done.evidence_reference and ctx.evidence_count == 3
    assert ctx.court == "北京市朝阳区人民法院" and ctx.representative_title == "负责人"
    assert ctx.calculated_to == ctx.letter_date and ctx.total == ctx.balance.total
    assert ctx.demands_on and all(d >= ctx.overdue_since for d in ctx.demands_on)  # the notice and reminders
    poa: Any = next(j for j in matters.rec.jobs if j.kind == "power_of_attorney").context
    assert poa.agents[0].name == "陈静" and poa.agents[0].law_firm == "Firm A LLP" and poa.court == ctx.court
    # Once filed, the filing is not drafted again.
    today = ctx.letter_date
    await record(env, r.workflow_id, "f", Filed(on=today, body="北京市朝阳区人民法院", case_number="C-1"))
    await eventually(lambda: any(p.status == "filed" for p in (snap_cache(matters) or ())))
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await h.execute_update(UPDATE_DRAFT_FILING, draft(draft_id="dr2"), result_type=DraftFilingResult)
    assert "drafted before it is filed" in str(err.value.cause)


async def test_an_arbitration_s_application_comes_with_a_power_of_attorney_for_the_lawyers_named(env, matters):  # type: ignore[no-untyped-def]
    clause = {"forum": "arbitration", "institution": "北京仲裁委员会", "article": "第二十条",
              "text": "因本合同引起的争议，提交北京仲裁委员会仲裁。"}
    contract = {**intake_data()["contract"], "penalty_rate": "0.072", "dispute": clause}
    h = await referred_and_accepted(env, matters, contract=contract)
    r = await start_proceeding(h, "p1", firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))
    done = await h.execute_update(UPDATE_DRAFT_FILING, draft(court=None, guarantors=[]), result_type=DraftFilingResult)
    assert done.kind == "arbitration_application" and len(done.documents) == 2, done
    await eventually(lambda: {"arbitration_application", "power_of_attorney"} <= {j.kind for j in matters.rec.jobs})
    poa: Any = next(j for j in matters.rec.jobs if j.kind == "power_of_attorney").context
    assert poa.forum == "arbitration" and poa.court == "北京仲裁委员会" and poa.agents[0].law_firm == "Firm A LLP"
    alone = await h.execute_update(UPDATE_DRAFT_FILING, draft(draft_id="dr2", court=None, guarantors=[], agents=[]),
                                   result_type=DraftFilingResult)
    assert alone.documents == [done.documents[0].replace("filing-1-1", "filing-1-2")], alone  # no lawyers: no POA


async def test_a_recall_during_the_suit_hands_the_case_to_the_next_firm(env, matters):  # type: ignore[no-untyped-def]
    h = await referred_and_accepted(env, matters)
    r = await start_proceeding(h, "p1", firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))
    today = (await snap(h)).status.policy_today(await env.get_current_time())  # type: ignore[union-attr]
    await record(env, r.workflow_id, "f", Filed(on=today, body="Huangpu District People's Court", case_number="C-2"))
    recalled = await h.execute_update(UPDATE_RECALL_REFERRAL, RecallCommand(
        recall_id="rc1", reason="the firm missed a hearing", actor="manager-1"), result_type=RecallResult)
    assert recalled.stage == "legal_review" and recalled.firm == "firm-a"
    s = await snap(h)
    assert s.status.proceedings[0].firm == ""  # type: ignore[index, union-attr]

    async def acting(firm: str) -> bool:
        got = await env.client.get_workflow_handle(r.workflow_id).query(QUERY_PROCEEDING,
                                                                         result_type=ProceedingSnapshot)
        return got.firm == firm

    await eventually(lambda: acting(""))
    with pytest.raises(WorkflowUpdateFailedError) as err:  # the recalled firm: the case does not exist for it
        await record(env, r.workflow_id, "h1", Hearing(on=today + timedelta(days=20)), firm="firm-a")
    assert err.value.cause.type == ERR_NOT_YOURS  # type: ignore[union-attr]
    firm_b = FIRM_ON_RECORD.model_copy(update={"id": "firm-b", "name": "Firm B LLP"})
    await decide(h, "d2", "escalate", firm="firm-b", firm_details=firm_b)
    await eventually(lambda: matters.rec.kinds().count("referral_instruction_sent") == 2)
    await answer(env, mid(h), 2, "accept", firm="firm-b")
    await eventually(lambda: acting("firm-b"))
    s = await snap(h)
    assert s.stage == "litigation" and s.status.proceedings[0].firm == "firm-b"  # type: ignore[index, union-attr]
    done = await record(env, r.workflow_id, "h2", Hearing(on=today + timedelta(days=20)), firm="firm-b")
    assert [e.kind for e in done.snapshot.proceeding.events] == ["filed", "hearing"]
    words = [e.summary for e in matters.rec.events if e.kind == "proceeding_counsel"]
    assert words == ["Proceeding 1: no firm acts in it until another firm takes the matter",
                     "Proceeding 1: Firm B LLP takes the case over"], words
    with pytest.raises(WorkflowUpdateFailedError):  # still one case at a time: the new firm continues this one
        await start_proceeding(h, "p2", firm="firm-b")


async def a_filed_suit(env: WorkflowEnvironment, matters: Any, pid: str = "p1",
                       case: str = "C-1") -> tuple[Any, StartProceedingResult, date, Any]:
    """A matter referred and accepted, its suit started and filed today: (handle, start, today, its status)."""
    h = await referred_and_accepted(env, matters)
    r = await start_proceeding(h, pid, firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))
    s = (await snap(h)).status
    assert s is not None
    today = s.policy_today(await env.get_current_time())
    await record(env, r.workflow_id, "f", Filed(on=today, body="Huangpu District People's Court", case_number=case))
    return h, r, today, s


async def test_a_settlement_during_the_suit_closes_the_case_kept_or_lets_it_go_on_breached(env, matters):  # type: ignore[no-untyped-def]
    from tests.workflows.test_arrangements import decide as approve
    from tests.workflows.test_arrangements import pay, propose, settlement_terms, sign

    for kept in (False, True):
        h, r, today, s = await a_filed_suit(env, matters, f"p-{kept}", f"C-{kept}")
        stmt = s.statement(today)
        assert stmt is not None
        terms = settlement_terms(today, balance_total=stmt.balance.total.amount)
        await propose(h, "S1", "settlement", terms)
        await approve(h, "S1", "manager-2")
        signed = await sign(h, "S1", today)
        assert signed.stage == "amendment" and signed.arrangement.status == "effective"
        if kept:
            first, second = (Money.model_validate(i["amount"]) for i in terms["instalments"])
            await pay(h, "I1", str(first.amount), received_on=today)
            done = await pay(h, "I2", str(second.amount), received_on=today)
            assert done.closed and done.stage == "closed"
            # The case closes with the matter (settled): its record is closed, nobody records in it.
            await eventually(lambda: "proceeding_closed" in matters.rec.kinds())
            got = await env.client.get_workflow_handle(r.workflow_id).query(QUERY_PROCEEDING,  # noqa: B023
                                                                            result_type=ProceedingSnapshot)
            assert got.status == "closed"
        else:
            await env.sleep(timedelta(days=34))  # instalment 1 unpaid past its grace
            s = (await snap(h)).status
            assert s is not None and s.stage == "litigation" and s.arrangement is not None
            assert s.arrangement.status == "breached"
            assert any(e.kind == "case_continues" for e in matters.rec.events)
            await record(env, r.workflow_id, "h", Hearing(on=today + timedelta(days=50)))  # the case goes on


async def test_a_court_mediation_makes_its_approved_settlement_effective_kept_or_breached(env, matters):  # type: ignore[no-untyped-def]
    """A mediation agreement ends the suit through the settlement path: the settlement it records takes effect
    when the agreement is signed for, is kept (the matter closes settled, the case with it) or breached (the
    agreement is enforceable: the case goes on, in litigation)."""
    from tests.workflows.test_arrangements import decide as approve
    from tests.workflows.test_arrangements import pay, propose, settlement_terms

    for kept in (True, False):
        effective, closed = (matters.rec.kinds().count(k) for k in ("arrangement_effective", "proceeding_closed"))
        h, r, today, s = await a_filed_suit(env, matters, f"m-{kept}", f"M-{kept}")
        stmt = s.statement(today)
        assert stmt is not None
        terms = settlement_terms(today, balance_total=stmt.balance.total.amount)
        await propose(h, "S1", "settlement", terms)
        await approve(h, "S1", "manager-2")
        first, second = (Money.model_validate(i["amount"]) for i in terms["instalments"])
        await record(env, r.workflow_id, "d", Decided(on=today, decision="mediation", amount=first + second,
                                                      proposal_id="S1"))
        s = (await snap(h)).status
        assert s is not None and s.stage == "litigation" and s.arrangement is not None
        assert s.arrangement.status == "approved"  # not in effect until the agreement is signed for
        await record(env, r.workflow_id, "sv", Served(on=today))
        await eventually(lambda: matters.rec.kinds().count("arrangement_effective") > effective)  # noqa: B023
        s = (await snap(h)).status
        assert s is not None and s.stage == "amendment" and s.arrangement is not None
        assert s.arrangement.status == "effective" and s.arrangement.signed_on == today
        words = [e.summary for e in matters.rec.events if e.kind == "arrangement_effective"][-1]
        assert "by the mediation agreement of proceeding 1" in words, words
        if kept:
            await pay(h, "I1", str(first.amount), received_on=today)
            done = await pay(h, "I2", str(second.amount), received_on=today)
            assert done.closed and done.stage == "closed" and (await snap(h)).closure_reason == "settled"
            await eventually(lambda: matters.rec.kinds().count("proceeding_closed") > closed)  # noqa: B023
        else:
            await env.sleep(timedelta(days=34))  # instalment 1 unpaid past its grace
            s = (await snap(h)).status
            assert s is not None and s.stage == "litigation" and s.arrangement is not None
            assert s.arrangement.status == "breached"
            said = [e.summary for e in matters.rec.events if e.kind == "case_continues"][-1]
            assert "mediation agreement of proceeding 1 is not performed" in said, said


async def test_a_mediation_naming_a_settlement_not_approved_changes_no_arrangement(env, matters):  # type: ignore[no-untyped-def]
    from tests.workflows.test_arrangements import propose, settlement_terms

    h, r, today, s = await a_filed_suit(env, matters, "m", "M")
    stmt = s.statement(today)
    assert stmt is not None
    await propose(h, "S9", "settlement", settlement_terms(today, balance_total=stmt.balance.total.amount))
    await record(env, r.workflow_id, "d", Decided(on=today, decision="mediation", proposal_id="S9"))
    await record(env, r.workflow_id, "sv", Served(on=today))
    await eventually(lambda: "mediation_not_applied" in matters.rec.kinds())
    s = (await snap(h)).status
    assert s is not None and s.stage == "litigation" and s.arrangement is not None
    assert s.arrangement.status == "proposed"


async def test_the_preservation_application_is_drafted_pre_suit_then_in_the_case(env, matters):  # type: ignore[no-untyped-def]
    h = await referred_and_accepted(env, matters)
    r = await start_proceeding(h, "p1", firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))

    def cmd(draft_id: str, **kw: Any) -> DraftPreservationCommand:
        body: dict[str, Any] = {
            "draft_id": draft_id, "number": 1, "representative": "王建国", "contact_person": "李敏",
            "contact_phone": "010-88880001", "borrower": {"gender": "male", "born_on": "1980-01-01",
                                                          "ethnicity": "汉族"},
            "court": "北京市朝阳区人民法院", "assets": [{"asset": 0, "location": "车辆管理所登记"}],
            "security": {"provider": "PICC", "instrument": "保函", "reference": "PICC-1",
                         "amount": {"amount": "90000.00", "currency": "CNY"}},
            "firm": "firm-a", "actor": "partner-a", **kw}
        return DraftPreservationCommand.model_validate(body)

    for bad, words in ((cmd("x", assets=[{"asset": 4, "location": "x"}]), "assets.0.asset: the record has 1"),
                       (cmd("x", security={"provider": "P", "instrument": "I", "reference": "R",
                                           "amount": {"amount": "10.00", "currency": "CNY"}}),
                        "security.amount: pre-suit preservation needs security of the full amount"),
                       (cmd("x", preserve_amount={"amount": "999999.00", "currency": "CNY"}),
                        "preserve_amount: between 0 and the claim"),
                       (cmd("x", firm="firm-b"), "proceeding not found")):
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await h.execute_update(UPDATE_DRAFT_PRESERVATION, bad, result_type=DraftPreservationResult)
        assert words in str(err.value.cause), (words, err.value.cause)
    pre = await h.execute_update(UPDATE_DRAFT_PRESERVATION, cmd("pp1"), result_type=DraftPreservationResult)
    assert pre.pre_suit and pre.document_id.endswith("preservation-1-1-preservation_application")
    again = await h.execute_update(UPDATE_DRAFT_PRESERVATION, cmd("pp1"), result_type=DraftPreservationResult)
    assert again.duplicate and again.document_id == pre.document_id  # a repeat orders nothing more
    with pytest.raises(WorkflowUpdateFailedError) as err:  # the same id for another application
        await h.execute_update(UPDATE_DRAFT_PRESERVATION, cmd("pp1", court="另一法院"),
                               result_type=DraftPreservationResult)
    assert "draft_id" in str(err.value.cause)
    await eventually(lambda: "preservation_application" in [j.kind for j in matters.rec.jobs])
    ctx: Any = next(j.context for j in matters.rec.jobs if j.kind == "preservation_application")
    assert ctx.pre_suit and ctx.court == "北京市朝阳区人民法院" and ctx.preserve_amount <= ctx.claim_amount
    today = ctx.letter_date
    await record(env, r.workflow_id, "f", Filed(on=today, body="北京市朝阳区人民法院",
                                                case_number="(2026)京0105民初2号"))
    await eventually(lambda: any(p.status == "filed" for p in (snap_cache(matters) or ())))
    in_suit = await h.execute_update(UPDATE_DRAFT_PRESERVATION, cmd("pp2", security={
        "provider": "P", "instrument": "I", "reference": "R", "amount": {"amount": "10.00", "currency": "CNY"}}),
        result_type=DraftPreservationResult)  # in the case the court decides the security (CPL art. 103)
    assert not in_suit.pre_suit
    await eventually(lambda: [j.kind for j in matters.rec.jobs].count("preservation_application") == 2)
    later: Any = [j.context for j in matters.rec.jobs if j.kind == "preservation_application"][-1]
    assert later.case_number == "(2026)京0105民初2号" and not later.pre_suit


async def test_an_appeal_window_ending_on_a_public_holiday_runs_to_the_next_working_day(env: WorkflowEnvironment
                                                                                          ) -> None:
    queue = f"q-{uuid.uuid4()}"
    now = await env.get_current_time()
    clock = PolicyClock.start(now, "Asia/Shanghai", 86400)
    today = clock.today(now)
    last = today + timedelta(days=15)
    # The window's last day and the two after it are public holidays (the days off around a festival).
    holidays = frozenset({last, last + timedelta(days=1), last + timedelta(days=2)})
    calendar = RestDays(jurisdiction="T", first_year=2020, last_year=2035, holidays=holidays,
                        source="weekends and a festival (test)")
    expected = last + timedelta(days=3)
    while expected.weekday() >= 5:
        expected += timedelta(days=1)
    async with Worker(env.client, task_queue=queue, workflows=[ReportSink, ProceedingWorkflow],
                      workflow_runner=UnsandboxedWorkflowRunner()):
        sink = await env.client.start_workflow("ReportSink", id=f"sink-{uuid.uuid4()}", task_queue=queue)
        child = await env.client.start_workflow(
            ProceedingWorkflow.run,
            ProceedingInput(matter_id="m", number=1, forum="court", firm="firm-a", parent_workflow_id=sink.id,
                            clock=clock, started_on=today, rest_days=calendar),
            id=f"matter-m-{uuid.uuid4().hex[:6]}/proceeding-1", task_queue=queue)
        for event_id, event in (("f", Filed(on=today, body="Court", case_number="C-H")),
                                ("d", Decided(on=today, decision="judgment", amount=cny("100.00"),
                                              performance_days=10)),
                                ("s", Served(on=today))):
            done = await child.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(
                event_id=event_id, event=event, actor="partner-a"), result_type=ProceedingEventResult)
        [appeal] = done.snapshot.deadlines
        assert appeal.last_day == last and appeal.moved and appeal.ends_on == expected
        await env.sleep(timedelta(days=(expected - today).days))  # its last day, moved: still running
        assert (await child.query(QUERY_PROCEEDING, result_type=ProceedingSnapshot)).status == "decided"
        await env.sleep(timedelta(days=1, hours=1))

        async def effective() -> list[ChildReport]:
            got = await sink.query("reports", result_type=list[ChildReport])
            return [r for r in got if r.kind == "effective"]

        [report] = await eventually(effective)
        assert (expected + timedelta(days=1)).isoformat() in report.summary
        await child.cancel()
        try:
            await sink.terminate("test over")
        except Exception:  # (the test server may already have ended it)
            pass


async def test_a_bundle_waits_for_the_projection_it_reads_and_goes_once_the_database_is_back(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(days=62))
    matters.rec.fail_projection = True  # the database is away
    await decide(h, "d1", "escalate", firm="firm-a", firm_details=FIRM_ON_RECORD)

    async def waiting() -> bool:
        s = (await snap(h)).status
        return s is not None and s.attention is not None and "projection cannot be written" in s.attention.reason

    await eventually(waiting)
    assert not matters.rec.bundles  # not made from a projection that lacks the instruction letter
    matters.rec.fail_projection = False
    await env.sleep(timedelta(hours=2))  # the step is retried after its backoff
    await eventually(lambda: "referral_instruction_sent" in matters.rec.kinds())
    assert len(matters.rec.bundles) == 1
