"""Legal deadlines as pure functions: periods counted as the law counts them, the rest-day rule, and the
periods of a recovery matter (limitation, appeal, enforcement, suit after pre-suit preservation).

Counting (Civil Code arts. 201-203; for periods in proceedings CPL art. 85, to the same effect):

- the day a period runs from is not counted: N days from D end on D + N (art. 201);
- a period of months or years ends on the corresponding day of its last month; a month without
  that day ends it on its last day (art. 202): one month from 31 January is 28 or 29 February;
- a period whose last day is a rest day ends on the first working day after it (art. 203; CPL
  art. 85: "以法定休假日后的第一日为期间届满的日期"). Rest days inside a period are counted.

Rest days are data (`RestDays`): the public holidays and the weekend days the State Council made
working days, for the years a calendar covers. Outside them the rule cannot be applied: `is_rest_day`
raises `UnknownYear`, and a `Deadline` whose last day falls in such a year has `ends_on` None (its
`last_day`, counted, is then the latest date known to be safe: the rule only ever moves a deadline
later). A deadline is never moved, or left unmoved, on a guess.

The periods (each `Deadline` names its rule and what started it):

- limitation: 3 years (Civil Code art. 188) from when the creditor knew or should have known of
  the default; each interruption (art. 195: a demand, from its arrival; the debtor's
  acknowledgement, e.g. a partial payment; a filing) starts it again from that day;
- appeal: 15 days from service of a first-instance judgment, 10 from service of a ruling (CPL
  art. 171); an arbitral award and a mediation agreement are final: no appeal window;
- enforcement: 2 years from the last day of the performance period the judgment or award sets
  (CPL art. 250), interrupted like limitation (e.g. by partial performance);
- after pre-suit preservation: suit or arbitration within 30 days of the measure, or the court
  lifts it (CPL art. 104).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class UnknownYear(ValueError):
    """A date in a year the rest-day calendar does not cover."""


class RestDays(BaseModel):
    """The rest days of one jurisdiction for the years `first_year`..`last_year`.

    A day is a rest day when it is a public holiday (including the days off the State Council
    moves next to one), or a Saturday or Sunday that is not one of `working_weekends` (the weekend
    days it makes working days in exchange).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    jurisdiction: str = Field(min_length=1, max_length=20)
    first_year: int = Field(ge=1900, le=2200)
    last_year: int = Field(ge=1900, le=2200)
    holidays: frozenset[date] = frozenset()
    working_weekends: frozenset[date] = frozenset()
    source: str = Field(default="", max_length=200, description="where the data comes from, e.g. a library version")

    @model_validator(mode="after")
    def _in_range(self) -> RestDays:
        if self.first_year > self.last_year:
            raise ValueError(f"first_year {self.first_year} is after last_year {self.last_year}")
        for name in ("holidays", "working_weekends"):
            outside = sorted(d for d in getattr(self, name) if not self.first_year <= d.year <= self.last_year)
            if outside:
                raise ValueError(f"{name}: {outside[0].isoformat()} is outside {self.first_year}-{self.last_year}")
        if any(d.weekday() < 5 for d in self.working_weekends):
            raise ValueError("working_weekends: every day must be a Saturday or a Sunday")
        return self

    def covers(self, day: date) -> bool:
        return self.first_year <= day.year <= self.last_year

    def is_rest_day(self, day: date) -> bool:
        if not self.covers(day):
            raise UnknownYear(f"the {self.jurisdiction} rest-day calendar ({self.source or 'no source'}) covers "
                              f"{self.first_year}-{self.last_year}, not {day.year}: its public holidays are unknown "
                              "here; update the holiday data before relying on a deadline in that year")
        if day in self.holidays:
            return True
        return day.weekday() >= 5 and day not in self.working_weekends

    def first_working_day(self, day: date) -> date:
        """`day` if it is a working day, else the first working day after it (UnknownYear if it cannot say)."""
        for _ in range(60):  # the longest run of rest days is the Spring Festival's, about 9 days
            if not self.is_rest_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError(f"no working day within 60 days of {day.isoformat()}: the rest-day data is wrong")


def add_period(start: date, *, days: int = 0, months: int = 0, years: int = 0) -> date:
    """The last day of a period of `years`, `months` and `days` running from `start` (not counted).

    Years and months first, to the corresponding day or the month's last day (Civil Code art. 202),
    then days.
    """
    if min(days, months, years) < 0:
        raise ValueError("a period is not negative")
    total = start.year * 12 + (start.month - 1) + years * 12 + months
    year, month = divmod(total, 12)
    month += 1
    end = date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
    return end + timedelta(days=days)


