"""MatterWorkflow (v2) on the time-skipping server: months of durable timers in seconds.

Activities are same-named fakes (tests/workflows/harness.py); the real ones are proven against
real servers in tests/activities, tests/api and tests/integration.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.testservice.v1 import UnlockTimeSkippingRequest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import SearchAttributeKey
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.parties import LawFirm
from tests.workflows.harness import (
    cny,
    ended,
    eventually,
    pay,
    pay_off,
    snap,
)
from workflows.contracts import (
    ERR_INVALID,
    ERR_KEY_REUSED,
    ERR_NOT_YOURS,
    ERR_STAGE,
    UPDATE_DECISION,
    UPDATE_LAWYERS_LETTER,
    UPDATE_PROMISE,
    UPDATE_RECALL_REFERRAL,
    UPDATE_REFERRAL_ANSWER,
    UPDATE_RETRY,
    DecisionCommand,
    DecisionResult,
    LawyersLetterCommand,
    LawyersLetterResult,
    PromiseCommand,
    PromiseResult,
    RecallCommand,
    RecallResult,
    ReferralAnswerCommand,
    ReferralAnswerResult,
    ReferralSnapshot,
    RetryCommand,
    RetryResult,
    referral_workflow_id,
)


async def describe(env: WorkflowEnvironment, h: WorkflowHandle[Any, Any]) -> Any:
    """Describe, then release the time-skipping lock the test server leaves behind after it."""
    desc = await h.describe()
    await env.client.test_service.unlock_time_skipping(UnlockTimeSkippingRequest())
    return desc


async def history_events(env: WorkflowEnvironment, wid: str) -> list[Any]:
    events = []
    async for e in env.client.get_workflow_handle(wid).fetch_history_events():
        events.append(e)
    await env.client.test_service.unlock_time_skipping(UnlockTimeSkippingRequest())
    return events


async def decide(h: WorkflowHandle[Any, Any], decision_id: str, decision: str, **kw: Any) -> DecisionResult:
    return await h.execute_update(
        UPDATE_DECISION, DecisionCommand(decision_id=decision_id, decision=decision, actor="manager-1", **kw),
        result_type=DecisionResult,
    )


async def answer(env: WorkflowEnvironment, matter_id: str, n: int, answer: str, firm: str = "Firm A LLP",
                 reason: str = "", answer_id: str | None = None) -> ReferralAnswerResult:
    child = env.client.get_workflow_handle(referral_workflow_id(matter_id, n))
    return await child.execute_update(
        UPDATE_REFERRAL_ANSWER,
        ReferralAnswerCommand(answer_id=answer_id or str(uuid.uuid4()), answer=answer, firm=firm, reason=reason,
                              actor="partner-1"),  # type: ignore[arg-type]
        result_type=ReferralAnswerResult,
    )


def mid(h: WorkflowHandle[Any, Any]) -> str:
    return h.id.removeprefix("matter-")


# ---- the main path --------------------------------------------------------------------------------

async def test_standard_matter_to_referral_accepted_then_paid_closes_and_cancels_the_child(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    s = await snap(h)
    assert s.stage == "reminders" and s.status is not None
    assert s.risk is not None and s.risk.grade in "ABCDE"
    assert [d.kind for d in s.documents] == ["collection_notice"]
    assert s.next_step is not None and s.next_step.name == "first SMS reminder"

    await env.sleep(timedelta(days=29))
    s = await snap(h)
    assert s.stage == "negotiation"
    assert [d.kind for d in s.documents] == ["collection_notice", "reminder_letter", "reminder_letter"]
    assert [j.context.sequence for j in matters.rec.jobs[1:]] == [1, 2]  # type: ignore[attr-defined]

    await env.sleep(timedelta(days=32))
    s = await snap(h)
    assert s.stage == "legal_review" and s.next_step is None
    assert s.status is not None and s.status.days_past_due(await env.get_current_time()) >= 60
    overdue_zero_at = s.status.overdue.zero_at

    r = await decide(h, "d1", "escalate", firm="Firm A LLP", reason="no contact")
    assert r.stage == "referral" and r.referred_firm == "Firm A LLP"
    await eventually(lambda: "referral_instructed" in matters.rec.kinds())
    s = await snap(h)
    assert s.status.referral is not None and s.status.referral.status == "instructed"  # type: ignore[union-attr]
    assert s.status.referral.answer_by is not None  # type: ignore[union-attr]

    # Another firm's partner cannot answer; the right partner accepts; a second answer is refused.
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await answer(env, mid(h), 1, "accept", firm="Firm B LLP")
    assert err.value.cause.type == ERR_NOT_YOURS  # type: ignore[union-attr]
    ok = await answer(env, mid(h), 1, "accept", answer_id="a1")
    assert ok.status == "accepted" and not ok.duplicate
    again = await answer(env, mid(h), 1, "accept", answer_id="a1")
    assert again.duplicate
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await answer(env, mid(h), 1, "decline", reason="conflict")
    assert err.value.cause.type == ERR_STAGE  # type: ignore[union-attr]
    await eventually(lambda: "referral_accepted" in matters.rec.kinds())
    s = await snap(h)
    assert s.stage == "referral" and s.status.referral.status == "accepted"  # type: ignore[union-attr]

    # Months in referral; paying in full closes the matter, cancelling the child first.
    await env.sleep(timedelta(days=35))
    await pay_off(env, h, "FINAL")
    final = await ended(env, h)
    assert final.stage == "closed" and final.closure_reason == "paid"
    assert [d.kind for d in final.documents][-1] == "closure_letter"
    kinds = matters.rec.kinds()
    assert kinds.index("referral_closed") < kinds.index("closed")
    child = await env.client.get_workflow_handle(referral_workflow_id(mid(h), 1),
                                                 result_type=ReferralSnapshot).result()
    assert child.status == "closed"
    assert kinds.count("sms") == 1 and kinds.count("phone_task") == 2 and "legal_review" in kinds
    # Letters were asked for with business identities, each once; every event key once.
    ids = [j.document_id for j in matters.rec.jobs]
    assert len(ids) == len(set(ids)) == 4
    keys = [e.event_key for e in matters.rec.events]
    assert len(keys) == len(set(keys))
    # The projection got increasing status sequence numbers, the last one closed.
    seqs = [st.seq for st in matters.rec.statuses()]
    assert seqs == sorted(seqs) and matters.rec.statuses()[-1].status.stage == "closed"
    # (Described last: the test server mishandles updates after a describe when no timer is pending.)
    sa = (await describe(env, h)).typed_search_attributes
    assert sa.get(SearchAttributeKey.for_keyword("MatterStage")) == "closed"
    assert sa.get(SearchAttributeKey.for_float("OutstandingAmount")) == 0.0
    assert sa.get(SearchAttributeKey.for_datetime("OverdueSince")) == overdue_zero_at
    assert sa.get(SearchAttributeKey.for_bool("NeedsAttention")) is False
    assert sa.get(SearchAttributeKey.for_int("DaysPastDue")) is None  # no longer kept current by waking


async def test_payment_allocates_down_the_waterfall_and_full_payment_closes(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    r = await pay(h, "P1", "1318.00")
    a = r.allocation
    assert (a.costs, a.fees, a.penalty, a.interest, a.principal) == (
        cny("0.00"), cny("100.00"), cny("218.00"), cny("1000.00"), cny("0.00"))
    assert r.outstanding == cny("18200.00") and not r.closed
    same = await pay(h, "P1", "1318.00", update_id="u-P1")
    same_again = await pay(h, "P1", "1318.00", update_id="u-P1")
    assert same == same_again and same.duplicate
    again = await pay(h, "P1", "1318.00")
    assert again.duplicate and again.outstanding == cny("18200.00")

    r = await pay(h, "P2", "18300.00")
    assert r.closed and r.outstanding == cny("0.00")
    assert r.allocation.unapplied == cny("100.00")  # dated before the intake: counted from its day
    final = await ended(env, h)
    assert final.stage == "closed" and final.closure_reason == "paid"
    assert [d.kind for d in final.documents] == ["collection_notice", "closure_letter"]
    assert final.paid_total == cny("19518.00")
    payments = [p.payment_id for u in matters.rec.updates for p in u.payments]
    assert payments == ["P1", "P2"]


async def test_commands_refused_with_typed_errors(env, matters):  # type: ignore[no-untyped-def]
    from domain.money import Money
    from workflows.contracts import UPDATE_PAYMENT, PaymentCommand

    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await h.execute_update(UPDATE_PAYMENT, PaymentCommand(
            payment_id="X", amount=Money.of("10.00", "USD"), received_on=date(2026, 12, 1)))
    assert isinstance(err.value.cause, ApplicationError) and err.value.cause.type == ERR_INVALID
    assert "amount.currency" in str(err.value.cause)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await decide(h, "d", "escalate", firm="Firm A LLP")
    assert err.value.cause.type == ERR_STAGE  # type: ignore[union-attr]
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await decide(h, "d", "escalate")
    assert err.value.cause.type in (ERR_STAGE, ERR_INVALID)  # type: ignore[union-attr]
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await h.execute_update(UPDATE_PROMISE, PromiseCommand(promise_id="p", amount=cny("10.00"),
                                                              due_on=date(2000, 1, 1)))
    assert err.value.cause.type == ERR_INVALID and "due_on" in str(err.value.cause)  # type: ignore[union-attr]
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await h.execute_update(UPDATE_RETRY, RetryCommand(retry_id="r"))
    assert err.value.cause.type == ERR_STAGE  # type: ignore[union-attr]
    await pay(h, "ALL", "19518.00")
    await ended(env, h)
    assert (await snap(h)).stage == "closed"


async def test_promise_kept_pauses_ladder(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    today = (await snap(h)).policy_today
    r = await h.execute_update(
        UPDATE_PROMISE,
        PromiseCommand(promise_id="pr1", amount=cny("5000.00"), due_on=today + timedelta(days=10), actor="clerk"),
        result_type=PromiseResult,
    )
    assert r.status == "pending"
    s = await snap(h)
    assert s.next_step is not None and s.next_step.at == r.deadline
    await env.sleep(timedelta(days=5))
    assert "sms" not in matters.rec.kinds()
    await pay(h, "P1", "2000.00")
    await pay(h, "P2", "3000.00")
    s = await snap(h)
    assert s.promises[0].status == "kept"
    await eventually(lambda: "promise_kept" in matters.rec.kinds())
    # The ladder resumes, shifted by the pause (contact hours may push the SMS up to 11 hours later).
    await env.sleep(timedelta(days=5))
    await eventually(lambda: "sms" in matters.rec.kinds())


async def test_promise_broken_resumes_ladder_and_counts_in_risk(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    before = (await snap(h)).risk
    today = (await snap(h)).policy_today
    cmd = PromiseCommand(promise_id="pr1", amount=cny("5000.00"), due_on=today + timedelta(days=2))
    await h.execute_update(UPDATE_PROMISE, cmd, result_type=PromiseResult)
    dup = await h.execute_update(UPDATE_PROMISE, cmd, result_type=PromiseResult)
    assert dup.duplicate
    await env.sleep(timedelta(days=7))
    s = await snap(h)
    assert s.promises[0].status == "broken"
    broken = next(f for f in s.risk.factors if f.factor == "broken_promises")  # type: ignore[union-attr]
    assert broken.points > 0 and s.risk.score > before.score  # type: ignore[union-attr]
    await eventually(lambda: "promise_broken" in matters.rec.kinds())
    await env.sleep(timedelta(days=3))
    await eventually(lambda: "sms" in matters.rec.kinds())


async def test_extend_negotiation_then_review_again(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(days=62))
    s = await snap(h)
    assert s.stage == "legal_review"
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await decide(h, "bad", "extend_negotiation")
    assert "new_end_on" in str(err.value.cause)
    new_end = s.policy_today + timedelta(days=10)
    r = await decide(h, "d1", "extend_negotiation", new_end_on=new_end, reason="talks")
    assert r.stage == "negotiation" and r.negotiation_ends_on == new_end
    await env.sleep(timedelta(days=12))
    assert (await snap(h)).stage == "legal_review"


# ---- issue 6 defects ------------------------------------------------------------------------------

async def test_a_letters_dates_come_from_one_instant_even_when_the_first_write_is_slow(env, matters):  # type: ignore[no-untyped-def]
    """Defect 1: on the demo policy (1 policy day = 1 s) the first projection write took longer than
    the notice's 7 days to pay; v1 took pay_by before the write and the letter date after it, the
    letter was refused for ever and the matter stalled in `intake`."""
    matters.rec.project_delay = 8.5  # 8.5 policy days
    h = await matters.start("demo")
    await eventually(lambda: matters.rec.jobs, seconds=30)
    notice = matters.rec.jobs[0].context
    assert notice.kind == "collection_notice"
    assert notice.pay_by == notice.letter_date + timedelta(days=7)  # type: ignore[attr-defined]
    s = await snap(h)
    assert s.stage in ("reminders", "negotiation") and s.status.attention is None  # type: ignore[union-attr]


async def test_a_letter_wrong_on_its_face_needs_attention_and_is_never_retried_for_ever(env, matters):  # type: ignore[no-untyped-def]
    """Defect 1/3: a letter that cannot be valid is refused once (not retried for ever) and the
    matter shows `needs_attention` while still taking payments."""
    future = (date.today() + timedelta(days=400)).isoformat()
    h = await matters.start("standard", intake={"contract": {
        "number": "JK-1", "signed_on": future, "principal": {"amount": "200000.00", "currency": "CNY"},
        "annual_rate": "0.0435"}, "overdue": {
        "since": future, "principal": {"amount": "18000.00", "currency": "CNY"},
        "interest": {"amount": "1200.00", "currency": "CNY"}, "penalty": {"amount": "218.00", "currency": "CNY"},
        "fees": {"amount": "100.00", "currency": "CNY"}}})
    await env.sleep(timedelta(hours=1))
    s = await snap(h)
    a = s.status.attention  # type: ignore[union-attr]
    assert a is not None and a.error == "LetterInvalid" and not a.retryable and a.retry_at is None
    assert "contract_signed_on" in a.reason and "张伟" not in a.reason
    assert matters.rec.letter_attempts == 0  # refused in the workflow, before any side effect
    assert s.stage == "notice"
    r = await pay(h, "P1", "100.00", received_on=date.fromisoformat(future))  # still takes payments
    assert not r.duplicate and r.outstanding == cny("19418.00")
    desc = await describe(env, h)
    assert desc.typed_search_attributes.get(SearchAttributeKey.for_bool("NeedsAttention")) is True
    await eventually(lambda: "needs_attention" in matters.rec.kinds())
    statuses = matters.rec.statuses()
    assert statuses[-1].status.attention is not None
    # Nothing retries by itself (retrying cannot fix it): no retry is scheduled, the one attempt stands.
    # (No env.sleep here: with no timer pending, the time-skipping server sometimes fails the sleep RPC.)
    a = (await snap(h)).status.attention  # type: ignore[union-attr]
    assert a is not None and a.attempts == 1 and a.retry_at is None and matters.rec.letter_attempts == 0


async def test_a_failing_letter_needs_attention_takes_payments_and_a_managers_retry_recovers(env, matters):  # type: ignore[no-untyped-def]
    """Defect 3: one bad letter used to fail the whole execution (API: 409 'matter is closed')."""
    matters.rec.fail_letters = "TemplateError"
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    s = await snap(h)
    a = s.status.attention  # type: ignore[union-attr]
    assert a is not None and a.error == "TemplateError" and a.effect == "letter:notice" and not a.retryable
    assert s.stage == "notice"
    await pay(h, "P1", "100.00")
    promise = await h.execute_update(UPDATE_PROMISE, PromiseCommand(
        promise_id="pr1", amount=cny("1000.00"), due_on=s.policy_today + timedelta(days=5)), result_type=PromiseResult)
    assert promise.status == "pending"
    # The template is fixed; a manager retries.
    matters.rec.fail_letters = None
    r = await h.execute_update(UPDATE_RETRY, RetryCommand(retry_id="r1", actor="manager-1"), result_type=RetryResult)
    assert r.effect == "letter:notice" and not r.duplicate
    dup = await h.execute_update(UPDATE_RETRY, RetryCommand(retry_id="r1", actor="manager-1"),
                                 result_type=RetryResult)
    assert dup.duplicate
    await eventually(lambda: [j.kind for j in matters.rec.jobs] == ["collection_notice"])
    s = await snap(h)
    assert s.status.attention is None and s.stage == "reminders"  # type: ignore[union-attr]
    assert "retry" in matters.rec.kinds()


async def test_a_letter_that_keeps_failing_is_retried_later_by_itself(env, matters):  # type: ignore[no-untyped-def]
    matters.rec.fail_letters = "transient"
    h = await matters.start("standard", attention_retry_seconds=3600)
    await env.sleep(timedelta(minutes=30))
    a = (await snap(h)).status.attention  # type: ignore[union-attr]
    assert a is not None and a.retryable and a.retry_at is not None and a.attempts == 1
    tries = matters.rec.letter_attempts
    assert tries == 10  # the activity's own attempts, then the matter needs attention
    matters.rec.fail_letters = None
    await env.sleep(timedelta(hours=2))
    await eventually(lambda: [j.kind for j in matters.rec.jobs] == ["collection_notice"])
    assert (await snap(h)).status.attention is None  # type: ignore[union-attr]


async def test_continue_as_new_keeps_every_record_a_command_added(env, matters):  # type: ignore[no-untyped-def]
    """Defect 2: records that update handlers added between the last projection write and the
    run's end were dropped at continue-as-new; they now travel in the state."""
    h = await matters.start("standard", continue_as_new_after_events=25)
    await env.sleep(timedelta(hours=1))
    paid = []
    for i in range(12):
        paid.append(await pay(h, f"P{i}", "10.00"))
        await env.sleep(timedelta(days=3))
    s = await snap(h)
    assert s.status is not None and s.status.ledger is not None
    start_balance = s.status.statement(s.status.ledger.start).balance.total  # type: ignore[union-attr]
    assert s.paid_total == cny("120.00") and start_balance == cny("19398.00")
    projected = [p.payment_id for u in matters.rec.updates for p in u.payments]
    await eventually(lambda: len({p.payment_id for u in matters.rec.updates for p in u.payments}) == 12)
    projected = [p.payment_id for u in matters.rec.updates for p in u.payments]
    assert sorted(set(projected)) == sorted(f"P{i}" for i in range(12))
    events = {e.event_key for e in matters.rec.events}
    assert {f"payment-P{i}" for i in range(12)} <= events
    # Several runs, each ended by continuing as new, carrying the state.
    runs = 0
    async for e in env.client.get_workflow_handle(h.id).fetch_history_events():
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            runs += 1
    await env.client.test_service.unlock_time_skipping(UnlockTimeSkippingRequest())
    assert runs == 0  # the latest run's history only: fetched by id, it is the newest run
    again = await pay(h, "P1", "10.00")
    # (Time skipping is unlocked from here: the server may skip to the matter's next timer, so the
    # replay is compared with the payment as first recorded, not with a balance that may have accrued.)
    assert again.duplicate and again.allocation == paid[1].allocation
    assert s.documents[0].kind == "collection_notice"


