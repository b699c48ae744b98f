"""The doubled interest for delayed performance (CPL art. 264; SPC Interpretation of 2014 arts. 1-4): 0.0175% a
day on what the decision orders and is still unpaid, from the day after the time to perform to the day counted,
each payment reducing the debt from its day; and the part payment that starts the enforcement window again."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.deadlines import Interruption, add_period, enforcement_window
from domain.enforcement import DELAY_DAILY_RATE, delay_interest
from domain.money import Money
from domain.proceedings import Decided, EnforcementFiled, Filed, Proceeding
from workflows.calendars import china

DEADLINE = date(2024, 10, 22)


def cny(amount: str | Decimal) -> Money:
    return Money.of(str(amount), "CNY")


def test_the_sample_figures_to_the_cent() -> None:
    debt = cny("19518.00")
    assert delay_interest(debt, DEADLINE, date(2024, 11, 15)) == cny("81.98")  # 19518 x 0.000175 x 24
    # 2,000 paid on 1 November: 10 days on 19,518, then 14 on 17,518.
    assert delay_interest(debt, DEADLINE, date(2024, 11, 15), [(date(2024, 11, 1), cny("2000.00"))]) == cny("77.08")
    assert delay_interest(debt, DEADLINE, DEADLINE) == cny("0.00")  # none before the time to perform ends
    assert delay_interest(debt, DEADLINE, date(2024, 11, 15), [(date(2024, 10, 1), debt)]) == cny("0.00")


@given(st.integers(min_value=1, max_value=10_000_000), st.integers(min_value=0, max_value=2000),
       st.lists(st.tuples(st.integers(min_value=-30, max_value=2000), st.integers(min_value=1, max_value=5_000_000)),
                max_size=6))
def test_interest_is_never_more_than_on_the_whole_debt_and_never_negative(cents: int, days: int,
                                                                        payments: list[tuple[int, int]]) -> None:
    debt = cny(Decimal(cents) / 100)
    to = DEADLINE + timedelta(days=days)
    paid = [(DEADLINE + timedelta(days=d), cny(Decimal(c) / 100)) for d, c in payments]
    got = delay_interest(debt, DEADLINE, to, paid)
    whole = delay_interest(debt, DEADLINE, to)
    assert Money.zero("CNY") <= got <= whole
    assert whole == cny((debt.amount * DELAY_DAILY_RATE * days).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"))


def test_a_part_payment_starts_the_two_years_again_and_a_late_application_is_said_late() -> None:
    rest = china()
    plain = enforcement_window(DEADLINE, rest)
    paid = enforcement_window(DEADLINE, rest, [Interruption(kind="partial_payment", on=date(2025, 3, 3))])
    assert plain.runs_from == DEADLINE and paid.runs_from == date(2025, 3, 3)
    assert paid.last_day == add_period(date(2025, 3, 3), years=2) and "interrupted on 2025-03-03" in paid.source
    award = Proceeding(forum="arbitration", started_on=date(2024, 9, 1), events=(
        Filed(on=date(2024, 9, 2), body="上海仲裁委员会", case_number="A-1"),
        Decided(on=date(2024, 10, 12), decision="award", amount=cny("19518.00"), performance_due_on=DEADLINE),
        EnforcementFiled(on=date(2026, 12, 1), court="C", case_number="E-1")))
    assert award.enforcement_late(rest)  # two years from 22 October 2024 have run
    assert not award.enforcement_late(rest, [date(2025, 3, 3)])  # the part payment started them again


def test_an_enforcement_window_ending_in_the_national_day_holiday_runs_to_the_next_working_day() -> None:
    # Performance due by 1 October 2024: two years on is 1 October 2026, the first day of the National Day
    # holiday (1-7 October 2026 off by the State Council's notice): the last day is the 8th, the first working day.
    window = enforcement_window(date(2024, 10, 1), china())
    assert (window.last_day, window.ends_on, window.calendar_gap) == (date(2026, 10, 1), date(2026, 10, 8), None)
    award = Proceeding(forum="arbitration", started_on=date(2024, 9, 1), events=(
        Filed(on=date(2024, 9, 2), body="上海仲裁委员会", case_number="A-1"),
        Decided(on=date(2024, 9, 20), decision="award", amount=cny("19518.00"), performance_due_on=date(2024, 10, 1)),
        EnforcementFiled(on=date(2026, 10, 8), court="C", case_number="E-1")))
    assert not award.enforcement_late(china())  # applied for on the 8th: in time
