"""The matter's limitation period, always known, and the team warned before it runs out (a mixin).

`limitation_of(state, overdue_since)` is the period (3 years, Civil Code art. 188) from the day the loan
fell overdue, started again by the latest interruption the record shows (art. 195): a payment on the day
it was received (a reversed one never happened; a guarantor's is not the debtor's), a promise to pay, a
contact in which the borrower promised to pay, a signed settlement or amendment agreement (each an
acknowledgement of the debt), a served acceleration notice, a demand letter whose delivery the team
recorded (update `letter_delivered`: a demand interrupts from the day it reached the borrower, never
from the day it was sent, so a letter without a recorded delivery interrupts nothing), and a suit or an
arbitration filed (art. 195(3)): the new period runs from the day the proceeding ends ("从有关程序终结时起"), so
while it is pending the period is shown from the filing (the earliest it could end) and no warning is
given; once the decision takes effect, from that day. Once the debt is discharged (closed paid, cured,
settled or withdrawn) nothing runs; a written-off matter's period still does (recoveries).

Matters opened since the patch `limitation` track it: their status carries it, and at each of the
policy's `limitation_warn_days` before its last day the history warns the team (once per last day:
an interruption that restarts the period brings new warnings in time). Holds do not stop it: it is
the law's clock, not the process's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.deadlines import Deadline, Interruption, limitation
    from domain.status import ProceedingView
    from workflows.calendars import china
    from workflows.contracts import ERR_INVALID, UPDATE_DELIVERED, DeliveredCommand, DeliveredResult
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import MatterState

PATCH_LIMITATION = "limitation"
_DISCHARGED = ("paid", "cured", "settled", "withdrawn")


def interruptions(s: MatterState) -> list[Interruption]:
    """What the matter's record shows interrupted limitation, oldest first."""
    found: list[Interruption] = []
    reversed_ids = set(s.ledger.reversals.values())
    # (a guarantor's payment is not the debtor's acknowledgement of the debt)
    found += [Interruption(kind="partial_payment", on=on, note=f"payment {pid}"[:200])
              for pid, on in s.ledger.received_on.items() if pid not in reversed_ids and pid not in s.claims.payers]
    found += [Interruption(kind="acknowledgement", on=s.clock.today(p.created_at),
                           note=f"promise to pay {p.promise_id}"[:200]) for p in s.promises.items]
    found += [Interruption(kind="acknowledgement", on=s.clock.today(c.at), note=f"promised to pay ({c.channel})")
              for c in s.contacts if c.outcome == "promised"]
    found += [Interruption(kind="acknowledgement", on=a.signed_on, note=f"{a.proposal.kind} agreement signed")
              for a in s.arrangements if a.signed_on is not None]
    if s.acceleration is not None and s.acceleration.delivered_on is not None:
        found.append(Interruption(kind="demand_arrived", on=s.acceleration.delivered_on,
                                  note="acceleration notice delivered"))
    kinds = {d.document_id: d.kind for d in s.documents}
    found += [Interruption(kind="demand_arrived", on=on, note=f"{kinds.get(doc, 'letter').replace('_', ' ')} "
                                                              "delivered") for doc, on in s.deliveries.items()]
    for p in s.proceedings.items:
        if p.filed_on is None:
            continue
        case = f"case {p.case_number}" if p.case_number else f"proceeding {p.number}"
        if p.effective_on is not None:
            note = f"{case} filed {p.filed_on.isoformat()}, ended by its decision taking effect"
            found.append(Interruption(kind="filing", on=p.effective_on, note=note[:200]))
        else:
            note = f"{case}: the period runs again from the day the proceeding ends"
            found.append(Interruption(kind="filing", on=p.filed_on, note=note[:200]))
    return sorted(found, key=lambda i: i.on)


def pending_filing(s: MatterState) -> bool:
    """A suit or arbitration is filed and not ended: limitation does not run out meanwhile."""
    items = s.proceedings.items

    def pending(p: ProceedingView) -> bool:
        if p.filed_on is None or p.effective_on is not None:
            return False
        if p.status == "appealed":  # pending until its second instance ends
            return not any(q.instance == 2 and q.number > p.number and q.effective_on is not None for q in items)
        return p.status in ("filed", "decided")

    return any(pending(p) for p in items)


