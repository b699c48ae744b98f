"""ProceedingWorkflow: one suit or arbitration of a matter, as a child of the matter's workflow.

ID `matter-<matter id>/proceeding-<n>`. The firm records the proceeding's events through the
`proceeding_event` update (filing, hearings, the decision, its service, an appeal), each checked by
`domain.proceedings` (order, dates, what the forum allows) and by the firm: a partner of another firm
is told the proceeding does not exist. Its clocks, on timers in the matter's policy calendar:

- after a pre-suit preservation (CPL art. 104), the 30 days to file: warnings `preservation_warn_days`
  before its last day, and a report when it runs out unfiled (the court must then lift the measure);
- a reminder to the firm `hearing_reminder_days` before each hearing;
- the appeal window of a first-instance judgment or ruling, from its service, with the rest-day rule;
  when it ends unappealed the decision is effective (an award from the day it is made, a mediation
  agreement and a second-instance decision from service), and the performance period and the
  enforcement window (`GET /matters/{id}/deadlines`) run from there.

It reports every event to its parent (`child_report`, idempotent by key); it stays open as the record
of the case until the matter closes (cancellation), which the enforcement capability will build on.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.deadlines import Deadline, RestDays
    from domain.proceedings import (
        Decided,
        EnforcementFiled,
        Filed,
        Hearing,
        Preserved,
        Proceeding,
        ProceedingError,
        ProceedsDistributed,
        RoundTerminated,
        Served,
    )
    from workflows.calendars import china
    from workflows.child import ReportingChild
    from workflows.children import DebtorPaid
    from workflows.contracts import (
        ERR_INVALID,
        ERR_NOT_YOURS,
        PROCEEDING_WORKFLOW_NAME,
        QUERY_PROCEEDING,
        SIGNAL_PROCEEDING_COUNSEL,
        SIGNAL_PROCEEDING_PAID,
        UPDATE_PROCEEDING_EVENT,
        CounselChange,
        ProceedingEventCommand,
        ProceedingEventResult,
        ProceedingInput,
        ProceedingSnapshot,
    )


def _words(event: object, forum: str) -> str:
    """An event in plain words for the matter's history."""
    if isinstance(event, Filed):
        fees = f", fees {event.fees_paid}" if event.fees_paid is not None else ""
        return f"Filed with {event.body} on {event.on.isoformat()}: case {event.case_number}{fees}"
    if isinstance(event, Preserved):
        when = "Pre-suit preservation" if event.pre_suit else "Preservation in the case"
        security = "security given" if event.security == "given" else "security excused"
        return (f"{when} carried out on {event.on.isoformat()} by {event.court} (ruling {event.ruling_number}): "
                f"{event.amount} preserved, {security}")
    if isinstance(event, Hearing):
        return f"Hearing set for {event.on.isoformat()}" + (f" at {event.place}" if event.place else "")
    if isinstance(event, Decided):
        what = {"judgment": "Judgment", "ruling": "Ruling", "award": "Award", "mediation": "Mediation agreement"}
        parts = [f"{what[event.decision]} of {event.on.isoformat()}"]
        if event.amount is not None:
            parts.append(f"{event.amount} to pay")
        if event.costs is not None:
            parts.append(f"costs {event.costs}")
        if event.performance_days is not None:
            parts.append(f"within {event.performance_days} days of taking effect")
        if event.performance_due_on is not None:
            parts.append(f"by {event.performance_due_on.isoformat()}")
        if event.proposal_id is not None:
            parts.append(f"recording settlement {event.proposal_id}")
        return ", ".join(parts)
    if isinstance(event, Served):
        return f"Decision served on {event.on.isoformat()}"
    if isinstance(event, EnforcementFiled):
        return f"Enforcement applied for with {event.court} on {event.on.isoformat()}: case {event.case_number}"
    if isinstance(event, RoundTerminated):
        return (f"This round of enforcement terminated on {event.on.isoformat()} (ruling {event.ruling_number}): no "
                "property found; apply again when property turns up")
    if isinstance(event, ProceedsDistributed):
        source = f" from asset {event.asset}" if event.asset is not None else ""
        return (f"Proceeds distributed on {event.on.isoformat()}: {event.gross} fetched{source}, enforcement costs "
                f"{event.costs}, {event.to_creditor} to the creditor, {event.returned} to the debtor or other "
                "creditors")
    on, by = getattr(event, "on", None), getattr(event, "by", "?")
    return f"Appeal lodged by the {by} on {on.isoformat() if on else '?'}"