async def test_payments_during_the_last_write_before_continue_as_new_are_all_projected(env, matters):  # type: ignore[no-untyped-def]
    """Defect 2, under the race that broke v1: four streams of payments while every projection write
    takes 0.3 s and the run continues as new every 20 events. v1 lost 36 of these 80 payments' rows
    (run against the code before this change); every one must reach the projection."""
    matters.rec.project_delay_each = 0.3
    h = await matters.start("standard", continue_as_new_after_events=20)
    await env.sleep(timedelta(hours=1))

    async def stream(k: int) -> None:
        for i in range(20):
            await pay(h, f"S{k}-{i}", "1.00", update_id=f"s{k}-{i}")

    await asyncio.gather(*(stream(k) for k in range(4)))
    want = {f"S{k}-{i}" for k in range(4) for i in range(20)}

    def projected() -> set[str]:
        return {p.payment_id for u in matters.rec.updates for p in u.payments}

    await eventually(lambda: want <= projected(), seconds=60)
    assert (await snap(h)).paid_total == cny("80.00")
    assert {f"payment-{p}" for p in want} <= {e.event_key for e in matters.rec.events}


async def test_an_open_matter_wakes_only_for_real_steps(env, matters):  # type: ignore[no-untyped-def]
    """Defect 6: every open matter woke once a policy day to refresh DaysPastDue. Over 120 days a
    standard matter now sleeps only between its real steps (6 ladder steps, the window's end, and in
    legal review the first warning of the limitation period's end, years ahead)."""
    h = await matters.start("standard")
    await env.sleep(timedelta(days=120))
    assert (await snap(h)).stage == "legal_review"
    events = await history_events(env, h.id)
    timers = [e for e in events if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]
    assert len(timers) <= 8, len(timers)
    upserts = [e for e in events if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]
    assert all(b"DaysPastDue" not in e.SerializeToString() for e in upserts)
    # (80 before the accrual patch's marker and the two reminders sent as activities, SMS and e-mail;
    # 100 before each of them asked the borrower's contact budget first: 113; then the limitation
    # patch's marker and the timer of its first warning, years ahead: 116; the markers of the patches
    # "guarantee-periods" and "asset-register": 118)
    assert len(events) <= 120, len(events)


