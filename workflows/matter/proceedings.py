"""Suits and arbitrations in the matter workflow (a mixin of `MatterWorkflow`): `start_proceeding`
decides the forum from the contract's dispute clause (a suit on a contract with an arbitration clause
only with a manager's recorded reason), starts the proceeding's child workflow
(`workflows/proceeding.py`) and moves the matter to `litigation`; the child reports each event, the
decision taking effect and hearing reminders back by signal, and is cancelled when the matter closes."""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from datetime import date

    from activities.inputs import SEND_FIRM_EMAIL, FirmEmailJob, HearingFacts, MessageSent
    from domain.money import Money
    from domain.status import ProceedingView
    from domain.unwinding import Ruling
    from workflows.contracts import (
        ERR_FORBIDDEN,
        ERR_INVALID,
        ERR_NOT_YOURS,
        ERR_STAGE,
        PROCEEDING_WORKFLOW_NAME,
        SIGNAL_PROCEEDING_COUNSEL,
        UPDATE_START_PROCEEDING,
        ChildReport,
        CounselChange,
        ProceedingInput,
        StartProceedingCommand,
        StartProceedingResult,
        proceeding_workflow_id,
    )
    from workflows.matter import transitions as tr
    from workflows.matter.failures import Failed as _Failed
    from workflows.matter.failures import failure_of
    from workflows.matter.messages import MESSAGE_REFUSED, MESSAGE_RETRY, MESSAGE_TIMEOUT
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import Effect, HandOver, ProceedingOrder, digest

# The filing's day recorded on the matter's view of the proceeding: it interrupts limitation.
PATCH_FILING_LIMITATION = "filing-limitation"
# Since: a round of enforcement terminated with nothing found brings tasks to look for property again, every
# policy `reinvestigate_days` until enforcement is applied for again (workflows/matter/reinvestigation.py).
PATCH_REINVESTIGATION = "reinvestigation"
# Hearings reminded before it were a history line only; since, the firm acting in the case (on record,
# instructed by e-mail) is e-mailed too.
PATCH_HEARING_EMAIL = "hearing-reminder-email"


def _start_body(cmd: StartProceedingCommand) -> str:
    return digest(cmd.forum or "", cmd.override_reason or "", cmd.appeal_of or 0)


