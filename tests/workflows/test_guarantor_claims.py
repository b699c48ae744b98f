"""Claims against the guarantors, one child workflow each, on the time-skipping server: opened for every
guarantor on record; told the main debt's due date when an acceleration is served and the day the debtor
is sued; a demand within the period holds a joint-and-several guarantor, a suit against the debtor holds a
general one; a period that ends with nothing done releases the guarantor, with the reason."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.deadlines import add_period
from domain.guarantor_claims import Demanded, Refused
from domain.proceedings import Filed
from tests.factories import intake_data
from tests.workflows.harness import eventually, snap
from tests.workflows.test_guarantee_periods import GUARANTORS, status_today
from tests.workflows.test_proceedings import _child_up, record, referred_and_accepted, start_proceeding
from workflows.contracts import (
    ERR_INVALID,
    QUERY_GUARANTOR,
    UPDATE_ACCELERATE,
    UPDATE_GUARANTOR_EVENT,
    UPDATE_OPEN_CLAIMS,
    UPDATE_SERVED,
    AccelerateCommand,
    AccelerationResult,
    GuarantorClaimSnapshot,
    GuarantorEventCommand,
    GuarantorEventResult,
    OpenClaimsCommand,
    OpenClaimsResult,
    ServedCommand,
    guarantor_workflow_id,
)

CONTRACT = {**intake_data()["contract"], "principal_not_due": {"amount": "150000.00", "currency": "CNY"}}


async def open_claims(h: Any, open_id: str = "o1") -> OpenClaimsResult:
    return await h.execute_update(UPDATE_OPEN_CLAIMS, OpenClaimsCommand(open_id=open_id, actor="clerk"),
                                  result_type=OpenClaimsResult)


async def claim_event(env: Any, h: Any, n: int, event_id: str, event: Any) -> GuarantorEventResult:
    mid = h.id.removeprefix("matter-")
    return await env.client.get_workflow_handle(guarantor_workflow_id(mid, n)).execute_update(
        UPDATE_GUARANTOR_EVENT, GuarantorEventCommand(event_id=event_id, event=event, actor="clerk"),
        result_type=GuarantorEventResult)


async def claim_of(env: Any, h: Any, n: int) -> GuarantorClaimSnapshot:
    mid = h.id.removeprefix("matter-")
    return await env.client.get_workflow_handle(guarantor_workflow_id(mid, n)).query(
        QUERY_GUARANTOR, result_type=GuarantorClaimSnapshot)


async def accelerated(env: Any, h: Any) -> date:
    await h.execute_update(UPDATE_ACCELERATE, AccelerateCommand(clause="第十二条", actor="manager-1"),
                           result_type=AccelerationResult)
    await env.sleep(timedelta(days=1))
    _, today = await status_today(env, h)
    await h.execute_update(UPDATE_SERVED, ServedCommand(delivered_on=today, method="courier"),
                           result_type=AccelerationResult)
    return today


async def standing(h: Any, n: int) -> str | None:
    s = (await snap(h)).status
    return next((c.standing for c in (s.guarantor_claims or ()) if c.number == n), None) if s else None


async def test_a_demand_holds_the_joint_guarantor_and_the_general_one_is_released_when_its_period_ends(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard", intake={"contract": CONTRACT, "guarantors": GUARANTORS})
    await env.sleep(timedelta(hours=1))
    opened = await open_claims(h)
    assert opened.opened == (1, 2) and not opened.duplicate
    again = await open_claims(h)
    assert again.duplicate and again.opened == (1, 2)
    assert (await open_claims(h, "o2")).opened == ()  # every guarantor has its claim
    await eventually(lambda: _claim_up(env, h, 2))
    first = await claim_of(env, h, 1)
    assert first.standing == "open" and first.period is None and "not on record" in first.why

    due = await accelerated(env, h)  # the main debt due from the notice's delivery: the children are told

    async def told() -> bool:
        return (await claim_of(env, h, 1)).period is not None

    await eventually(told)
    first = await claim_of(env, h, 1)
    assert first.period is not None and first.period.last_day == add_period(due, months=6)
    with pytest.raises(WorkflowUpdateFailedError) as err:  # nobody is held yet: nothing to refuse
        await claim_event(env, h, 1, "r0", Refused(on=due, reason="no"))
    assert err.value.cause.type == ERR_INVALID and "event.kind" in str(err.value.cause)  # type: ignore[union-attr]
    done = await claim_event(env, h, 1, "d1", Demanded(on=due, method="registered_post"))
    assert done.snapshot.standing == "held" and done.snapshot.held_on == due
    assert (await claim_event(env, h, 1, "d1", Demanded(on=due, method="registered_post"))).duplicate
    await eventually(lambda: _is(h, 1, "held"))
    s, _ = await status_today(env, h)
    assert [d.name for d in s.guarantees or ()] == ["guarantee period: guarantor 2 (general)"]

    # The general guarantor: the debtor never sued within the period: released, with the reason.
    await env.sleep(timedelta(days=(add_period(due, months=6) - due).days + 2))
    await eventually(lambda: _is(h, 2, "released"))
    second = await claim_of(env, h, 2)
    assert second.standing == "released" and "no suit or arbitration against the debtor" in second.why
    lines = [e.summary for e in matters.rec.events if e.kind == "guarantor_released"]
    assert lines and lines[-1].startswith("Guarantor 2: released: the guarantee period ended on"), lines


async def test_the_suit_against_the_debtor_holds_the_general_guarantor(env, matters):  # type: ignore[no-untyped-def]
    h = await referred_and_accepted(env, matters, contract=CONTRACT, guarantors=GUARANTORS)
    due = await accelerated(env, h)
    await open_claims(h)
    await eventually(lambda: _claim_up(env, h, 2))
    r = await start_proceeding(h, "p1", firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))
    await record(env, r.workflow_id, "f", Filed(on=due, body="Huangpu District People's Court", case_number="C-1"))
    await eventually(lambda: _is(h, 2, "held"))
    second = await claim_of(env, h, 2)
    assert second.held_on == due and "the debtor was sued" in second.why
    assert await standing(h, 1) == "open"  # the joint guarantor still needs its demand


async def _claim_up(env: Any, h: Any, n: int) -> bool:
    try:
        await claim_of(env, h, n)
    except Exception:
        return False
    return True


async def _is(h: Any, n: int, wanted: str) -> bool:
    return await standing(h, n) == wanted


async def test_the_demand_letter_needs_the_due_date_and_a_guarantor_not_released(env, matters):  # type: ignore[no-untyped-def]
    from workflows.contracts import UPDATE_DEMAND_GUARANTOR, DemandGuarantorCommand, DemandGuarantorResult

    h = await matters.start("standard", intake={"contract": CONTRACT, "guarantors": GUARANTORS})
    await env.sleep(timedelta(hours=1))

    def demand(demand_id: str, number: int = 1) -> DemandGuarantorCommand:
        return DemandGuarantorCommand(demand_id=demand_id, number=number, guarantee_contract_number="BZ-1",
                                      guarantee_signed_on=date(2024, 3, 15), actor="clerk")

    async def refused(cmd: DemandGuarantorCommand) -> str:
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await h.execute_update(UPDATE_DEMAND_GUARANTOR, cmd, result_type=DemandGuarantorResult)
        return str(err.value.cause)

    assert "open the claims first" in await refused(demand("x0"))
    await open_claims(h)
    assert "no due date of the main debt" in await refused(demand("x1"))
    due = await accelerated(env, h)
    done = await h.execute_update(UPDATE_DEMAND_GUARANTOR, demand("d1"), result_type=DemandGuarantorResult)
    assert done.document_id.endswith("-guarantor-1-demand-1-guarantor_demand") and not done.duplicate
    await eventually(lambda: any(j.kind == "guarantor_demand" for j in matters.rec.jobs))
    letter: Any = next(j for j in matters.rec.jobs if j.kind == "guarantor_demand").context
    assert letter.main_debt_due_on == due and letter.guarantee_period_ends_on == add_period(due, months=6)
    assert letter.borrower_id_masked.endswith(letter.borrower.id_number[-4:]) and "*" in letter.borrower_id_masked
    # The joint guarantor never asked within its period: released; no demand then.
    await env.sleep(timedelta(days=(add_period(due, months=6) - due).days + 2))
    await eventually(lambda: _is(h, 1, "released"))
    assert "is released" in await refused(demand("d2"))


async def test_a_guarantor_pays_into_the_same_ledger_up_to_its_cap(env, matters):  # type: ignore[no-untyped-def]
    from domain.money import Money
    from workflows.contracts import UPDATE_PAYMENT, PaymentCommand, PaymentResult

    capped = [{**GUARANTORS[0], "cap": {"amount": "10000.00", "currency": "CNY"}}, GUARANTORS[1]]
    h = await matters.start("standard", intake={"guarantors": capped})
    await env.sleep(timedelta(hours=1))
    await open_claims(h)
    s, today = await status_today(env, h)
    before = s.limitation

    async def pay(pid: str, amount: str, guarantor: int) -> PaymentResult:
        return await h.execute_update(UPDATE_PAYMENT, PaymentCommand(
            payment_id=pid, amount=Money.of(amount, "CNY"), received_on=today, actor="clerk", guarantor=guarantor),
            result_type=PaymentResult)

    owed = s.statement(today).balance.total  # type: ignore[union-attr]
    done = await pay("G1", "6000.00", 1)
    assert done.outstanding == owed - Money.of("6000.00", "CNY")  # the same ledger: the debt owes that much less
    for pid, amount, n, words in (("G2", "5000.00", 1, "cap of CNY 10,000.00 leaves (CNY 4,000.00)"),
                                  ("G3", "1.00", 3, "the record has 2 guarantor(s)"),
                                  ("G4", "99999.00", 2, "more than the outstanding")):
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await pay(pid, amount, n)
        assert words in str(err.value.cause), err.value.cause
    s, _ = await status_today(env, h)
    [first] = [c for c in s.guarantor_claims or () if c.number == 1]
    assert first.paid == Money.of("6000.00", "CNY")
    # A guarantor's payment is not the debtor's acknowledgement: limitation is not restarted by it.
    assert s.limitation is not None and before is not None and s.limitation.runs_from == before.runs_from
    assert any(e.summary.startswith("Payment of CNY 6,000.00 from guarantor 1") for e in matters.rec.events)


async def test_the_claims_close_with_the_matter(env, matters):  # type: ignore[no-untyped-def]
    from tests.workflows.harness import pay

    h = await matters.start("standard", intake={"guarantors": GUARANTORS})
    await env.sleep(timedelta(hours=1))
    await open_claims(h)
    await eventually(lambda: _claim_up(env, h, 2))
    s, today = await status_today(env, h)
    done = await pay(h, "ALL", str(s.statement(today).balance.total.amount), received_on=today)  # type: ignore[union-attr]
    assert done.closed

    async def both_closed() -> bool:
        return all([(await claim_of(env, h, n)).closed for n in (1, 2)])

    await eventually(both_closed)
    with pytest.raises(Exception):  # noqa: B017  the claim's record has closed: nothing more is recorded
        await claim_event(env, h, 1, "late", Demanded(on=today, method="courier"))
