"""Holds (`domain.holds`): placing and releasing, the time held, deadlines moved and frozen, contact."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.dates import PolicyClock
from domain.holds import (
    HOLD_KINDS,
    Hold,
    HoldBook,
    HoldError,
    contact_allowed,
    held_intervals,
    held_seconds,
    held_time,
    hold_problems,
    needs_manager,
    shift,
)

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
CLOCK = PolicyClock.start(T0, "Asia/Shanghai", 86400)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def hold(hold_id: str = "h1", start: float = 0, released: float | None = None, ends_on: date | None = None,
         kind: str = "dispute") -> Hold:
    return Hold.model_validate({
        "hold_id": hold_id, "kind": kind, "reason": "the borrower disputes the penalty", "placed_at": at(start),
        "ends_on": ends_on, "released_at": None if released is None else at(released),
        "placed_by": "alice", "released_by": None if released is None else "bob"})


# ---- rules --------------------------------------------------------------------------------------------

def test_only_a_bankruptcy_stay_needs_a_manager_and_no_hold_allows_contact_but_legal_notices() -> None:
    assert [k for k in HOLD_KINDS if needs_manager(k)] == ["bankruptcy_stay"]  # type: ignore[arg-type]
    for kind in HOLD_KINDS:
        assert not contact_allowed(kind, legally_required=False)  # type: ignore[arg-type]
        assert contact_allowed(kind, legally_required=True)  # type: ignore[arg-type]


def test_a_hold_needs_a_reason_and_a_release_after_the_placing() -> None:
    with pytest.raises(ValidationError, match="reason"):
        Hold(hold_id="h", kind="dispute", reason="   ", placed_at=T0, placed_by="alice")
    with pytest.raises(ValidationError, match="released_at .* is before placed_at"):
        hold(start=2, released=1)
    with pytest.raises(ValidationError, match="released_at and released_by are given together"):
        Hold(hold_id="h", kind="dispute", reason="x", placed_at=T0, placed_by="a", released_at=at(1))
    with pytest.raises(ValidationError, match="timezone"):
        Hold(hold_id="h", kind="dispute", reason="x", placed_at=datetime(2026, 12, 1), placed_by="a")
    assert hold_problems(hold(ends_on=date(2026, 11, 30)), date(2026, 12, 1)) == (
        ("ends_on", "2026-11-30 is before the date the hold is placed on, 2026-12-01"),)
    assert hold_problems(hold(ends_on=date(2026, 12, 1)), date(2026, 12, 1)) == ()


# ---- the book: place, release, active ---------------------------------------------------------------

def test_place_refuses_what_breaks_a_rule_naming_the_field() -> None:
    book = HoldBook(clock=CLOCK).place(hold("h1"), "legal_team")
    with pytest.raises(HoldError, match="^hold_id: a hold 'h1' already exists on this matter$"):
        book.place(hold("h1", start=1), "manager")
    with pytest.raises(HoldError, match="^placed_by: a bankruptcy_stay hold is placed by a manager, not by a "
                                        "legal_team user$") as refused:
        book.place(hold("h2", kind="bankruptcy_stay"), "legal_team")
    assert refused.value.field == "placed_by"
    assert book.place(hold("h2", kind="bankruptcy_stay"), "manager").get("h2") is not None
    # Placed at 01:00 on 3 December in Shanghai (still the 2nd in UTC): ending on the 2nd is in the past.
    late = hold("h3", start=39, ends_on=date(2026, 12, 2))
    assert late.placed_at.astimezone(SH).date() == date(2026, 12, 3)
    with pytest.raises(HoldError, match="^ends_on: 2026-12-02 is before the date the hold is placed on, 2026-12-03$"):
        book.place(late, "manager")
    with pytest.raises(HoldError, match="^released_at: a hold is placed unreleased"):
        book.place(hold("h4", released=3), "manager")


def test_release_refuses_what_breaks_a_rule_naming_the_field() -> None:
    book = (HoldBook(clock=CLOCK).place(hold("h1"), "legal_team")
            .place(hold("stay", kind="bankruptcy_stay"), "manager")
            .place(hold("short", ends_on=date(2026, 12, 1)), "legal_team"))
    with pytest.raises(HoldError, match="^hold_id: there is no hold 'nope' on this matter$"):
        book.release("nope", at(1), "bob", "manager")
    with pytest.raises(HoldError, match="^released_at: .* is before hold 'h1' was placed"):
        book.release("h1", at(-1), "bob", "manager")
    released = book.release("h1", at(5), "bob", "legal_team")
    assert released.get("h1") == hold("h1", released=5)
    with pytest.raises(HoldError, match="^hold_id: hold 'h1' was already released at .* by bob$"):
        released.release("h1", at(6), "bob", "manager")
    with pytest.raises(HoldError, match="^released_by: a bankruptcy_stay hold is lifted by a manager"):
        book.release("stay", at(5), "bob", "legal_team")
    with pytest.raises(HoldError, match=r"^hold_id: hold 'short' already ended at 2026-12-01T16:00:00\+00:00 \(its "
                                        r"last day, 2026-12-01, has passed\)$"):
        book.release("short", at(30), "bob", "manager")


def test_a_hold_ends_by_itself_at_the_end_of_its_last_day_in_the_borrowers_zone() -> None:
    book = HoldBook(clock=CLOCK).place(hold("h1", ends_on=date(2026, 12, 2)), "legal_team")
    midnight = datetime(2026, 12, 3, 0, 0, tzinfo=SH)
    assert book.is_held(midnight - timedelta(microseconds=1)) and not book.is_held(midnight)
    assert book.next_change(at(1)) == midnight
    assert not book.contact_allowed(at(1), legally_required=False) and book.contact_allowed(at(1), True)
    assert book.contact_allowed(midnight, legally_required=False)
    assert not book.is_held(at(-1))  # not before it was placed


def test_a_released_or_open_hold_has_no_automatic_end() -> None:
    book = HoldBook(clock=CLOCK).place(hold("open"), "legal_team")
    assert book.next_change(at(1)) is None
    book = book.place(hold("dated", start=2, ends_on=date(2026, 12, 5)), "legal_team")
    assert book.next_change(at(3)) == datetime(2026, 12, 6, tzinfo=SH)
    assert book.release("dated", at(4), "bob", "manager").next_change(at(5)) is None


def test_a_compressed_clock_ends_a_hold_after_its_policy_days() -> None:
    demo = PolicyClock.start(T0, "Asia/Shanghai", 1)  # one policy day per second
    h = Hold(hold_id="h", kind="hardship", reason="hospital", placed_at=T0, placed_by="a",
             ends_on=demo.start_date + timedelta(days=4))
    book = HoldBook(clock=demo).place(h, "legal_team")
    assert book.is_held(T0 + timedelta(seconds=4.9)) and not book.is_held(T0 + timedelta(seconds=5))
    assert book.paused_seconds(T0, T0 + timedelta(seconds=60)) == 5.0


# ---- the time held ---------------------------------------------------------------------------------

def test_overlapping_holds_count_once_and_an_open_hold_runs_to_until() -> None:
    holds = [hold("a", 1, released=5), hold("b", 3, released=8), hold("c", 10, released=11), hold("d", 20)]
    assert held_intervals(holds, at(0), at(24)) == ((at(1), at(8)), (at(10), at(11)), (at(20), at(24)))
    assert held_time(holds, at(0), at(24)) == timedelta(hours=12)
    assert held_seconds(holds, at(4), at(22)) == (4 + 1 + 2) * 3600
    assert held_seconds(holds, at(30), at(29)) == 0
    with pytest.raises(ValueError, match="day_end is needed"):
        held_time([hold(ends_on=date(2026, 12, 2))], at(0), at(5))


def test_a_deadline_moves_by_the_time_held_and_is_frozen_while_held() -> None:
    deadline = at(48)
    holds = [hold("a", 10, released=15)]
    moved = shift(deadline, holds, at(0), at(20))
    assert moved.due_at == at(53) and moved.held == timedelta(hours=5) and not moved.frozen
    frozen = shift(deadline, [hold("a", 10)], at(0), at(20))
    assert frozen.frozen and frozen.due_at is None and frozen.frozen_by == ("a",)
    assert frozen.remaining == timedelta(hours=38) and frozen.held == timedelta(hours=10)
    released = shift(deadline, [hold("a", 10, released=30)], at(0), at(31))
    assert released.due_at == at(30) + timedelta(hours=38)  # released at r: due at r + remaining


def test_a_hold_after_the_deadline_passed_revives_nothing() -> None:
    late = shift(at(10), [hold("a", 12, released=20)], at(0), at(30))
    assert late.due_at == at(10) and late.held == timedelta(0)
    still = shift(at(10), [hold("a", 12)], at(0), at(30))
    assert still.due_at == at(10) and not still.frozen
    exactly = shift(at(10), [hold("a", 10)], at(0), at(30))  # begun the instant it fell due
    assert exactly.due_at == at(10)


def test_a_deadline_set_during_a_hold_waits_for_it_and_a_hold_placed_now_freezes() -> None:
    during = shift(at(20), [hold("a", 0)], at(5), at(9))
    assert during.frozen and during.remaining == timedelta(hours=15) and during.held == timedelta(hours=4)
    now = shift(at(20), [hold("a", 9)], at(5), at(9))
    assert now.frozen and now.remaining == timedelta(hours=11) and now.held == timedelta(0)
    future = shift(at(20), [hold("a", 12)], at(5), at(9))  # not yet placed at `now`
    assert future.due_at == at(20)
    with pytest.raises(ValueError, match="is before the deadline was set"):
        shift(at(20), [], at(5), at(4))


def test_the_book_moves_deadlines_on_its_clock() -> None:
    book = HoldBook(clock=CLOCK).place(hold("h1", ends_on=date(2026, 12, 1)), "legal_team")  # to 16:00 UTC
    d = book.effective_deadline(at(48), at(0), at(30))
    assert d.due_at == at(48 + 14)
    assert book.paused_seconds(at(0), at(30)) == 14 * 3600


# ---- properties (a policy day of 60 seconds: every boundary is on a whole minute) ---------------------

DEMO = PolicyClock.start(T0, "UTC", 60)


def minute(m: int) -> datetime:
    return T0 + timedelta(minutes=m)


@st.composite
def hold_sets(draw: st.DrawFn) -> list[Hold]:
    holds = []
    for i in range(draw(st.integers(min_value=0, max_value=6))):
        start = draw(st.integers(min_value=0, max_value=300))
        released = draw(st.none() | st.integers(min_value=start, max_value=400))
        ends_on = draw(st.none() | st.integers(min_value=start, max_value=400).map(
            lambda m: DEMO.start_date + timedelta(days=m)))  # ends at minute m + 1
        holds.append(Hold(hold_id=f"h{i}", kind="dispute", reason="r", placed_at=minute(start), placed_by="a",
                          ends_on=ends_on, released_at=None if released is None else minute(released),
                          released_by=None if released is None else "b"))
    return holds


def held_at(holds: list[Hold], m: int) -> bool:
    return any(h.active(minute(m), DEMO.day_ends) for h in holds)


@settings(max_examples=300, deadline=None)
@given(hold_sets(), st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=300))
def test_the_time_held_is_the_length_of_the_union(holds: list[Hold], since: int, length: int) -> None:
    until = since + length
    expected = sum(1 for m in range(since, until) if held_at(holds, m))
    assert held_time(holds, minute(since), minute(until), DEMO.day_ends) == timedelta(minutes=expected)
    twice = held_time(holds + holds, minute(since), minute(until), DEMO.day_ends)  # overlaps count once
    assert twice == timedelta(minutes=expected)
    assert HoldBook(clock=DEMO, holds=tuple(holds)).paused_seconds(minute(since), minute(until)) == expected * 60


@settings(max_examples=300, deadline=None)
@given(hold_sets(), st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=200),
       st.integers(min_value=0, max_value=400))
def test_a_deadline_runs_only_while_nothing_is_held(holds: list[Hold], set_at: int, length: int, now: int) -> None:
    """Minute by minute: the deadline's clock runs in each unheld minute from `set_at` until it has run
    `length` minutes (due) or `now` comes (frozen if held then, else due after what is left)."""
    now = max(now, set_at)
    m, left = set_at, length
    while left and m < now:
        left -= 0 if held_at(holds, m) else 1
        m += 1
    result = shift(minute(set_at + length), holds, minute(set_at), minute(now), DEMO.day_ends)
    if left == 0:
        assert result.due_at == minute(m)
    elif held_at(holds, now):
        assert result.frozen and result.remaining == timedelta(minutes=left)
    else:
        assert result.due_at == minute(now + left)


@settings(max_examples=300, deadline=None)
@given(hold_sets(), st.integers(min_value=1, max_value=300))
def test_ended_holds_begun_before_the_deadline_move_it_by_their_union(holds: list[Hold], length: int) -> None:
    set_at, original = minute(0), minute(length)
    ends = {h.hold_id: h.ends_at(DEMO.day_ends) for h in holds}
    ended = [h for h in holds if h.placed_at < original and ends[h.hold_id] is not None]
    now = max([original, *(end for end in ends.values() if end is not None)])
    result = shift(original, ended, set_at, now, DEMO.day_ends)
    assert result.due_at == original + held_time(ended, set_at, now, DEMO.day_ends)
    assert result.held == held_time(ended, set_at, now, DEMO.day_ends)