class ProceedingHandlers(MatterMixin):

    def _forum(self, cmd: StartProceedingCommand) -> str:
        """The forum the command asks for, checked against the contract's dispute clause."""
        clause = self._intake.contract.dispute
        if cmd.appeal_of is not None:
            if cmd.forum == "arbitration":
                raise ApplicationError("forum: an appeal is heard by a court (an award is final)", type=ERR_INVALID)
            return "court"
        wanted = cmd.forum or (clause.forum if clause is not None else "court")
        if wanted == "arbitration" and (clause is None or clause.forum != "arbitration"):
            raise ApplicationError("forum: the contract has no arbitration clause on record: arbitration needs the "
                                   "parties' written agreement to arbitrate", type=ERR_INVALID)
        against_clause = wanted == "court" and clause is not None and clause.forum == "arbitration"
        if against_clause and not cmd.override_reason:
            raise ApplicationError(
                f"override_reason: the contract's dispute clause submits disputes to arbitration before "
                f"{clause.institution if clause else '?'}: a suit needs a manager's recorded reason "
                "(e.g. the clause is void)", type=ERR_INVALID)
        if cmd.override_reason and not against_clause:
            raise ApplicationError("override_reason: only for a suit despite an arbitration clause", type=ERR_INVALID)
        if cmd.override_reason and cmd.firm is not None:
            raise ApplicationError("override_reason: only a manager may take a matter to court against the "
                                   "contract's arbitration clause", type=ERR_FORBIDDEN)
        return wanted

    @workflow.update(name=UPDATE_START_PROCEEDING)
    def start_proceeding(self, cmd: StartProceedingCommand) -> StartProceedingResult:
        ps = self._s.proceedings
        if cmd.proceeding_id in ps.starts:
            self._same_body("proceeding_id", cmd.proceeding_id, _start_body(cmd))
            view = next(p for p in ps.items if p.number == ps.starts[cmd.proceeding_id])
            return StartProceedingResult(proceeding_id=cmd.proceeding_id, duplicate=True, number=view.number,
                                         forum=view.forum, instance=view.instance, workflow_id=view.workflow_id,
                                         stage=self._s.stage)
        current = self._s.referral.current
        assert current is not None  # checked by the validator
        forum = self._forum(cmd)
        now = workflow.now()
        ps.count += 1
        n = ps.count
        instance = 2 if cmd.appeal_of is not None else 1
        view = ProceedingView(number=n, workflow_id=proceeding_workflow_id(self._mid, n), forum=forum,  # type: ignore[arg-type]
                              instance=instance, firm=current.firm, since=now, override_reason=cmd.override_reason)
        ps.items.append(view)
        ps.starts[cmd.proceeding_id] = n
        self._s.bodies[f"proceeding_id:{cmd.proceeding_id}"] = _start_body(cmd)
        self._fire("proceeding_started")
        self._queue(Effect(key=f"proceeding:{n}", queued_at=now, proceeding=ProceedingOrder(
            number=n, forum=forum, instance=instance, firm=current.firm,  # type: ignore[arg-type]
            firm_name=current.firm_name or "", actor=cmd.actor, started_on=self._s.clock.today(now))))
        clause = self._intake.contract.dispute
        if instance == 2:
            what = f"Appeal (proceeding {n}, second instance of proceeding {cmd.appeal_of}) started"
        elif forum == "arbitration":
            what = f"Arbitration (proceeding {n}) started before {clause.institution if clause else '?'}"
        else:
            what = f"Suit (proceeding {n}) started before the court"
            if cmd.override_reason:
                what += " despite the contract's arbitration clause (reason recorded)"
        data: dict[str, Any] = {"number": n, "forum": forum, "instance": instance}
        if cmd.override_reason:
            data["override_reason"] = cmd.override_reason
        self._event(f"proceeding-{n}-started", "proceeding_started", what, actor=cmd.actor, data=data)
        self._dirty = True
        return StartProceedingResult(proceeding_id=cmd.proceeding_id, duplicate=False, number=n, forum=forum,  # type: ignore[arg-type]
                                     instance=instance, workflow_id=view.workflow_id, stage=self._s.stage)

    @start_proceeding.validator
    def _validate_start_proceeding(self, cmd: StartProceedingCommand) -> None:
        ps = self._s.proceedings
        if cmd.proceeding_id in ps.starts:
            self._same_body("proceeding_id", cmd.proceeding_id, _start_body(cmd))
            return
        self._refuse_if_closed()
        current = self._s.referral.current
        if current is None or current.status != "accepted":
            raise ApplicationError("a suit or an arbitration is started by the firm the matter is referred to, once "
                                   "it has accepted the referral", type=ERR_STAGE)
        if cmd.firm is not None and cmd.firm != current.firm:
            raise ApplicationError("matter not found", type=ERR_NOT_YOURS)
        if not tr.allowed(self._s.stage, "proceeding_started"):
            raise ApplicationError(f"no proceeding can start in stage {self._s.stage!r}", type=ERR_STAGE)
        if self._held(workflow.now()):
            raise ApplicationError("the matter is on hold: no proceeding starts until the hold ends", type=ERR_STAGE)
        if cmd.appeal_of is not None:
            first = next((p for p in ps.items if p.number == cmd.appeal_of), None)
            if first is None or first.status != "appealed":
                raise ApplicationError(f"appeal_of: proceeding {cmd.appeal_of} has no appeal recorded",
                                       type=ERR_INVALID)
            if any(p.instance == 2 and p.status != "closed" and p.number > first.number for p in ps.items):
                raise ApplicationError(f"appeal_of: the appeal of proceeding {cmd.appeal_of} is already started",
                                       type=ERR_STAGE)
        else:
            running = [p for p in ps.items if p.status not in ("closed", "appealed", "effective")]
            if running:
                raise ApplicationError(f"proceeding {running[0].number} is still open: one case at a time",
                                       type=ERR_STAGE)
        self._forum(cmd)

    async def _start_proceeding_child(self, effect: Effect, order: ProceedingOrder) -> None:
        child_id = proceeding_workflow_id(self._mid, order.number)
        try:
            await workflow.start_child_workflow(
                PROCEEDING_WORKFLOW_NAME,
                ProceedingInput(matter_id=self._mid, number=order.number, forum=order.forum, instance=order.instance,
                                firm=order.firm, firm_name=order.firm_name,
                                parent_workflow_id=workflow.info().workflow_id, clock=self._s.clock,
                                started_on=order.started_on, started_by=order.actor),
                id=child_id, parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                static_summary=f"Proceeding {order.number} ({order.forum})",
            )
        except WorkflowAlreadyStartedError:
            pass
        except ChildWorkflowError as exc:
            raise _Failed("ChildWorkflowError", f"proceeding {order.number} could not start ({exc})", True) from None
        if child_id not in self._s.referral.children:
            self._s.referral.children.append(child_id)
        self._set_proceeding(order.number, status="started")
        if self._s.stage == "closed":
            self._s.effects.insert(1, Effect(key=f"cancel:{child_id}", cancel=child_id, queued_at=workflow.now()))

    def _hand_over_proceedings(self, firm: str, firm_name: str, actor: str, now: Any) -> bool:
        """Every proceeding not closed now has `firm` acting in it ("": none, after a recall): the view at
        once, the child by signal (effect `hand_over`). True if there was one."""
        open_ = [p for p in self._s.proceedings.items if p.status != "closed"]
        for p in open_:
            self._set_proceeding(p.number, firm=firm)
            self._queue(Effect(key=f"hand-over:{p.number}:{firm or '-'}:{len(self._s.done)}", queued_at=now,
                               hand_over=HandOver(number=p.number, workflow_id=p.workflow_id, firm=firm,
                                                  firm_name=firm_name, actor=actor)))
            words = (f"Proceeding {p.number}: {firm_name or firm} takes the case over" if firm else
                     f"Proceeding {p.number}: no firm acts in it until another firm takes the matter")
            self._event(f"proceeding-{p.number}-counsel-{firm or 'none'}-{len(self._s.done)}", "proceeding_counsel",
                        words, actor=actor, data={"number": p.number, "firm": firm})
        return bool(open_)

    async def _hand_over(self, order: HandOver) -> None:
        try:
            await workflow.get_external_workflow_handle(order.workflow_id).signal(
                SIGNAL_PROCEEDING_COUNSEL, CounselChange(firm=order.firm, firm_name=order.firm_name, actor=order.actor))
        except Exception:  # the case's record has closed: nobody left to tell
            workflow.logger.info("proceeding %s did not take the hand-over", order.workflow_id)

    def _set_proceeding(self, number: int, **changes: Any) -> None:
        items = self._s.proceedings.items
        for i, p in enumerate(items):
            if p.number == number:
                items[i] = p.model_copy(update=changes)

    def _proceeding_report(self, report: ChildReport) -> None:
        """A proceeding's news: an event the firm recorded, the decision effective, a hearing near, closed."""
        ps = self._s.proceedings
        if report.key in ps.reports:
            return
        ps.reports.append(report.key)
        n = report.number
        data: dict[str, Any] = {"number": n, **report.data}
        if report.kind == "proceeding_event":
            event = report.data.get("event") or {}
            kind = event.get("kind")
            if kind == "filed":
                changes: dict[str, Any] = {"status": "filed", "case_number": event.get("case_number"),
                                           "body": event.get("body")}
                if event.get("on") and workflow.patched(PATCH_FILING_LIMITATION):
                    changes["filed_on"] = date.fromisoformat(event["on"])
                self._set_proceeding(n, **changes)
                self._tell_claims(f"filed-{n}")  # the debtor sued: a general guarantor is held if within its period
            elif kind == "decided":
                # (a mediation agreement names the settlement it records: in effect when the agreement is)
                # (an award is effective when made: the child's report of it may come first, and stands)
                view = next((p for p in ps.items if p.number == n), None)
                status = "effective" if view is not None and view.status == "effective" else "decided"
                self._set_proceeding(n, status=status, settlement=event.get("proposal_id"))
            elif kind == "appealed":
                self._set_proceeding(n, status="appealed")
            elif kind == "proceeds":
                self._apply_proceeds(n, report, event)
            self._note_for_unwinding(n, event)
            self._event(f"proceeding-{report.key}", "proceeding_event", f"Proceeding {n}: {report.summary}",
                        actor=report.actor, data=data)
        elif report.kind == "effective":
            on = report.data.get("effective_on")
            self._set_proceeding(n, status="effective", effective_on=date.fromisoformat(on) if on else None)
            self._event(f"proceeding-{report.key}", "decision_effective", f"Proceeding {n}: {report.summary}",
                        data=data)
            view = next((p for p in ps.items if p.number == n), None)
            if view is not None and view.settlement and on:
                self._mediation_effective(n, view.settlement, date.fromisoformat(on))
        elif report.kind == "hearing_soon":
            firm = report.firm_name or report.firm
            self._event(f"proceeding-{report.key}", "hearing_reminder",
                        f"Proceeding {n}: reminder to {firm}: {report.summary}", data=data)
            self._queue_hearing_email(report)
        elif report.kind == "preservation_due":
            self._event(f"proceeding-{report.key}", "preservation_warning", f"Proceeding {n}: {report.summary}",
                        data=data)
        elif report.kind == "preservation_lapsed":
            self._event(f"proceeding-{report.key}", "preservation_lapsed", f"Proceeding {n}: {report.summary}",
                        data=data)
        elif report.kind == "closed":
            self._set_proceeding(n, status="closed")
            self._child_gone(report.workflow_id)
            self._event(f"proceeding-{report.key}", "proceeding_closed", f"Proceeding {n}: {report.summary}",
                        data=data)
        self._dirty = True

    # ------------------------------------------------------------------ what enforcement fetched
    def _apply_proceeds(self, n: int, report: ChildReport, event: dict[str, Any]) -> None:
        """What the court distributed to the creditor is booked like any payment (`_book_payment`, id
        `proceeds-<n>-<event id>`); what the debt no longer owes of it is recorded as returned, not kept."""
        now = workflow.now()
        today = self._s.clock.today(now)
        received = Money.model_validate(event["to_creditor"])
        on = date.fromisoformat(event["on"])
        ledger = self._s.ledger
        ledger.refresh(today)
        owed = ledger.balance.total
        if received.currency != owed.currency or not received.is_positive():
            return
        applied = received if received <= owed else owed
        pid = f"proceeds-{n}-{report.key.rsplit(':', 1)[-1]}"
        asset = event.get("asset")
        if isinstance(asset, int) and pid not in self._s.assets.proceeds.get(asset, []):
            self._s.assets.proceeds.setdefault(asset, []).append(pid)  # (the register shows what it fetched)
        if applied.is_positive() and pid not in ledger.payments:
            self._book_payment(pid, applied, on, "court", now, by=f" from the proceeds of enforcement (proceeding {n})",
                               data={"number": n})
        if received > applied:
            self._event(f"{pid}-surplus", "proceeds_surplus",
                        f"Proceeding {n}: {received - applied} of the proceeds is more than the debt owes: it goes "
                        "back to the debtor or to other creditors (recorded, not kept)", data={"number": n})
        self._dirty = True

    def _note_for_unwinding(self, n: int, event: dict[str, Any]) -> None:
        """Keep what undoing the case would need: its preservation rulings and the enforcement running."""
        ps, kind = self._s.proceedings, event.get("kind")
        if kind == "preserved":
            amount = event.get("amount")
            ps.rulings.setdefault(n, []).append(Ruling(
                court=event["court"], ruling_number=event["ruling_number"], on=date.fromisoformat(event["on"]),
                amount=Money.model_validate(amount) if amount else None,
                security_given=event.get("security") == "given"))
        elif kind == "enforcement_filed":
            ps.enforcing[n] = [event["court"], event["case_number"]]
            ps.reinvestigate.pop(n, None)  # applied for again: no more tasks
        elif kind == "round_terminated":
            running = ps.enforcing.pop(n, None)
            if running is not None:  # enforcement did not satisfy the debt: a general guarantor may be asked now
                ps.ended[n] = [running[1], event["on"]]
                if workflow.patched(PATCH_REINVESTIGATION):
                    ps.reinvestigate[n] = date.fromisoformat(event["on"])
        elif kind == "appealed":
            ps.appeals[n] = str(event.get("by"))
        elif kind == "decided":
            ps.decisions[n] = dict(event)  # (what an enforcement application states of it)

    # ------------------------------------------------------------------ the hearing reminder e-mail
    def _queue_hearing_email(self, report: ChildReport) -> None:
        """E-mail the firm acting in the proceeding that its hearing is near (since patch
        `hearing-reminder-email`): a firm on record, instructed by e-mail, at the address its referral
        recorded; else the history line is all."""
        n = report.number
        view = next((p for p in self._s.proceedings.items if p.number == n), None)
        current = self._s.referral.current
        if view is None or current is None or not view.firm or current.firm != view.firm:
            return  # no firm acts in the case now (recalled)
        firm = self._s.referral.firms.get(current.number)
        instruction = self._s.referral.instructed.get(current.number)
        on = _hearing_day(report)
        if firm is None or not firm.email or instruction is None or on is None:
            return  # a referral made before firms were records (or not e-mailed): the history line is all
        if not workflow.patched(PATCH_HEARING_EMAIL):
            return
        place = report.data.get("place")
        hearing = HearingFacts(proceeding=n, forum=view.forum, instance=view.instance, on=on,
                               place=place if isinstance(place, str) else None, case_number=view.case_number,
                               body=view.body)
        now = workflow.now()
        email = instruction.model_copy(update={
            "message_id": f"{self._mid}-proceeding-{n}-hearing-{on.isoformat()}", "to": firm.email,
            "firm_name": firm.name, "locale": self._intake.borrower.locale, "dated": now, "answer_by": None,
            "hearing": hearing})
        self._queue(Effect(key=f"hearing-email:{n}:{on.isoformat()}", firm_email=email, queued_at=now))

    async def _email_hearing(self, email: FirmEmailJob) -> None:
        """Send the hearing reminder once; one the firm's server refuses for good is recorded, not retried."""
        hearing = email.hearing
        assert hearing is not None
        n, on, firm = hearing.proceeding, hearing.on.isoformat(), email.firm_name
        data: dict[str, Any] = {"number": n, "hearing_on": on, "referral": email.number}
        view = next((p for p in self._s.proceedings.items if p.number == n), None)
        current = self._s.referral.current
        if (view is None or view.status == "closed" or current is None or current.number != email.number
                or view.firm != current.firm):
            self._event(f"proceeding-{n}-hearing-{on}-email-dropped", "hearing_reminder_dropped",
                        f"Proceeding {n}: the reminder of the hearing on {on} was not e-mailed to {firm}: the firm "
                        "no longer acts in the case, or its record has closed", data=data)
            return
        try:
            sent: MessageSent = await workflow.execute_activity(
                SEND_FIRM_EMAIL, email, result_type=MessageSent, start_to_close_timeout=MESSAGE_TIMEOUT,
                retry_policy=MESSAGE_RETRY, summary=f"e-mail the reminder of the hearing on {on} to {firm}",
            )
        except ActivityError as exc:
            failure = failure_of(exc, f"The hearing reminder e-mail to {firm}",
                                 MESSAGE_RETRY.non_retryable_error_types or ())
            if failure.error not in MESSAGE_REFUSED:
                raise failure from None
            self._event(f"proceeding-{n}-hearing-{on}-email-refused", "hearing_reminder_refused",
                        f"Proceeding {n}: the reminder of the hearing on {on} could not be e-mailed to {firm} "
                        f"({failure.error}): tell the firm another way", data=data)
            return
        self._event(f"proceeding-{n}-hearing-{on}-email-sent", "hearing_reminder_sent",
                    f"Proceeding {n}: reminder of the hearing on {on} e-mailed to {firm}",
                    data={**data, "message_id": sent.message_id, "sha256": sent.sha256})


def _hearing_day(report: ChildReport) -> date | None:
    """The hearing's day a `hearing_soon` report names (its data; a report from before it had data: its key)."""
    raw = report.data.get("on") or report.key.rpartition(":hearing-")[2]
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return None


__all__ = ["PATCH_HEARING_EMAIL", "ProceedingHandlers"]
