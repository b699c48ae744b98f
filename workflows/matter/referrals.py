"""The law firm's referral in the matter workflow (a mixin of `MatterWorkflow`): the child workflow
(`workflows/referral.py`) is started, cancelled in reverse order when the matter closes or when a
manager recalls the referral (`recall_referral`), and reports back by signal (instructed, reminded,
accepted, declined, lapsed, closed).

Once the child runs, the firm is instructed (patch `referral-instruction`; firms on record only):
the instruction letter (`referral_instruction`, from the record and the firm's particulars), then
the evidence bundle of everything on the matter, letter included (`make_instruction_bundle`), then
an e-mail to the firm naming both with their SHA-256 (`send_firm_email`). An e-mail the firm's
server refuses for good is recorded (its partners still find the referral in their inbox); a
bundle that fails its integrity check puts the matter in `needs_attention`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from activities.inputs import (
        MAKE_INSTRUCTION_BUNDLE,
        SEND_FIRM_EMAIL,
        BundleJob,
        BundleRef,
        FirmEmailJob,
        MessageSent,
    )
    from domain.evidence import DocumentRef
    from domain.status import ReferralEnded
    from workflows.contracts import (
        ERR_NOT_YOURS,
        ERR_STAGE,
        REFERRAL_WORKFLOW_NAME,
        SIGNAL_CHILD_REPORT,
        UPDATE_LAWYERS_LETTER,
        UPDATE_RECALL_REFERRAL,
        ChildReport,
        LawyersLetterCommand,
        LawyersLetterResult,
        RecallCommand,
        RecallResult,
        ReferralInput,
        referral_workflow_id,
    )
    from workflows.matter import transitions as tr
    from workflows.matter.failures import Failed as _Failed
    from workflows.matter.failures import failure_of
    from workflows.matter.messages import MESSAGE_REFUSED, MESSAGE_RETRY, MESSAGE_TIMEOUT
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import Effect, InstructOrder, LawyersLetter, ReferralOrder, digest

if TYPE_CHECKING:
    from domain.parties import LawFirm


def _recall_body(cmd: RecallCommand) -> str:
    return digest(cmd.reason)


def _lawyers_letter_body(cmd: LawyersLetterCommand) -> str:
    return digest(cmd.lawyer_name, cmd.licence_number, cmd.respond_within_days)


DEMAND_KINDS = ("collection_notice", "reminder_letter", "final_demand")  # the creditor's written demands

CHILD_CLOSE_WAIT = timedelta(minutes=5)  # how long closing waits for a cancelled child to report back
# Referrals made before it told the firm nothing but the referral; since, a firm on record receives its
# instruction letter, the evidence bundle and an e-mail naming both.
PATCH_INSTRUCTION = "referral-instruction"
# Firms instructed by e-mail are also reminded by e-mail when they have not answered (else the history only).
PATCH_REMINDER_EMAIL = "referral-reminder-email"
PATCH_PUBLISH_FIRST = "publish-before-bundle"
BUNDLE_TIMEOUT = timedelta(minutes=5)  # every stored file fetched and re-hashed, zipped, stored
BUNDLE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1),
                           maximum_attempts=10, non_retryable_error_types=["EvidenceTampered", "EvidenceConflict"])


class ReferralHandlers(MatterMixin):

    async def _start_referral(self, effect: Effect, order: ReferralOrder) -> None:
        child_id = referral_workflow_id(self._mid, order.number)
        rules = self._policy.referral
        try:
            await workflow.start_child_workflow(
                REFERRAL_WORKFLOW_NAME,
                ReferralInput(
                    matter_id=self._mid, number=order.number, firm=order.firm,
                    parent_workflow_id=workflow.info().workflow_id, clock=self._s.clock,
                    answer_within_days=rules.answer_within_days, remind_after_days=rules.remind_after_days,
                    instructed_by=order.actor, reason=order.reason, firm_details=order.firm_details,
                ),
                id=child_id,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                static_summary=f"Referral {order.number} to "
                               + (order.firm_details.name if order.firm_details is not None else order.firm),
            )
        except WorkflowAlreadyStartedError:
            pass  # started before (e.g. by an earlier attempt): it reports to us all the same
        except ChildWorkflowError as exc:
            raise _Failed("ChildWorkflowError", f"referral {order.number} could not start ({exc})", True) from None
        if child_id not in self._s.referral.children:
            self._s.referral.children.append(child_id)
        if self._s.stage == "closed":
            # The matter closed while the child was starting: cancel it too, before the closure letter.
            self._s.effects.insert(1, Effect(key=f"cancel:{child_id}", cancel=child_id, queued_at=workflow.now()))
        elif order.firm_details is not None and workflow.patched(PATCH_INSTRUCTION):
            self._queue_instruction(order, order.firm_details, workflow.now())

    # ------------------------------------------------------------- the instruction
    def _queue_instruction(self, order: ReferralOrder, firm: LawFirm, now: datetime) -> None:
        n, step = order.number, f"referral-{order.number}"
        pack = f"EP-{self._mid[:8].upper()}-R{n}"
        params: dict[str, Any] = {"firm": firm.model_dump(mode="json"), "evidence_pack_reference": pack}
        if order.attention:
            params["partner_name"] = order.attention
        self._queue_letter("referral_instruction", step, f"Instruction to {firm.name} (referral {n})", now,
                           params=params)
        self._queue(Effect(key=f"instruct:{n}", queued_at=now, instruct=InstructOrder(
            number=n, firm=firm, letter_document_id=f"{self._mid}-{step}-referral_instruction", pack_reference=pack)))

    def _remind_firm(self, number: int, answer_by: datetime | None, now: datetime) -> None:
        """E-mail the firm that its answer is awaited (only a firm its instruction was e-mailed to)."""
        instruction = self._s.referral.instructed.get(number)
        if instruction is None or answer_by is None or not workflow.patched(PATCH_REMINDER_EMAIL):
            return
        reminder = instruction.model_copy(update={"message_id": f"{self._mid}-referral-{number}-reminder",
                                                  "answer_by": answer_by, "dated": now})
        self._queue(Effect(key=f"remind:{number}", firm_email=reminder, queued_at=now))

    def _instruction_letter(self, order: InstructOrder) -> DocumentRef:
        """The instruction letter as stored (the last one, if a retry stored it again under a new id)."""
        prefix = order.letter_document_id
        letters = [d for d in self._s.documents if d.document_id == prefix or d.document_id.startswith(prefix + "-r")]
        if not letters:
            raise _Failed("NoInstructionLetter", f"referral {order.number}: the instruction letter was not stored",
                          retryable=False)
        return letters[-1]

    async def _make_bundle(self, job: BundleJob, summary: str, what: str, *, publish_first: bool) -> BundleRef:
        """Bundle the matter's evidence (activity `make_instruction_bundle`, which reads the projection): the
        projection is written first, even while an earlier write waits its backoff (`publish_first`; a
        bundle waiting on a projection its own workflow is not writing would only run out its retries)."""
        await self._publish(now_or_never=publish_first)
        try:
            ref: BundleRef = await workflow.execute_activity(
                MAKE_INSTRUCTION_BUNDLE, job, result_type=BundleRef, start_to_close_timeout=BUNDLE_TIMEOUT,
                retry_policy=BUNDLE_RETRY, summary=summary,
            )
        except ActivityError as exc:
            raise failure_of(exc, what, BUNDLE_RETRY.non_retryable_error_types or ()) from None
        return ref

    async def _instruct(self, effect: Effect, order: InstructOrder) -> None:
        firm, n = order.firm, order.number
        letter = self._instruction_letter(order)
        if order.bundle is None:
            # The bundle is made from the projection: write what it lacks first (the letter just stored), even
            # while an earlier write waits its backoff (since the patch: before, the bundle could wait in vain).
            ref = await self._make_bundle(
                BundleJob(matter_id=self._mid, number=n, reference=order.pack_reference,
                          locale=self._intake.borrower.locale, created_at=workflow.now(),
                          required=(letter.document_id,)),
                f"evidence pack {order.pack_reference} for {firm.name}", f"The evidence pack for {firm.name}",
                publish_first=workflow.patched(PATCH_PUBLISH_FIRST))
            order = order.model_copy(update={"bundle": ref})
            effect.instruct = order
            self._event(f"referral-{n}-bundle", "referral_bundle",
                        f"Evidence pack {order.pack_reference} made for {firm.name}: {ref.item_count} files, "
                        f"sha256 {ref.sha256}", data={"number": n, "bundle_id": ref.bundle_id, "sha256": ref.sha256,
                                                      "item_count": ref.item_count})
        bundle = order.bundle
        assert bundle is not None
        if order.email is None:
            order = order.model_copy(update={"email": FirmEmailJob(
                matter_id=self._mid, message_id=f"{self._mid}-referral-{n}-instruction", to=firm.email,
                firm_name=firm.name, locale=self._intake.borrower.locale, creditor_name=self._intake.creditor.name,
                matter_reference=self._intake.external_ref, contract_number=self._intake.contract.number, number=n,
                answer_within_days=self._policy.referral.answer_within_days, letter_document_id=letter.document_id,
                letter_sha256=letter.sha256, pack_reference=order.pack_reference, bundle=bundle,
                dated=workflow.now(),
            )})
            effect.instruct = order
        email = order.email
        assert email is not None
        self._s.referral.instructed[n] = email
        await self._email_firm(email, "instruction")

    async def _email_firm(self, email: FirmEmailJob, what: Literal["instruction", "reminder"]) -> None:
        """Send one e-mail to the firm; one its server refuses for good is recorded, not retried."""
        n, firm = email.number, email.firm_name
        current = self._s.referral.current
        if what == "reminder" and (current is None or current.number != n or current.status != "instructed"):
            return  # answered (or recalled) meanwhile: "not answered yet" would no longer be true
        try:
            sent: MessageSent = await workflow.execute_activity(
                SEND_FIRM_EMAIL, email, result_type=MessageSent, start_to_close_timeout=MESSAGE_TIMEOUT,
                retry_policy=MESSAGE_RETRY, summary=f"e-mail the {what} to {firm}",
            )
        except ActivityError as exc:
            failure = failure_of(exc, f"The {what} e-mail to {firm}", MESSAGE_RETRY.non_retryable_error_types or ())
            if failure.error not in MESSAGE_REFUSED:
                raise failure from None
            self._event(f"referral-{n}-{what}-email-refused", "referral_email_refused",
                        f"The {what} could not be e-mailed to {firm} ({failure.error}): tell the firm another way; "
                        "its partners find the referral in their inbox", data={"number": n})
            return
        data = {"number": n, "message_id": sent.message_id, "sha256": sent.sha256}
        if what == "instruction":
            self._event(f"referral-{n}-instruction-sent", "referral_instruction_sent",
                        f"Instruction e-mailed to {firm}: letter {email.letter_document_id} and evidence pack "
                        f"{email.pack_reference}", data={**data, "letter": email.letter_document_id,
                                                          "bundle_id": email.bundle.bundle_id})
        else:
            self._event(f"referral-{n}-reminder-sent", "referral_reminder_sent",
                        f"Reminder e-mailed to {firm}: the instruction is not answered yet", data=data)

    async def _cancel_child(self, child_id: str) -> None:
        if child_id in self._s.referral.children:
            try:
                await workflow.get_external_workflow_handle(child_id).cancel()
            except Exception:  # already closed: nothing to cancel
                self._child_gone(child_id)
            try:
                await workflow.wait_condition(lambda: child_id not in self._s.referral.children,
                                              timeout=CHILD_CLOSE_WAIT, timeout_summary=f"{child_id} closes")
            except TimeoutError:
                self._child_gone(child_id)
                self._event(f"child-unconfirmed-{child_id}", "child", "A referral did not confirm it closed; "
                            "it was cancelled and is no longer followed")

    def _child_gone(self, child_id: str) -> None:
        self._s.referral.children = [c for c in self._s.referral.children if c != child_id]

    @workflow.signal(name=SIGNAL_CHILD_REPORT)
    def child_report(self, report: ChildReport) -> None:
        """A child's news: the referral was instructed, reminded, accepted, declined, lapsed or closed (a
        proceeding's news goes to `_proceeding_report`, a guarantor claim's to `_claim_report`)."""
        if "/proceeding-" in report.workflow_id:
            self._proceeding_report(report)
            return
        if "/guarantor-" in report.workflow_id:
            self._claim_report(report)
            return
        ref = self._s.referral
        if report.key in ref.reports:
            return
        ref.reports.append(report.key)
        current = ref.current
        is_current = current is not None and current.workflow_id == report.workflow_id
        firm = report.firm_name or report.firm
        words = {
            "instructed": f"Referral {report.number} instructed to {firm}",
            "reminded": f"Reminder sent to {firm}: the referral is not answered yet",
            "accepted": f"{firm} accepted the referral",
            "declined": f"{firm} declined the referral (reason recorded); back to the manager",
            "lapsed": f"{firm} did not answer the referral in time; back to the manager",
            "closed": f"Referral {report.number} to {firm} closed",
        }
        data: dict[str, Any] = {"number": report.number, "firm": report.firm, "workflow_id": report.workflow_id}
        if report.reason:
            data["reason"] = report.reason
        if report.answer_by is not None:
            data["answer_by"] = report.answer_by.isoformat()
        self._event(f"referral-{report.number}-{report.kind}", f"referral_{report.kind}", words[report.kind],
                    actor=report.actor, data=data)
        if report.kind in ("declined", "lapsed", "closed"):
            self._child_gone(report.workflow_id)
        if is_current and current is not None:
            if report.kind == "instructed":
                ref.current = current.model_copy(update={"status": "instructed", "answer_by": report.answer_by})
            elif report.kind == "reminded":
                self._remind_firm(current.number, report.answer_by or current.answer_by, report.at)
            elif report.kind == "accepted":
                ref.current = current.model_copy(update={"status": "accepted", "answer_by": None})
                self._fire("referral_accepted")
                # A case already pending (the matter was recalled from the firm that brought it): this firm
                # takes it over.
                if self._hand_over_proceedings(current.firm, current.firm_name or "", report.actor, report.at):
                    self._fire("proceedings_handed_over")
            elif report.kind in ("declined", "lapsed"):
                ref.current = None
                ref.last = ReferralEnded(number=current.number, workflow_id=current.workflow_id, firm=current.firm,
                                         outcome=report.kind, at=report.at)
                if self._fire("referral_declined" if report.kind == "declined" else "referral_lapsed") is not None:
                    self._enter_legal_review(report.at)
            elif report.kind == "closed":
                ref.current = None
                ref.last = ReferralEnded(number=current.number, workflow_id=current.workflow_id, firm=current.firm,
                                         outcome="closed", at=report.at)
        self._dirty = True

    # ------------------------------------------------------------------ the firm's lawyer's letter
    @workflow.update(name=UPDATE_LAWYERS_LETTER)
    def order_lawyers_letter(self, cmd: LawyersLetterCommand) -> LawyersLetterResult:
        """The firm's lawyer's letter (律师函), on its letterhead, with its own time to pay: the debt as
        the record has it on the letter's date, the creditor's earlier demands by the days they were
        sent, the firm's particulars as on record when referred, and the lawyer the partner names."""
        ref = self._s.referral
        known = next((x for x in ref.lawyers_letters if x.letter_id == cmd.letter_id), None)
        if known is not None:
            self._same_body("letter_id", cmd.letter_id, _lawyers_letter_body(cmd))
            return LawyersLetterResult(letter_id=known.letter_id, duplicate=True, number=known.number,
                                       document_id=known.document_id, respond_by=known.respond_by)
        current = ref.current
        assert current is not None and current.firm_name is not None  # checked by the validator
        details = self._firm_of(current.number)
        assert details is not None
        now = workflow.now()
        today = self._s.clock.today(now)
        n, step = current.number, f"lawyers-letter-{current.number}"
        sent_on = sorted({self._s.clock.today(d.created_at) for d in self._s.documents if d.kind in DEMAND_KINDS})
        self._s.bodies[f"letter_id:{cmd.letter_id}"] = _lawyers_letter_body(cmd)
        self._queue_letter("lawyers_letter", step, f"Lawyer's letter of {details.name}", now, params={
            "law_firm": {"name": details.name, "address": details.address, "phone": details.phone or None},
            "lawyer": {"name": cmd.lawyer_name, "licence_number": cmd.licence_number},
            "instructed_on": self._s.clock.today(current.since).isoformat(),
            "demands_on": [d.isoformat() for d in sent_on if self._intake.overdue.since <= d <= today],
            "respond_within_days": cmd.respond_within_days,
        })
        letter = LawyersLetter(letter_id=cmd.letter_id, number=n, firm=current.firm,
                               document_id=f"{self._mid}-{step}-lawyers_letter", ordered_at=now,
                               respond_by=today + timedelta(days=cmd.respond_within_days), actor=cmd.actor)
        ref.lawyers_letters.append(letter)
        self._event(f"lawyers-letter-{n}-ordered", "lawyers_letter_ordered",
                    f"{details.name} ordered its lawyer's letter (lawyer {cmd.lawyer_name}; time to pay "
                    f"{cmd.respond_within_days} days)", actor=cmd.actor,
                    data={"number": n, "document_id": letter.document_id, "respond_by": letter.respond_by.isoformat()})
        self._dirty = True
        return LawyersLetterResult(letter_id=cmd.letter_id, duplicate=False, number=n,
                                   document_id=letter.document_id, respond_by=letter.respond_by)

    @order_lawyers_letter.validator
    def _validate_lawyers_letter(self, cmd: LawyersLetterCommand) -> None:
        ref = self._s.referral
        if any(x.letter_id == cmd.letter_id for x in ref.lawyers_letters):
            self._same_body("letter_id", cmd.letter_id, _lawyers_letter_body(cmd))
            return
        self._refuse_if_closed()
        current = ref.current
        if current is None:
            raise ApplicationError("the matter is not referred to a firm", type=ERR_STAGE)
        if cmd.firm != current.firm:
            raise ApplicationError("matter not found", type=ERR_NOT_YOURS)
        if current.status != "accepted" or self._s.stage != "referral":
            raise ApplicationError("the firm sends its lawyer's letter once it has accepted the referral "
                                   f"(referral {current.number} is {current.status}, the matter in {self._s.stage})",
                                   type=ERR_STAGE)
        if self._firm_of(current.number) is None:
            raise ApplicationError("this referral was made before firms were records: the firm's letterhead is "
                                   "not on record", type=ERR_STAGE)
        if self._held(workflow.now()):
            raise ApplicationError("the matter is on hold: no demand goes out until the hold ends", type=ERR_STAGE)
        sent = next((x for x in ref.lawyers_letters if x.number == current.number), None)
        if sent is not None:
            raise ApplicationError(f"the firm's lawyer's letter was already ordered on "
                                   f"{self._s.clock.today(sent.ordered_at).isoformat()}", type=ERR_STAGE)

    def _firm_of(self, number: int) -> LawFirm | None:
        """The firm's particulars as the referral recorded them (None before firms were records)."""
        return self._s.referral.firms.get(number)

    def _lawyers_letter_stored(self, document_id: str, pay_by: date) -> None:
        """The letter is out: its time to pay is the one it states."""
        for i, x in enumerate(self._s.referral.lawyers_letters):
            if x.document_id == document_id or document_id.startswith(x.document_id + "-r"):
                self._s.referral.lawyers_letters[i] = x.model_copy(update={"respond_by": pay_by})

    def _lawyers_letter_wake(self) -> datetime | None:
        ends = [self._s.clock.day_ends(x.respond_by) for x in self._pending_lawyers_letters()]
        return min(ends) if ends else None

    def _pending_lawyers_letters(self) -> list[LawyersLetter]:
        sent = {d.document_id for d in self._s.documents}
        return [x for x in self._s.referral.lawyers_letters
                if not x.ended and any(s == x.document_id or s.startswith(x.document_id + "-r") for s in sent)]

    def _end_lawyers_letters(self, now: datetime) -> None:
        for x in self._pending_lawyers_letters():
            if now < self._s.clock.day_ends(x.respond_by):
                continue
            i = self._s.referral.lawyers_letters.index(x)
            self._s.referral.lawyers_letters[i] = x.model_copy(update={"ended": True})
            self._event(f"lawyers-letter-{x.number}-ended", "lawyers_letter_ended",
                        f"The time to pay under the lawyer's letter ended on {x.respond_by.isoformat()}; "
                        f"outstanding {self._s.ledger.balance.total}", data={"number": x.number})

    # ------------------------------------------------------------------ recall
    @workflow.update(name=UPDATE_RECALL_REFERRAL)
    def recall_referral(self, cmd: RecallCommand) -> RecallResult:
        """A manager takes the matter back from its firm: the firm loses it at once (the status
        returned is for the API to write through), its child is cancelled, and the matter goes back
        to legal review, where the manager can refer it to another firm."""
        ref = self._s.referral
        if cmd.recall_id in ref.recalls:
            self._same_body("recall_id", cmd.recall_id, _recall_body(cmd))
            number = ref.recalls[cmd.recall_id]
            firm = ref.last.firm if ref.last is not None and ref.last.number == number else ""
            return RecallResult(recall_id=cmd.recall_id, duplicate=True, number=number, firm=firm,
                                stage=self._s.stage)
        current = ref.current
        assert current is not None  # checked by the validator
        now = workflow.now()
        self._s.bodies[f"recall_id:{cmd.recall_id}"] = _recall_body(cmd)
        ref.recalls[cmd.recall_id] = current.number
        ref.current = None
        ref.last = ReferralEnded(number=current.number, workflow_id=current.workflow_id, firm=current.firm,
                                 outcome="recalled", at=now)
        self._fire("referral_recalled")
        name = current.firm_name or current.firm
        self._event(f"referral-{current.number}-recalled", "referral_recalled",
                    f"Manager recalled referral {current.number} from {name}; the firm no longer has the matter",
                    actor=cmd.actor, data={"number": current.number, "firm": current.firm,
                                           "workflow_id": current.workflow_id, "reason": cmd.reason})
        self._queue(Effect(key=f"cancel:{current.workflow_id}", cancel=current.workflow_id, queued_at=now))
        self._hand_over_proceedings("", "", cmd.actor, now)  # a case pending: its firm loses it too
        # An instruction not sent yet is not sent at all (one already on its way finishes).
        unsent = ({f"letter:referral-{current.number}", f"instruct:{current.number}", f"remind:{current.number}"}
                  - {self._in_flight})
        self._s.effects = [e for e in self._s.effects if e.key not in unsent]
        if self._s.attention is not None and self._s.attention.effect in unsent:
            self._s.attention = None  # what was failing is no longer needed
            self._event(f"referral-{current.number}-instruction-dropped", "attention_cleared",
                        f"The instruction to {name} that kept failing was dropped with the recall")
        self._enter_legal_review(now)
        self._dirty = True
        self._s.seq += 1
        return RecallResult(recall_id=cmd.recall_id, duplicate=False, number=current.number, firm=current.firm,
                            firm_name=current.firm_name or "", stage=self._s.stage, seq=self._s.seq,
                            status=self._status(now))

    @recall_referral.validator
    def _validate_recall(self, cmd: RecallCommand) -> None:
        ref = self._s.referral
        if cmd.recall_id in ref.recalls:
            self._same_body("recall_id", cmd.recall_id, _recall_body(cmd))
            return
        self._refuse_if_closed()
        current = ref.current
        if current is None:
            raise ApplicationError("the matter is not referred to a firm: there is nothing to recall", type=ERR_STAGE)
        if current.status == "instructing":
            raise ApplicationError("the referral is still being instructed; recall it in a moment", type=ERR_STAGE)
        if not tr.allowed(self._s.stage, "referral_recalled"):
            raise ApplicationError(f"a referral cannot be recalled in stage {self._s.stage!r}", type=ERR_STAGE)


__all__ = ["CHILD_CLOSE_WAIT", "ReferralHandlers"]