def limitation_of(s: MatterState, overdue_since: date) -> Deadline | None:
    """The running limitation period (None: not tracked, or nothing runs: the debt is discharged)."""
    if not s.limitation_tracked or (s.stage == "closed" and s.closure_reason in _DISCHARGED):
        return None
    return limitation(overdue_since, interruptions(s), china())


# Letters that demand payment from the borrower: their delivery interrupts limitation.
DEMANDS = frozenset({"collection_notice", "reminder_letter", "final_demand", "acceleration_notice",
                     "arrangement_breach", "lawyers_letter"})


class LimitationHandlers(MatterMixin):

    @workflow.update(name=UPDATE_DELIVERED)
    def letter_delivered(self, cmd: DeliveredCommand) -> DeliveredResult:
        if cmd.document_id in self._s.deliveries:
            self._same_body("delivered", cmd.document_id, _delivered_body(cmd))
            return DeliveredResult(document_id=cmd.document_id, duplicate=True,
                                   limitation=limitation_of(self._s, self._intake.overdue.since))
        self._s.bodies[f"delivered:{cmd.document_id}"] = _delivered_body(cmd)
        self._s.deliveries[cmd.document_id] = cmd.delivered_on
        kind = next(d.kind for d in self._s.documents if d.document_id == cmd.document_id)
        d = limitation_of(self._s, self._intake.overdue.since)
        self._event(f"delivered-{cmd.document_id}", "letter_delivered",
                    f"{kind.replace('_', ' ').capitalize()} delivered on {cmd.delivered_on.isoformat()} "
                    f"({cmd.method.replace('_', ' ')})" + (f": the limitation period runs again, to {d.last_day}"
                                                            if d is not None else ""),
                    actor=cmd.actor, data={"document_id": cmd.document_id, "delivered_on": cmd.delivered_on.isoformat(),
                                           "method": cmd.method, "upload_id": cmd.upload_id})
        self._dirty = True
        return DeliveredResult(document_id=cmd.document_id, duplicate=False, limitation=d)

    @letter_delivered.validator
    def _validate_delivered(self, cmd: DeliveredCommand) -> None:
        if cmd.document_id in self._s.deliveries:
            self._same_body("delivered", cmd.document_id, _delivered_body(cmd))
            return
        doc = next((d for d in self._s.documents if d.document_id == cmd.document_id), None)
        if doc is None:
            raise ApplicationError(f"document_id: the matter has no letter {cmd.document_id!r}", type=ERR_INVALID)
        if doc.kind not in DEMANDS:
            raise ApplicationError(f"document_id: a {doc.kind.replace('_', ' ')} is not a demand for payment: its "
                                   "delivery interrupts nothing", type=ERR_INVALID)
        sent_on = max(self._s.clock.today(doc.created_at), self._s.clock.start_date)  # (stored, not before opening)
        today = self._s.clock.today(workflow.now())
        if not sent_on <= cmd.delivered_on <= today:
            raise ApplicationError(f"delivered_on: {cmd.delivered_on.isoformat()} is not between the letter's date "
                                   f"{sent_on.isoformat()} and the matter's date {today.isoformat()}",
                                   type=ERR_INVALID)

    def _limitation_warnings(self) -> list[tuple[int, date]]:
        """(days before, the policy date of the warning) for each warning not given yet for the current
        last day, soonest warning first."""
        d = limitation_of(self._s, self._intake.overdue.since)
        if d is None or pending_filing(self._s):
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


def _delivered_body(cmd: DeliveredCommand) -> str:
    from workflows.matter.state import digest

    return digest(cmd.document_id, cmd.delivered_on.isoformat(), cmd.method, cmd.upload_id or "")


__all__ = ["PATCH_LIMITATION", "LimitationHandlers", "interruptions", "limitation_of", "pending_filing"]