class Deadline(BaseModel):
    """One running legal deadline: what it is, under which rule, what started it, and when it ends.

    `last_day` is counted from `runs_from` (not counted); `ends_on` is the last day moved off a rest
    day, None when the rest-day calendar does not cover `last_day`'s year (`calendar_gap` says so).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    rule: str
    source: str
    runs_from: date
    last_day: date
    ends_on: date | None
    calendar_gap: str | None = None

    @property
    def moved(self) -> bool:
        """The last day was a rest day: the deadline ends on the next working day."""
        return self.ends_on is not None and self.ends_on != self.last_day


def deadline(name: str, rule: str, source: str, runs_from: date, rest: RestDays, *, days: int = 0,
             months: int = 0, years: int = 0) -> Deadline:
    """A period from `runs_from` under `rule`, with the rest-day rule applied where the calendar can."""
    last = add_period(runs_from, days=days, months=months, years=years)
    try:
        ends, gap = rest.first_working_day(last), None
    except UnknownYear as exc:
        ends, gap = None, str(exc)
    return Deadline(name=name, rule=rule, source=source, runs_from=runs_from, last_day=last, ends_on=ends,
                    calendar_gap=gap)


# ---- the periods of a recovery matter -------------------------------------------------------------

InterruptionKind = Literal["demand_arrived", "acknowledgement", "partial_payment", "filing"]
Decision = Literal["judgment", "ruling", "award", "mediation"]

_INTERRUPTIONS: dict[str, str] = {
    "demand_arrived": "a demand for payment reached the debtor",
    "acknowledgement": "the debtor acknowledged the debt",
    "partial_payment": "the debtor paid part of the debt",
    "filing": "suit or arbitration was filed",
}


class Interruption(BaseModel):
    """Something that interrupts limitation (Civil Code art. 195): the period starts again from `on`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: InterruptionKind
    on: date
    note: str = Field(default="", max_length=200, description="what it was, e.g. 'collection notice delivered'")


def limitation(knew_on: date, interruptions: Sequence[Interruption], rest: RestDays) -> Deadline:
    """The limitation period (3 years, Civil Code art. 188), started again by the latest interruption
    (art. 195) on or after the day it began to run."""
    latest = max((i for i in interruptions if i.on >= knew_on), key=lambda i: i.on, default=None)
    if latest is None:
        source = f"the default became known on {knew_on.isoformat()}"
        start = knew_on
    else:
        what = _INTERRUPTIONS[latest.kind] + (f" ({latest.note})" if latest.note else "")
        source = f"interrupted on {latest.on.isoformat()}: {what}"
        start = latest.on
    return deadline("limitation", "Civil Code arts. 188, 195: 3 years, started again by each interruption",
                    source, start, rest, years=3)


def appeal_window(decision: Decision, served_on: date, rest: RestDays) -> Deadline | None:
    """The time to appeal a first-instance `decision` from its service (CPL art. 171); None for an
    award or a mediation agreement, which are final."""
    if decision == "judgment":
        return deadline("appeal", "CPL art. 171: 15 days from service of a first-instance judgment",
                        f"judgment served on {served_on.isoformat()}", served_on, rest, days=15)
    if decision == "ruling":
        return deadline("appeal", "CPL art. 171: 10 days from service of a first-instance ruling",
                        f"ruling served on {served_on.isoformat()}", served_on, rest, days=10)
    return None


def enforcement_window(performance_ends_on: date, rest: RestDays,
                       interruptions: Sequence[Interruption] = ()) -> Deadline:
    """The time to apply for enforcement: 2 years from the last day of the performance period (CPL
    art. 250), started again by an interruption (it follows the rules of limitation)."""
    latest = max((i.on for i in interruptions if i.on >= performance_ends_on), default=None)
    source = f"performance due by {performance_ends_on.isoformat()}"
    if latest is not None:
        source += f"; interrupted on {latest.isoformat()}"
    return deadline("enforcement application", "CPL art. 250: 2 years from the last day of performance",
                    source, latest or performance_ends_on, rest, years=2)


def suit_after_preservation(preserved_on: date, rest: RestDays) -> Deadline:
    """After pre-suit property preservation: suit or arbitration within 30 days (CPL art. 104)."""
    return deadline("suit after pre-suit preservation",
                    "CPL art. 104: suit or arbitration within 30 days of the preservation, or it is lifted",
                    f"preservation ordered on {preserved_on.isoformat()}", preserved_on, rest, days=30)


__all__ = ["Deadline", "Decision", "Interruption", "InterruptionKind", "RestDays", "UnknownYear", "add_period",
           "appeal_window", "deadline", "enforcement_window", "limitation", "suit_after_preservation"]
