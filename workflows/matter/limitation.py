"""The matter's limitation period, always known, and the team warned before it runs out (a mixin).

`limitation_of(state, overdue_since)` is the period (3 years, Civil Code art. 188) from the day the
loan fell overdue, started again by the latest interruption the record shows (art. 195): a payment
on the day it was received (a reversed one never happened), a promise to pay, a contact in which the
borrower promised to pay, a signed settlement or amendment agreement (each an acknowledgement of the
debt), a served acceleration notice (a demand, from its delivery). Letters the ladder sends do not
count here: a demand interrupts from its arrival, and their delivery is not recorded yet. Once the
debt is discharged (closed paid, cured, settled or withdrawn) nothing runs; a written-off matter's
period still does (recoveries).

Matters opened since the patch `limitation` track it: their status carries it, and at each of the
policy's `limitation_warn_days` before its last day the history warns the team (once per last day:
an interruption that restarts the period brings new warnings in time). Holds do not stop it: it is
the law's clock, not the process's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.deadlines import Deadline, Interruption, limitation
    from workflows.calendars import china
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import MatterState

PATCH_LIMITATION = "limitation"
_DISCHARGED = ("paid", "cured", "settled", "withdrawn")


def interruptions(s: MatterState) -> list[Interruption]:
    """What the matter's record shows interrupted limitation, oldest first."""
    found: list[Interruption] = []
    reversed_ids = set(s.ledger.reversals.values())
    found += [Interruption(kind="partial_payment", on=on, note=f"payment {pid}"[:200])
              for pid, on in s.ledger.received_on.items() if pid not in reversed_ids]
    found += [Interruption(kind="acknowledgement", on=s.clock.today(p.created_at),
                           note=f"promise to pay {p.promise_id}"[:200]) for p in s.promises.items]
    found += [Interruption(kind="acknowledgement", on=s.clock.today(c.at), note=f"promised to pay ({c.channel})")
              for c in s.contacts if c.outcome == "promised"]
    found += [Interruption(kind="acknowledgement", on=a.signed_on, note=f"{a.proposal.kind} agreement signed")
              for a in s.arrangements if a.signed_on is not None]
    if s.acceleration is not None and s.acceleration.delivered_on is not None:
        found.append(Interruption(kind="demand_arrived", on=s.acceleration.delivered_on,
                                  note="acceleration notice delivered"))
    return sorted(found, key=lambda i: i.on)


def limitation_of(s: MatterState, overdue_since: date) -> Deadline | None:
    """The running limitation period (None: not tracked, or nothing runs: the debt is discharged)."""
    if not s.limitation_tracked or (s.stage == "closed" and s.closure_reason in _DISCHARGED):
        return None
    return limitation(overdue_since, interruptions(s), china())


class LimitationHandlers(MatterMixin):

    def _limitation_warnings(self) -> list[tuple[int, date]]:
        """(days before, the policy date of the warning) for each warning not given yet for the current
        last day, soonest warning first."""
        d = limitation_of(self._s, self._intake.overdue.since)
        if d is None:
            return []
        days = sorted(set(self._policy.limitation_warn_days), reverse=True)
        due = [(n, d.last_day - timedelta(days=n)) for n in days]
        return [(n, on) for n, on in due if f"{d.last_day.isoformat()}:{n}" not in self._s.limitation_warned]

    def _limitation_wake(self, now: datetime) -> datetime | None:
        """When the next warning falls due (the start of its policy day)."""
        pending = self._limitation_warnings()
        return self._s.clock.day_starts(pending[0][1]) if pending else None

    def _warn_limitation(self, now: datetime) -> None:
        """Give the warnings whose day has come: only the most urgent if several came at once."""
        today = self._s.clock.today(now)
        come = [(n, on) for n, on in self._limitation_warnings() if on <= today]
        if not come:
            return
        d = limitation_of(self._s, self._intake.overdue.since)
        assert d is not None
        for n, _ in come:
            self._s.limitation_warned.append(f"{d.last_day.isoformat()}:{n}")
        days_left = (d.last_day - today).days
        ends = d.ends_on.isoformat() if d.ends_on is not None else f"{d.last_day.isoformat()} (or the next working day)"
        self._event(
            f"limitation-{d.last_day.isoformat()}-{min(n for n, _ in come)}", "limitation_warning",
            f"The limitation period ends on {ends}, in {days_left} day(s) ({d.rule}; {d.source}): before then, a "
            "demand that reaches the borrower, an acknowledgement or a filing restarts it",
            data={"last_day": d.last_day.isoformat(), "ends_on": d.ends_on.isoformat() if d.ends_on else None,
                  "days_left": days_left, "source": d.source})
        self._dirty = True


__all__ = ["PATCH_LIMITATION", "LimitationHandlers", "interruptions", "limitation_of"]
