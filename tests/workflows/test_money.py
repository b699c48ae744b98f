"""The matter's money on the time-skipping server: balances that accrue, and payments that bounce.

Figures are worked by hand from the factory's intake: overdue principal 18,000.00 at the
contract's 4.35% a year, actual/360 (the standard policy's day count; no penalty rate agreed),
opening balance 19,518.00 (principal 18,000.00, interest 1,200.00, penalty 218.00, fees 100.00).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from tests.workflows.harness import cny, ended, eventually, pay, refused, snap
from workflows.contracts import (
    ERR_FORBIDDEN,
    ERR_INVALID,
    ERR_KEY_REUSED,
    ERR_STAGE,
    UPDATE_ACCELERATE,
    UPDATE_REVERSAL,
    UPDATE_SERVED,
    AccelerateCommand,
    AccelerationResult,
    ReversalCommand,
    ReversalResult,
    ServedCommand,
)

OPENING = Decimal("19518.00")


def interest(days: int) -> Decimal:
    """18,000.00 x 4.35% x days / 360, to the cent (half up)."""
    return (Decimal("18000.00") * Decimal("0.0435") * days / 360).quantize(Decimal("0.01"), ROUND_HALF_UP)


async def reverse(h: WorkflowHandle[Any, Any], payment_id: str, on: date, reason: str = "transfer returned",
                  reversal_id: str | None = None) -> ReversalResult:
    return await h.execute_update(
        UPDATE_REVERSAL,
        ReversalCommand(reversal_id=reversal_id or payment_id, payment_id=payment_id, reversed_on=on, reason=reason,
                        actor="clerk"),
        id=f"reversal-{uuid.uuid4()}", result_type=ReversalResult,
    )




async def today_of(env: WorkflowEnvironment, h: WorkflowHandle[Any, Any]) -> tuple[Any, date]:
    """The matter's status and its policy date now (a query answers as of the workflow's last task)."""
    s = (await snap(h)).status
    assert s is not None and s.ledger is not None
    return s, s.policy_today(await env.get_current_time())


async def test_the_balance_accrues_day_by_day_from_the_contracts_terms(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    first, _ = await today_of(env, h)
    start_day = first.ledger.start
    assert first.ledger.terms.interest_rate == Decimal("0.0435") and first.ledger.terms.day_count == "actual/360"
    assert first.outstanding == cny(str(OPENING))
    await env.sleep(timedelta(days=20))  # the first reminder letter (day 8) and more have run
    s, today = await today_of(env, h)
    days = (today - start_day).days
    assert days >= 19
    stmt = s.statement(today)
    assert stmt.balance.interest == cny(str(Decimal("1200.00") + interest(days)))
    assert stmt.balance.principal == cny("18000.00") and stmt.balance.penalty == cny("218.00")
    assert stmt.balance.total == cny(str(OPENING + interest(days)))
    # The status the workflow published is its balance on the day it was written, and says which day.
    assert s.balance_as_of is not None and s.outstanding == cny(str(OPENING + interest((s.balance_as_of
                                                                                         - start_day).days)))
    # The reminder letter says what its own date owed ("calculated up to" that date).
    letter = matters.rec.jobs[1]
    assert letter.kind == "reminder_letter"
    on_letter = s.statement(letter.context.letter_date).balance.total
    assert letter.context.total == on_letter and on_letter > cny(str(OPENING))


async def test_a_bounced_payment_reopens_the_matter_it_closed(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(days=9))  # in reminders, after the first reminder letter
    s, today = await today_of(env, h)
    assert s.stage == "reminders"
    owed = s.statement(today).balance.total
    r = await pay(h, "P1", str(owed.amount), received_on=today)
    assert r.closed and r.outstanding == cny("0.00")
    closed = (await snap(h)).status
    assert closed is not None and (closed.stage, closed.closure_reason) == ("closed", "paid")

    back = await reverse(h, "P1", today, reason="transfer returned: account closed")
    assert back.reopened and back.stage == "reminders" and not back.duplicate
    assert back.undone == r.allocation and back.outstanding == owed  # undone to the cent, the same day
    again = await reverse(h, "P1", today, reason="transfer returned: account closed")
    assert again.duplicate and again.outstanding == back.outstanding
    reused = await refused(reverse(h, "P1", today, reason="another reason"))
    assert reused.type == ERR_KEY_REUSED
    twice = await refused(reverse(h, "P1", today, reversal_id="R-2"))
    assert twice.type == ERR_INVALID and "already reversed" in twice.message
    assert "reopened" in matters.rec.kinds() and "payment_reversed" in matters.rec.kinds()

    # The clocks run again: the charges the payment had stopped accrue from its date, and the ladder goes on.
    await env.sleep(timedelta(days=13))  # the second reminder letter (day 21) runs
    s2, today2 = await today_of(env, h)
    assert s2.stage == "reminders" and [j.kind for j in matters.rec.jobs].count("reminder_letter") == 2
    days = (today2 - s2.ledger.start).days
    assert s2.statement(today2).balance.total == cny(str(OPENING + interest(days)))

    # Paid again: it closes again, with its own closure letter.
    r2 = await pay(h, "P2", str(s2.statement(today2).balance.total.amount), received_on=today2)
    assert r2.closed
    final = await ended(env, h)  # the reversal window passes, then the workflow ends
    assert (final.stage, final.closure_reason) == ("closed", "paid")
    kinds = [d.kind for d in final.documents]
    assert kinds.count("closure_letter") == 2, kinds
    assert any(d.document_id.endswith("-closure2-closure_letter") for d in final.documents)
    assert matters.rec.kinds().count("closed") == 2


async def test_reversals_refused_by_field(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    _, today = await today_of(env, h)
    await pay(h, "P1", "100.00", received_on=today)
    unknown = await refused(reverse(h, "NOPE", today))
    assert unknown.type == ERR_INVALID and unknown.message.startswith("payment_id:")
    early = await refused(reverse(h, "P1", today - timedelta(days=1)))
    assert early.type == ERR_INVALID and early.message.startswith("reversed_on:")
    ok = await reverse(h, "P1", today)
    assert ok.outstanding == cny(str(OPENING)) and not ok.reopened and ok.stage in ("notice", "reminders")


async def test_after_the_reversal_window_a_closed_matter_ends(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    s, today = await today_of(env, h)
    await pay(h, "P1", str(s.statement(today).balance.total.amount), received_on=today)
    final = await ended(env, h)  # the policy's 30 days later
    assert final.stage == "closed"
    with pytest.raises(Exception) as err:  # the workflow has completed: Temporal refuses the update
        await reverse(h, "P1", today)
    assert err.value is not None


async def test_acceleration_makes_the_whole_loan_due_from_delivery_and_paying_it_pays_off(env, matters):  # type: ignore[no-untyped-def]
    contract = {"number": "JK-2024-000123", "signed_on": "2024-03-15", "annual_rate": "0.0435",
                "principal": {"amount": "200000.00", "currency": "CNY"},
                "principal_not_due": {"amount": "150000.00", "currency": "CNY"}}
    h = await matters.start("standard", intake={"contract": contract})
    await env.sleep(timedelta(hours=1))
    teamlead = await refused(h.execute_update(UPDATE_ACCELERATE, AccelerateCommand(role="legal_team"),
                                              result_type=AccelerationResult))
    assert teamlead.type == ERR_FORBIDDEN
    early = await refused(h.execute_update(UPDATE_SERVED, ServedCommand(delivered_on=date(2026, 12, 3),
                                                                        method="courier"),
                                           result_type=AccelerationResult))
    assert early.type == ERR_STAGE
    declared = await h.execute_update(UPDATE_ACCELERATE, AccelerateCommand(clause="第十二条", actor="manager-1"),
                                      result_type=AccelerationResult)
    assert declared.acceleration.delivered_on is None and not declared.duplicate
    await env.sleep(timedelta(days=2))
    letter = next(j for j in matters.rec.jobs if j.kind == "acceleration_notice")
    assert letter.context.clause == "第十二条"  # type: ignore[attr-defined]
    s, today = await today_of(env, h)
    assert s.acceleration is not None and s.acceleration.notice_document == letter.document_id
    served = await h.execute_update(UPDATE_SERVED, ServedCommand(delivered_on=today, method="registered_post"),
                                    result_type=AccelerationResult)
    assert served.acceleration.accelerated == cny("150000.00")
    s, today = await today_of(env, h)
    stmt = s.statement(today)
    assert stmt.balance.principal == cny("168000.00") and stmt.accelerated == cny("150000.00")
    ten = s.statement(today + timedelta(days=10))
    days = (today - s.ledger.start).days
    # 18,000 accrues from the start; 168,000 from delivery: 10 more days on the whole principal.
    assert ten.accrued.interest.amount == (interest(days) + (Decimal("168000.00") * Decimal("0.0435") * 10 / 360)
                                           ).quantize(Decimal("0.01"), ROUND_HALF_UP)
    # Every later demand says the whole loan is due, and since when: the first reminder letter (day 8).
    delivered = today
    await env.sleep(timedelta(days=7))
    reminder: Any = await eventually(lambda: next((j for j in matters.rec.jobs if j.kind == "reminder_letter"), None))
    assert reminder.context.accelerated_on == delivered
    assert reminder.context.balance.principal == cny("168000.00")
    s, today = await today_of(env, h)
    stmt = s.statement(today)
    r = await pay(h, "ALL", str(stmt.balance.total.amount), received_on=today)
    assert r.closed
    final = await ended(env, h)
    assert (final.stage, final.closure_reason) == ("closed", "paid")  # all of it was due: paid off, not cured
    assert [d.kind for d in final.documents][-1] == "closure_letter"


async def test_a_payment_in_the_workflow_s_first_task_is_an_entry_of_the_book(env: WorkflowEnvironment) -> None:
    """Started, then paid before any worker ran it: the payment and the start reach the worker in one task,
    the payment's handler before the run. It used to be swallowed by the book's opening (paid 0, no entry,
    the outstanding right): a payment must always be a line of the statement."""
    import asyncio

    from tests.workflows.harness import Recorder, matter_input, start, workers

    queue, rec = f"q-{uuid.uuid4()}", Recorder()
    h = await start(env.client, queue, matter_input("standard"))  # no worker on `queue` yet
    paying = asyncio.create_task(pay(h, "EARLY", "250.00", received_on=date(2026, 11, 20)))
    await asyncio.sleep(1)  # the update waits at the server with the start
    try:
        async with workers(env.client, queue, rec):
            result = await paying
            assert result.outstanding == cny("19268.00")
            s = await snap(h)
            assert s.status is not None and s.status.paid_total == cny("250.00")
            book = s.status.ledger
            assert book is not None and [e.id for e in book.entries] == ["EARLY"]
            assert book.opening.total == cny("19518.00")  # the intake's figures, the payment booked after
            await h.terminate("test over")
    finally:
        if not paying.done():
            paying.cancel()
