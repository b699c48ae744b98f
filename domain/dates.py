"""Days past due and the policy calendar.

A matter's dates run on its policy's calendar: with the `standard` policy one policy day is
a real day in the borrower's time zone; with `demo` one policy day is one second, counted
from the moment the matter started, so the whole process can be watched live.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict


def days_past_due(since: date, today: date) -> int:
    """Whole days from the first missed due date to `today`; never negative."""
    return max(0, (today - since).days)


class PolicyClock(BaseModel):
    """Maps instants to policy dates and back for one matter."""

    model_config = ConfigDict(frozen=True)

    started_at: datetime  # aware, UTC
    start_date: date  # the policy date on which the matter started
    timezone: str
    day_seconds: int

    @classmethod
    def start(cls, now: datetime, timezone: str, day_seconds: int) -> PolicyClock:
        local = now.astimezone(ZoneInfo(timezone))
        return cls(started_at=now, start_date=local.date(), timezone=timezone, day_seconds=day_seconds)

    @property
    def real_time(self) -> bool:
        return self.day_seconds == 86400

    def today(self, now: datetime) -> date:
        if self.real_time:
            return now.astimezone(ZoneInfo(self.timezone)).date()
        elapsed = (now - self.started_at).total_seconds()
        return self.start_date + timedelta(days=int(elapsed // self.day_seconds))

    def day_starts(self, day: date) -> datetime:
        """The instant at which policy date `day` begins."""
        if self.real_time:
            return datetime.combine(day, time(0), ZoneInfo(self.timezone)).astimezone(self.started_at.tzinfo)
        return self.started_at + timedelta(seconds=(day - self.start_date).days * self.day_seconds)

    def day_ends(self, day: date) -> datetime:
        """The instant at which policy date `day` is over (start of the next day)."""
        return self.day_starts(day + timedelta(days=1))

    def after_days(self, instant: datetime, days: float) -> datetime:
        return instant + timedelta(seconds=days * self.day_seconds)

    def contact_allowed_at(self, instant: datetime, start_hour: int = 8, end_hour: int = 21) -> datetime:
        """The first instant at or after `instant` inside the borrower's contact hours.

        Only real-time policies are bound by the clock on the wall; a compressed demo day has
        no hours to respect.
        """
        if not self.real_time:
            return instant
        tz = ZoneInfo(self.timezone)
        local = instant.astimezone(tz)
        if local.hour < start_hour:
            local = datetime.combine(local.date(), time(start_hour), tz)
        elif local.hour >= end_hour:
            local = datetime.combine(local.date() + timedelta(days=1), time(start_hour), tz)
        return local.astimezone(instant.tzinfo)


class OverdueClock(BaseModel):
    """Enough to say a matter's days past due at any instant, without waking its workflow.

    Days past due used to be refreshed by the workflow every policy day; now whoever reads a
    matter computes them: the API, the projection's queries (as SQL bounds, see
    `min_overdue_bounds`) and Temporal's own list (the `OverdueSince` search attribute is
    `zero_at`).

    - real-time policies (`day_seconds` 86400): whole calendar days in the borrower's time zone
      from `overdue_since` to today there; `zero_at` is the start of `overdue_since` there;
    - compressed (demo) policies: the days past due at intake plus the policy days elapsed since
      the matter started; `zero_at` is the instant at which that count was zero.
    """

    model_config = ConfigDict(frozen=True)

    overdue_since: date
    timezone: str
    day_seconds: int
    zero_at: datetime  # aware, UTC

    @classmethod
    def for_matter(cls, clock: PolicyClock, overdue_since: date, intake_days_past_due: int) -> OverdueClock:
        if clock.real_time:
            zero_at = datetime.combine(overdue_since, time(0), ZoneInfo(clock.timezone)).astimezone(
                clock.started_at.tzinfo
            )
        else:
            zero_at = clock.started_at - timedelta(seconds=intake_days_past_due * clock.day_seconds)
        return cls(overdue_since=overdue_since, timezone=clock.timezone, day_seconds=clock.day_seconds, zero_at=zero_at)

    @property
    def real_time(self) -> bool:
        return self.day_seconds == 86400

    def days_past_due(self, now: datetime) -> int:
        """Days past due at `now` (never negative)."""
        if self.real_time:
            return days_past_due(self.overdue_since, now.astimezone(ZoneInfo(self.timezone)).date())
        return max(0, int((now - self.zero_at).total_seconds() // self.day_seconds))


def overdue_cutoff(now: datetime, timezone: str, day_seconds: int, days: int) -> date | datetime:
    """The bound a matter must meet to be at least `days` past due at `now`.

    Real-time policies: the latest `overdue_since` date (`overdue_since <= bound`); compressed
    policies: the latest `zero_at` instant (`zero_at <= bound`). Exact, so lists filtered in SQL
    agree with `OverdueClock.days_past_due`.
    """
    if day_seconds == 86400:
        return now.astimezone(ZoneInfo(timezone)).date() - timedelta(days=days)
    return now - timedelta(seconds=days * day_seconds)
