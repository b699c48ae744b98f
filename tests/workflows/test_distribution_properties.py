"""Property tests of the money of enforcement: a court's distribution splits what enforcement fetched exactly
(its costs, what the creditor receives, what goes back: never more, never less, to the cent, or refused by
name), and the matter's one ledger takes the debtor's, the guarantors' and the court's money alike: whoever
pays and in whatever order, no more than the debt is ever applied, and what was applied and what is owed
always add up to the debt."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import Money
from domain.proceedings import Decided, EnforcementFiled, Filed, Proceeding, ProceedingError, ProceedsDistributed
from tests.factories import make_intake
from workflows.calendars import china
from workflows.matter.state import Ledger

ON = date(2025, 1, 10)
ENFORCING = Proceeding(forum="arbitration", started_on=date(2024, 9, 1), events=(
    Filed(on=date(2024, 9, 2), body="上海仲裁委员会", case_number="A-1"),
    Decided(on=date(2024, 10, 12), decision="award", amount=Money.of("19518.00", "CNY"), performance_days=10),
    EnforcementFiled(on=ON, court="C", case_number="E-1")))
cents = st.integers(min_value=0, max_value=10**10)


def cny(minor: int) -> Money:
    return Money.from_minor(minor, "CNY")


@given(cents, cents, cents)
def test_a_distribution_splits_what_was_fetched_exactly_or_is_refused_by_name(gross: int, costs: int,
                                                                              to_creditor: int) -> None:
    event = ProceedsDistributed(on=ON, gross=cny(gross), costs=cny(costs), to_creditor=cny(to_creditor))
    if costs + to_creditor > gross:
        with pytest.raises(ProceedingError) as err:
            ENFORCING.add(event, china())
        assert err.value.field == "to_creditor"
        return
    recorded = ENFORCING.add(event, china()).events[-1]
    assert isinstance(recorded, ProceedsDistributed)
    assert recorded.returned == cny(gross - costs - to_creditor) and not recorded.returned.is_negative()
    assert recorded.costs + recorded.to_creditor + recorded.returned == recorded.gross


payers = st.sampled_from(["debtor", "guarantor-1", "guarantor-2", "court"])


@given(st.lists(st.tuples(payers, st.integers(min_value=1, max_value=3_000_000)), max_size=12))
def test_one_ledger_for_debtor_guarantors_and_the_court_never_recovers_twice(payments: list[tuple[str, int]]) -> None:
    ledger = Ledger.opening(make_intake().overdue)
    debt = ledger.original_total
    by_payer: dict[str, Money] = {}
    for i, (payer, minor) in enumerate(payments):
        if not ledger.balance.total.is_positive():
            break  # paid: the matter closes, nothing more is booked
        amount = cny(minor)
        if payer == "court":  # (the matter books of a distribution only what the debt still owes)
            amount = min(amount, ledger.balance.total)
        allocation = ledger.apply(f"{payer}-{i}", amount)
        by_payer[payer] = by_payer.get(payer, cny(0)) + allocation.applied
        assert allocation.applied + allocation.unapplied == amount
        assert ledger.paid_total + ledger.balance.total == debt  # to the cent, always
    assert ledger.paid_total <= debt
    assert sum(by_payer.values(), cny(0)) == ledger.paid_total  # each payer's share, added once