async def test_referral_declined_goes_back_to_the_manager_and_the_firm_loses_the_matter(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(days=62))
    await decide(h, "d1", "escalate", firm="Firm A LLP")
    await eventually(lambda: "referral_instructed" in matters.rec.kinds())
    with pytest.raises(ValueError, match="reason"):
        await answer(env, mid(h), 1, "decline")  # no reason: refused before it is sent
    r = await answer(env, mid(h), 1, "decline", reason="conflict of interest")
    assert r.status == "declined"
    await eventually(lambda: "referral_declined" in matters.rec.kinds())
    s = await snap(h)
    assert s.stage == "legal_review" and s.status.referral is None and s.referred_firm is None  # type: ignore[union-attr]
    last = s.status.last_referral  # type: ignore[union-attr]
    assert last is not None and (last.number, last.firm, last.outcome) == (1, "Firm A LLP", "declined")
    declined = next(e for e in matters.rec.events if e.kind == "referral_declined")
    assert declined.actor == "partner-1" and declined.data["reason"] == "conflict of interest"
    # The manager refers to another firm: a second child with its own id.
    await decide(h, "d2", "escalate", firm="Firm B LLP")
    await eventually(lambda: (matters.rec.kinds().count("referral_instructed") == 2))
    s = await snap(h)
    assert s.status.referral.number == 2 and s.status.referral.firm == "Firm B LLP"  # type: ignore[union-attr]
    assert s.status.last_referral.outcome == "declined"  # type: ignore[union-attr]  # until this one ends


