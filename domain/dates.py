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
