"""GuarantorClaimWorkflow: the claim against one guarantor of a matter, as a child of the matter's workflow.

ID `matter-<matter id>/guarantor-<n>` (n: the guarantor's position on the matter's record, from 1). The
team or the firm records what happens through the `guarantor_event` update (a demand that reached the
guarantor, a refusal, a release), each checked by `domain.guarantor_claims`; the matter tells it, by the
`guarantor_facts` signal, the main debt's due date (maturity, or a served acceleration) and the day a
case against the debtor was filed. Its clock: the guarantee period (Civil Code art. 692). When the period
ends with nothing done within it that the law requires (art. 693: a demand to a joint-and-several
guarantor, a suit against the debtor for a general one), the guarantor is released, and the claim says so
with the reason. It reports each event and each change of where it stands to its parent (`child_report`,
idempotent by key), and stays open as the claim's record until the matter closes (cancellation).
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.guarantor_claims import ClaimError, Demanded, GuarantorClaim, Refused
    from workflows.child import ReportingChild
    from workflows.contracts import (
        ERR_INVALID,
        GUARANTOR_WORKFLOW_NAME,
        QUERY_GUARANTOR,
        SIGNAL_GUARANTOR_FACTS,
        UPDATE_GUARANTOR_EVENT,
        GuarantorClaimInput,
        GuarantorClaimSnapshot,
        GuarantorEventCommand,
        GuarantorEventResult,
        GuarantorFacts,
    )


def _words(event: object) -> str:
    if isinstance(event, Demanded):
        return (f"Demand for performance reached the guarantor on {event.on.isoformat()} "
                f"({event.method.replace('_', ' ')})")
    if isinstance(event, Refused):
        return f"The guarantor refused to perform on {event.on.isoformat()}"
    on = getattr(event, "on", None)
    return f"The creditor released the guarantor on {on.isoformat() if on else '?'} (reason recorded)"


@workflow.defn(name=GUARANTOR_WORKFLOW_NAME)
class GuarantorClaimWorkflow(ReportingChild):
    @workflow.init
    def __init__(self, inp: GuarantorClaimInput) -> None:
        self._inp = inp
        self._c = GuarantorClaim(number=inp.number, guarantor=inp.guarantor, main_due_on=inp.main_due_on,
                                 debtor_sued_on=inp.debtor_sued_on)
        self._results: dict[str, GuarantorEventResult] = {}
        self._bodies: dict[str, str] = {}
        self._changed = False
        self._closed = False
        self._told: str | None = None  # the standing last reported to the parent
        self._reports: list[asyncio.Task[None]] = []

    @workflow.run
    async def run(self, inp: GuarantorClaimInput) -> GuarantorClaimSnapshot:
        await self._loop("the guarantee period's end", "The guarantor claim's record closed with the matter")
        return self.snapshot()

    def _today(self) -> date:
        return self._inp.clock.today(workflow.now())

    def _next_wake(self) -> datetime | None:
        """The day after the period's last day, while nothing done within it holds the guarantor."""
        period = self._c.period()
        if period is None or self._told == "released" or self._c.held_on() is not None:
            return None
        return self._inp.clock.day_starts(period.last_day + timedelta(days=1))

    def _tick(self) -> None:
        """Report where the claim stands whenever that changed (held, refused, released)."""
        standing, why = self._c.standing(self._today())
        if standing != self._told and standing != "open":
            self._told = standing
            self._spawn("claim_standing", why, key=standing, data={"standing": standing})

    # ------------------------------------------------------------------ the record
    @workflow.update(name=UPDATE_GUARANTOR_EVENT)
    async def record_event(self, cmd: GuarantorEventCommand) -> GuarantorEventResult:
        known = self._results.get(cmd.event_id)
        if known is not None:
            return known.model_copy(update={"duplicate": True})
        self._c = self._c.add(cmd.event, self._today())
        result = GuarantorEventResult(event_id=cmd.event_id, duplicate=False, snapshot=self.snapshot())
        return await self._recorded(cmd.event_id, cmd.event.model_dump_json(), result, "claim_event",
                                    _words(cmd.event), cmd.actor,
                                    {"kind": cmd.event.kind, "on": cmd.event.on.isoformat()})  # type: ignore[no-any-return]

    @record_event.validator
    def _validate_event(self, cmd: GuarantorEventCommand) -> None:
        if self._repeat(cmd.event_id, cmd.event.model_dump_json()):
            return
        if self._closed:
            raise ApplicationError("the guarantor claim's record is closed", type=ERR_INVALID)
        try:
            self._c.add(cmd.event, self._today())
        except ClaimError as exc:
            raise ApplicationError(f"event.{exc.field}: {exc.reason}", type=ERR_INVALID) from None

    @workflow.signal(name=SIGNAL_GUARANTOR_FACTS)
    def facts(self, facts: GuarantorFacts) -> None:
        """The matter's news: the main debt's due date (an acceleration moves it), a case against the debtor."""
        self._c = self._c.model_copy(update={"main_due_on": facts.main_due_on,
                                             "debtor_sued_on": facts.debtor_sued_on})
        self._changed = True

    @workflow.query(name=QUERY_GUARANTOR)
    def snapshot(self) -> GuarantorClaimSnapshot:
        standing, why = self._c.standing(self._today())
        g = self._c.guarantor
        return GuarantorClaimSnapshot(
            matter_id=self._inp.matter_id, number=self._inp.number, workflow_id=workflow.info().workflow_id,
            guarantee_type=g.guarantee_type, cap=g.cap, standing=standing, why=why, period=self._c.period(),
            held_on=self._c.held_on(), events=self._c.events, closed=self._closed)


__all__ = ["GuarantorClaimWorkflow"]
