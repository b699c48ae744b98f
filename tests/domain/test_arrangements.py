"""Settlements, amendments and write-offs (`domain.arrangements`): checks, authority, approvals, guarantors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.accrual import Waiver
from domain.allocation import Balance
from domain.arrangements import (
    DEFAULT_LEVELS,
    AmendmentProposal,
    AnyProposal,
    Approval,
    ArrangementError,
    AuthorityLevel,
    AuthorityPolicy,
    Instalment,
    InterestClause,
    Problem,
    ScheduleRow,
    SettlementProposal,
    Waivers,
    WriteOffProposal,
    amendment_problems,
    approval_state,
    build_schedule,
    check_approval,
    check_proposal,
    check_schedule,
    required_authority,
    required_for,
    schedule_interest,
    schedule_problems,
    settlement_problems,
    write_off_problems,
)
from domain.guarantee import debt_increases, guarantee_warnings
from domain.money import Money
from domain.policy import PolicyError, validation_problems

ON = date(2026, 12, 1)
POLICY = AuthorityPolicy()


def cny(amount: str | int) -> Money:
    return Money.of(amount, "CNY")


def bal(principal: str = "50000.00", interest: str = "3000.00", penalty: str = "1500.00", fees: str = "300.00",
        costs: str = "200.00") -> Balance:  # total 55,000.00
    return Balance(principal=cny(principal), interest=cny(interest), penalty=cny(penalty), fees=cny(fees),
                   costs=cny(costs))


def instalments(*amounts: str, first: date = ON + timedelta(days=30)) -> tuple[Instalment, ...]:
    return tuple(Instalment(number=i + 1, due_on=first + timedelta(days=30 * i), amount=cny(a))
                 for i, a in enumerate(amounts))


def settlement(**kw: Any) -> SettlementProposal:
    data: dict[str, Any] = {"proposal_id": "s1", "proposed_by": "alice", "proposed_on": ON, "balance": bal(),
                            "waivers": Waivers(penalty=cny("1500.00")),
                            "instalments": instalments("20000.00", "20000.00", "13500.00")}
    return SettlementProposal(**{**data, **kw})


def approval(who: str, role: str = "manager", decision: str = "approve", minutes: int = 0) -> Approval:
    return Approval.model_validate({"approver": who, "role": role, "decision": decision,
                                    "at": datetime(2026, 12, 2, 2, 0, tzinfo=UTC) + timedelta(minutes=minutes)})


def fields(problems: tuple[Problem, ...]) -> list[str]:
    return [p.field for p in problems]


# ---- authority ---------------------------------------------------------------------------------------

def test_the_lowest_level_covering_both_amount_and_share() -> None:
    team, manager, two = DEFAULT_LEVELS
    assert required_authority(Decimal(5000), Decimal("0.10"), POLICY) == team  # limits are inclusive
    assert required_authority(cny("5000.01"), Decimal("0.01"), POLICY) == manager  # over the amount
    assert required_authority(Decimal(100), Decimal("0.1001"), POLICY) == manager  # over the share
    assert required_authority(Decimal(50000), Decimal("0.30"), POLICY) == manager
    assert required_authority(Decimal(50001), Decimal("0.05"), POLICY) == two
    assert required_authority(Decimal(10), Decimal("0.31"), POLICY) == two
    assert (team.describe(), manager.describe(), two.describe()) == (
        "one member of the legal team", "one manager", "two managers")


def test_authority_levels_ascend_and_the_last_has_no_limit() -> None:
    with pytest.raises(ValidationError) as bad:
        AuthorityPolicy.model_validate({"levels": [
            {"role": "manager", "max_amount": "5000", "max_share": "0.3"},
            {"role": "legal_team", "max_amount": "1000", "max_share": "0.5"},
            {"role": "manager", "approvers": 2, "max_share": "0.9"},
        ]})
    problems = validation_problems(bad.value, "policies/x.yaml")
    assert [str(p) for p in problems] == [
        "policies/x.yaml: levels[1].role: one member of the legal team is less authority than the level before "
        "(one manager): levels ascend",
        "policies/x.yaml: levels[1].max_amount: 1000 is below the level before's (5000): each level covers at "
        "least what the one before covers",
        "policies/x.yaml: levels[2].max_share: the last level has no limit, so that every concession has someone "
        "who may approve it",
    ]
    assert isinstance(PolicyError(problems), ValueError)
    with pytest.raises(ValidationError, match="at least one authority level is needed"):
        AuthorityPolicy(levels=())
    with pytest.raises(ValidationError):
        AuthorityLevel(role="partner")  # type: ignore[arg-type]
    only = AuthorityPolicy(levels=(AuthorityLevel(role="manager"),))
    assert required_authority(Decimal(10**9), Decimal(1), only).role == "manager"


# ---- settlements ---------------------------------------------------------------------------------------

def test_a_settlement_that_adds_up_passes_and_reports_what_it_waives() -> None:
    s = settlement(principal_discount=cny("2000.00"), instalments=instalments("20000.00", "20000.00", "11500.00"))
    assert settlement_problems(s) == ()
    check_proposal(s)
    assert s.waived_total == cny("3500.00") and s.payable == cny("51500.00")
    assert s.waived_share == Decimal("3500.00") / Decimal("55000.00")
    assert required_for(s, POLICY) == DEFAULT_LEVELS[0]
    assert s.ledger_waivers(date(2027, 3, 1), "s1") == (
        Waiver(id="s1-penalty", on=date(2027, 3, 1), bucket="penalty", amount=cny("1500.00")),
        Waiver(id="s1-principal", on=date(2027, 3, 1), bucket="principal", amount=cny("2000.00")))
    assert s.waiver_lapses_on_default


def test_a_settlement_that_does_not_add_up_is_refused_naming_each_field() -> None:
    s = settlement(
        waivers=Waivers(penalty=cny("1600.00"), fees=cny("-1.00")),
        principal_discount=cny("50000.01"),
        instalments=(Instalment(number=1, due_on=ON, amount=cny("10.00")),
                     Instalment(number=3, due_on=ON + timedelta(days=40), amount=cny("0.00")),
                     Instalment(number=3, due_on=ON + timedelta(days=40), amount=cny("5.00"))),
    )
    assert [str(p) for p in settlement_problems(s)] == [
        "waivers.fees: CNY -1.00 is negative",
        "waivers.penalty: CNY 1,600.00 is more than the penalty owed (CNY 1,500.00)",
        "principal_discount: CNY 50,000.01 is more than the principal owed (CNY 50,000.00)",
        "instalments[0].due_on: 2026-12-01 is not after the proposal date 2026-12-01",
        "instalments[1].number: 3 is not the next number (2)",
        "instalments[1].amount: CNY 0.00 is not more than zero",
        "instalments[2].due_on: 2027-01-10 is not after instalments[1].due_on 2027-01-10 (instalments fall due one "
        "after another)",
        "instalments: the instalments total CNY 15.00, but the balance less what is waived is CNY 3,400.99 "
        "(balance CNY 55,000.00, waived CNY 51,599.01)",
    ]
    with pytest.raises(ArrangementError) as refused:
        check_proposal(s)
    assert str(refused.value).splitlines()[0] == "waivers.fees: CNY -1.00 is negative"


def test_a_settlement_in_another_currency_or_without_instalments_or_balance_is_refused() -> None:
    usd = settlement(instalments=(Instalment(number=1, due_on=ON + timedelta(days=1), amount=Money.of("1", "USD")),),
                     waivers=Waivers(interest=Money.of("1", "USD")))
    assert [str(p) for p in settlement_problems(usd)] == [
        "waivers.interest: is in USD, the balance in CNY", "instalments[0].amount: is in USD, the balance in CNY"]
    assert [str(p) for p in settlement_problems(settlement(instalments=()))] == [
        "instalments: at least one instalment is needed"]
    zero = Balance(principal=cny(0), interest=cny(0), penalty=cny(0), fees=cny(0), costs=cny(0))
    assert [str(p) for p in settlement_problems(settlement(balance=zero, waivers=Waivers()))] == [
        "balance: nothing is owed (the balance is zero): there is nothing to arrange",
        "instalments: the instalments total CNY 53,500.00, but the balance less what is waived is CNY 0.00 "
        "(balance CNY 0.00, waived CNY 0.00)"]
    assert settlement(balance=zero).waived_share == 0


# ---- amendments --------------------------------------------------------------------------------------

CLAUSE = InterestClause(annual_rate=Decimal("0.0435"), day_count="actual/360", start_on=ON)
DUE = [date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1), date(2027, 4, 1)]


def amendment(**kw: Any) -> AmendmentProposal:
    principal = kw.pop("restructured_principal", cny("55000.00"))
    rows = kw.pop("rows", build_schedule(principal, CLAUSE, DUE))
    data: dict[str, Any] = {"proposal_id": "a1", "proposed_by": "alice", "proposed_on": ON, "balance": bal(),
                            "restructured_principal": principal, "clause": CLAUSE, "rows": rows}
    return AmendmentProposal(**{**data, **kw})


def test_the_clause_interest_worked_by_hand() -> None:
    rows = build_schedule(cny("55000.00"), CLAUSE, DUE)
    assert [(r.principal, r.interest) for r in rows] == [
        (cny("13750.00"), cny("206.02")),  # 55,000 x 4.35% x 31/360 = 206.0208...
        (cny("13750.00"), cny("154.52")),  # 41,250 x 4.35% x 31/360 = 154.5156...
        (cny("13750.00"), cny("93.04")),  # 27,500 x 4.35% x 28/360 = 93.0416...
        (cny("13750.00"), cny("51.51")),  # 13,750 x 4.35% x 31/360 = 51.5052...
    ]
    # half-up at exactly half a cent: 1.00 x 36.5% x 5/365 = 0.005
    half = InterestClause(annual_rate=Decimal("0.365"), day_count="actual/365", start_on=ON)
    assert schedule_interest(cny("1.00"), half, ON, ON + timedelta(days=5)) == cny("0.01")
    uneven = build_schedule(cny("100.00"), CLAUSE, DUE[:3])
    assert [r.principal for r in uneven] == [cny("33.33"), cny("33.33"), cny("33.34")]
    check_schedule(uneven, cny("100.00"), CLAUSE)
    assert amendment_problems(amendment()) == ()


def test_a_schedule_that_breaks_the_clause_is_refused_naming_each_row() -> None:
    good = build_schedule(cny("55000.00"), CLAUSE, DUE)
    rows = (good[0].model_copy(update={"interest": cny("206.03")}),
            good[1].model_copy(update={"number": 5, "due_on": date(2027, 1, 1)}),
            good[2].model_copy(update={"principal": cny("-1.00")}),
            good[3].model_copy(update={"principal": cny("99999.00")}))
    assert [str(p) for p in schedule_problems(rows, cny("55000.00"), CLAUSE)] == [
        "rows[0].interest: CNY 206.03 is not the clause's interest CNY 206.02 (CNY 55,000.00 x 0.0435 x 31 days / "
        "360, rounded half-up)",
        "rows[1].number: 5 is not the next number (2)",
        "rows[1].due_on: 2027-01-01 is not after rows[0].due_on 2027-01-01",
        "rows[2].principal: CNY -1.00 is negative",
        # row 1's principal is repaid, on row 0's date: row 2 runs on 27,500 from 1 January (59 days)
        "rows[2].interest: CNY 93.04 is not the clause's interest CNY 196.05 (CNY 27,500.00 x 0.0435 x 59 days / "
        "360, rounded half-up)",
        "rows[3].principal: CNY 99,999.00 is more than the principal outstanding before it (CNY 27,501.00)",
        "rows[3].interest: CNY 51.51 is not the clause's interest CNY 103.01 (CNY 27,501.00 x 0.0435 x 31 days / "
        "360, rounded half-up)",
        "rows: the rows repay CNY 127,498.00 of principal, not the restructured principal CNY 55,000.00",
    ]
    with pytest.raises(ArrangementError, match=r"^rows\[0\]\.interest"):
        check_schedule(rows, cny("55000.00"), CLAUSE)
    assert [str(p) for p in schedule_problems((), cny("1.00"), CLAUSE)] == ["rows: at least one row is needed"]
    early = (ScheduleRow(number=1, due_on=ON, principal=cny("1.00"), interest=cny("0.00")),)
    assert [str(p) for p in schedule_problems(early, cny("1.00"), CLAUSE)] == [
        "rows[0].due_on: 2026-12-01 is not after clause.start_on 2026-12-01"]
    usd = (ScheduleRow(number=1, due_on=DUE[0], principal=Money.of("1", "USD"), interest=cny("0.00")),)
    assert [str(p) for p in schedule_problems(usd, cny("1.00"), CLAUSE)] == [
        "rows[0].principal: is in USD, the balance in CNY"]


def test_an_amendment_starting_interest_early_or_restructuring_nothing_is_refused() -> None:
    early = CLAUSE.model_copy(update={"start_on": ON - timedelta(days=10)})
    problems = amendment_problems(amendment(clause=early, rows=build_schedule(cny("55000.00"), early, DUE)))
    assert [str(p) for p in problems] == [
        "clause.start_on: 2026-11-21 is before the proposal date 2026-12-01: the interest up to it is in the "
        "balance already"]
    zero = amendment(restructured_principal=cny("0.00"), rows=())
    assert fields(amendment_problems(zero)) == ["restructured_principal", "rows"]
    usd = amendment(restructured_principal=Money.of("1", "USD"), rows=())
    assert [str(p) for p in amendment_problems(usd)] == ["restructured_principal: is in USD, the balance in CNY"]


def test_what_an_amendment_does_not_carry_is_payable_on_signing_not_waived() -> None:
    assert amendment().waived_total == cny("0.00") and amendment().payable_on_signing == cny("0.00")
    cut = amendment(restructured_principal=cny("40000.00"), rest_payable_on_signing=True)
    assert cut.payable_on_signing == cny("15000.00") and cut.waived_total == cny("0.00")
    assert required_for(cut, POLICY) == DEFAULT_LEVELS[0]
    # Proposed before the workflow made the rest payable on signing: it counted as waived (27% of 55,000).
    old = amendment(restructured_principal=cny("40000.00"))
    assert old.waived_total == cny("15000.00") and required_for(old, POLICY) == DEFAULT_LEVELS[1]


# ---- guarantors ----------------------------------------------------------------------------------------

PARA_2 = ("{} has not consented in writing: under Civil Code art. 695 para 2, a change of the main contract's "
          "performance period without the guarantor's written consent does not change the guarantee period; the "
          "guarantee period is not extended.")


def test_guarantors_without_written_consent_keep_their_guarantee_period() -> None:
    a = amendment(restructured_principal=cny("50000.00"),
                  guarantor_consents={"Zhang San": True, "Li Si": False})
    warnings = guarantee_warnings(a, contract_rate=Decimal("0.0435"), guarantors=["Wang Wu", "Zhang San"])
    assert [(w.guarantor, w.rule, w.message) for w in warnings] == [
        ("Wang Wu", "art_695_para_2", PARA_2.format("Wang Wu")),
        ("Li Si", "art_695_para_2", PARA_2.format("Li Si")),
    ]
    assert guarantee_warnings(settlement(guarantor_consents={"Li Si": False}))[0].message == PARA_2.format("Li Si")
    assert guarantee_warnings(settlement(guarantor_consents={"Li Si": True})) == ()


def test_an_amendment_increasing_the_debt_does_not_bind_a_guarantor_who_did_not_consent() -> None:
    a = amendment(clause=CLAUSE.model_copy(update={"annual_rate": Decimal("0.06")}),
                  rows=build_schedule(cny("55000.00"), CLAUSE.model_copy(update={"annual_rate": Decimal("0.06")}),
                                      DUE), guarantor_consents={"Li Si": False, "Zhang San": True})
    assert debt_increases(a, Decimal("0.0435")) == (
        "the principal bearing interest rises from CNY 50,000.00 to CNY 55,000.00",
        "the annual interest rate rises from 4.35% to 6%")
    warnings = guarantee_warnings(a, contract_rate=Decimal("0.0435"))
    assert [(w.guarantor, w.rule) for w in warnings] == [("Li Si", "art_695_para_2"), ("Li Si", "art_695_para_1")]
    assert warnings[1].message == (
        "Li Si has not consented in writing: under Civil Code art. 695 para 1, the amendment increases the debt "
        "(the principal bearing interest rises from CNY 50,000.00 to CNY 55,000.00; the annual interest rate rises "
        "from 4.35% to 6%) and the guarantor is not liable for the increase.")
    assert debt_increases(amendment(restructured_principal=cny("50000.00")), Decimal("0.0435")) == ()


# ---- write-offs ------------------------------------------------------------------------------------------

def test_a_write_off_is_at_most_the_balance_and_needs_authority_by_its_share() -> None:
    w = WriteOffProposal(proposal_id="w1", proposed_by="alice", proposed_on=ON, balance=bal(), amount=cny("55000.00"),
                         reason="the borrower died without an estate")
    assert write_off_problems(w) == () and w.waived_share == 1
    assert required_for(w, POLICY) == DEFAULT_LEVELS[2]
    assert [str(p) for p in write_off_problems(w.model_copy(update={"amount": cny("55000.01")}))] == [
        "amount: CNY 55,000.01 is more than the balance (CNY 55,000.00)"]
    assert [str(p) for p in write_off_problems(w.model_copy(update={"amount": cny("0.00")}))] == [
        "amount: CNY 0.00 is not more than zero"]
    assert [str(p) for p in write_off_problems(w.model_copy(update={"amount": Money.of("1", "USD")}))] == [
        "amount: is in USD, the balance in CNY"]
    with pytest.raises(ValidationError, match="reason"):
        WriteOffProposal(proposal_id="w1", proposed_by="a", proposed_on=ON, balance=bal(), amount=cny(1), reason=" ")


# ---- approvals -------------------------------------------------------------------------------------------

SMALL = settlement()  # 1,500 waived, 2.7%: the legal team
BIG = WriteOffProposal(proposal_id="w1", proposed_by="alice", proposed_on=ON, balance=bal(), amount=cny("55000.00"),
                       reason="uncollectable")  # two managers


def test_the_proposer_never_decides_their_own_proposal() -> None:
    with pytest.raises(ArrangementError) as refused:
        approval_state(SMALL, [approval("bob", "legal_team", "reject"), approval("alice", "manager")], POLICY)
    assert [p.field for p in refused.value.problems] == ["approvals[1].approver"]
    assert str(refused.value) == ("approvals[1].approver: alice made proposal s1 and cannot decide it: someone else "
                                  "approves or rejects it")
    with pytest.raises(ArrangementError, match="^approver: alice made proposal s1"):
        check_approval(SMALL, approval("alice", "manager", "reject"), [], POLICY)


def test_a_role_below_the_authority_needed_is_refused() -> None:
    manager_level = settlement(principal_discount=cny("10000.00"),
                               instalments=instalments("20000.00", "20000.00", "3500.00"))
    with pytest.raises(ArrangementError) as refused:
        check_approval(manager_level, approval("bob", "legal_team"), [], POLICY)
    assert str(refused.value) == ("role: a legal_team user cannot decide proposal s1: waiving CNY 11,500.00 (20.91% "
                                  "of the balance) needs one manager")
    assert approval_state(manager_level, [approval("carol", "manager")], POLICY) == "approved"


def test_states_pending_approved_rejected() -> None:
    assert approval_state(SMALL, [], POLICY) == "pending"
    assert approval_state(SMALL, [approval("bob", "legal_team")], POLICY) == "approved"
    assert approval_state(SMALL, [approval("carol", "manager")], POLICY) == "approved"  # above is enough
    assert approval_state(SMALL, [approval("bob", "legal_team", "reject")], POLICY) == "rejected"


def test_two_distinct_managers_and_the_same_approver_counts_once() -> None:
    assert approval_state(BIG, [approval("carol")], POLICY) == "pending"
    assert approval_state(BIG, [approval("carol"), approval("carol", minutes=1)], POLICY) == "pending"
    assert approval_state(BIG, [approval("carol"), approval("dave", minutes=1)], POLICY) == "approved"
    assert approval_state(BIG, [approval("carol"), approval("dave", decision="reject", minutes=1)],
                          POLICY) == "rejected"
    with pytest.raises(ArrangementError, match="needs two managers"):
        approval_state(BIG, [approval("carol"), approval("bob", "legal_team", minutes=1)], POLICY)


def test_decisions_are_taken_in_time_order_and_a_final_state_stays() -> None:
    late_reject = [approval("dave", decision="reject", minutes=5), approval("carol"), approval("erin", minutes=1)]
    assert approval_state(BIG, late_reject, POLICY) == "approved"  # approved at minute 1; the reject came after
    with pytest.raises(ArrangementError, match="^decision: proposal w1 is already approved$"):
        check_approval(BIG, approval("dave", decision="reject", minutes=5), late_reject[1:], POLICY)
    check_approval(BIG, approval("dave", minutes=1), [approval("carol")], POLICY)  # fine: still pending


# ---- properties ------------------------------------------------------------------------------------------

cents = st.integers(min_value=1, max_value=10**11)


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Money, InterestClause, tuple[ScheduleRow, ...]]:
    principal = Money.from_minor(draw(cents), draw(st.sampled_from(["CNY", "JPY"])))
    clause = InterestClause(annual_rate=draw(st.decimals(min_value=0, max_value=Decimal("0.36"), places=4)),
                            day_count=draw(st.sampled_from(["actual/360", "actual/365"])),
                            start_on=ON + timedelta(days=draw(st.integers(min_value=0, max_value=60))))
    gaps = draw(st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=24))
    due, day = [], clause.start_on
    for gap in gaps:
        day += timedelta(days=gap)
        due.append(day)
    return principal, clause, build_schedule(principal, clause, due)


@settings(max_examples=300, deadline=None)
@given(schedules())
def test_a_built_schedule_always_passes(case: tuple[Money, InterestClause, tuple[ScheduleRow, ...]]) -> None:
    principal, clause, rows = case
    check_schedule(rows, principal, clause)
    assert sum(r.principal.minor for r in rows) == principal.minor


@settings(max_examples=300, deadline=None)
@given(schedules(), st.data())
def test_any_one_unit_change_fails(case: tuple[Money, InterestClause, tuple[ScheduleRow, ...]],
                                   data: st.DataObject) -> None:
    principal, clause, rows = case
    i = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    part = data.draw(st.sampled_from(["principal", "interest"]))
    step = data.draw(st.sampled_from([1, -1]))
    old: Money = getattr(rows[i], part)
    changed = rows[i].model_copy(update={part: Money.from_minor(old.minor + step, old.currency)})
    with pytest.raises(ArrangementError):
        check_schedule((*rows[:i], changed, *rows[i + 1:]), principal, clause)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**8), st.integers(min_value=0, max_value=10**8),
       st.decimals(min_value=0, max_value=1, places=4), st.decimals(min_value=0, max_value=1, places=4))
def test_more_waived_never_needs_less_authority(a: int, b: int, s: Decimal, t: Decimal) -> None:
    levels = POLICY.levels
    low = levels.index(required_authority(Decimal(min(a, b)), min(s, t), POLICY))
    high = levels.index(required_authority(Decimal(max(a, b)), max(s, t), POLICY))
    assert low <= high


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["bob", "carol", "dave", "erin"]), st.sampled_from(["approve", "reject"]),
                          st.integers(min_value=0, max_value=50)), max_size=8),
       st.sampled_from([SMALL, BIG]))
def test_approval_needs_enough_distinct_approvers_before_any_rejection(
    decisions: list[tuple[str, str, int]], proposal: AnyProposal,
) -> None:
    approvals = [approval(who, "manager", d, minutes) for who, d, minutes in decisions]
    state = approval_state(proposal, approvals, POLICY)
    ordered = sorted(approvals, key=lambda a: a.at)
    first_reject = next((i for i, a in enumerate(ordered) if a.decision == "reject"), len(ordered))
    distinct = {a.approver for a in ordered[:first_reject]}
    needed = required_for(proposal, POLICY).approvers
    if len(distinct) >= needed:
        assert state == "approved"
    elif first_reject < len(ordered):
        assert state == "rejected"
    else:
        assert state == "pending"
    assert state == approval_state(proposal, list(reversed(approvals)), POLICY) or len(
        {a.at for a in approvals}) < len(approvals)  # the order given matters only within one instant