async def recall(h: WorkflowHandle[Any, Any], recall_id: str, reason: str = "slow to act") -> RecallResult:
    return await h.execute_update(UPDATE_RECALL_REFERRAL,
                                  RecallCommand(recall_id=recall_id, reason=reason, actor="manager-2"),
                                  result_type=RecallResult)


async def test_recalled_referral_cancels_the_firm_s_child_and_the_matter_can_go_to_another_firm(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(days=62))
    with pytest.raises(WorkflowUpdateFailedError) as err:  # nothing referred yet
        await recall(h, "r0")
    assert err.value.cause.type == ERR_STAGE  # type: ignore[union-attr]
    firm_a = LawFirm(id="firm-a", name="Firm A LLP", address="1 Bund, Shanghai", email="intake@a.example")
    with pytest.raises(WorkflowUpdateFailedError) as err:  # the record must be the named firm's
        await decide(h, "dx", "escalate", firm="firm-b", firm_details=firm_a)
    assert err.value.cause.type == ERR_INVALID  # type: ignore[union-attr]
    await decide(h, "d1", "escalate", firm="firm-a", firm_details=firm_a)
    await eventually(lambda: "referral_instructed" in matters.rec.kinds())
    s = await snap(h)
    assert s.status.referral.firm_name == "Firm A LLP"  # type: ignore[union-attr]
    assert await answer(env, mid(h), 1, "accept", firm="firm-a") is not None
    await eventually(lambda: "referral_accepted" in matters.rec.kinds())
    # This firm's record has no fee terms: its instruction letter cannot be written (the API refuses
    # such a referral; here it shows that a recall also clears what the firm's instruction blocked).
    attention = (await snap(h)).status.attention  # type: ignore[union-attr]
    assert attention is not None and attention.effect == "letter:referral-1" and "fee_arrangement" in attention.reason

    r = await recall(h, "r1", reason="no progress in 30 days")
    assert (r.number, r.firm, r.stage, r.duplicate) == (1, "firm-a", "legal_review", False)
    # The status to write through: the firm no longer holds the matter, at a newer sequence.
    assert r.status is not None and r.status.referred_firm is None and r.seq is not None
    again = await recall(h, "r1", reason="no progress in 30 days")
    assert again.duplicate and again.status is None and (again.number, again.firm) == (1, "firm-a")
    with pytest.raises(WorkflowUpdateFailedError) as err:  # the same id with another body
        await recall(h, "r1", reason="something else")
    assert err.value.cause.type == ERR_KEY_REUSED  # type: ignore[union-attr]
    with pytest.raises(WorkflowUpdateFailedError) as err:  # nothing left to recall
        await recall(h, "r2")
    assert err.value.cause.type == ERR_STAGE  # type: ignore[union-attr]

    # The child was cancelled: it reported that it closed (and so ended the firm's engagement).
    await eventually(lambda: "referral_closed" in matters.rec.kinds())
    assert "attention_cleared" in matters.rec.kinds() and (await snap(h)).status.attention is None  # type: ignore[union-attr]
    s = await snap(h)
    assert s.stage == "legal_review" and s.referred_firm is None
    last = s.status.last_referral  # type: ignore[union-attr]
    assert last is not None and (last.number, last.firm, last.outcome) == (1, "firm-a", "recalled")
    recalled = next(e for e in matters.rec.events if e.kind == "referral_recalled")
    assert recalled.actor == "manager-2" and recalled.data["reason"] == "no progress in 30 days"
    assert "Firm A LLP" in recalled.summary

    # Re-referred: a new child for the other firm; the recalled firm cannot answer it.
    firm_b = LawFirm(id="firm-b", name="Firm B LLP")
    await decide(h, "d2", "escalate", firm="firm-b", firm_details=firm_b)
    await eventually(lambda: matters.rec.kinds().count("referral_instructed") == 2)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await answer(env, mid(h), 2, "accept", firm="firm-a")
    assert err.value.cause.type == ERR_NOT_YOURS  # type: ignore[union-attr]
    assert (await answer(env, mid(h), 2, "accept", firm="firm-b")).status == "accepted"
    s = await snap(h)
    assert s.referred_firm == "firm-b" and s.status.referral.number == 2  # type: ignore[union-attr]


