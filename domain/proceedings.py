"""One proceeding of a matter (a suit before a people's court or an arbitration), as the law firm records
it, and the deadlines its events start. Pure rules: no I/O, no clock (dates are arguments).

The events, in the order the law allows them (`Proceeding.add` refuses any other, naming the field):

- `preserved`: property preservation ordered and carried out: before the filing (pre-suit, CPL art. 104:
  the applicant must give security, and must sue or apply for arbitration within 30 days of the
  measure or the court lifts it) or during the case (CPL art. 103: security as the court orders it, or
  not required, e.g. a commercial bank applying: SPC Provisions on Property Preservation art. 9(6));
- `filed`: the case accepted (court or commission, case number, date, fees paid);
- `hearing`: a hearing date (any number, each after the filing);
- `decided`: the decision: a court decides by judgment, ruling or mediation agreement, an arbitral
  tribunal by award or mediation agreement; with the amounts, costs and the time to perform; a
  mediation agreement names the approved settlement proposal it records (`proposal_id`: the API
  requires it, the matter makes that settlement effective when the agreement is);
- `served`: the day the decision was served (a mediation agreement: signed for);
- `appealed`: an appeal against a first-instance judgment or ruling, within its window (a second
  instance is then a proceeding of its own);
- `enforcement_filed`: the application for compulsory enforcement of the decision in effect, accepted
  (court, case number); one made after the enforcement window ended is recorded (the court may still
  accept it; the debtor may object) and said to be late (`enforcement_late`);
- `round_terminated`: this round of enforcement terminated (no property found): a new application may be
  made when property turns up;
- `proceeds`: what the court distributed from what enforcement fetched: its costs first, what the creditor
  receives (the matter applies it through its waterfall), the rest back to the debtor or other creditors.

When a decision takes effect (`effective_on`):

- an award: the day it is made (arbitration is final, there is no appeal);
- a mediation agreement: the day it is signed for (served);
- a second-instance judgment or ruling: the day it is served (it is final);
- a first-instance judgment or ruling: the day after its appeal window ends with no appeal (the window
  counted from service with the rest-day rule, `domain.deadlines.appeal_window`); while the rest-day
  calendar does not cover the window's last day, it cannot be said (None), never guessed.

The time to perform runs from the effective day (`performance_days`) unless the decision names the day
(`performance_due_on`); the enforcement window (`domain.deadlines.enforcement_window`) runs from its last
day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.deadlines import (
    Deadline,
    Interruption,
    RestDays,
    appeal_window,
    deadline,
    enforcement_window,
    suit_after_preservation,
)
from domain.money import BoundedMoney, Money
from domain.text import FieldError, PlainText

Forum = Literal["court", "arbitration"]
DecisionKind = Literal["judgment", "ruling", "award", "mediation"]
_DECIDES: dict[str, tuple[str, ...]] = {"court": ("judgment", "ruling", "mediation"),
                                         "arbitration": ("award", "mediation")}


class ProceedingError(FieldError):
    """An event the proceeding cannot take: `field` names what is wrong, the message says why."""


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Filed(_Event):
    kind: Literal["filed"] = "filed"
    on: date
    body: PlainText = Field(min_length=1, max_length=500, description="the court or commission that accepted it")
    case_number: PlainText = Field(min_length=1, max_length=100)
    fees_paid: BoundedMoney | None = None


class Preserved(_Event):
    """Property preservation carried out (`on`: the day the court took the measures, from which the 30
    days of CPL art. 104 run for a pre-suit one)."""

    kind: Literal["preserved"] = "preserved"
    on: date
    pre_suit: bool = Field(description="before the filing (CPL art. 104) rather than during the case (art. 103)")
    court: PlainText = Field(min_length=1, max_length=500, description="the court that ordered it")
    ruling_number: PlainText = Field(min_length=1, max_length=100, description="the preservation ruling's case number")
    amount: BoundedMoney = Field(description="the amount preserved")
    measures: PlainText = Field(min_length=1, max_length=2000, description="what was frozen, seized or sealed up")
    security: Literal["given", "excused"] = Field(
        description="given: the applicant's security (a guarantee, an insurer's letter, a deposit); excused: the "
                    "court did not require it (in-suit only)")
    security_detail: PlainText = Field(
        min_length=1, max_length=2000,
        description="the security given (who, what, reference, amount), or the reason the court excused it")


class Hearing(_Event):
    kind: Literal["hearing"] = "hearing"
    on: date
    place: PlainText | None = Field(default=None, max_length=500)


class Decided(_Event):
    kind: Literal["decided"] = "decided"
    on: date
    decision: DecisionKind
    amount: BoundedMoney | None = Field(default=None, description="what the debtor is ordered (or agrees) to pay")
    costs: BoundedMoney | None = Field(default=None, description="case costs borne by the debtor")
    performance_days: int | None = Field(default=None, ge=1, le=3650,
                                         description="days to perform, counted from the day it takes effect")
    performance_due_on: date | None = Field(default=None, description="the day to perform by, if it names one")
    proposal_id: PlainText | None = Field(
        default=None, min_length=1, max_length=128,
        description="a mediation agreement: the approved settlement proposal whose terms it records; the "
                    "settlement takes effect with the agreement and is performed and kept (or breached) as any other")


class Served(_Event):
    kind: Literal["served"] = "served"
    on: date


class Appealed(_Event):
    kind: Literal["appealed"] = "appealed"
    on: date
    by: Literal["creditor", "debtor"]


class EnforcementFiled(_Event):
    """The application for compulsory enforcement of the effective decision, accepted by the court."""

    kind: Literal["enforcement_filed"] = "enforcement_filed"
    on: date
    court: PlainText = Field(min_length=1, max_length=500)
    case_number: PlainText = Field(min_length=1, max_length=100)


class RoundTerminated(_Event):
    """终结本次执行程序: no property found; the enforcement may be applied for again when property turns up."""

    kind: Literal["round_terminated"] = "round_terminated"
    on: date
    ruling_number: PlainText = Field(min_length=1, max_length=100)


class ProceedsDistributed(_Event):
    """What the court distributed from what enforcement fetched: its costs come first, then what the creditor
    receives; the rest (`returned`) goes back to the debtor or to other creditors."""

    kind: Literal["proceeds"] = "proceeds"
    on: date
    gross: BoundedMoney = Field(description="what enforcement fetched (a sale, a freeze, a garnishment)")
    costs: BoundedMoney = Field(description="the enforcement costs taken from it first")
    to_creditor: BoundedMoney = Field(description="what the creditor receives")
    asset: int | None = Field(default=None, ge=1, le=999, description="the asset of the matter's register whose "
                                                                      "sale (or deduction) fetched it")

    @property
    def returned(self) -> Money:
        """What goes back to the debtor or to other creditors."""
        return self.gross - self.costs - self.to_creditor


Event = Annotated[Preserved | Filed | Hearing | Decided | Served | Appealed | EnforcementFiled | RoundTerminated
                  | ProceedsDistributed, Field(discriminator="kind")]
AnyEvent = (Preserved | Filed | Hearing | Decided | Served | Appealed | EnforcementFiled | RoundTerminated
            | ProceedsDistributed)
_ENFORCEMENT = (EnforcementFiled, RoundTerminated, ProceedsDistributed)


class Proceeding(BaseModel):
    """A suit or an arbitration (`instance` 2: the appeal of an earlier one) and what happened in it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    forum: Forum
    instance: Literal[1, 2] = 1
    started_on: date
    events: tuple[Event, ...] = ()

    def _one(self, kind: str) -> _Event | None:
        return next((e for e in self.events if e.kind == kind), None)

    @property
    def filed(self) -> Filed | None:
        return self._one("filed")  # type: ignore[return-value]

    @property
    def decided(self) -> Decided | None:
        return self._one("decided")  # type: ignore[return-value]

    @property
    def served(self) -> Served | None:
        return self._one("served")  # type: ignore[return-value]

    @property
    def appealed(self) -> Appealed | None:
        return self._one("appealed")  # type: ignore[return-value]

    @property
    def hearings(self) -> tuple[Hearing, ...]:
        return tuple(e for e in self.events if isinstance(e, Hearing))

    @property
    def preservations(self) -> tuple[Preserved, ...]:
        return tuple(e for e in self.events if isinstance(e, Preserved))

    def add(self, event: AnyEvent, rest: RestDays) -> Proceeding:
        """The proceeding with `event` recorded, or `ProceedingError` if the law does not allow it now."""
        # (hearings are set ahead: what happened is ordered among itself, not against a date to come)
        last = max((e.on for e in self.events if not isinstance(e, Hearing)), default=self.started_on)
        if event.on < self.started_on:
            raise ProceedingError("on", f"{event.on.isoformat()} is before the proceeding began "
                                        f"({self.started_on.isoformat()})")
        if isinstance(event, Filed):
            if self.filed is not None:
                raise ProceedingError("kind", f"already filed (case {self.filed.case_number})")
        elif isinstance(event, Preserved) and event.pre_suit:
            self._check_pre_suit(event)
        elif self.filed is None:
            raise ProceedingError("kind", f"a {event.kind} is recorded after the filing")
        elif event.on < self.filed.on:
            raise ProceedingError("on", f"{event.on.isoformat()} is before the filing ({self.filed.on.isoformat()})")
        if isinstance(event, Hearing) and self.decided is not None:
            raise ProceedingError("kind", "the case is already decided: no hearing follows")
        if isinstance(event, Preserved) and not event.pre_suit and self.effective_on(rest) is not None:
            raise ProceedingError("kind", "the decision is effective: property is now preserved in enforcement")
        if isinstance(event, Decided):
            self._check_decision(event)
        if isinstance(event, Served):
            if self.decided is None:
                raise ProceedingError("kind", "service is of a decision: record the decision first")
            if self.served is not None:
                raise ProceedingError("kind", f"already served on {self.served.on.isoformat()}")
            if event.on < self.decided.on:
                raise ProceedingError("on", f"{event.on.isoformat()} is before the decision "
                                            f"({self.decided.on.isoformat()})")
        if isinstance(event, _ENFORCEMENT):
            self._check_enforcement(event, rest)
        if isinstance(event, Appealed):
            self._check_appeal(event, rest)
        if not isinstance(event, Hearing) and event.on < last:
            raise ProceedingError("on", f"{event.on.isoformat()} is before the last event recorded "
                                        f"({last.isoformat()})")
        return self.model_copy(update={"events": (*self.events, event)})

    def _check_pre_suit(self, event: Preserved) -> None:
        if self.filed is not None:
            raise ProceedingError("pre_suit", f"the case was filed on {self.filed.on.isoformat()}: a preservation now "
                                              "is in-suit (CPL art. 103)")
        if self.instance == 2:
            raise ProceedingError("pre_suit", "an appeal is not preceded by pre-suit preservation")
        if event.security != "given":
            raise ProceedingError("security", "pre-suit preservation needs the applicant's security: without it the "
                                              "court rejects the application (CPL art. 104)")

    def _check_decision(self, event: Decided) -> None:
        if self.decided is not None:
            raise ProceedingError("kind", f"already decided ({self.decided.decision} of "
                                          f"{self.decided.on.isoformat()})")
        if event.decision not in _DECIDES[self.forum]:
            allowed = ", ".join(_DECIDES[self.forum])
            raise ProceedingError("decision", f"a{'n' if self.forum == 'arbitration' else ''} {self.forum} "
                                              f"proceeding ends by {allowed}, not {event.decision}")
        if event.proposal_id is not None and event.decision != "mediation":
            raise ProceedingError("proposal_id", f"a {event.decision} is not a settlement: only a mediation agreement "
                                                 "records a settlement proposal")
        if event.performance_days is not None and event.performance_due_on is not None:
            raise ProceedingError("performance_due_on", "give the days to perform or the day, not both")
        if event.performance_due_on is not None and event.performance_due_on < event.on:
            raise ProceedingError("performance_due_on", "is before the decision")

    def enforcing(self) -> EnforcementFiled | None:
        """The enforcement applied for and not terminated since (None: none running)."""
        current: EnforcementFiled | None = None
        for e in self.events:
            if isinstance(e, EnforcementFiled):
                current = e
            elif isinstance(e, RoundTerminated):
                current = None
        return current

    def _check_enforcement(self, event: AnyEvent, rest: RestDays) -> None:
        effective = self.effective_on(rest)
        if effective is None or event.on < effective:
            raise ProceedingError("kind", "enforcement follows a decision in effect: record its service and let it "
                                          "take effect first")
        running = self.enforcing()
        if isinstance(event, EnforcementFiled):
            if running is not None:
                raise ProceedingError("kind", f"enforcement is already applied for (case {running.case_number})")
            return
        if running is None:
            raise ProceedingError("kind", "no enforcement is running: record the application (enforcement_filed)")
        if isinstance(event, ProceedsDistributed):
            if len({event.gross.currency, event.costs.currency, event.to_creditor.currency}) != 1:
                raise ProceedingError("gross", "gross, costs and to_creditor are in one currency")
            if event.costs + event.to_creditor > event.gross:
                raise ProceedingError("to_creditor", f"the costs ({event.costs}) and what the creditor receives "
                                                     f"({event.to_creditor}) are more than was fetched ({event.gross})")

    def enforcement_late(self, rest: RestDays, paid_on: Sequence[date] = ()) -> bool:
        """The application was made after the enforcement window ended (allowed: the debtor may object);
        `paid_on`: the days the debtor paid part, which interrupt the window."""
        applied = next((e for e in self.events if isinstance(e, EnforcementFiled)), None)
        performance = self.performance(rest)
        if applied is None or performance is None:
            return False
        window = enforcement_window(performance.ends_on or performance.last_day, rest,
                                    _part_payments(paid_on, applied.on))
        return applied.on > (window.ends_on or window.last_day)

    def _check_appeal(self, event: Appealed, rest: RestDays) -> None:
        decided, served = self.decided, self.served
        if decided is None or served is None:
            raise ProceedingError("kind", "an appeal is against a decision served: record the decision and its service")
        if self.appealed is not None:
            raise ProceedingError("kind", f"already appealed on {self.appealed.on.isoformat()}")
        if self.instance == 2:
            raise ProceedingError("kind", "a second-instance decision is final: there is no further appeal")
        window = appeal_window(decided.decision, served.on, rest)
        if window is None:
            what = "an award" if decided.decision == "award" else "a mediation agreement"
            raise ProceedingError("kind", f"{what} is final: there is no appeal")
        ends = window.ends_on or window.last_day
        if event.on > ends:
            raise ProceedingError("on", f"{event.on.isoformat()} is after the appeal window ended "
                                        f"({ends.isoformat()}: {window.rule})")

    # ------------------------------------------------------------------ what follows
    def appeal_deadline(self, rest: RestDays) -> Deadline | None:
        """The running appeal window: a first-instance judgment or ruling served and not appealed."""
        decided, served = self.decided, self.served
        if decided is None or served is None or self.appealed is not None or self.instance == 2:
            return None
        return appeal_window(decided.decision, served.on, rest)

    def effective_on(self, rest: RestDays) -> date | None:
        """The day the decision takes effect (None: not yet, appealed, or not knowable from the calendar)."""
        decided = self.decided
        if decided is None or self.appealed is not None:
            return None
        if decided.decision == "award":
            return decided.on
        served = self.served
        if served is None:
            return None
        if decided.decision == "mediation" or self.instance == 2:
            return served.on
        window = appeal_window(decided.decision, served.on, rest)
        if window is None or window.ends_on is None:
            return None  # the calendar does not cover the window's end: not said on a guess
        return window.ends_on + timedelta(days=1)

    def performance(self, rest: RestDays) -> Deadline | None:
        """The time to perform the effective decision (None while it is not effective, or names none)."""
        decided, effective = self.decided, self.effective_on(rest)
        if decided is None or effective is None:
            return None
        what = f"{decided.decision} of {decided.on.isoformat()}, effective {effective.isoformat()}"
        if decided.performance_due_on is not None:
            due = decided.performance_due_on
            return Deadline(name="performance", rule="as the decision orders", source=what, runs_from=effective,
                            last_day=due, ends_on=due)
        if decided.performance_days is None:
            return None
        return deadline("performance", f"as the decision orders: {decided.performance_days} days from the day it "
                        "takes effect", what, effective, rest, days=decided.performance_days)

    def suit_deadline(self, rest: RestDays) -> Deadline | None:
        """While no case is filed after a pre-suit preservation: the 30 days to sue or apply for arbitration
        (CPL art. 104), from the earliest measure (each measure is lifted at the end of its own 30 days)."""
        if self.filed is not None:
            return None
        first = min((p.on for p in self.preservations if p.pre_suit), default=None)
        return suit_after_preservation(first, rest) if first is not None else None

    def deadlines(self, rest: RestDays, today: date, paid_on: Sequence[date] = ()) -> tuple[Deadline, ...]:
        """The proceeding's running deadlines on `today`: the time to file after a pre-suit preservation;
        the appeal window while it runs (or while the calendar cannot say when it ends), then, once the
        decision is effective, performance and the enforcement window (from performance's last day, CPL
        art. 250)."""
        suit = self.suit_deadline(rest)
        if suit is not None:
            return (suit,)
        appeal = self.appeal_deadline(rest)
        effective = self.effective_on(rest)
        if appeal is not None and (effective is None or today < effective):
            return (appeal,)
        if effective is None or today < effective:
            return ()
        performance = self.performance(rest)
        if performance is None:
            return ()
        if any(isinstance(e, EnforcementFiled) for e in self.events):
            return ()  # applied for: the window is used
        return (performance, enforcement_window(performance.ends_on or performance.last_day, rest,
                                                _part_payments(paid_on, today)))


def _part_payments(paid_on: Sequence[date], until: date) -> tuple[Interruption, ...]:
    """The debtor's part payments up to `until` as interruptions of the enforcement window (CPL art. 250
    follows the rules of limitation: performance of part of the debt interrupts it)."""
    return tuple(Interruption(kind="partial_payment", on=d, note="the debtor paid part") for d in paid_on
                 if d <= until)


__all__ = ["AnyEvent", "Appealed", "Decided", "DecisionKind", "EnforcementFiled", "Event", "Filed", "Forum", "Hearing",
           "Preserved", "Proceeding", "ProceedingError", "ProceedsDistributed", "RoundTerminated", "Served"]
