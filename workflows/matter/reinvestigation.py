"""After a round of enforcement is terminated with no property found (终结本次执行程序), the matter stays alive
and the team is given a task to investigate the debtor's property again every policy `reinvestigate_days`
(a mixin of `MatterWorkflow`), until enforcement is applied for again (`enforcement_filed`) or the matter
closes. Each task is a history line (`asset_investigation_due`) naming the proceeding and the round's end."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.matter.mixin import MatterMixin


class ReinvestigationHandlers(MatterMixin):

    def _reinvestigations(self) -> list[tuple[str, date, int, date]]:
        """(key, the day, the proceeding, the day its round ended) of the next task per proceeding."""
        ps = self._s.proceedings
        if self._s.stage == "closed":
            return []
        found = []
        for n, ended in sorted(ps.reinvestigate.items()):
            k = 1
            while f"{n}:{ended.isoformat()}:{k}" in ps.reinvestigated:
                k += 1
            found.append((f"{n}:{ended.isoformat()}:{k}", ended + timedelta(days=self._policy.reinvestigate_days * k),
                          n, ended))
        return sorted(found, key=lambda x: x[1])

    def _reinvestigation_wake(self, now: datetime) -> datetime | None:
        due = self._reinvestigations()
        return self._s.clock.day_starts(due[0][1]) if due else None

    def _remind_reinvestigation(self, now: datetime) -> None:
        today = self._s.clock.today(now)
        for key, on, n, ended in self._reinvestigations():
            if on > today:
                continue
            self._s.proceedings.reinvestigated.append(key)
            self._event(f"reinvestigate-{key}", "asset_investigation_due",
                        f"Proceeding {n}: this round of enforcement was terminated on {ended.isoformat()} with nothing "
                        "found: investigate the debtor's property again (real estate, vehicles, deposits, equity, "
                        "receivables), record what turns up in the asset register, and apply for enforcement again",
                        data={"number": n, "round_ended_on": ended.isoformat()})
            self._dirty = True


__all__ = ["ReinvestigationHandlers"]