FIRM_ON_RECORD = LawFirm(id="firm-a", name="Firm A LLP", address="1 Bund, Shanghai", email="intake@a.example",
                         fee_arrangement="CNY 3,000.00 plus 8% of what is recovered")


async def test_a_firm_on_record_is_instructed_with_the_letter_the_evidence_pack_and_an_e_mail(env, matters):  # type: ignore[no-untyped-def]
    from tests.factories import intake_data

    contract = {**intake_data()["contract"], "dispute": {"forum": "arbitration",
                                                          "institution": "Shanghai Arbitration Commission"}}
    h = await matters.start("standard", intake={"contract": contract})
    await env.sleep(timedelta(days=62))
    await decide(h, "d1", "escalate", firm="firm-a", firm_details=FIRM_ON_RECORD, attention="Chen Jing")
    await eventually(lambda: "referral_instruction_sent" in matters.rec.kinds())
    kinds = matters.rec.kinds()
    order = [kinds.index(k) for k in ("referral_instructed", "referral_bundle", "referral_instruction_sent")]
    assert order == sorted(order), kinds
    letter = next(j for j in matters.rec.jobs if j.kind == "referral_instruction")
    ctx = letter.context
    assert (ctx.law_firm_name, ctx.law_firm_address, ctx.partner_name) == ("Firm A LLP", "1 Bund, Shanghai",  # type: ignore[attr-defined]
                                                                            "Chen Jing")
    assert ctx.arbitration is True and ctx.fee_arrangement == FIRM_ON_RECORD.fee_arrangement  # type: ignore[attr-defined]
    assert ctx.total == ctx.balance.total and ctx.balance_as_of == ctx.letter_date  # type: ignore[attr-defined]
    pack = f"EP-{mid(h)[:8].upper()}-R1"
    assert ctx.evidence_pack_reference == pack  # type: ignore[attr-defined]
    [bundle] = matters.rec.bundles
    assert (bundle.number, bundle.reference, bundle.required) == (1, pack, (letter.document_id,))
    [mail] = matters.rec.firm_emails
    assert (mail.to, mail.firm_name, mail.letter_document_id, mail.pack_reference) == (
        "intake@a.example", "Firm A LLP", letter.document_id, pack)
    assert mail.bundle.sha256 and mail.letter_sha256 and mail.answer_within_days == 5
    s = await snap(h)
    assert s.status.attention is None and s.stage == "referral"  # type: ignore[union-attr]
    # A firm without a record (a referral made before firms were records) is not instructed this way.
    assert len([j for j in matters.rec.jobs if j.kind == "referral_instruction"]) == 1


