"""Holds in the matter workflow (a mixin of `MatterWorkflow`): dispute, hardship, bankruptcy stay, death.

While any hold is active every clock of the process stops: the reminder ladder, the negotiation
window, a promise's deadline and an arrangement's instalment deadlines. When the last active hold
ends (released by the team, or its last day passed) they resume, each pushed later by exactly the
time held, and the history says by how much. Nothing is sent meanwhile but what the law requires
(the workflow simply does not advance); payments are still taken. A bankruptcy stay is placed and
lifted by a manager. Statutory periods (limitation, guarantee periods) are not the process's clocks
and do not stop here. The rules are `domain/holds.py`.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.holds import Hold, HoldBook, HoldError, needs_manager
    from workflows.contracts import (
        ERR_FORBIDDEN,
        ERR_INVALID,
        UPDATE_HOLD,
        UPDATE_RELEASE,
        HoldCommand,
        HoldResult,
        ReleaseCommand,
    )
    from workflows.matter.mixin import MatterMixin


_WORDS = {"dispute": "Dispute", "hardship": "Hardship (breathing space)", "bankruptcy_stay": "Bankruptcy stay",
          "death": "Death of the borrower"}


class HoldHandlers(MatterMixin):
    """The hold commands and the stopped clocks; `MatterWorkflow` inherits them."""


    def _hold_book(self) -> HoldBook:
        return HoldBook(clock=self._s.clock, holds=tuple(self._s.holds))

    def _held(self, now: datetime) -> bool:
        return self._hold_book().is_held(now)

    def _hold_wake(self, now: datetime) -> datetime | None:
        """When an active hold ends by itself (its last day passes), if one does."""
        return self._hold_book().next_change(now)

    def _update_holds(self, now: datetime) -> bool:
        """Keep the stopped clocks in step with the holds; True while the matter is held."""
        held = self._held(now)
        if held and self._s.held_since is None:
            self._s.held_since = now
        elif not held and self._s.held_since is not None:
            # The last active hold ended (released now, or its last day passed at `end`).
            ended = [end for h in self._s.holds if (end := h.ends_at(self._s.clock.day_ends)) is not None
                     and self._s.held_since <= end <= now]
            end = max(ended) if ended else now
            self._resume(end, now)
        return held

    def _resume(self, end: datetime, now: datetime) -> None:
        assert self._s.held_since is not None
        since = self._s.held_since
        seconds = max(0.0, (end - since).total_seconds())
        self._s.held_since = None
        self._s.held_seconds += seconds
        # A pending promise pauses the ladder too, and its end adds its whole pause: the ladder moves
        # here only by the time held before that pause began (never twice for the same hours).
        paused_at = self._s.promises.paused_at if self._s.promises.pending() is not None else None
        ladder = seconds if paused_at is None else max(0.0, (min(paused_at, end) - since).total_seconds())
        self._s.ladder.shift_seconds += ladder
        days = math.ceil(seconds / self._s.clock.day_seconds) if seconds else 0
        if self._s.review.negotiation_ends_on is not None and self._s.stage == "negotiation":
            self._s.review.negotiation_ends_on += timedelta(days=days)
        promise = self._s.promises.pending()
        if promise is not None:
            moved = promise.model_copy(update={"deadline": promise.deadline + timedelta(seconds=seconds)})
            self._s.promises.replace(moved)
            self._s.outbox.promises.append(self._promise_record(moved))
        for a in self._s.arrangements:
            if a.status == "effective":
                a.shift_seconds += seconds
        self._event(f"resumed-{len(self._s.holds)}-{self._s.events_made}", "hold_ended",
                    f"No hold is active any more: the process's clocks resume, {days} day(s) later "
                    f"({seconds / 3600:.1f} hours held)", data={"held_seconds": seconds, "shift_days": days})

    # ------------------------------------------------------------------------------ commands
    @workflow.update(name=UPDATE_HOLD)
    def place_hold(self, cmd: HoldCommand) -> HoldResult:
        existing = self._hold_book().get(cmd.hold_id)
        if existing is not None:
            self._same_body("hold_id", cmd.hold_id, _hold_body(cmd))
            return self._hold_result(existing, duplicate=True)
        self._s.bodies[f"hold_id:{cmd.hold_id}"] = _hold_body(cmd)
        now = workflow.now()
        hold = self._new_hold(cmd, now)
        self._s.holds = list(self._hold_book().place(hold, cmd.role).holds)
        self._update_holds(now)
        until = f"until {cmd.ends_on.isoformat()} (included)" if cmd.ends_on else "until released"
        self._event(f"hold-{cmd.hold_id}", "hold_placed",
                    f"{_WORDS[cmd.kind]} hold placed {until}: every clock stops and no contact is made but what "
                    "the law requires", actor=cmd.actor,
                    data={"hold_id": cmd.hold_id, "kind": cmd.kind, "reason": cmd.reason,
                          "ends_on": cmd.ends_on.isoformat() if cmd.ends_on else None})
        self._dirty = True
        return self._hold_result(hold, duplicate=False)

    def _new_hold(self, cmd: HoldCommand, now: datetime) -> Hold:
        try:
            return Hold(hold_id=cmd.hold_id, kind=cmd.kind, reason=cmd.reason, placed_at=now, ends_on=cmd.ends_on,
                        placed_by=cmd.actor[:128])
        except ValueError as exc:
            raise ApplicationError(str(exc).splitlines()[-1], type=ERR_INVALID) from None

    @place_hold.validator
    def _validate_hold(self, cmd: HoldCommand) -> None:
        if self._hold_book().get(cmd.hold_id) is not None:
            self._same_body("hold_id", cmd.hold_id, _hold_body(cmd))
            return
        self._refuse_if_closed()
        if needs_manager(cmd.kind) and cmd.role != "manager":
            raise ApplicationError(f"kind: a {cmd.kind} hold is placed by a manager", type=ERR_FORBIDDEN)
        try:
            self._hold_book().place(self._new_hold(cmd, workflow.now()), cmd.role)
        except HoldError as exc:
            raise ApplicationError(str(exc), type=ERR_INVALID) from None

    @workflow.update(name=UPDATE_RELEASE)
    def release_hold(self, cmd: ReleaseCommand) -> HoldResult:
        hold = self._hold_book().get(cmd.hold_id)
        assert hold is not None  # checked by the validator
        if hold.released_at is not None:
            return self._hold_result(hold, duplicate=True)
        now = workflow.now()
        self._s.holds = list(self._hold_book().release(cmd.hold_id, now, cmd.actor[:128], cmd.role).holds)
        before = self._s.held_seconds
        self._update_holds(now)
        self._event(f"release-{cmd.hold_id}", "hold_released",
                    f"{_WORDS[hold.kind]} hold released" + (" (note given)" if cmd.note else ""), actor=cmd.actor,
                    data={"hold_id": cmd.hold_id})
        self._dirty = True
        released = self._hold_book().get(cmd.hold_id)
        assert released is not None
        return self._hold_result(released, duplicate=False, shifted=self._s.held_seconds - before)

    @release_hold.validator
    def _validate_release(self, cmd: ReleaseCommand) -> None:
        hold = self._hold_book().get(cmd.hold_id)
        if hold is None:
            raise ApplicationError(f"hold_id: there is no hold {cmd.hold_id!r} on this matter", type=ERR_INVALID)
        if hold.released_at is not None:
            return  # a replay: answered with the release as it was
        if needs_manager(hold.kind) and cmd.role != "manager":
            raise ApplicationError(f"hold_id: a {hold.kind} hold is lifted by a manager", type=ERR_FORBIDDEN)
        try:
            self._hold_book().release(cmd.hold_id, workflow.now(), cmd.actor[:128], cmd.role)
        except HoldError as exc:
            raise ApplicationError(str(exc), type=ERR_INVALID) from None

    def _hold_result(self, hold: Hold, duplicate: bool, shifted: float = 0.0) -> HoldResult:
        now = workflow.now()
        return HoldResult(hold_id=hold.hold_id, duplicate=duplicate, kind=hold.kind,
                          active=hold.active(now, self._s.clock.day_ends), placed_at=hold.placed_at,
                          ends_on=hold.ends_on, released_at=hold.released_at, held=self._held(now),
                          stage=self._s.stage, shifted_seconds=shifted)


def _hold_body(cmd: HoldCommand) -> str:
    from workflows.matter.state import digest

    return digest(cmd.kind, cmd.reason, cmd.ends_on.isoformat() if cmd.ends_on else "")


__all__ = ["HoldHandlers"]
