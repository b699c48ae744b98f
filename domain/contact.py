"""Lawful contact with a borrower: when a contact may happen, and what the contact log says.

`next_lawful(at, tz, limits, attempts, ...)` answers "a contact is wished at `at`: when may it
first lawfully happen?" as a `ContactDecision` (the moment, or None, and the reasons in plain
English for the matter's history). It is a pure function: the caller passes the time, the
borrower's time zone and every attempt already made.

Conventions (each one is a test in tests/domain/test_contact.py):

- Contact hours: a phone call, visit, SMS or e-mail happens only while the local time in the
  borrower's time zone (an IANA name) is in [start_hour:00, end_hour:00); `end_hour` 24 means up
  to midnight. Outside the hours the contact moves to the next start of the hours. A local time
  that does not exist (the clocks jump forward over it) moves to the first instant after the jump,
  which is the next lawful one; a local time that occurs twice (the clocks fall back) is lawful on
  each occurrence, and the earliest occurrence not before `at` is taken.
- Letters by post are not bound to the time of day: posting a letter at night wakes no one, and
  when it is delivered is not ours to choose. They do not count toward the attempt limit either,
  and they are not limited by it.
- The attempt limit is per person, across all matters and channels: the caller passes all the
  borrower's attempts. Every attempt by phone, visit, SMS or e-mail counts (reached or not, a
  wrong number included: each one tried to reach the person), legally required notices included.
  A new attempt at `t` is lawful if no rolling window of 7 days (7 x 24 hours of elapsed time,
  `(s - 7 days, s]`) that holds `t` would then hold more than `max_attempts_per_7_days` attempts.
  For attempts made before `t` (the usual case) that is: fewer than the limit in `(t - 7 days, t]`,
  and when the limit is reached the first lawful moment is when the oldest counted attempt leaves
  the window (it is then exactly 7 days old), after which the hours are checked again.
- A cease-contact request, or a hold on the matter (see `domain.holds`), stops every contact
  (`allowed_at` None) except a legally required notice. A legally required notice ignores the
  request, the hold and the attempt limit, but a call, visit, SMS or e-mail still respects the
  contact hours; a legally required letter goes at once.
- Compressed (demo) policies, whose policy day is not a real day, have no wall clock to respect:
  the caller does not ask `next_lawful` for them (as `PolicyClock.contact_allowed_at` does not).

The contact log also records what each contact found out: its outcome and the cause of default the
borrower gave; `ability_and_willingness(log)` reads the borrower's ability and willingness to pay
from it (for the risk assessment).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from domain.holds import HoldKind

ContactChannel = Literal["phone", "visit", "sms", "email", "letter"]
# What a contact found, as the contact log records it.
ContactOutcome = Literal["reached", "no_answer", "wrong_number", "refused_to_pay", "promised", "disputed"]
# Why the borrower defaulted, as the borrower (or what we learnt) says. `fraud`: the borrower obtained
# the loan or moved assets dishonestly (evading the debt on purpose); a borrower who says the loan was
# taken out in their name by someone else disputes it (outcome `disputed`).
DefaultCause = Literal["job_loss", "illness", "business_downturn", "dispute", "fraud", "over_indebtedness",
                       "unwilling", "unknown", "other"]
Ability = Literal["able", "unable", "unknown"]
Willingness = Literal["willing", "unwilling", "unknown"]

WINDOW = timedelta(days=7)  # the rolling window of the attempt limit: 7 x 24 hours of elapsed time

# Channels that reach the person at the moment they are used: bound to the hours, counted in the limit.
_IMMEDIATE: frozenset[str] = frozenset({"phone", "visit", "sms", "email"})


def hours_bound(channel: ContactChannel) -> bool:
    """Whether a contact by `channel` must happen inside the contact hours (all but letters by post)."""
    return channel in _IMMEDIATE


def counts_toward_limit(channel: ContactChannel) -> bool:
    """Whether an attempt by `channel` counts toward (and is limited by) the attempts per 7 days."""
    return channel in _IMMEDIATE


class ContactLimits(BaseModel):
    """The policy's contact rules: the hours in the borrower's time zone and the rolling-7-day limit.

    The same fields and rules as `domain.policy.ContactRules` (so `ContactLimits.model_validate(
    policy.contact.model_dump())` converts one into the other).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    start_hour: int = Field(default=8, ge=0, le=23)
    end_hour: int = Field(default=21, ge=1, le=24)
    max_attempts_per_7_days: int = Field(default=7, ge=1)

    @model_validator(mode="after")
    def _window(self) -> ContactLimits:
        if self.start_hour >= self.end_hour:
            raise ValueError(f"end_hour {self.end_hour} is not after start_hour {self.start_hour} "
                             "(contact hours must be a non-empty window)")
        return self

    @property
    def hours(self) -> str:
        """The hours as people write them: `08:00-21:00`."""
        return f"{self.start_hour:02d}:00-{self.end_hour:02d}:00"


