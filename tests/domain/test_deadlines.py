"""Legal deadlines (`domain.deadlines`): counting, the rest-day rule, and the periods of a matter.

The PRC dates are the State Council's, through `chinese-calendar` (`workflows.calendars.china`): 2026
has National Day 1-7 October with Saturday 10 October a working day, and Spring Festival 15-23 February
with Saturdays 14 and 28 February working days.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.deadlines import (
    Interruption,
    RestDays,
    UnknownYear,
    add_period,
    appeal_window,
    deadline,
    enforcement_window,
    limitation,
    suit_after_preservation,
)
from workflows.calendars import china

CN = china()


def test_the_first_day_is_not_counted_and_months_end_on_the_corresponding_day_or_the_months_last() -> None:
    assert add_period(date(2026, 9, 16), days=15) == date(2026, 10, 1)
    assert add_period(date(2026, 1, 31), months=1) == date(2026, 2, 28)
    assert add_period(date(2028, 1, 31), months=1) == date(2028, 2, 29)  # a leap year
    assert add_period(date(2024, 2, 29), years=3) == date(2027, 2, 28)  # no 29 February: the month's last day
    assert add_period(date(2026, 12, 3), years=2) == date(2028, 12, 3)
    with pytest.raises(ValueError):
        add_period(date(2026, 1, 1), days=-1)


def test_a_deadline_on_a_public_holiday_moves_to_the_first_working_day_after_it() -> None:
    # A judgment served on 16 September 2026: the 15th day is National Day.
    d = appeal_window("judgment", date(2026, 9, 16), CN)
    assert d is not None and d.last_day == date(2026, 10, 1) and d.ends_on == date(2026, 10, 8) and d.moved
    assert d.rule.startswith("CPL art. 171: 15 days") and d.source == "judgment served on 2026-09-16"
    ruling = appeal_window("ruling", date(2026, 9, 16), CN)
    assert ruling is not None and ruling.last_day == date(2026, 9, 26) and ruling.ends_on == date(2026, 9, 28)


def test_an_adjusted_working_saturday_ends_a_period_and_a_plain_weekend_does_not() -> None:
    assert not CN.is_rest_day(date(2026, 10, 10))  # Saturday, a working day in exchange for National Day
    on_working_saturday = suit_after_preservation(date(2026, 9, 10), CN)
    assert on_working_saturday.last_day == date(2026, 10, 10) and on_working_saturday.ends_on == date(2026, 10, 10)
    weekend = suit_after_preservation(date(2026, 10, 15), CN)  # 30 days: Saturday 14 November
    assert weekend.last_day == date(2026, 11, 14) and weekend.ends_on == date(2026, 11, 16)
    assert weekend.rule.startswith("CPL art. 104")


def test_rest_days_inside_a_period_are_counted() -> None:
    # Served 20 February 2026, inside the Spring Festival: the 10 days still run through it.
    d = appeal_window("ruling", date(2026, 2, 20), CN)
    assert d is not None and d.last_day == date(2026, 3, 2) and d.ends_on == date(2026, 3, 2) and not d.moved


def test_awards_and_mediation_agreements_have_no_appeal_window() -> None:
    assert appeal_window("award", date(2026, 9, 16), CN) is None
    assert appeal_window("mediation", date(2026, 9, 16), CN) is None


def test_a_year_the_calendar_does_not_know_is_never_guessed() -> None:
    later = date(CN.last_year + 1, 10, 1)
    with pytest.raises(UnknownYear, match=f"covers {CN.first_year}-{CN.last_year}, not {later.year}"):
        CN.is_rest_day(later)
    d = appeal_window("judgment", later - timedelta(days=15), CN)
    assert d is not None and d.last_day == later and d.ends_on is None
    assert d.calendar_gap is not None and "chinese-calendar" in d.calendar_gap


def test_limitation_runs_three_years_and_starts_again_from_each_interruption() -> None:
    rest = RestDays(jurisdiction="T", first_year=2020, last_year=2035)  # weekends only: years ahead
    plain = limitation(date(2024, 3, 15), [], rest)
    assert plain.last_day == date(2027, 3, 15) and plain.ends_on == date(2027, 3, 15)  # a Monday
    assert plain.source == "the default became known on 2024-03-15"
    steps = [Interruption(kind="demand_arrived", on=date(2025, 6, 2), note="collection notice delivered"),
             Interruption(kind="partial_payment", on=date(2025, 11, 20)),
             Interruption(kind="acknowledgement", on=date(2023, 1, 1))]  # before it ran: no effect
    d = limitation(date(2024, 3, 15), steps, rest)
    assert d.runs_from == date(2025, 11, 20) and d.last_day == date(2028, 11, 20)
    assert d.source == "interrupted on 2025-11-20: the debtor paid part of the debt"
    assert limitation(date(2024, 3, 15), steps[:1], rest).source == (
        "interrupted on 2025-06-02: a demand for payment reached the debtor (collection notice delivered)")
    saturday = limitation(date(2025, 11, 18), [], rest)
    assert saturday.last_day == date(2028, 11, 18) and saturday.ends_on == date(2028, 11, 20)


def test_the_enforcement_window_is_two_years_from_the_last_day_of_performance_and_can_be_interrupted() -> None:
    rest = RestDays(jurisdiction="T", first_year=2020, last_year=2035)
    d = enforcement_window(date(2026, 6, 30), rest)
    assert d.last_day == date(2028, 6, 30) and d.rule.startswith("CPL art. 250")
    paid = enforcement_window(date(2026, 6, 30), rest, [Interruption(kind="partial_payment", on=date(2027, 1, 4))])
    assert paid.runs_from == date(2027, 1, 4) and paid.last_day == date(2029, 1, 4)


def test_rest_day_data_outside_its_years_or_a_weekday_working_weekend_is_refused() -> None:
    with pytest.raises(ValidationError, match="outside 2026-2026"):
        RestDays(jurisdiction="T", first_year=2026, last_year=2026, holidays=frozenset({date(2027, 1, 1)}))
    with pytest.raises(ValidationError, match="Saturday or a Sunday"):
        RestDays(jurisdiction="T", first_year=2026, last_year=2026, working_weekends=frozenset({date(2026, 1, 5)}))


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(CN.first_year, 1, 1), max_value=date(CN.last_year, 10, 1)),
       st.integers(min_value=1, max_value=60))
def test_a_deadline_ends_on_the_first_working_day_not_before_its_last_day(start: date, days: int) -> None:
    d = deadline("a period", "a rule", "a start", start, CN, days=days)
    if d.ends_on is None:
        return
    assert d.ends_on >= d.last_day and not CN.is_rest_day(d.ends_on)
    day = d.last_day
    while day < d.ends_on:
        assert CN.is_rest_day(day)
        day += timedelta(days=1)
