"""The law firm's referral in the matter workflow (a mixin of `MatterWorkflow`): the child workflow
(`workflows/referral.py`) is started, cancelled in reverse order when the matter closes or when a
manager recalls the referral (`recall_referral`), and reports back by signal (instructed, reminded,
accepted, declined, lapsed, closed)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError, ChildWorkflowError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from domain.status import ReferralEnded
    from workflows.contracts import (
        ERR_STAGE,
        REFERRAL_WORKFLOW_NAME,
        SIGNAL_CHILD_REPORT,
        UPDATE_RECALL_REFERRAL,
        ChildReport,
        RecallCommand,
        RecallResult,
        ReferralInput,
        referral_workflow_id,
    )
    from workflows.matter import transitions as tr
    from workflows.matter.failures import Failed as _Failed
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import Effect, ReferralOrder, digest

if TYPE_CHECKING:

    pass


def _recall_body(cmd: RecallCommand) -> str:
    return digest(cmd.reason)

CHILD_CLOSE_WAIT = timedelta(minutes=5)  # how long closing waits for a cancelled child to report back


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
        """A child's news: the referral was instructed, reminded, accepted, declined, lapsed or closed."""
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
            elif report.kind == "accepted":
                ref.current = current.model_copy(update={"status": "accepted", "answer_by": None})
                self._fire("referral_accepted")
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