class ContactAttempt(BaseModel):
    """One attempt to contact the borrower, on any matter: when, how, and what it found out."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: AwareDatetime
    channel: ContactChannel
    matter_id: str = Field(min_length=1, max_length=128)
    outcome: ContactOutcome | None = None
    cause: DefaultCause | None = Field(default=None, description="the cause of default learnt in this contact")


class ContactDecision(BaseModel):
    """When a wished contact may first lawfully happen (None: not at all), and why.

    `reasons` are sentences for the matter's history, one per rule that moved or stopped the contact
    (and one for each rule a legally required notice was sent in spite of); empty when the contact
    may happen when wished and nothing needs saying.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    allowed_at: AwareDatetime | None
    reasons: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return self.allowed_at is None


def zone(tz: str) -> ZoneInfo:
    """The IANA time zone `tz`; a ValueError naming it if there is no such zone."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"tz: unknown time zone {tz!r}; use an IANA name such as Asia/Shanghai") from None


def within_hours(at: datetime, tz: str, limits: ContactLimits) -> bool:
    """Whether `at` is inside the contact hours in time zone `tz`."""
    return limits.start_hour <= _aware(at, "at").astimezone(zone(tz)).hour < limits.end_hour


def attempts_in_window(attempts: Sequence[ContactAttempt], at: datetime) -> int:
    """How many counted attempts (see `counts_toward_limit`) lie in the 7 days `(at - 7 days, at]`."""
    end = _aware(at, "at").astimezone(UTC)
    return sum(1 for a in attempts if counts_toward_limit(a.channel) and end - WINDOW < a.at.astimezone(UTC) <= end)


def most_in_a_window_with(attempts: Sequence[ContactAttempt], at: datetime) -> int:
    """With one more counted attempt at `at`, the most attempts any 7-day window holding it holds.

    Attempts after `at` count too: an attempt recorded late (a call logged after the fact) may share
    a window with attempts made after it. Above the limit: the attempt at `at` broke it.
    """
    when = _aware(at, "at").astimezone(UTC)
    counted = [a.at.astimezone(UTC) for a in attempts if counts_toward_limit(a.channel)]
    # A window (s - 7 days, s] holds `when` for s in [when, when + 7 days); its count changes only at attempts.
    ends = [when, *(t for t in counted if when <= t < when + WINDOW)]
    return max(1 + sum(1 for t in counted if s - WINDOW < t <= s) for s in ends)


def next_lawful(at: datetime, tz: str, limits: ContactLimits, attempts: Sequence[ContactAttempt], *,
                channel: ContactChannel = "phone", cease_contact: bool = False, legally_required: bool = False,
                hold: HoldKind | None = None) -> ContactDecision:
    """The first moment at or after `at` when a contact by `channel` may lawfully happen, and why.

    `attempts` are all the borrower's attempts (every matter, every channel); `cease_contact`: the
    borrower asked us to stop contacting them; `hold`: the kind of hold on the matter, if one is
    active; `legally_required`: the contact is a notice the law requires (see the module docstring).
    The moment is returned in UTC (a local time the clocks repeat never compares equal across zones).
    """
    start = _aware(at, "at").astimezone(UTC)
    place = zone(tz)
    reasons: list[str] = []
    if hold is not None:
        if not legally_required:
            return ContactDecision(allowed_at=None, reasons=(
                f"the matter is on a {_HOLD_WORDS[hold]} hold: no contact except legally required notices",))
        reasons.append(f"the matter is on a {_HOLD_WORDS[hold]} hold; this legally required notice is sent "
                       "nonetheless")
    if cease_contact:
        if not legally_required:
            return ContactDecision(allowed_at=None, reasons=(
                "the borrower asked us to cease contact: no contact except legally required notices",))
        reasons.append("the borrower asked us to cease contact; this legally required notice is sent nonetheless")
    if not hours_bound(channel):
        return ContactDecision(allowed_at=start, reasons=tuple(reasons))
    limited = counts_toward_limit(channel) and not legally_required
    # An attempt 7 days old or older at `at` can no longer share a window with the new one.
    counted = sorted(when for a in attempts if counts_toward_limit(a.channel)
                     and (when := a.at.astimezone(UTC)) > start - WINDOW)
    blocks = _blocked_intervals(counted, limits.max_attempts_per_7_days)
    t = start
    # Each pass jumps past one block or stops, and t only moves later: at most one pass per block.
    for _ in range(len(blocks) + 1):
        lawful, notes = _into_hours(t, place, limits)
        if lawful != t:
            reasons.append(f"outside contact hours {limits.hours} {tz}; deferred to {_local(lawful, place)}{notes}")
            t = lawful
        block = _blocking(blocks, t) if limited else None
        if block is None:
            break
        oldest, free = block
        reasons.append(f"the limit of {limits.max_attempts_per_7_days} contact attempts per rolling 7 days is "
                       f"reached ({limits.max_attempts_per_7_days} attempts from {_local(oldest, place)} {tz}); "
                       f"deferred to {_local(free, place)}, when the attempt of {_local(oldest, place)} leaves "
                       "the 7-day window")
        t = free
    if legally_required and counts_toward_limit(channel) and _blocking(blocks, t) is not None:
        reasons.append(f"the limit of {limits.max_attempts_per_7_days} contact attempts per rolling 7 days is "
                       "reached; a legally required notice is not limited by it")
    return ContactDecision(allowed_at=t, reasons=tuple(reasons))


# ---- ability and willingness -----------------------------------------------------------------------

_HARDSHIP: frozenset[str] = frozenset({"job_loss", "illness", "business_downturn", "over_indebtedness"})
_UNWILLING_CAUSES: frozenset[str] = frozenset({"unwilling", "fraud"})


class AbilityAndWillingness(NamedTuple):
    ability: Ability
    willingness: Willingness


def ability_and_willingness(log: Sequence[ContactAttempt]) -> AbilityAndWillingness:
    """The borrower's ability and willingness to pay, as the contact log shows them.

    Read in time order (attempts at the same instant in the given order); the latest signal of each
    kind wins, because circumstances and attitudes change:

    - ability: a hardship cause (job_loss, illness, business_downturn, over_indebtedness) says
      `unable`; a promise to pay (outcome `promised`) without a hardship cause in the same contact
      says `able`. A promise made while stating a hardship leaves the borrower `unable` to pay in
      full: what is promised is what little can be paid.
    - willingness: a promise says `willing`, a refusal to pay (`refused_to_pay`) says `unwilling`,
      and so does the cause `unwilling` or `fraud` (evading the debt on purpose). In one contact the
      outcome (what the borrower did) decides over the stated cause.
    - no signal: unanswered calls, wrong numbers and plain reaches prove nothing either way (an
      unanswered phone is not evasion until shown); a dispute (outcome `disputed`, cause `dispute`)
      is to be resolved, not graded as unwillingness; `unknown` and `other` say nothing.

    Nothing known yet is (`unknown`, `unknown`).
    """
    ability: Ability = "unknown"
    willingness: Willingness = "unknown"
    for a in sorted(log, key=lambda a: a.at):
        hardship = a.cause in _HARDSHIP
        if hardship:
            ability = "unable"
        elif a.outcome == "promised":
            ability = "able"
        if a.outcome == "promised":
            willingness = "willing"
        elif a.outcome == "refused_to_pay" or a.cause in _UNWILLING_CAUSES:
            willingness = "unwilling"
    return AbilityAndWillingness(ability, willingness)


# ---- internals ----------------------------------------------------------------------------------

_HOLD_WORDS: dict[str, str] = {"dispute": "dispute", "hardship": "hardship", "bankruptcy_stay": "bankruptcy stay",
                               "death": "death"}


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: {value.isoformat()} has no time zone (an instant needs one)")
    return value


def _local(instant: datetime, place: ZoneInfo) -> str:
    local = instant.astimezone(place)
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second or local.microsecond else "%Y-%m-%d %H:%M")


def _into_hours(t: datetime, place: ZoneInfo, limits: ContactLimits) -> tuple[datetime, str]:
    """`t` if it is inside the hours, else the next start of the hours, and a note for each start
    that does not exist on the wall clock (the clocks jump over it)."""
    notes = ""
    for _ in range(4):  # a jump lands inside the hours, or at a midnight before them (a skipped day)
        local = t.astimezone(place)
        if limits.start_hour <= local.hour < limits.end_hour:
            return t, notes
        day = local.date() if local.hour < limits.start_hour else local.date() + timedelta(days=1)
        t, note = _first_at_or_after(day, limits.start_hour, place, t)
        notes += note
    raise RuntimeError(f"no contact hours found in {place.key} after {t.isoformat()}")  # pragma: no cover


def _first_at_or_after(day: date, hour: int, place: ZoneInfo, not_before: datetime) -> tuple[datetime, str]:
    """The first instant not before `not_before` at which the wall clock in `place` shows `day` `hour`:00;
    when the clocks jump over that time, the instant of the jump (the first one after it); when it has
    passed already (the clocks fell back over it), the same time the next day."""
    wall = datetime.combine(day, time(hour))
    instants = [wall.replace(tzinfo=place, fold=fold).astimezone(UTC) for fold in (0, 1)]
    existing = [i for i in instants if i.astimezone(place).replace(tzinfo=None) == wall]
    if existing:
        later = [i for i in existing if i >= not_before]
        if later:
            return min(later), ""
        return _first_at_or_after(day + timedelta(days=1), hour, place, not_before)  # pragma: no cover
    # The wall time does not exist: fold=1 maps it before the jump, fold=0 after it. Transitions fall
    # on whole seconds: find the first second whose wall time is past `wall`.
    lo, hi = min(instants), max(instants)
    while hi - lo > timedelta(seconds=1):
        mid = lo + timedelta(seconds=((hi - lo) // timedelta(seconds=1)) // 2)
        if mid.astimezone(place).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    after = hi.astimezone(place)
    note = f" ({wall:%Y-%m-%d %H:%M} does not exist in {place.key}: the clocks jump to {after:%Y-%m-%d %H:%M})"
    return max(hi, not_before), note


def _blocked_intervals(counted: Sequence[datetime], limit: int) -> list[tuple[datetime, datetime, datetime]]:
    """For each run of `limit` consecutive attempts spanning less than 7 days, the open interval of
    moments `(newest - 7 days, oldest + 7 days)` at which one more attempt would put `limit + 1`
    attempts into one window; as (start, end, oldest)."""
    blocks = []
    for j in range(len(counted) - limit + 1):
        oldest, newest = counted[j], counted[j + limit - 1]
        if newest - oldest < WINDOW:
            blocks.append((newest - WINDOW, oldest + WINDOW, oldest))
    return blocks


def _blocking(blocks: Sequence[tuple[datetime, datetime, datetime]], t: datetime) -> tuple[datetime, datetime] | None:
    """(oldest attempt, the moment it frees the window) for the block holding `t` that ends last; None
    if `t` is in none."""
    holding = [b for b in blocks if b[0] < t < b[1]]
    if not holding:
        return None
    start, end, oldest = max(holding, key=lambda b: b[1])
    return oldest, end


__all__ = ["WINDOW", "Ability", "AbilityAndWillingness", "ContactAttempt", "ContactChannel", "ContactDecision",
           "ContactLimits", "ContactOutcome", "DefaultCause", "Willingness", "ability_and_willingness",
           "attempts_in_window", "counts_toward_limit", "hours_bound", "most_in_a_window_with", "next_lawful",
           "within_hours", "zone"]
