"""Settlements, amendments and write-offs on the time-skipping server: approval by authority, the signed
agreement, instalments on durable timers, kept to the end or breached, and recoveries after write-off."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.arrangements import InterestClause, build_schedule
from domain.money import Money
from tests.workflows.harness import cny, ended, eventually, pay, refused, snap
from workflows.contracts import (
    ERR_FORBIDDEN,
    ERR_INVALID,
    ERR_STAGE,
    UPDATE_APPROVAL,
    UPDATE_PROPOSE,
    UPDATE_SIGNED,
    ApprovalCommand,
    ApprovalResult,
    ProposeCommand,
    ProposeResult,
    SignedCommand,
    SignedResult,
)


async def today_of(env: WorkflowEnvironment, h: WorkflowHandle[Any, Any]) -> date:
    s = (await snap(h)).status
    assert s is not None
    return s.policy_today(await env.get_current_time())


async def propose(h: WorkflowHandle[Any, Any], pid: str, kind: str, terms: dict[str, Any],
                  actor: str = "clerk-1") -> ProposeResult:
    return await h.execute_update(UPDATE_PROPOSE, ProposeCommand(proposal_id=pid, kind=kind, terms=terms,  # type: ignore[arg-type]
                                                                 actor=actor), result_type=ProposeResult)


async def decide(h: WorkflowHandle[Any, Any], pid: str, actor: str, role: str = "manager",
                 decision: str = "approve", approval_id: str | None = None) -> ApprovalResult:
    return await h.execute_update(UPDATE_APPROVAL, ApprovalCommand(
        approval_id=approval_id or f"{pid}-{actor}", proposal_id=pid, decision=decision, role=role,  # type: ignore[arg-type]
        actor=actor), result_type=ApprovalResult)


async def sign(h: WorkflowHandle[Any, Any], pid: str, on: date) -> SignedResult:
    return await h.execute_update(UPDATE_SIGNED, SignedCommand(proposal_id=pid, document_id=f"signed-{pid}",
                                                               signed_on=on, actor="clerk-1"),
                                  result_type=SignedResult)




def settlement_terms(today: date, penalty: str = "218.00", interest: str = "500.00", first: str = "5000.00",
                     lapses: bool = True, balance_total: Decimal = Decimal("19518.00")) -> dict[str, Any]:
    """Waive the penalty and part of the interest; pay the rest in two instalments, 30 and 60 days out."""
    payable = balance_total - Decimal(penalty) - Decimal(interest)
    return {
        "waivers": {"penalty": {"amount": penalty, "currency": "CNY"},
                    "interest": {"amount": interest, "currency": "CNY"}},
        "instalments": [
            {"number": 1, "due_on": (today + timedelta(days=30)).isoformat(),
             "amount": {"amount": first, "currency": "CNY"}},
            {"number": 2, "due_on": (today + timedelta(days=60)).isoformat(),
             "amount": {"amount": str(payable - Decimal(first)), "currency": "CNY"}},
        ],
        "waiver_lapses_on_default": lapses,
    }


async def effective_settlement(env: WorkflowEnvironment, h: WorkflowHandle[Any, Any], pid: str = "S1",
                               **kw: Any) -> tuple[date, ProposeResult]:
    today = await today_of(env, h)
    p = await propose(h, pid, "settlement", settlement_terms(today, **kw))
    assert p.arrangement.status == "proposed" and p.arrangement.needs == "one member of the legal team"
    d = await decide(h, pid, "clerk-2", role="legal_team")
    assert d.arrangement.status == "approved"
    s = await sign(h, pid, today)
    assert s.arrangement.status == "effective" and s.stage == "amendment"
    return today, p


async def test_a_settlement_kept_to_the_end_closes_settled_with_the_rest_waived(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    today, p = await effective_settlement(env, h)
    await eventually(lambda: "settlement_agreement" in [j.kind for j in matters.rec.jobs])
    assert p.arrangement.waived == cny("718.00") and p.arrangement.waived_share == "3.68%"
    # While it runs the ladder waits: no reminder letter on day 8, 21...
    await env.sleep(timedelta(days=25))
    assert [j.kind for j in matters.rec.jobs].count("reminder_letter") == 0
    await pay(h, "I1", "5000.00", received_on=today + timedelta(days=25))
    await env.sleep(timedelta(days=10))  # instalment 1's deadline (day 30 + 3 days' grace) passes: it was paid
    s = (await snap(h)).status
    assert s is not None and s.stage == "amendment" and s.arrangement is not None and s.arrangement.next_due == 2
    r = await pay(h, "I2", "13800.00", received_on=today + timedelta(days=40))
    assert r.closed and r.stage == "closed"
    final = await ended(env, h)
    assert (final.stage, final.closure_reason) == ("closed", "settled")
    st = final.status
    assert st is not None and st.arrangement is not None and st.arrangement.status == "kept"
    stmt = st.statement(st.ledger.until)  # type: ignore[union-attr,arg-type]
    assert stmt is not None and stmt.balance.total == cny("0.00")
    assert stmt.paid == cny("18800.00")  # paid is what was paid; the rest is waived, not paid
    assert stmt.waived == stmt.opening.total + stmt.accrued.total - stmt.paid
    assert "arrangement_kept" in matters.rec.kinds()


async def test_a_missed_instalment_breaches_the_settlement_and_the_waiver_lapses(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    today, _ = await effective_settlement(env, h)
    await pay(h, "I1", "1000.00", received_on=today + timedelta(days=10))  # short of instalment 1
    await env.sleep(timedelta(days=34))  # day 30 + 3 days' grace has passed
    s = (await snap(h)).status
    assert s is not None and s.stage == "legal_review"
    assert s.arrangement is not None and s.arrangement.status == "breached"
    assert "instalment 1" in (s.arrangement.reason or "") and "4,000.00 short" in (s.arrangement.reason or "")
    await eventually(lambda: "arrangement_breach" in [j.kind for j in matters.rec.jobs])
    letter: Any = next(j.context for j in matters.rec.jobs if j.kind == "arrangement_breach")
    assert letter.waiver_lapsed and letter.waived_amount == cny("718.00")
    assert letter.missed_instalment == 1 and letter.missed_amount == cny("4000.00")
    # The whole balance is owed again (nothing was waived), with the charges of all the days since.
    stmt = s.statement(await today_of(env, h))
    assert stmt is not None and stmt.waived == cny("0.00") and stmt.paid == cny("1000.00")
    assert stmt.balance.total == stmt.opening.total + stmt.accrued.total - cny("1000.00")


async def test_a_waiver_that_does_not_lapse_is_booked_when_the_agreement_takes_effect(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    today, _ = await effective_settlement(env, h, lapses=False)
    s = (await snap(h)).status
    assert s is not None
    stmt = s.statement(today)
    assert stmt is not None and stmt.waived == cny("718.00") and stmt.balance.penalty == cny("0.00")


async def test_authority_the_proposer_and_one_at_a_time(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    today = await today_of(env, h)
    # Waiving 1,418 of 19,518 is 7.3%: within the team's 5,000 and 10%; 4,000 (20.5%) needs a manager.
    big = settlement_terms(today, penalty="218.00", interest="1200.00")
    big["instalments"][1]["amount"]["amount"] = str(Decimal("19518.00") - Decimal("1418.00") - Decimal("5000.00"))
    p = await propose(h, "S1", "settlement", big)
    assert p.arrangement.needs == "one member of the legal team"
    own = await refused(decide(h, "S1", "clerk-1", role="legal_team"))
    assert own.type == ERR_FORBIDDEN and "approver" in own.message
    second = await refused(propose(h, "S2", "settlement", settlement_terms(today)))
    assert second.type == ERR_STAGE and "one arrangement at a time" in second.message
    rejected = await decide(h, "S1", "manager-1", decision="reject")
    assert rejected.arrangement.status == "rejected"
    late = await refused(decide(h, "S1", "manager-2"))
    assert late.type == ERR_STAGE

    # Principal discount of 4,000: 20.5% of the balance, above the team's level.
    terms = settlement_terms(today, penalty="0.00", interest="0.00")
    terms.pop("waivers")
    terms["principal_discount"] = {"amount": "4000.00", "currency": "CNY"}
    terms["instalments"][1]["amount"]["amount"] = str(Decimal("19518.00") - Decimal("4000.00") - Decimal("5000.00"))
    p2 = await propose(h, "S3", "settlement", terms)
    assert p2.arrangement.needs == "one manager"
    low = await refused(decide(h, "S3", "clerk-2", role="legal_team"))
    assert low.type == ERR_FORBIDDEN and low.message.startswith("role:")
    ok = await decide(h, "S3", "manager-1")
    assert ok.arrangement.status == "approved"

    # A proposal that does not add up is refused by field.
    bad = settlement_terms(today)
    bad["instalments"][0]["due_on"] = (today - timedelta(days=1)).isoformat()
    h2 = await matters.start("standard", intake={"external_ref": "LN-2"})
    await env.sleep(timedelta(hours=1))
    wrong = await refused(propose(h2, "S9", "settlement", bad))
    assert wrong.type == ERR_INVALID and "instalments[0].due_on" in wrong.message


async def test_an_amendment_checks_its_schedule_against_its_clause_and_warns_for_guarantors(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    today = await today_of(env, h)
    clause = InterestClause(annual_rate=Decimal("0.0435"), day_count="actual/360", start_on=today)
    rows = build_schedule(Money.of("19518.00", "CNY"), clause,
                          [today + timedelta(days=30 * k) for k in range(1, 4)])
    terms = {"restructured_principal": {"amount": "19518.00", "currency": "CNY"},
             "clause": clause.model_dump(mode="json"), "rows": [r.model_dump(mode="json") for r in rows],
             "guarantor_consents": {"李娜": False}}
    broken = [dict(r) for r in terms["rows"]]  # type: ignore[union-attr]
    broken[1] = {**broken[1], "interest": {"amount": str(rows[1].interest.amount + Decimal("0.01")),
                                           "currency": "CNY"}}
    wrong = await refused(propose(h, "A0", "amendment", {**terms, "rows": broken}))
    assert wrong.type == ERR_INVALID and "rows[1].interest" in wrong.message
    p = await propose(h, "A1", "amendment", terms)
    assert any("art. 695" in w and "not extended" in w for w in p.arrangement.warnings)
    await decide(h, "A1", "clerk-2", role="legal_team")
    s = await sign(h, "A1", today)
    assert s.stage == "amendment" and len(s.arrangement.instalments) == 3
    await eventually(lambda: "amendment_agreement" in [j.kind for j in matters.rec.jobs])
    outstanding = Money.of("19518.00", "CNY")
    for i, row in enumerate(rows):  # every instalment paid on its day
        await env.sleep(timedelta(days=30))
        assert await today_of(env, h) == row.due_on
        paid = await pay(h, f"R{i}", str(row.total.amount), received_on=row.due_on)
        # The ledger is the amendment's: the clause's interest to the day, then principal; nothing else.
        assert paid.allocation.interest == row.interest and paid.allocation.principal == row.principal
        assert paid.allocation.penalty.is_zero() and paid.allocation.unapplied.is_zero()
        outstanding = outstanding - row.principal
    assert outstanding.is_zero()
    final = await ended(env, h)
    assert (final.stage, final.closure_reason) == ("closed", "settled")
    kept = next(e for e in matters.rec.events if e.kind == "arrangement_kept")
    assert kept.data["waived"]["amount"] == "0.00"  # every cent was paid as the schedule says


async def test_what_an_amendment_does_not_carry_is_payable_on_signing_and_the_ledger_follows_its_clause(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    today = await today_of(env, h)
    clause = InterestClause(annual_rate=Decimal("0.06"), day_count="actual/365", start_on=today)
    principal = Money.of("19000.00", "CNY")  # of 19518.00: 518.00 payable on signing
    rows = build_schedule(principal, clause, [today + timedelta(days=30 * k) for k in range(1, 3)])
    terms = {"restructured_principal": principal.model_dump(mode="json"), "clause": clause.model_dump(mode="json"),
             "rows": [r.model_dump(mode="json") for r in rows], "guarantor_consents": {"李娜": True},
             "rest_payable_on_signing": False}  # (the proposer cannot say otherwise: the workflow decides it)
    p = await propose(h, "A1", "amendment", terms)
    assert p.arrangement.waived == cny("0.00") and p.arrangement.payable_on_signing == cny("518.00")
    assert p.arrangement.needs_role == "legal_team"  # nothing waived: the lowest authority
    await decide(h, "A1", "clerk-2", role="legal_team")
    early = await refused(sign(h, "A1", today))
    assert early.type == ERR_STAGE and early.message.startswith("payable_on_signing:") and "518.00" in early.message
    await pay(h, "S1", "500.00", received_on=today)
    short = await refused(sign(h, "A1", today))
    assert "500.00 received" in short.message
    await pay(h, "S2", "18.00", received_on=today)
    s = await sign(h, "A1", today)
    assert s.stage == "amendment"
    status = (await snap(h)).status
    assert status is not None
    stmt = status.statement(today)
    assert stmt is not None and stmt.balance.total == principal and stmt.balance.principal == principal
    assert status.ledger is not None and status.ledger.terms_on(today).interest_rate == Decimal("0.06")
    assert status.ledger.terms_on(today - timedelta(days=1)) == status.ledger.terms  # before it: the contract's
    later = status.statement(today + timedelta(days=10))
    assert later is not None
    # 10 days of the clause's 6% a year on the restructured principal, actual/365, to the cent.
    assert later.balance.interest == cny("31.23") and later.balance.penalty.is_zero()


async def test_a_write_off_closes_the_matter_and_later_payments_are_recoveries(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(days=70))  # in legal review
    today = await today_of(env, h)
    s = (await snap(h)).status
    assert s is not None and s.stage == "legal_review"
    owed = s.statement(today).balance.total  # type: ignore[union-attr]
    p = await propose(h, "W1", "write_off", {"amount": owed.model_dump(mode="json"), "reason": "debtor emigrated"})
    assert p.arrangement.needs == "two managers"
    one = await decide(h, "W1", "manager-1")
    assert one.arrangement.status == "proposed"
    twice = await refused(decide(h, "W1", "manager-1", approval_id="again"))
    assert twice.type in (ERR_FORBIDDEN, ERR_STAGE)
    two = await decide(h, "W1", "manager-2")
    assert two.arrangement.status == "approved" and two.closed
    after = (await snap(h)).status
    assert after is not None and (after.stage, after.closure_reason) == ("closed", "written_off")
    assert not any(j.kind == "closure_letter" for j in matters.rec.jobs)  # nothing tells the borrower it is over
    await env.sleep(timedelta(days=90))  # long after any reversal window: a written-off matter still listens
    r = await pay(h, "LATE", "500.00", received_on=today + timedelta(days=90))
    assert r.stage == "closed" and not r.duplicate
    st = (await snap(h)).status
    assert st is not None and st.recovered_after_write_off == cny("500.00")
    assert "recovery_after_write_off" in matters.rec.kinds()