def _end_words(suit: Deadline) -> str:
    if suit.ends_on is not None:
        return suit.ends_on.isoformat()
    return f"{suit.last_day.isoformat()} (a rest day may move it later: {suit.calendar_gap})"


def _lapsed_words(suit: Deadline) -> str:
    return (f"No suit or arbitration was filed by {_end_words(suit)}, the end of the 30 days after the pre-suit "
            "preservation (CPL art. 104): the court is to lift the measure; file now and apply again if it is needed")


@workflow.defn(name=PROCEEDING_WORKFLOW_NAME)
class ProceedingWorkflow(ReportingChild):
    @workflow.init
    def __init__(self, inp: ProceedingInput) -> None:
        self._inp = inp
        self._p = Proceeding(forum=inp.forum, instance=inp.instance, started_on=inp.started_on)
        self._results: dict[str, ProceedingEventResult] = {}
        self._bodies: dict[str, str] = {}
        self._changed = False
        self._reported_effective = False
        self._reported_gap = False
        self._reminded: set[date] = set()
        self._suit_warned: set[str] = set()  # "<last day>:<days before>" or "<last day>:lapsed"
        self._firm, self._firm_name = inp.firm, inp.firm_name  # who acts now (a recall hands the case over)
        self._closed = False
        self._reports: list[asyncio.Task[None]] = []  # reports sent from the timers' side
        self._paid_on: list[date] = []  # the days the debtor paid part (interrupting the enforcement window)

    def _rest(self) -> RestDays:
        return self._inp.rest_days or china()

    @workflow.run
    async def run(self, inp: ProceedingInput) -> ProceedingSnapshot:
        await self._loop("the proceeding's next deadline", "The proceeding's record closed with the matter")
        return self.snapshot()

    def _counsel(self) -> tuple[str, str]:
        return self._firm, self._firm_name

    # ------------------------------------------------------------------ clocks
    def _today(self) -> date:
        return self._inp.clock.today(workflow.now())

    def _next_wake(self) -> datetime | None:
        clock, candidates = self._inp.clock, []
        for h in self._p.hearings:
            remind_on = h.on - timedelta(days=self._inp.hearing_reminder_days)
            if h.on not in self._reminded and h.on >= self._today():
                candidates.append(clock.day_starts(max(remind_on, self._today())))
        if not self._reported_effective:
            effective = self._p.effective_on(self._rest())
            if effective is not None:
                candidates.append(clock.day_starts(effective))
        candidates += [clock.day_starts(on) for _, on in self._suit_pending()[:1]]
        return min(candidates) if candidates else None

    def _suit_pending(self) -> list[tuple[str, date]]:
        """The warnings (and the lapse) of the time to file after a pre-suit preservation not given yet,
        soonest first: (its key, the day it falls due)."""
        suit = self._p.suit_deadline(self._rest())
        if suit is None:
            return []
        end = suit.ends_on or suit.last_day
        due = [(f"{end.isoformat()}:{n}", suit.last_day - timedelta(days=n))
               for n in sorted(set(self._inp.preservation_warn_days), reverse=True)]
        due.append((f"{end.isoformat()}:lapsed", end + timedelta(days=1)))
        return sorted(((k, on) for k, on in due if k not in self._suit_warned), key=lambda x: x[1])

    def _warn_suit(self, today: date) -> None:
        come = [k for k, on in self._suit_pending() if on <= today]
        if not come:
            return
        self._suit_warned.update(come)
        suit = self._p.suit_deadline(self._rest())
        assert suit is not None
        end = suit.ends_on or suit.last_day
        if any(k.endswith(":lapsed") for k in come):
            self._spawn("preservation_lapsed", _lapsed_words(suit), key=f"{end.isoformat()}:lapsed",
                        data={"last_day": end.isoformat()})
            return
        days_left = (end - today).days
        self._spawn("preservation_due",
                    f"File the suit or the arbitration by {_end_words(suit)}, in {days_left} day(s) ({suit.rule}; "
                    f"{suit.source})", key=come[-1], data={"last_day": end.isoformat(), "days_left": days_left})

    def _tick(self) -> None:
        today = self._today()
        self._warn_suit(today)
        for h in self._p.hearings:
            if h.on not in self._reminded and h.on - timedelta(days=self._inp.hearing_reminder_days) <= today <= h.on:
                self._reminded.add(h.on)
                self._spawn("hearing_soon", f"Hearing on {h.on.isoformat()}" + (f" at {h.place}" if h.place else "")
                            + f": {(h.on - today).days} day(s) away", key=f"hearing-{h.on.isoformat()}",
                            data={"on": h.on.isoformat(), "place": h.place})
        window = self._p.appeal_deadline(self._rest())
        if window is not None and window.ends_on is None and not self._reported_gap:
            self._reported_gap = True  # said once, loudly: the team must not wait for a date never coming
            self._spawn("proceeding_event", f"The appeal window's end cannot be counted: {window.calendar_gap}; "
                        f"its last day by counting is {window.last_day.isoformat()}", key="calendar-gap",
                        data={"calendar_gap": window.calendar_gap})
        effective = self._p.effective_on(self._rest())
        if not self._reported_effective and effective is not None and effective <= today:
            self._reported_effective = True
            deadlines = self._p.deadlines(self._rest(), today)
            words = f"Decision effective on {effective.isoformat()}"
            performance = next((d for d in deadlines if d.name == "performance"), None)
            if performance is not None:
                words += f"; performance due by {_end_words(performance)}"
            self._spawn("effective", words, data={"effective_on": effective.isoformat()})

    # ------------------------------------------------------------------ the firm's record
    @workflow.update(name=UPDATE_PROCEEDING_EVENT)
    async def record_event(self, cmd: ProceedingEventCommand) -> ProceedingEventResult:
        known = self._results.get(cmd.event_id)
        if known is not None:
            return known.model_copy(update={"duplicate": True})
        self._p = self._p.add(cmd.event, self._rest())
        result = ProceedingEventResult(event_id=cmd.event_id, duplicate=False, snapshot=self.snapshot())
        words = _words(cmd.event, self._inp.forum)
        if isinstance(cmd.event, EnforcementFiled) and self._p.enforcement_late(self._rest(), self._paid_on):
            words += ("; late: the two years to apply (CPL art. 250) had ended: the court may still accept it, and "
                      "the debtor may object")
        return await self._recorded(cmd.event_id, cmd.event.model_dump_json(), result, "proceeding_event", words,
                                    cmd.actor, {"event": cmd.event.model_dump(mode="json")})  # type: ignore[no-any-return]

    @record_event.validator
    def _validate_event(self, cmd: ProceedingEventCommand) -> None:
        if cmd.firm is not None and cmd.firm != self._firm:
            raise ApplicationError("proceeding not found", type=ERR_NOT_YOURS)
        if self._repeat(cmd.event_id, cmd.event.model_dump_json()):
            return
        if self._closed:
            raise ApplicationError("the proceeding's record is closed", type=ERR_INVALID)
        today = self._today()
        if not isinstance(cmd.event, Hearing) and cmd.event.on > today:
            raise ApplicationError(f"event.on: {cmd.event.on.isoformat()} is after today ({today.isoformat()}): "
                                   "record what has happened (only a hearing is set ahead)", type=ERR_INVALID)
        try:
            self._p.add(cmd.event, self._rest())
        except ProceedingError as exc:
            raise ApplicationError(f"event.{exc.field}: {exc.reason}", type=ERR_INVALID) from None

    @workflow.signal(name=SIGNAL_PROCEEDING_PAID)
    def debtor_paid(self, paid: DebtorPaid) -> None:
        """The debtor paid part: the time to apply for enforcement starts again from that day (CPL art. 250)."""
        if paid.on not in self._paid_on:
            self._paid_on.append(paid.on)
            self._paid_on.sort()

    @workflow.signal(name=SIGNAL_PROCEEDING_COUNSEL)
    def counsel_changed(self, change: CounselChange) -> None:
        """The matter was recalled from the firm (`firm` ""), or another firm took the case over: its
        partners record the events from now on; the firm before them is told the case does not exist."""
        self._firm, self._firm_name = change.firm, change.firm_name

    @workflow.query(name=QUERY_PROCEEDING)
    def snapshot(self) -> ProceedingSnapshot:
        rest, today = self._rest(), self._today()
        p = self._p
        effective = p.effective_on(rest)
        if self._closed:
            status = "closed"
        elif p.appealed is not None:
            status = "appealed"
        elif effective is not None and effective <= today:
            status = "effective"
        elif p.decided is not None:
            status = "decided"
        else:
            status = "filed" if p.filed is not None else "started"
        return ProceedingSnapshot(
            matter_id=self._inp.matter_id, number=self._inp.number, workflow_id=workflow.info().workflow_id,
            forum=self._inp.forum, instance=self._inp.instance, firm=self._firm, status=status, proceeding=p,
            effective_on=effective, deadlines=p.deadlines(rest, today, self._paid_on), calendar=rest.source,
        )
