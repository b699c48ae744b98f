"""Each guarantor's guarantee period, always known, and the team warned before it ends (a mixin).

`guarantee_periods_of` states, for every guarantor on record, its guarantee period (Civil Code art.
692, `domain.guarantee.guarantee_period`) from the main debt's due date: the contract's final maturity
(`contract.due_on`), or the day a served acceleration notice reached the borrower if earlier (the
whole debt was due from then). A record that knows neither cannot state it: the period is left out,
never guessed. What must be done within it follows from the guarantee's type (art. 693): a
joint-and-several guarantor must be asked to perform (a demand to the guarantor), a general one is
held only if the debtor is sued or taken to arbitration within it, so a general guarantor's period is
no longer listed once a case against the debtor was filed within it, nor is one whose claim
(`workflows/matter/claims.py`) holds or has released the guarantor. Nothing is listed once the debt is
discharged (closed paid, cured, settled or withdrawn) or the period's last day has passed (what became
of the guarantee is then for the lawyers: the record does not show every demand made to a guarantor).

Matters opened since the patch `guarantee-periods` track them: their status carries them
(`MatterStatus.guarantees`, listed by `GET /matters/{id}/deadlines`), and at each of the policy's
`guarantee_warn_days` before a period's last day the history warns the team, once per guarantor and
last day. The period is never suspended, interrupted or extended, and its last day is not moved off a
rest day: the warnings count to the day itself.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.deadlines import Deadline
    from domain.guarantee import guarantee_period, main_debt_due_on
    from domain.matter import MatterIntake
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import MatterState

PATCH_GUARANTEE_PERIODS = "guarantee-periods"
_DISCHARGED = ("paid", "cured", "settled", "withdrawn")


def guarantee_periods_of(s: MatterState, intake: MatterIntake, today: date) -> tuple[Deadline, ...] | None:
    """The guarantee periods still to act within on `today`, guarantor by guarantor (None: not tracked, or
    the matter has no guarantor)."""
    if not s.guarantees_tracked or not intake.guarantors:
        return None
    if s.stage == "closed" and s.closure_reason in _DISCHARGED:
        return ()
    accelerated = s.acceleration.delivered_on if s.acceleration is not None else None
    due = main_debt_due_on(intake.contract.due_on, accelerated)
    if due is None:
        return ()
    filed = [p.filed_on for p in s.proceedings.items if p.filed_on is not None]
    settled = {c.number for c in s.claims.items if c.standing in ("held", "refused", "released")}
    found = []
    for number, g in enumerate(intake.guarantors, start=1):
        d = guarantee_period(g, number, due)
        if d.last_day < today or number in settled:  # (a claim that holds or released the guarantor: done)
            continue
        if g.guarantee_type == "general" and any(on <= d.last_day for on in filed):
            continue  # the debtor was sued within it: the general guarantor is held (art. 693 para 1)
        found.append(d)
    return tuple(found)


class GuaranteeHandlers(MatterMixin):

    def _guarantee_warnings(self, today: date) -> list[tuple[int, date, Deadline]]:
        """(days before, the warning's policy date, the period) for each warning not given yet, soonest first."""
        periods = guarantee_periods_of(self._s, self._intake, today) or ()
        days = sorted(set(self._policy.guarantee_warn_days), reverse=True)
        due = [(n, d.last_day - timedelta(days=n), d) for d in periods for n in days]
        return sorted(((n, on, d) for n, on, d in due if f"{d.name}:{d.last_day.isoformat()}:{n}"
                       not in self._s.guarantees_warned), key=lambda x: x[1])

    def _guarantee_wake(self, now: datetime) -> datetime | None:
        """When the next guarantee-period warning falls due (the start of its policy day)."""
        pending = self._guarantee_warnings(self._s.clock.today(now))
        return self._s.clock.day_starts(pending[0][1]) if pending else None

    def _warn_guarantees(self, now: datetime) -> None:
        """Give the warnings whose day has come: per period, only the most urgent if several came at once."""
        today = self._s.clock.today(now)
        come = [(n, d) for n, on, d in self._guarantee_warnings(today) if on <= today]
        for d in {d.name: d for _, d in come}.values():
            ns = [n for n, x in come if x.name == d.name]
            self._s.guarantees_warned += [f"{d.name}:{d.last_day.isoformat()}:{n}" for n in ns]
            days_left = (d.last_day - today).days
            self._event(f"{d.name}-{d.last_day.isoformat()}-{min(ns)}", "guarantee_period_warning",
                        f"The {d.name} ends on {d.last_day.isoformat()}, in {days_left} day(s): {d.rule}",
                        data={"name": d.name, "last_day": d.last_day.isoformat(), "days_left": days_left,
                              "source": d.source})
            self._dirty = True


__all__ = ["PATCH_GUARANTEE_PERIODS", "GuaranteeHandlers", "guarantee_periods_of"]