async def test_a_firm_instructed_by_e_mail_is_reminded_by_e_mail_then_loses_the_referral(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(days=62))
    await decide(h, "d1", "escalate", firm="firm-a", firm_details=FIRM_ON_RECORD)
    await eventually(lambda: "referral_instruction_sent" in matters.rec.kinds())
    await env.sleep(timedelta(days=4))  # remind after 3 days
    await eventually(lambda: "referral_reminder_sent" in matters.rec.kinds())
    first, reminder = matters.rec.firm_emails
    assert first.answer_by is None and reminder.answer_by is not None
    assert reminder.message_id == f"{mid(h)}-referral-1-reminder" and reminder.bundle == first.bundle
    s = await snap(h)
    assert reminder.answer_by == s.status.referral.answer_by  # type: ignore[union-attr]
    await env.sleep(timedelta(days=2))  # answer within 5 days
    await eventually(lambda: "referral_lapsed" in matters.rec.kinds())
    assert len(matters.rec.firm_emails) == 2 and (await snap(h)).stage == "legal_review"


async def test_an_instruction_e_mail_refused_for_good_is_recorded_and_a_tampered_pack_needs_attention(  # type: ignore[no-untyped-def]
    env, matters,
):
    matters.rec.refuse_messages = "EmailRejected"
    h = await matters.start("standard", intake={"borrower": {"name": "张三", "id_number": "110101199003071234"}})
    await env.sleep(timedelta(days=62))
    await decide(h, "d1", "escalate", firm="firm-a", firm_details=FIRM_ON_RECORD)
    await eventually(lambda: "referral_email_refused" in matters.rec.kinds())
    s = await snap(h)
    assert s.status.attention is None and s.stage == "referral"  # type: ignore[union-attr]
    letter = next(j for j in matters.rec.jobs if j.kind == "referral_instruction")
    assert letter.context.partner_name is None  # type: ignore[attr-defined]  # none named: to the firm

    matters.rec.refuse_messages = None
    matters.rec.fail_bundles = "EvidenceTampered"
    h2 = await matters.start("standard")
    await env.sleep(timedelta(days=62))
    await decide(h2, "d1", "escalate", firm="firm-a", firm_details=FIRM_ON_RECORD)

    async def attention() -> Any:
        st = (await snap(h2)).status
        return st.attention if st is not None and st.attention is not None else None

    att = await eventually(attention)
    assert att.effect == "instruct:1" and att.error == "EvidenceTampered" and not att.retryable


