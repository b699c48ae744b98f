"""Lawful contact (`domain.contact`): hours in the borrower's zone, the rolling 7-day limit, cease-contact,
holds, legally required notices; and ability and willingness read from the contact log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.contact import (
    WINDOW,
    ContactAttempt,
    ContactChannel,
    ContactLimits,
    ability_and_willingness,
    attempts_in_window,
    counts_toward_limit,
    hours_bound,
    most_in_a_window_with,
    next_lawful,
    within_hours,
)
from domain.policy import ContactRules

SH = "Asia/Shanghai"
LIMITS = ContactLimits()


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def local(tz: str, y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=ZoneInfo(tz), fold=fold)


def attempt(at: datetime, channel: ContactChannel = "phone", matter: str = "m1", **kw: str) -> ContactAttempt:
    return ContactAttempt.model_validate({"at": at, "channel": channel, "matter_id": matter, **kw})


# ---- hours ------------------------------------------------------------------------------------------

def test_inside_the_hours_the_contact_happens_when_wished_and_nothing_is_said() -> None:
    at = local(SH, 2026, 12, 3, 10, 0)
    decision = next_lawful(at, SH, LIMITS, [])
    assert decision.allowed_at == at and decision.reasons == () and not decision.refused


def test_late_evening_moves_to_the_next_morning_in_the_borrowers_zone() -> None:
    at = utc(2026, 12, 3, 14, 30)  # 22:30 in Shanghai
    decision = next_lawful(at, SH, LIMITS, [])
    assert decision.allowed_at == local(SH, 2026, 12, 4, 8, 0)
    assert decision.allowed_at is not None and decision.allowed_at.tzinfo == UTC  # always in UTC
    assert decision.reasons == ("outside contact hours 08:00-21:00 Asia/Shanghai; deferred to 2026-12-04 08:00",)


def test_early_morning_moves_to_the_start_of_the_same_day_and_the_bounds_are_start_in_end_out() -> None:
    assert next_lawful(local(SH, 2026, 12, 3, 6, 15), SH, LIMITS, []).allowed_at == local(SH, 2026, 12, 3, 8, 0)
    assert next_lawful(local(SH, 2026, 12, 3, 8, 0), SH, LIMITS, []).reasons == ()
    assert next_lawful(local(SH, 2026, 12, 3, 21, 0), SH, LIMITS, []).allowed_at == local(SH, 2026, 12, 4, 8, 0)
    late = local(SH, 2026, 12, 3, 20, 59, 59)
    assert next_lawful(late, SH, LIMITS, []).allowed_at == late


def test_a_start_hour_the_clocks_jump_over_moves_to_the_first_instant_after_the_jump() -> None:
    ny, limits = "America/New_York", ContactLimits(start_hour=2, end_hour=21)
    decision = next_lawful(local(ny, 2026, 3, 8, 1, 30), ny, limits, [])  # 02:00 -> 03:00 that night
    assert decision.allowed_at == utc(2026, 3, 8, 7, 0)  # 03:00 EDT, the instant of the jump
    assert decision.allowed_at is not None and decision.allowed_at.astimezone(ZoneInfo(ny)).hour == 3
    assert "2026-03-08 02:00 does not exist in America/New_York" in decision.reasons[0]


def test_a_skipped_day_moves_to_the_hours_of_the_next_day_that_exists() -> None:
    apia = "Pacific/Apia"  # 2011-12-30 did not happen in Samoa
    decision = next_lawful(local(apia, 2011, 12, 29, 22, 0), apia, LIMITS, [])
    assert decision.allowed_at == local(apia, 2011, 12, 31, 8, 0)


def test_a_start_hour_the_clocks_repeat_takes_its_first_occurrence_and_the_repeat_is_lawful() -> None:
    ny, limits = "America/New_York", ContactLimits(start_hour=1, end_hour=21)  # 02:00 EDT -> 01:00 EST
    assert next_lawful(local(ny, 2026, 11, 1, 0, 30), ny, limits, []).allowed_at == utc(2026, 11, 1, 5, 0)
    repeat = local(ny, 2026, 11, 1, 1, 30, fold=1)  # 01:30 EST, an hour after 01:30 EDT
    assert next_lawful(repeat, ny, limits, []).allowed_at == utc(2026, 11, 1, 6, 30)


def test_end_hour_24_runs_to_midnight() -> None:
    limits = ContactLimits(start_hour=8, end_hour=24)
    at = local(SH, 2026, 12, 3, 23, 59)
    assert next_lawful(at, SH, limits, []).allowed_at == at
    assert within_hours(at, SH, limits) and not within_hours(local(SH, 2026, 12, 4, 0, 30), SH, limits)


def test_letters_are_not_bound_to_the_hours_nor_counted_nor_limited() -> None:
    night = local(SH, 2026, 12, 3, 23, 0)
    many = [attempt(night - timedelta(hours=i)) for i in range(1, 20)]
    assert next_lawful(night, SH, LIMITS, many, channel="letter").allowed_at == night
    letters = [attempt(night - timedelta(hours=i), "letter") for i in range(1, 20)]
    assert attempts_in_window(letters, night) == 0
    assert next_lawful(local(SH, 2026, 12, 4, 10, 0), SH, LIMITS, letters).reasons == ()
    assert not hours_bound("letter") and not counts_toward_limit("letter")
    assert all(hours_bound(c) and counts_toward_limit(c) for c in ("phone", "visit", "sms", "email"))


# ---- the rolling 7-day limit ----------------------------------------------------------------------

MIXED: list[ContactChannel] = ["phone", "sms", "email", "visit", "phone", "sms", "email"]


def test_the_limit_defers_until_the_oldest_counted_attempt_leaves_the_window() -> None:
    # 7 attempts on any matter and channel, the oldest at 10:00 on 1 December (Shanghai)
    made = [attempt(local(SH, 2026, 12, 1, 10, 0) + timedelta(hours=i), ch, f"m{i % 2}")
            for i, ch in enumerate(MIXED)]
    decision = next_lawful(local(SH, 2026, 12, 3, 11, 0), SH, LIMITS, made)
    assert decision.allowed_at == local(SH, 2026, 12, 8, 10, 0)  # exactly 7 x 24 hours after the oldest
    assert decision.reasons == (
        "the limit of 7 contact attempts per rolling 7 days is reached (7 attempts from 2026-12-01 10:00 "
        "Asia/Shanghai); deferred to 2026-12-08 10:00, when the attempt of 2026-12-01 10:00 leaves the 7-day "
        "window",)
    assert attempts_in_window(made, local(SH, 2026, 12, 8, 10, 0)) == 6
    assert attempts_in_window(made, local(SH, 2026, 12, 8, 9, 59)) == 7


def test_a_window_freed_at_night_waits_for_the_morning() -> None:
    made = [attempt(local(SH, 2026, 12, 1, 21, 30) + timedelta(minutes=i)) for i in range(7)]  # late ones
    decision = next_lawful(local(SH, 2026, 12, 2, 9, 0), SH, LIMITS, made)
    assert decision.allowed_at == local(SH, 2026, 12, 9, 8, 0)  # freed 21:30 on the 8th, then the hours
    assert [r.split(";")[0] for r in decision.reasons] == [
        "the limit of 7 contact attempts per rolling 7 days is reached (7 attempts from 2026-12-01 21:30 "
        "Asia/Shanghai)", "outside contact hours 08:00-21:00 Asia/Shanghai"]


def test_the_window_is_elapsed_time_across_a_dst_change() -> None:
    london = "Europe/London"  # clocks go back at 02:00 BST on 25 October 2026
    made = [attempt(local(london, 2026, 10, 22, 12, 0) + timedelta(minutes=i)) for i in range(7)]
    decision = next_lawful(local(london, 2026, 10, 23, 12, 0), london, LIMITS, made)
    assert decision.allowed_at == local(london, 2026, 10, 29, 11, 0)  # 168 hours later: 11:00 GMT on the wall


def test_a_later_attempt_already_booked_is_not_pushed_over_the_limit() -> None:
    # 6 attempts before the wished moment and 1 after it, all within one window of 7 days.
    before = [attempt(local(SH, 2026, 12, 1, 9, 0) + timedelta(hours=i)) for i in range(6)]
    after = [attempt(local(SH, 2026, 12, 4, 9, 0))]
    at = local(SH, 2026, 12, 2, 10, 0)
    assert next_lawful(at, SH, ContactLimits(max_attempts_per_7_days=8), before + after).allowed_at == at
    # With a limit of 7 one more would make 8 in the window ending on the 4th: wait until the first is 7 days old.
    decision = next_lawful(at, SH, ContactLimits(max_attempts_per_7_days=7), before + after)
    assert decision.allowed_at == local(SH, 2026, 12, 8, 9, 0)


def test_attempts_exactly_7_days_apart_never_share_a_window() -> None:
    made = [attempt(local(SH, 2026, 12, 1, 10, 0)), attempt(local(SH, 2026, 12, 8, 10, 0))]
    at = local(SH, 2026, 12, 5, 10, 0)  # windows holding it hold one of the two, never both
    assert next_lawful(at, SH, ContactLimits(max_attempts_per_7_days=2), made).allowed_at == at
    assert next_lawful(at, SH, ContactLimits(max_attempts_per_7_days=1), made).allowed_at == local(SH, 2026, 12, 15, 10)


# ---- cease-contact, holds, legally required notices --------------------------------------------------

def test_cease_contact_refuses_every_channel_unless_legally_required() -> None:
    at = local(SH, 2026, 12, 3, 23, 0)
    for channel in ("phone", "letter"):
        d = next_lawful(at, SH, LIMITS, [], channel=channel, cease_contact=True)  # type: ignore[arg-type]
        assert d.refused and d.reasons == (
            "the borrower asked us to cease contact: no contact except legally required notices",)
    call = next_lawful(at, SH, LIMITS, [], cease_contact=True, legally_required=True)
    assert call.allowed_at == local(SH, 2026, 12, 4, 8, 0)  # a call still keeps the hours
    assert call.reasons[0] == "the borrower asked us to cease contact; this legally required notice is sent nonetheless"
    letter = next_lawful(at, SH, LIMITS, [], channel="letter", cease_contact=True, legally_required=True)
    assert letter.allowed_at == at  # a letter goes at once


def test_a_hold_refuses_contact_except_legally_required_notices() -> None:
    at = local(SH, 2026, 12, 3, 10, 0)
    d = next_lawful(at, SH, LIMITS, [], hold="bankruptcy_stay")
    assert d.refused and d.reasons == (
        "the matter is on a bankruptcy stay hold: no contact except legally required notices",)
    ok = next_lawful(at, SH, LIMITS, [], hold="dispute", legally_required=True)
    assert ok.allowed_at == at and "dispute hold" in ok.reasons[0]


def test_a_legally_required_notice_ignores_the_limit_but_says_so() -> None:
    made = [attempt(local(SH, 2026, 12, 1, 10, 0) + timedelta(hours=i)) for i in range(7)]
    at = local(SH, 2026, 12, 3, 10, 0)
    d = next_lawful(at, SH, LIMITS, made, channel="sms", legally_required=True)
    assert d.allowed_at == at
    assert d.reasons == ("the limit of 7 contact attempts per rolling 7 days is reached; a legally required notice "
                         "is not limited by it",)


# ---- refusals of bad input ---------------------------------------------------------------------------

def test_bad_input_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="tz: unknown time zone 'Mars/Olympus'"):
        next_lawful(utc(2026, 1, 1), "Mars/Olympus", LIMITS, [])
    with pytest.raises(ValueError, match="at: 2026-01-01T00:00:00 has no time zone"):
        next_lawful(datetime(2026, 1, 1), SH, LIMITS, [])
    with pytest.raises(ValidationError, match="end_hour 8 is not after start_hour 8"):
        ContactLimits(start_hour=8, end_hour=8)
    with pytest.raises(ValidationError, match="timezone"):
        ContactAttempt(at=datetime(2026, 1, 1), channel="phone", matter_id="m")
    with pytest.raises(ValidationError):
        ContactAttempt.model_validate({"at": utc(2026, 1, 1), "channel": "fax", "matter_id": "m"})


def test_the_limits_read_the_policys_contact_rules() -> None:
    rules = ContactRules(start_hour=9, end_hour=20, max_attempts_per_7_days=3)
    assert ContactLimits.model_validate(rules.model_dump()) == ContactLimits(start_hour=9, end_hour=20,
                                                                             max_attempts_per_7_days=3)


# ---- ability and willingness ------------------------------------------------------------------------

def test_ability_and_willingness_from_outcomes_and_causes() -> None:
    t = utc(2026, 12, 1, 2, 0)
    assert ability_and_willingness([]) == ("unknown", "unknown")
    nothing = [attempt(t, outcome="no_answer"), attempt(t, outcome="wrong_number"), attempt(t, outcome="reached"),
               attempt(t, outcome="disputed", cause="dispute"), attempt(t, cause="unknown"), attempt(t, cause="other")]
    assert ability_and_willingness(nothing) == ("unknown", "unknown")
    assert ability_and_willingness([attempt(t, outcome="promised")]) == ("able", "willing")
    assert ability_and_willingness([attempt(t, outcome="promised", cause="job_loss")]) == ("unable", "willing")
    assert ability_and_willingness([attempt(t, outcome="refused_to_pay", cause="illness")]) == ("unable", "unwilling")
    assert ability_and_willingness([attempt(t, outcome="reached", cause="fraud")]) == ("unknown", "unwilling")
    assert ability_and_willingness([attempt(t, outcome="promised", cause="unwilling")]).willingness == "willing"
    r = ability_and_willingness([attempt(t, outcome="reached", cause="over_indebtedness")])
    assert (r.ability, r.willingness) == ("unable", "unknown")


def test_the_latest_signal_wins_whatever_the_order_given() -> None:
    t = utc(2026, 12, 1, 2, 0)
    log = [attempt(t + timedelta(days=3), outcome="refused_to_pay"), attempt(t, outcome="promised"),
           attempt(t + timedelta(days=5), outcome="reached", cause="business_downturn")]
    assert ability_and_willingness(log) == ("unable", "unwilling")
    assert ability_and_willingness([*log, attempt(t + timedelta(days=9), outcome="promised")]) == ("able", "willing")


# ---- properties ------------------------------------------------------------------------------------------

ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Sao_Paulo",
         "Asia/Kathmandu", "Pacific/Apia", "America/St_Johns", "Pacific/Chatham"]
CHANNELS: list[ContactChannel] = ["phone", "visit", "sms", "email", "letter"]


@st.composite
def cases(draw: st.DrawFn) -> tuple[datetime, str, ContactLimits, list[ContactAttempt], ContactChannel]:
    start = draw(st.integers(min_value=0, max_value=23))
    limits = ContactLimits(start_hour=start, end_hour=draw(st.integers(min_value=start + 1, max_value=24)),
                           max_attempts_per_7_days=draw(st.integers(min_value=1, max_value=8)))
    at = draw(st.datetimes(min_value=datetime(2008, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)))
    seconds = st.integers(min_value=0, max_value=20 * 86400)
    made = [attempt(at - timedelta(seconds=draw(seconds)), draw(st.sampled_from(CHANNELS)))
            for _ in range(draw(st.integers(min_value=0, max_value=25)))]
    return at, draw(st.sampled_from(ZONES)), limits, made, draw(st.sampled_from(CHANNELS[:4]))


def lawful(t: datetime, tz: str, limits: ContactLimits, made: list[ContactAttempt]) -> bool:
    """An independent reading of the rules for attempts made before `t`."""
    hour = t.astimezone(ZoneInfo(tz)).hour
    counted = [a for a in made if a.channel != "letter" and t - WINDOW < a.at <= t]
    return limits.start_hour <= hour < limits.end_hour and len(counted) < limits.max_attempts_per_7_days


@settings(max_examples=400, deadline=None)
@given(cases(), st.floats(min_value=0, max_value=1))
def test_the_moment_is_lawful_not_early_first_and_stable(
    case: tuple[datetime, str, ContactLimits, list[ContactAttempt], ContactChannel], fraction: float,
) -> None:
    at, tz, limits, made, channel = case
    decision = next_lawful(at, tz, limits, made, channel=channel)
    t = decision.allowed_at
    assert t is not None and t >= at
    assert lawful(t, tz, limits, made)
    assert (t == at) == (decision.reasons == ())
    if t > at:  # the first lawful moment: none before it, just before it included
        assert not lawful(t - timedelta(microseconds=1), tz, limits, made)
        probe = at + (t - at) * fraction
        assert probe >= t or not lawful(probe, tz, limits, made)
    again = next_lawful(t, tz, limits, made, channel=channel)
    assert again.allowed_at == t and again.reasons == ()


@settings(max_examples=200, deadline=None)
@given(cases())
def test_attempts_made_at_the_moments_returned_never_break_the_limit(
    case: tuple[datetime, str, ContactLimits, list[ContactAttempt], ContactChannel],
) -> None:
    at, tz, limits, made, channel = case
    made = [a for a in made if a.at <= at]
    log = list(made)
    t = at
    for _ in range(limits.max_attempts_per_7_days + 3):  # keep calling as soon as allowed
        allowed = next_lawful(t, tz, limits, log, channel=channel).allowed_at
        assert allowed is not None
        log.append(attempt(allowed, channel))
        t = allowed
    for new in log[len(made):]:  # every window ending at a new attempt (the fullest ones): at most the limit
        window = [a for a in log if a.channel != "letter" and new.at - WINDOW < a.at <= new.at]
        assert len(window) <= limits.max_attempts_per_7_days


# ---- a contact recorded after the fact ---------------------------------------------------------------

def test_an_attempt_logged_late_counts_in_the_windows_after_it_too() -> None:
    base = utc(2026, 12, 3, 2)
    made = [attempt(base + timedelta(hours=1)), attempt(base + timedelta(hours=2), "sms", "m2"),
            attempt(base + timedelta(hours=3), "letter")]  # (a letter counts in no window)
    assert most_in_a_window_with(made, base) == 3  # the window ending at the later attempts holds all three
    assert most_in_a_window_with(made, base - WINDOW) == 1  # exactly 7 days before: shares no window
    assert most_in_a_window_with(made, base + timedelta(hours=5)) == 3


@given(st.lists(st.integers(min_value=0, max_value=20 * 24), max_size=12), st.integers(min_value=0, max_value=20 * 24))
def test_the_most_in_a_window_is_what_every_window_holding_the_attempt_counts(hours: list[int], at_hour: int) -> None:
    base = utc(2026, 12, 1)
    made = [attempt(base + timedelta(hours=h)) for h in hours]
    at = base + timedelta(hours=at_hour)
    every = [*[a.at for a in made], at]
    # Brute force over window ends every hour from `at` to 7 days after it (attempts fall on whole hours).
    ends = [at + timedelta(hours=k) for k in range(7 * 24)]
    brute = max(sum(1 for t in every if s - WINDOW < t <= s) for s in ends)
    assert most_in_a_window_with(made, at) == brute
