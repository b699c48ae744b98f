"""Accrual and the replayed ledger (`domain.accrual`): hand-computed figures and properties for any ledger."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.accrual import (
    Acceleration,
    AccrualPolicy,
    AccrualTerms,
    Book,
    LedgerError,
    Payment,
    Restructure,
    Reversal,
    Statement,
    Waiver,
    statement,
)
from domain.allocation import WATERFALL, Balance
from domain.contract import LoanContract
from domain.money import Money

START = date(2026, 1, 1)
Ledger = tuple[Balance, AccrualTerms, list[Payment | Waiver | Reversal], date]


def bal(principal: str = "0", interest: str = "0", penalty: str = "0", fees: str = "0", costs: str = "0",
        cur: str = "CNY") -> Balance:
    return Balance(principal=Money.of(principal, cur), interest=Money.of(interest, cur),
                   penalty=Money.of(penalty, cur), fees=Money.of(fees, cur), costs=Money.of(costs, cur))


def terms(rate: str, penalty: str = "0", compound: str = "0", day_count: str = "actual/365",
          cap: str | None = None) -> AccrualTerms:
    return AccrualTerms.model_validate({"interest_rate": rate, "penalty_rate": penalty, "compound_rate": compound,
                                        "day_count": day_count, "max_annual_cost": cap})


def day(n: int) -> date:
    return START + timedelta(days=n)


def pay(pid: str, n: int, amount: str, cur: str = "CNY") -> Payment:
    return Payment(id=pid, on=day(n), amount=Money.of(amount, cur))


# ---- figures worked by hand ---------------------------------------------------------------------

def test_day_count_conventions() -> None:
    opening = bal(principal="100000.00")
    a365 = statement(opening, START, terms("0.0365"), [], day(10))
    a360 = statement(opening, START, terms("0.0365", day_count="actual/360"), [], day(10))
    assert a365.accrued.interest == Money.of("100.00", "CNY")  # 100,000 x 3.65% x 10/365
    assert a360.accrued.interest == Money.of("101.39", "CNY")  # 100,000 x 3.65% x 10/360 = 101.3888...
    assert a365.balance.interest == Money.of("100.00", "CNY") and a365.balance.principal == opening.principal
    year = statement(opening, START, terms("0.0435"), [], date(2027, 1, 1))  # 365 actual days
    assert year.accrued.interest == Money.of("4350.00", "CNY")
    leap = statement(opening, date(2028, 1, 1), terms("0.0435"), [], date(2029, 1, 1))  # 366 days
    assert leap.accrued.interest == Money.of("4361.92", "CNY")  # 4,350 x 366/365 = 4361.9178...


def test_penalty_and_compound_go_to_the_penalty_bucket() -> None:
    s = statement(bal(principal="100000.00", interest="1200.00"), START, terms("0.0365", "0.01825", "0.073"), [],
                  day(10))
    assert (s.accrued.interest, s.accrued.penalty, s.accrued.compound) == (
        Money.of("100.00", "CNY"), Money.of("50.00", "CNY"), Money.of("2.40", "CNY"))  # 1,200 x 7.3% x 10/365
    assert s.balance.interest == Money.of("1300.00", "CNY") and s.balance.penalty == Money.of("52.40", "CNY")


def test_charges_are_booked_half_up_to_the_cent_and_to_the_yen() -> None:
    s = statement(bal(principal="1.00"), START, terms("0.365"), [], day(5))  # 0.005 exactly
    assert s.accrued.interest == Money.of("0.01", "CNY")
    yen = statement(bal(principal="1000", cur="JPY"), START, terms("0.1825"), [], day(1))  # 0.5 yen
    assert yen.accrued.interest == Money.of("1", "JPY")


def test_a_payment_stops_the_accrual_on_what_it_pays_from_its_date() -> None:
    s = statement(bal(principal="10000.00"), START, terms("0.0365"), [pay("p1", 10, "5010.00")], day(20))
    accruals = [line for line in s.lines if line.kind == "accrual"]
    assert [(a.on, a.days) for a in accruals] == [(day(10), 10), (day(20), 10)]
    assert accruals[0].charges and accruals[0].charges.interest == Money.of("10.00", "CNY")
    payment = s.lines[1].allocation
    assert payment and payment.interest == Money.of("10.00", "CNY") and payment.principal == Money.of("5000.00", "CNY")
    assert accruals[1].charges and accruals[1].charges.interest == Money.of("5.00", "CNY")  # on 5,000 from day 10
    assert s.balance == bal(principal="5000.00", interest="5.00")
    assert s.paid == Money.of("5010.00", "CNY") and s.unapplied.is_zero()


def test_the_cap_cuts_compound_then_penalty_then_interest() -> None:
    capped = statement(bal(principal="1000.00", interest="100.00"), START,
                       terms("0.20", "0.10", "0.50", cap="0.24"), [], date(2027, 1, 1))
    assert capped.capped
    assert (capped.accrued.interest, capped.accrued.penalty, capped.accrued.compound) == (
        Money.of("200.00", "CNY"), Money.of("40.00", "CNY"), Money.zero("CNY"))
    tight = statement(bal(principal="1000.00"), START, terms("0.20", cap="0.12"), [], date(2027, 1, 1))
    assert tight.accrued.interest == Money.of("120.00", "CNY") and tight.accrued.penalty.is_zero()
    loose = statement(bal(principal="1000.00"), START, terms("0.20", cap="0.30"), [], date(2027, 1, 1))
    assert not loose.capped and loose.accrued.interest == Money.of("200.00", "CNY")


def test_a_reversed_payment_counts_from_the_reversal_on_and_is_undone_to_the_cent() -> None:
    t = terms("0.0365", "0.01825")
    opening = bal(principal="10000.00", interest="300.00", fees="20.00")
    entries = [pay("p1", 10, "4000.00"),
               Reversal(id="r1", on=day(25), payment_id="p1", reason="transfer returned by the bank")]
    before = statement(opening, START, t, entries, day(20))
    assert before.paid == Money.of("4000.00", "CNY") and before.lines[1].allocation is not None
    after = statement(opening, START, t, entries, day(40))
    never = statement(opening, START, t, [], day(40))
    assert after.balance == never.balance and after.paid.is_zero()
    assert [(line.kind, line.reversed) for line in after.lines if line.kind != "accrual"] == [
        ("payment", True), ("reversal", False)]


def test_a_waiver_forgives_part_of_one_bucket() -> None:
    s = statement(bal(principal="1000.00", penalty="80.00"), START, terms("0"),
                  [Waiver(id="w1", on=day(3), bucket="penalty", amount=Money.of("50.00", "CNY"))], day(5))
    assert s.balance.penalty == Money.of("30.00", "CNY") and s.waived == Money.of("50.00", "CNY")


@pytest.mark.parametrize(("entries", "as_of", "message"), [
    ([Waiver(id="w", on=day(1), bucket="fees", amount=Money.of("1.00", "CNY"))], day(2),
     r"waiver w: CNY 1.00 is more than the fees owed on 2026-01-02 \(CNY 0.00\)"),
    ([Reversal(id="r", on=day(1), payment_id="nope", reason="x")], day(2), "reversal r: there is no payment 'nope'"),
    ([pay("p", 5, "1.00"), Reversal(id="r", on=day(4), payment_id="p", reason="x")], day(9),
     "reversal r on 2026-01-05 is before payment p on 2026-01-06"),
    ([pay("p", 1, "1.00"), Reversal(id="r", on=day(2), payment_id="p", reason="x"),
      Reversal(id="r2", on=day(3), payment_id="p", reason="x")], day(9), "payment p is already reversed by r"),
    ([pay("p", 1, "1.00"), pay("p", 2, "1.00")], day(9), "entry id 'p' is used twice"),
    ([Payment(id="early", on=date(2025, 12, 31), amount=Money.of("1.00", "CNY"))], day(9),
     "payment early on 2025-12-31 is before the accrual start 2026-01-01"),
    ([pay("usd", 1, "1.00", "USD")], day(9), "payment usd is in USD, the balance in CNY"),
    ([], date(2025, 12, 1), "as_of 2025-12-01 is before the accrual start 2026-01-01"),
])
def test_entries_that_cannot_be_replayed_are_refused_by_name(entries: list[Payment | Waiver | Reversal],
                                                             as_of: date, message: str) -> None:
    with pytest.raises(LedgerError, match=message):
        statement(bal(principal="100.00"), START, terms("0.05"), entries, as_of)


# ---- properties ------------------------------------------------------------------------------------

amounts = st.integers(min_value=1, max_value=5_000_000).map(lambda c: Money.from_minor(c, "CNY"))
rates = st.decimals(min_value=0, max_value=Decimal("0.5"), places=4)


@st.composite
def ledgers(draw: st.DrawFn) -> Ledger:
    opening = Balance(**{k: draw(st.integers(min_value=0, max_value=10_000_000).map(
        lambda c: Money.from_minor(c, "CNY"))) for k in WATERFALL})
    t = AccrualTerms(interest_rate=draw(rates), penalty_rate=draw(rates), compound_rate=draw(rates),
                     day_count=draw(st.sampled_from(["actual/360", "actual/365"])),
                     max_annual_cost=draw(st.none() | st.decimals(min_value=Decimal("0.01"), max_value=1, places=3)))
    entries: list[Payment | Waiver | Reversal | Acceleration | Restructure] = []
    payments: list[Payment] = []
    for i in range(draw(st.integers(min_value=0, max_value=12))):
        on = day(draw(st.integers(min_value=0, max_value=700)))
        kind = draw(st.sampled_from(["payment", "payment", "waiver", "reversal", "acceleration", "restructure"]))
        if kind == "payment":
            payments.append(Payment(id=f"p{i}", on=on, amount=draw(amounts)))
            entries.append(payments[-1])
        elif kind == "acceleration":
            if not any(isinstance(e, Acceleration) for e in entries):
                entries.append(Acceleration(id=f"a{i}", on=on, amount=draw(amounts)))
        elif kind == "restructure":  # (the same cap and basis: the cap test measures with the opening terms)
            if not any(isinstance(e, Restructure) for e in entries):
                entries.append(Restructure(id=f"s{i}", on=on, amount=draw(amounts), terms=t.model_copy(
                    update={"interest_rate": draw(rates), "penalty_rate": Decimal(0), "compound_rate": Decimal(0)})))
        elif kind == "waiver":  # a small one: a waiver never exceeds what its bucket owes by then
            entries.append(Waiver(id=f"w{i}", on=on, bucket=draw(st.sampled_from(WATERFALL)),
                                  amount=Money.from_minor(1, "CNY")))
        elif payments:
            target = draw(st.sampled_from(payments))
            if all(not (isinstance(e, Reversal) and e.payment_id == target.id) for e in entries):
                later = target.on + timedelta(days=draw(st.integers(min_value=0, max_value=60)))
                entries.append(Reversal(id=f"r{i}", on=later, payment_id=target.id, reason="bounced"))
    return opening, t, entries, day(draw(st.integers(min_value=0, max_value=800)))


def _replay(opening: Balance, t: AccrualTerms, entries: list[Payment | Waiver | Reversal],
            as_of: date) -> Statement | None:
    try:
        return statement(opening, START, t, entries, as_of)
    except LedgerError as exc:  # only a waiver larger than its bucket (a bucket at zero) may be refused
        assert str(exc).startswith("waiver ") and "is more than the" in str(exc)
        return None


@settings(max_examples=300, deadline=None)
@given(ledgers())
def test_every_cent_is_conserved(ledger: Ledger) -> None:
    s = _replay(*ledger)
    if s is None:
        return
    assert s.opening.total + s.accrued.total + s.accelerated - s.waived - s.paid == s.balance.total
    assert all(not getattr(s.balance, k).is_negative() for k in WATERFALL)
    counted = [line.allocation for line in s.lines if line.allocation is not None]
    assert sum((a.applied.minor for a in counted), 0) == s.paid.minor
    assert sum((a.applied.minor + a.unapplied.minor for a in counted), 0) == s.paid.minor + s.unapplied.minor


@settings(max_examples=300, deadline=None)
@given(ledgers())
def test_the_cap_is_never_exceeded(ledger: Ledger) -> None:
    s = _replay(*ledger)
    if s is None or s.terms.max_annual_cost is None:
        return
    allowance = sum((line.balance.principal.amount * 100 * s.terms.max_annual_cost * line.days / s.terms.basis
                     for line in s.lines if line.kind == "accrual"), Decimal(0))
    assert s.accrued.total.minor <= int(allowance.quantize(Decimal(1), rounding=ROUND_DOWN))


@settings(max_examples=300, deadline=None)
@given(ledgers(), st.data())
def test_a_reversal_leaves_what_the_payment_never_made_would(
    ledger: Ledger, data: st.DataObject,
) -> None:
    opening, t, entries, _ = ledger
    reversals = [e for e in entries if isinstance(e, Reversal)]
    if not reversals:
        return
    r = data.draw(st.sampled_from(reversals))
    as_of = r.on + timedelta(days=data.draw(st.integers(min_value=0, max_value=90)))
    with_it = _replay(opening, t, entries, as_of)
    without = _replay(opening, t, [e for e in entries if e.id not in (r.id, r.payment_id)], as_of)
    if with_it is None or without is None:
        return
    assert with_it.balance == without.balance and with_it.accrued == without.accrued


# ---- the book a matter keeps ----------------------------------------------------------------------

def test_a_book_stops_accruing_at_until_but_still_takes_later_entries() -> None:
    book = Book(opening=bal(principal="36500.00"), start=START, terms=terms("0.10"))
    open_ = book.on(day(10))
    assert open_.accrued.interest == Money.of("100.00", "CNY")  # 36,500 x 10% x 10/365
    closed = book.model_copy(update={"until": day(10)})
    later = closed.add(pay("p1", 30, "1000.00")).on(day(40))
    assert later.accrued.interest == Money.of("100.00", "CNY")  # nothing after day 10
    assert later.paid == Money.of("1000.00", "CNY")
    assert later.balance.total == Money.of("35600.00", "CNY")  # 36,600 - 1,000
    assert later.as_of == day(40)


def test_a_book_refuses_an_entry_it_cannot_replay() -> None:
    book = Book(opening=bal(principal="100.00"), start=START, terms=terms("0.10")).add(pay("p1", 1, "10.00"))
    with pytest.raises(LedgerError, match="used twice"):
        book.add(pay("p1", 2, "10.00"))
    with pytest.raises(LedgerError, match="before the accrual start"):
        book.add(Payment(id="p0", on=START - timedelta(days=1), amount=Money.of("1.00", "CNY")))


def test_terms_follow_the_contract_and_fill_in_from_the_policy() -> None:
    contract = LoanContract(number="C-1", signed_on=date(2025, 1, 1), principal=Money.of("1000.00", "CNY"),
                            annual_rate=Decimal("0.0435"))
    plain = AccrualPolicy(max_annual_cost=Decimal("0.24")).terms_for(contract)
    assert (plain.interest_rate, plain.penalty_rate, plain.compound_rate) == (Decimal("0.0435"), 0, 0)
    assert plain.day_count == "actual/360" and plain.max_annual_cost == Decimal("0.24")
    penal = contract.model_copy(update={"penalty_rate": Decimal("0.06525"), "compound_rate": Decimal("0.06525"),
                                        "day_count": "actual/365"})
    replaces = AccrualPolicy().terms_for(penal)
    assert (replaces.interest_rate, replaces.penalty_rate, replaces.day_count) == (0, Decimal("0.06525"),
                                                                                   "actual/365")
    on_top = AccrualPolicy(penalty_replaces_interest=False).terms_for(penal)
    assert (on_top.interest_rate, on_top.penalty_rate) == (Decimal("0.0435"), Decimal("0.06525"))


def test_acceleration_makes_the_principal_not_yet_due_owed_and_accruing_from_delivery() -> None:
    book = Book(opening=bal(principal="36500.00"), start=START, terms=terms("0.10"))
    accelerated = book.add(Acceleration(id="acc", on=day(10), amount=Money.of("73000.00", "CNY")))
    s = accelerated.on(day(20))
    assert s.accelerated == Money.of("73000.00", "CNY")
    assert s.balance.principal == Money.of("109500.00", "CNY")
    # 36,500 x 10% x 10/365 = 100 before delivery; 109,500 x 10% x 10/365 = 300 after it.
    assert s.accrued.interest == Money.of("400.00", "CNY")
    assert book.on(day(20)).accrued.interest == Money.of("200.00", "CNY")


def test_an_amendment_makes_its_principal_of_what_is_owed_and_accrues_by_its_clause_from_its_start() -> None:
    def cny(amount: str) -> Money:
        return Money.of(amount, "CNY")

    opening = bal(principal="19000.00", interest="200.00", penalty="218.00", fees="100.00")
    clause = terms("0.06", day_count="actual/365")
    amended = Restructure(id="s1", on=day(10), amount=cny("19300.00"), terms=clause)
    s = statement(opening, START, terms("0.0435", penalty="0.0175", day_count="actual/360"), [amended], day(10))
    line = next(x for x in s.lines if x.kind == "restructure")
    # 10 days on the original terms first: 19000 x (0.0435 interest + 0.0175 penalty) x 10/360.
    before = opening.total + s.accrued.total
    assert line.balance.total == before and line.balance.principal == cny("19300.00")
    # What it does not carry stays owed in the buckets paid first: fees, then penalty, then interest.
    assert line.balance.fees == cny("100.00") and line.balance.costs.is_zero()
    assert line.balance.penalty + line.balance.interest == before - cny("19400.00")
    later = statement(opening, START, terms("0.0435", penalty="0.0175", day_count="actual/360"), [amended], day(40))
    assert later.balance.principal == cny("19300.00")
    assert later.balance.interest - line.balance.interest == cny("95.18")  # 19300 x 0.06 x 30/365, half-up
    assert later.balance.penalty == line.balance.penalty  # no penalty accrues under the clause
    paid_more = statement(opening, START, terms("0.0435"), [pay("p1", 5, "10000.00"), amended], day(10))
    assert paid_more.balance.total == paid_more.balance.principal  # less owed than the principal: all of it