async def lawyers_letter(h: WorkflowHandle[Any, Any], letter_id: str, firm: str = "firm-a",
                         days: int = 10) -> LawyersLetterResult:
    return await h.execute_update(UPDATE_LAWYERS_LETTER, LawyersLetterCommand(
        letter_id=letter_id, firm=firm, lawyer_name="Li Mingyuan", licence_number="13101201810123456",
        respond_within_days=days, actor="partner-a"), result_type=LawyersLetterResult)


async def test_the_firm_s_lawyer_s_letter_states_the_record_and_its_time_to_pay_runs(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(days=62))
    await decide(h, "d1", "escalate", firm="firm-a", firm_details=FIRM_ON_RECORD)
    await eventually(lambda: "referral_instruction_sent" in matters.rec.kinds())
    with pytest.raises(WorkflowUpdateFailedError) as err:  # not accepted yet
        await lawyers_letter(h, "L0")
    assert err.value.cause.type == ERR_STAGE and "accepted" in str(err.value.cause)  # type: ignore[union-attr]
    await answer(env, mid(h), 1, "accept", firm="firm-a")
    await eventually(lambda: "referral_accepted" in matters.rec.kinds())
    with pytest.raises(WorkflowUpdateFailedError) as err:  # another firm's partner
        await lawyers_letter(h, "LX", firm="firm-b")
    assert err.value.cause.type == ERR_NOT_YOURS  # type: ignore[union-attr]

    r = await lawyers_letter(h, "L1", days=10)
    assert not r.duplicate and r.number == 1 and r.document_id == f"{mid(h)}-lawyers-letter-1-lawyers_letter"
    assert (await lawyers_letter(h, "L1", days=10)).duplicate
    with pytest.raises(WorkflowUpdateFailedError) as err:  # one per referral
        await lawyers_letter(h, "L2")
    assert err.value.cause.type == ERR_STAGE and "already ordered" in str(err.value.cause)  # type: ignore[union-attr]
    await eventually(lambda: any(j.kind == "lawyers_letter" for j in matters.rec.jobs))
    job = next(j for j in matters.rec.jobs if j.kind == "lawyers_letter")
    ctx = job.context
    assert (ctx.law_firm.name, ctx.law_firm.address, ctx.lawyer.name) == (  # type: ignore[attr-defined]
        "Firm A LLP", "1 Bund, Shanghai", "Li Mingyuan")
    demands = [j.context.letter_date for j in matters.rec.jobs if j.kind in ("collection_notice", "reminder_letter")]
    assert list(ctx.demands_on) == sorted(demands) and len(demands) >= 2  # type: ignore[attr-defined]
    assert ctx.pay_by == ctx.letter_date + timedelta(days=10) == r.respond_by  # type: ignore[attr-defined]
    assert ctx.total == ctx.balance.total and ctx.instructed_on <= ctx.letter_date  # type: ignore[attr-defined]
    s = await snap(h)
    assert s.next_step is not None and "lawyer's letter" in s.next_step.name
    await env.sleep(timedelta(days=12))
    await eventually(lambda: "lawyers_letter_ended" in matters.rec.kinds())
    ended = next(e for e in matters.rec.events if e.kind == "lawyers_letter_ended")
    assert r.respond_by.isoformat() in ended.summary
    assert matters.rec.kinds().count("lawyers_letter_ended") == 1
    s = await snap(h)
    assert s.next_step is None or "lawyer's letter" not in s.next_step.name


