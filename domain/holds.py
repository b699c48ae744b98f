"""Holds: a dispute, a hardship, a bankruptcy stay or a death stops the matter's clocks.

While a hold is active nothing is escalated and no one is contacted except for legally required
notices; every process deadline set before or during the hold (a ladder step, the negotiation
window, a promise's grace, a firm's answer) moves later by the time the hold lasted. A deadline
that had already passed when a hold began is not revived by it.

What a hold does NOT stop: statutory periods run on whatever the matter's holds say. The limitation
period (Civil Code art. 188) is suspended only on the grounds of art. 194, interrupted on those of
art. 195; the guarantee period (art. 692) is never suspended, interrupted or extended; appeal and
enforcement windows run from service. The workflow keeps those clocks running through a hold.

Conventions:

- A hold is active from `placed_at` (included) until the earliest of its release (`released_at`,
  excluded) and the end of its `ends_on` day on the matter's clock (`PolicyClock.day_ends`: the start
  of the next policy day); with neither it is open-ended.
- The time held between two instants is the length of the union of the holds' active intervals
  within them: overlapping holds count once.
- A bankruptcy stay is placed, and lifted, only by a manager (it follows a court's order); any
  hold's `ends_on` is not before the policy date on which it is placed.
- Times are aware datetimes; the functions take the time as an argument and never read a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from domain.authority import Role
from domain.dates import PolicyClock
from domain.text import PlainText

HoldKind = Literal["dispute", "hardship", "bankruptcy_stay", "death"]
HOLD_KINDS: tuple[str, ...] = HoldKind.__args__  # type: ignore[attr-defined]
# The instant at which a policy date is over on the matter's clock (`PolicyClock.day_ends`).
DayEnd = Callable[[date], datetime]


class HoldError(ValueError):
    """A hold that cannot be placed or released: `<field>: <reason>`."""

    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


def needs_manager(kind: HoldKind) -> bool:
    """Whether placing (and lifting) a hold of this kind needs a manager: a bankruptcy stay does."""
    return kind == "bankruptcy_stay"


def contact_allowed(kind: HoldKind, legally_required: bool) -> bool:
    """Whether a contact may be made while a hold of `kind` is active: only a legally required notice.

    The same for every kind: a disputed debt is not pursued until the dispute is resolved, a
    borrower in hardship or in bankruptcy is not pressed (a stay forbids individual collection), and
    the estate of a deceased borrower is written to only as the law requires.
    """
    return legally_required


class Hold(BaseModel):
    """One hold on a matter, as placed and (perhaps) released."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    hold_id: str = Field(min_length=1, max_length=128)
    kind: HoldKind
    reason: PlainText = Field(min_length=1, max_length=2000)
    placed_at: AwareDatetime
    ends_on: date | None = Field(default=None, description="the last policy date of the hold; None: open-ended")
    released_at: AwareDatetime | None = None
    placed_by: str = Field(min_length=1, max_length=128)
    released_by: str | None = Field(default=None, min_length=1, max_length=128)

    @model_validator(mode="after")
    def _released(self) -> Hold:
        if (self.released_at is None) != (self.released_by is None):
            raise ValueError("released_at and released_by are given together or not at all")
        if self.released_at is not None and self.released_at < self.placed_at:
            raise ValueError(f"released_at {self.released_at.isoformat()} is before placed_at "
                             f"{self.placed_at.isoformat()}")
        return self

    def ends_at(self, day_end: DayEnd | None = None) -> datetime | None:
        """When the hold stops being active (the release or the end of `ends_on`, whichever is first);
        None for a hold that is open-ended and not released."""
        ends = [self.released_at] if self.released_at is not None else []
        if self.ends_on is not None:
            if day_end is None:
                raise ValueError(f"hold {self.hold_id} ends on {self.ends_on}: day_end is needed to say when")
            ends.append(day_end(self.ends_on))
        return max(min(ends), self.placed_at) if ends else None

    def active(self, now: datetime, day_end: DayEnd | None = None) -> bool:
        end = self.ends_at(day_end)
        return self.placed_at <= now and (end is None or now < end)


