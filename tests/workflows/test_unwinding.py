"""A matter paid mid-enforcement on the time-skipping server: the enforcement withdrawn, each preservation ruling
lifted (naming the register's assets it holds), the creditor's security released, the firm e-mailed the list,
every child closed, in that order, each step with its document; the closed matter then takes only the court's
release of a measure applied to be lifted, chases the rest, and its workflow ends once nothing is held."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.assets import Preserved as AssetPreserved
from domain.assets import Released, Valued
from domain.money import Money
from domain.parties import Asset
from domain.proceedings import Decided, EnforcementFiled, Filed, Preserved
from tests.factories import intake_data
from tests.workflows.harness import eventually, pay_off, snap
from tests.workflows.test_assets import event as asset_event
from tests.workflows.test_enforcement import CLAUSE
from tests.workflows.test_guarantee_periods import status_today
from tests.workflows.test_proceedings import _child_up, record, referred_and_accepted, start_proceeding
from workflows.contracts import ERR_CLOSED, UPDATE_ADD_ASSET, AddAssetCommand, AddAssetResult
from workflows.matter.unwinding import CHASE_DAYS


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


async def enforcing(env: Any, matters: Any) -> tuple[Any, Any]:
    """An award under enforcement; its in-suit preservation (security given) froze the deposit; the enforcement
    court seized the vehicle."""
    h = await referred_and_accepted(env, matters, contract={**intake_data()["contract"], "dispute": CLAUSE})
    r = await start_proceeding(h, "p1", firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))
    _, today = await status_today(env, h)
    await record(env, r.workflow_id, "f", Filed(on=today, body="上海仲裁委员会", case_number="(2027)沪仲字第1号"))
    await record(env, r.workflow_id, "pv", Preserved(
        on=today, pre_suit=False, court="上海市长宁区人民法院", ruling_number="(2027)沪0105财保1号",
        amount=cny("19518.00"), measures="冻结银行存款", security="given", security_detail="保险公司保函"))
    await h.execute_update(UPDATE_ADD_ASSET, AddAssetCommand(
        asset_id="dep", asset=Asset(kind="deposit", description="工商银行账户6222***1234",
                                    estimated_value=cny("12000.00")), discovered_on=today, actor="clerk"),
        result_type=AddAssetResult)
    await asset_event(h, "a2", 2, AssetPreserved(on=today, measure="freeze", court="上海市长宁区人民法院",
                                                 ruling_number="(2027)沪0105财保1号"))
    await record(env, r.workflow_id, "d", Decided(on=today, decision="award", amount=cny("19518.00"),
                                                  performance_days=10))
    await record(env, r.workflow_id, "e1", EnforcementFiled(on=today, court="上海市第一中级人民法院",
                                                            case_number="(2027)沪01执1号"))
    await asset_event(h, "a1", 1, AssetPreserved(on=today, measure="seize", court="上海市第一中级人民法院",
                                                 ruling_number="(2027)沪01执1号之一"))
    await asset_event(h, "v1", 1, Valued(on=today, value=cny("45000.00"), by="上海某评估公司"))
    return h, r


async def test_a_matter_paid_mid_enforcement_unwinds_every_step_in_reverse_order(env, matters):  # type: ignore[no-untyped-def]
    h, r = await enforcing(env, matters)
    await pay_off(env, h, "all")

    async def done() -> Any:
        s = (await snap(h)).status
        return s if s is not None and s.unwinding is not None and s.unwinding.done else None

    s = await eventually(done)
    u = s.unwinding
    assert (s.stage, u.ground) == ("closed", "paid")
    assert [st.kind for st in u.steps] == ["withdraw_enforcement", "lift_measure", "lift_measure", "return_security",
                                           "tell_firm", "close_children"], u.steps
    withdraw, lift_seizure, lift_freeze, security = u.steps[:4]
    assert (withdraw.court, withdraw.case_number) == ("上海市第一中级人民法院", "(2027)沪01执1号")
    # Newest ruling first: the enforcement's seizure of the vehicle, then the preservation that froze the deposit.
    assert (lift_seizure.ruling_number, lift_seizure.assets) == ("(2027)沪01执1号之一", (1,))
    assert (lift_freeze.ruling_number, lift_freeze.assets, lift_freeze.amount) == (
        "(2027)沪0105财保1号", (2,), cny("19518.00"))
    assert security.ruling_number == "(2027)沪0105财保1号"
    assert all(st.status == "done" for st in u.steps), u.steps
    assert u.still_held == (1, 2)

    # Each documented step is its application, made from the record, in the chain's order.
    jobs = [j for j in matters.rec.jobs if j.kind == "unwinding_application"]
    assert [j.context.request for j in jobs] == ["withdraw_enforcement", "lift_preservation", "lift_preservation",
                                                 "return_security"]
    assert [st.document_id for st in u.steps[:4]] == [j.document_id for j in jobs]
    assert [a.description for a in jobs[2].context.assets] == ["工商银行账户6222***1234"]
    assert {j.context.ground for j in jobs} == {"paid"}
    # The firm is told, with every document; then the children close.
    [mail] = [m for m in matters.rec.firm_emails if m.unwinding is not None]
    assert [d.document_id for d in mail.unwinding.documents] == [j.document_id for j in jobs]
    # The projection is written by its own activity, a moment after the status the query read.
    kinds = await eventually(lambda: (k := matters.rec.kinds()) and "closed" in k and "unwinding_done" in k and k)
    chain = [k for k in kinds if k.startswith("unwinding_")]
    assert chain == ["unwinding_started"] + ["unwinding_step"] * 6 + ["unwinding_done"], chain
    assert kinds.index("unwinding_done") < kinds.index("closed")
    views = {a.number: a for a in s.assets}
    assert views[1].lift_applied_on is not None and views[2].lift_applied_on is not None

    # Closed: only the court's release of a lifted measure is recorded; anything else is refused.
    _, today = await status_today(env, h)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await asset_event(h, "v2", 1, Valued(on=today, value=cny("40000.00"), by="X"))
    assert err.value.cause.type == ERR_CLOSED, err.value.cause  # type: ignore[union-attr]
    # The team is chased while the court has not released them.
    await env.sleep(timedelta(days=CHASE_DAYS + 1))
    await eventually(lambda: "lift_pending" in matters.rec.kinds())
    await asset_event(h, "r1", 1, Released(on=today, reason="债务已清偿，法院裁定解除查封"))
    await asset_event(h, "r2", 2, Released(on=today, reason="债务已清偿，法院裁定解除冻结"))
    s = (await snap(h)).status
    assert s.unwinding.still_held == () and {a.standing for a in s.assets} == {"released"}
    await env.sleep(timedelta(days=31))  # the reversal window: then nothing keeps the workflow open
    assert (await h.result()).stage == "closed"


async def test_a_matter_closed_with_nothing_running_against_the_debtor_closes_as_before(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    await pay_off(env, h, "all")
    await eventually(lambda: "closed" in matters.rec.kinds())
    assert (await snap(h)).status.unwinding is None  # type: ignore[union-attr]
    assert not any(k.startswith("unwinding_") for k in matters.rec.kinds())


async def test_a_general_guarantor_is_asked_for_what_enforcement_left_unpaid_once_it_ended(env, matters):  # type: ignore[no-untyped-def]
    from tests.workflows.test_guarantee_periods import GUARANTORS
    from tests.workflows.test_guarantor_claims import CONTRACT, accelerated, open_claims
    from workflows.contracts import UPDATE_DEMAND_GUARANTOR, DemandGuarantorCommand, DemandGuarantorResult

    h = await referred_and_accepted(env, matters, contract={**CONTRACT, "dispute": CLAUSE}, guarantors=GUARANTORS)
    await accelerated(env, h)
    r = await start_proceeding(h, "p1", firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))
    _, today = await status_today(env, h)
    await record(env, r.workflow_id, "f", Filed(on=today, body="上海仲裁委员会", case_number="(2027)沪仲字第1号"))
    await record(env, r.workflow_id, "d", Decided(on=today, decision="award", amount=cny("19518.00"),
                                                  performance_days=10))
    await record(env, r.workflow_id, "e1", EnforcementFiled(on=today, court="上海市第一中级人民法院",
                                                            case_number="(2027)沪01执1号"))
    await open_claims(h)

    async def demand(demand_id: str) -> Any:
        await h.execute_update(UPDATE_DEMAND_GUARANTOR, DemandGuarantorCommand(
            demand_id=demand_id, number=2, guarantee_contract_number="BZ-2", guarantee_signed_on=today,
            actor="clerk"), result_type=DemandGuarantorResult)
        got = await eventually(lambda: [j for j in matters.rec.jobs if j.kind == "guarantor_demand"
                                        and j.document_id.endswith(f"-demand-{demand_id[-1]}-guarantor_demand")])
        return got[-1].context

    # While enforcement runs, the general guarantor is only told it will answer for what enforcement leaves.
    before = await demand("g1")
    assert before.enforcement_ended_on is None and before.guarantor.guarantee_type == "general"
    from domain.proceedings import ProceedsDistributed, RoundTerminated

    await record(env, r.workflow_id, "pr", ProceedsDistributed(on=today, gross=cny("5000.00"), costs=cny("0.00"),
                                                               to_creditor=cny("5000.00")))
    await record(env, r.workflow_id, "t", RoundTerminated(on=today, ruling_number="(2027)沪01执1号之一"))
    await eventually(lambda: any("round of enforcement terminated" in e.summary for e in matters.rec.events))
    after = await demand("g2")
    assert (after.enforcement_case, after.enforcement_ended_on) == ("(2027)沪01执1号", today)
    s, _ = await status_today(env, h)
    assert after.amount_claimed == s.statement(after.letter_date).balance.total  # the shortfall, to the cent
    assert after.amount_claimed < before.amount_claimed


async def test_a_terminated_round_brings_tasks_to_look_for_property_until_enforcement_resumes(env, matters):  # type: ignore[no-untyped-def]
    from domain.proceedings import RoundTerminated

    h = await referred_and_accepted(env, matters, contract={**intake_data()["contract"], "dispute": CLAUSE})
    r = await start_proceeding(h, "p1", firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))
    _, today = await status_today(env, h)
    await record(env, r.workflow_id, "f", Filed(on=today, body="上海仲裁委员会", case_number="(2027)沪仲字第1号"))
    await record(env, r.workflow_id, "d", Decided(on=today, decision="award", amount=cny("19518.00"),
                                                  performance_days=10))
    await record(env, r.workflow_id, "e1", EnforcementFiled(on=today, court="C", case_number="E-1"))
    await record(env, r.workflow_id, "t1", RoundTerminated(on=today, ruling_number="E-1-1"))

    def tasks() -> list[str]:
        return [e.summary for e in matters.rec.events if e.kind == "asset_investigation_due"]

    await env.sleep(timedelta(days=89))
    assert tasks() == []
    await env.sleep(timedelta(days=2))
    [task] = await eventually(tasks)
    assert task.startswith(f"Proceeding 1: this round of enforcement was terminated on {today.isoformat()}"), task
    _, now = await status_today(env, h)
    await record(env, r.workflow_id, "e2", EnforcementFiled(on=now, court="C", case_number="E-2"))
    await env.sleep(timedelta(days=200))
    assert len(tasks()) == 1  # applied for again: no more tasks
    assert (await snap(h)).stage == "litigation"


async def test_an_unwinding_step_that_fails_needs_attention_and_is_retried_and_a_refused_e_mail_is_skipped(
        env, matters):  # type: ignore[no-untyped-def]
    h, _ = await enforcing(env, matters)
    matters.rec.fail_letters = "transient"  # the evidence store is down when the matter closes
    matters.rec.refuse_messages = "EmailRejected"  # and the firm's server refuses the closing e-mail
    await pay_off(env, h, "all")
    await env.sleep(timedelta(minutes=30))  # the activity's own attempts, then the matter needs attention
    await eventually(lambda: "needs_attention" in matters.rec.kinds())
    s = (await snap(h)).status
    assert s.unwinding is not None and not s.unwinding.done and s.attention is not None
    assert all(st.status == "pending" for st in s.unwinding.steps)  # nothing said done that is not
    matters.rec.fail_letters = None  # the store is back: the retry makes every application, in order
    await env.sleep(timedelta(days=2))

    async def done() -> Any:
        got = (await snap(h)).status
        return got if got is not None and got.unwinding is not None and got.unwinding.done else None

    s = await eventually(done, seconds=30)
    by_kind = {st.kind: st for st in s.unwinding.steps}
    assert all(st.status == "done" for st in s.unwinding.steps if st.documented)
    told = by_kind["tell_firm"]
    assert told.status == "skipped" and "refused the e-mail (EmailRejected)" in (told.done_at_step or ""), told
    jobs = [j.document_id for j in matters.rec.jobs if j.kind == "unwinding_application"]
    assert len(jobs) == len(set(jobs)) == 4  # each application stored once