async def test_referral_not_answered_is_reminded_then_goes_back_to_the_manager(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(days=62))
    await decide(h, "d1", "escalate", firm="Firm A LLP")
    await eventually(lambda: "referral_instructed" in matters.rec.kinds())
    await env.sleep(timedelta(days=4))  # remind after 3 days
    await eventually(lambda: "referral_reminded" in matters.rec.kinds())
    assert (await snap(h)).stage == "referral"
    await env.sleep(timedelta(days=2))  # answer within 5 days
    await eventually(lambda: "referral_lapsed" in matters.rec.kinds())
    s = await snap(h)
    assert s.stage == "legal_review" and s.status.referral is None  # type: ignore[union-attr]
    last = s.status.last_referral  # type: ignore[union-attr]
    assert last is not None and (last.number, last.outcome) == (1, "lapsed")
    with pytest.raises(RPCError, match="not found"):  # the child has ended: nothing to answer
        await answer(env, mid(h), 1, "accept")


async def test_closed_matter_refuses_commands(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    await pay(h, "ALL", "19518.00")
    await ended(env, h)
    with pytest.raises(Exception) as err:  # the workflow has completed: Temporal refuses the update
        await pay(h, "LATE", "1.00")
    assert err.value is not None


def _contract(**terms: Any) -> dict[str, Any]:
    base = {"number": "JK-2024-000123", "signed_on": "2024-03-15", "principal": {"amount": "200000.00",
            "currency": "CNY"}, "annual_rate": "0.0435"}
    return {"contract": {**base, **terms}}


@pytest.mark.parametrize(("terms", "closure", "letter"), [
    ({"principal_not_due": {"amount": "150000.00", "currency": "CNY"}}, "cured", "arrears_cleared"),
    ({}, "cured", "arrears_cleared"),  # not known: never a payoff certificate on a guess
    ({"due_on": "2026-10-01"}, "paid", "closure_letter"),  # matured: all of it was due
    ({"principal_not_due": {"amount": "0.00", "currency": "CNY"}}, "paid", "closure_letter"),
])
async def test_paying_the_arrears_pays_off_the_loan_only_if_nothing_else_is_owed(  # type: ignore[no-untyped-def]
    env, matters, terms, closure, letter,
):
    h = await matters.start("standard", intake=_contract(**terms))
    await env.sleep(timedelta(hours=1))
    r = await pay(h, "P1", "19518.00")
    assert r.closed and r.outstanding == cny("0.00")
    final = await ended(env, h)
    assert (final.stage, final.closure_reason) == ("closed", closure)
    assert [d.kind for d in final.documents] == ["collection_notice", letter]