def hold_problems(hold: Hold, placed_on: date) -> tuple[tuple[str, str], ...]:
    """(field, reason) for each rule a new hold breaks; `placed_on`: the policy date of `placed_at`.

    The model itself refuses an empty reason and a release before the placing.
    """
    found: list[tuple[str, str]] = []
    if hold.ends_on is not None and hold.ends_on < placed_on:
        found.append(("ends_on", f"{hold.ends_on} is before the date the hold is placed on, {placed_on}"))
    if hold.released_at is not None:
        found.append(("released_at", "a hold is placed unreleased; release it afterwards"))
    return tuple(found)


# ---- the time held ---------------------------------------------------------------------------------

Interval = tuple[datetime, datetime]


def held_intervals(holds: Iterable[Hold], since: datetime, until: datetime,
                   day_end: DayEnd | None = None) -> tuple[Interval, ...]:
    """The disjoint, ordered intervals within `[since, until)` during which at least one hold was active
    (an open hold runs to `until`), in UTC."""
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    clipped = []
    for h in holds:
        end = h.ends_at(day_end)
        start, stop = max(h.placed_at.astimezone(UTC), since), until if end is None else min(end.astimezone(UTC), until)
        if start < stop:
            clipped.append((start, stop))
    merged: list[Interval] = []
    for start, stop in sorted(clipped):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return tuple(merged)


def held_time(holds: Iterable[Hold], since: datetime, until: datetime, day_end: DayEnd | None = None) -> timedelta:
    """How long, within `[since, until)`, at least one hold was active (overlaps count once)."""
    return sum((stop - start for start, stop in held_intervals(holds, since, until, day_end)), timedelta(0))


def held_seconds(holds: Iterable[Hold], since: datetime, until: datetime, day_end: DayEnd | None = None) -> float:
    """`held_time` in seconds."""
    return held_time(holds, since, until, day_end).total_seconds()


class EffectiveDeadline(BaseModel):
    """A deadline as the holds have moved it, at some instant `now`.

    `due_at` is None while the deadline is frozen (a hold is active and the deadline had not passed
    when it began); `remaining` is then the time it will still run once the holds end: released at
    `r`, it falls due at `r + remaining`. `held` is the hold time added so far (up to `now`). In UTC.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    original: AwareDatetime
    due_at: AwareDatetime | None
    held: timedelta
    remaining: timedelta | None = None
    frozen_by: tuple[str, ...] = ()  # the active holds' ids

    @property
    def frozen(self) -> bool:
        return self.due_at is None


def shift(deadline: datetime, holds: Sequence[Hold], since: datetime, now: datetime,
          day_end: DayEnd | None = None) -> EffectiveDeadline:
    """Where the deadline `deadline`, set at `since`, stands at `now` given `holds`.

    The deadline's clock runs only while no hold is active: each hold interval that begins before the
    (moved) deadline moves it later by the part of the interval after `since`; an interval that begins
    once it has passed changes nothing. A hold active at `now` that began before the deadline freezes it.
    """
    if now < since:
        raise ValueError(f"now {now.isoformat()} is before the deadline was set ({since.isoformat()})")
    # In UTC: a local time the clocks repeat never compares equal to an instant in another zone.
    deadline, since, now = deadline.astimezone(UTC), since.astimezone(UTC), now.astimezone(UTC)
    due, added = deadline, timedelta(0)
    started = [h for h in holds if h.placed_at <= now]
    active = tuple(h.hold_id for h in started if h.active(now, day_end))
    for start, stop in held_intervals(started, since, now, day_end):
        if start >= due:  # the deadline had passed when this hold began
            break
        if active and stop == now:  # the held span still running: the clock stopped at `start`
            return EffectiveDeadline(original=deadline, due_at=None, held=added + (now - start),
                                     remaining=due - start, frozen_by=active)
        added += stop - start
        due += stop - start
    if active and now < due:  # a hold placed exactly at `now`
        return EffectiveDeadline(original=deadline, due_at=None, held=added, remaining=due - now, frozen_by=active)
    return EffectiveDeadline(original=deadline, due_at=due, held=added)


# ---- the matter's holds --------------------------------------------------------------------------


class HoldBook(BaseModel):
    """Every hold ever placed on one matter (released ones stay: the past matters), on the matter's clock."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clock: PolicyClock
    holds: tuple[Hold, ...] = ()

    def get(self, hold_id: str) -> Hold | None:
        return next((h for h in self.holds if h.hold_id == hold_id), None)

    def active(self, now: datetime) -> tuple[Hold, ...]:
        """The holds active at `now`, in the order they were placed."""
        return tuple(h for h in self.holds if h.active(now, self.clock.day_ends))

    def is_held(self, now: datetime) -> bool:
        return bool(self.active(now))

    def contact_allowed(self, now: datetime, legally_required: bool) -> bool:
        """Whether a contact may be made at `now`: always without an active hold, else see `contact_allowed`."""
        return all(contact_allowed(h.kind, legally_required) for h in self.active(now))

    def next_change(self, now: datetime) -> datetime | None:
        """The first instant after `now` at which an active hold ends by itself (its `ends_on` passes):
        when the workflow wakes to resume its clocks. None if every active hold waits for a release."""
        ends = [end for h in self.active(now) if (end := h.ends_at(self.clock.day_ends)) is not None]
        return min(ends) if ends else None

    def place(self, hold: Hold, role: Role) -> HoldBook:
        """This book with `hold` added; a HoldError names the field of the first rule it breaks.

        `role` is the role of `hold.placed_by`.
        """
        if self.get(hold.hold_id) is not None:
            raise HoldError("hold_id", f"a hold {hold.hold_id!r} already exists on this matter")
        if needs_manager(hold.kind) and role != "manager":
            raise HoldError("placed_by", f"a {hold.kind} hold is placed by a manager, not by a {role} user")
        problems = hold_problems(hold, self.clock.today(hold.placed_at))
        if problems:
            raise HoldError(*problems[0])
        return self.model_copy(update={"holds": (*self.holds, hold)})

    def release(self, hold_id: str, at: datetime, by: str, role: Role) -> HoldBook:
        """This book with hold `hold_id` released at `at` by `by` (whose role is `role`)."""
        hold = self.get(hold_id)
        if hold is None:
            raise HoldError("hold_id", f"there is no hold {hold_id!r} on this matter")
        if hold.released_at is not None:
            raise HoldError("hold_id", f"hold {hold_id!r} was already released at {hold.released_at.isoformat()} "
                                       f"by {hold.released_by}")
        if at < hold.placed_at:
            raise HoldError("released_at", f"{at.isoformat()} is before hold {hold_id!r} was placed "
                                           f"({hold.placed_at.isoformat()})")
        end = hold.ends_at(self.clock.day_ends)
        if end is not None and end <= at:
            raise HoldError("hold_id", f"hold {hold_id!r} already ended at {end.isoformat()} (its last day, "
                                       f"{hold.ends_on}, has passed)")
        if needs_manager(hold.kind) and role != "manager":
            raise HoldError("released_by", f"a {hold.kind} hold is lifted by a manager, not by a {role} user")
        released = hold.model_copy(update={"released_at": at, "released_by": by})
        return self.model_copy(update={"holds": tuple(released if h.hold_id == hold_id else h for h in self.holds)})

    def paused_seconds(self, since: datetime, until: datetime) -> float:
        """Seconds within `[since, until)` during which at least one hold was active."""
        return held_seconds(self.holds, since, until, self.clock.day_ends)

    def effective_deadline(self, original: datetime, set_at: datetime, now: datetime) -> EffectiveDeadline:
        """Where a deadline `original`, set at `set_at`, stands at `now` (see `shift`)."""
        return shift(original, self.holds, set_at, now, self.clock.day_ends)


__all__ = ["HOLD_KINDS", "DayEnd", "EffectiveDeadline", "Hold", "HoldBook", "HoldError", "HoldKind", "Role",
           "contact_allowed", "held_intervals", "held_seconds", "held_time", "hold_problems", "needs_manager",
           "shift"]
