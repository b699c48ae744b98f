"""ReferralWorkflow: one referral of a matter to a law firm, as a child of the matter's workflow.

ID `matter-<matter id>/referral-<n>` (derived from the matter). It has its own clock and party
(the firm): it instructs the firm, waits for a partner of that firm to accept or decline (the
`answer_referral` update, sent by the API from the partner's firm-scoped route), reminds the firm
after `remind_after_days` policy days, and gives the matter back to the manager when the firm has
not answered within `answer_within_days`. Once accepted it stays open as the firm's engagement
(later capabilities add the firm's work here: lawyer's letter, filings) until it is cancelled:
the manager recalls it, or the matter closes.

It reports everything to its parent by signal (`child_report`, idempotent by key); the parent owns
the money and the projection. Signals go to the parent's workflow ID without a run ID, so they
reach the parent across its continue-as-new runs.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        ERR_NOT_YOURS,
        ERR_STAGE,
        QUERY_REFERRAL,
        REFERRAL_WORKFLOW_NAME,
        SIGNAL_CHILD_REPORT,
        UPDATE_REFERRAL_ANSWER,
        ChildReport,
        ReferralAnswerCommand,
        ReferralAnswerResult,
        ReferralInput,
        ReferralSnapshot,
        ReportKind,
    )


@workflow.defn(name=REFERRAL_WORKFLOW_NAME)
class ReferralWorkflow:
    @workflow.init
    def __init__(self, inp: ReferralInput) -> None:
        self._inp = inp
        self._instructed_at = workflow.now()
        clock = inp.clock
        self._remind_at = clock.after_days(self._instructed_at, inp.remind_after_days)
        self._answer_by = clock.after_days(self._instructed_at, inp.answer_within_days)
        self._status = "instructed"
        self._answers: dict[str, ReferralAnswerCommand] = {}
        self._answered: ReferralAnswerCommand | None = None
        self._answered_at: datetime | None = None

    @workflow.run
    async def run(self, inp: ReferralInput) -> ReferralSnapshot:
        try:
            await self._report("instructed", actor=inp.instructed_by, answer_by=self._answer_by)
            if not await self._wait_for_answer(self._remind_at, "reminder to the firm"):
                await self._report("reminded")
                if not await self._wait_for_answer(self._answer_by, "the firm's answer is due"):
                    self._status = "lapsed"
                    await self._report("lapsed")
                    return self.snapshot()
            answer = self._answered
            assert answer is not None
            if answer.answer == "decline":
                self._status = "declined"
                await self._report("declined", actor=answer.actor, reason=answer.reason)
                return self.snapshot()
            self._status = "accepted"
            await self._report("accepted", actor=answer.actor)
            # The firm's engagement: open until recalled or the matter closes (cancellation).
            await workflow.wait_condition(lambda: False)
        except asyncio.CancelledError:
            self._status = "closed"
            await self._report("closed")
        return self.snapshot()

    async def _wait_for_answer(self, until: datetime, summary: str) -> bool:
        """True once a partner answered; False when `until` passes first."""
        timeout = until - workflow.now()
        if timeout > timedelta(0):
            try:
                await workflow.wait_condition(lambda: self._answered is not None, timeout=timeout,
                                              timeout_summary=summary)
            except TimeoutError:
                pass
        return self._answered is not None

    async def _report(self, kind: ReportKind, *, actor: str = "system", reason: str = "",
                      answer_by: datetime | None = None) -> None:
        info = workflow.info()
        report = ChildReport(
            key=f"{info.workflow_id}:{kind}", workflow_id=info.workflow_id, kind=kind, number=self._inp.number,
            firm=self._inp.firm, at=workflow.now(), actor=actor, reason=reason, answer_by=answer_by,
            firm_name=self._inp.firm_details.name if self._inp.firm_details is not None else "",
        )
        try:
            await workflow.get_external_workflow_handle(self._inp.parent_workflow_id).signal(
                SIGNAL_CHILD_REPORT, report
            )
        except Exception:  # the parent has closed: there is nobody left to tell
            workflow.logger.info("parent %s did not take report %s", self._inp.parent_workflow_id, kind)

    @workflow.update(name=UPDATE_REFERRAL_ANSWER)
    def answer(self, cmd: ReferralAnswerCommand) -> ReferralAnswerResult:
        if cmd.answer_id in self._answers:
            return self._answer_result(cmd.answer_id, duplicate=True)
        self._answers[cmd.answer_id] = cmd
        self._answered = cmd
        self._answered_at = workflow.now()
        return self._answer_result(cmd.answer_id, duplicate=False)

    @answer.validator
    def _validate_answer(self, cmd: ReferralAnswerCommand) -> None:
        if cmd.firm != self._inp.firm:
            # Another firm's partner: the referral does not exist for them.
            raise ApplicationError("referral not found", type=ERR_NOT_YOURS)
        if cmd.answer_id in self._answers:
            return
        if self._answered is not None or self._status != "instructed":
            status = self._status
            if self._answered is not None:
                status = "accepted" if self._answered.answer == "accept" else "declined"
            raise ApplicationError(f"the referral was already {status}", type=ERR_STAGE)
        if workflow.now() >= self._answer_by:
            raise ApplicationError("the time to answer this referral has passed", type=ERR_STAGE)

    def _answer_result(self, answer_id: str, duplicate: bool) -> ReferralAnswerResult:
        cmd = self._answers[answer_id]
        status = "accepted" if cmd.answer == "accept" else "declined"
        return ReferralAnswerResult(answer_id=answer_id, duplicate=duplicate, status=status,
                                    number=self._inp.number, firm=self._inp.firm)

    @workflow.query(name=QUERY_REFERRAL)
    def snapshot(self) -> ReferralSnapshot:
        return ReferralSnapshot(
            matter_id=self._inp.matter_id, number=self._inp.number, workflow_id=workflow.info().workflow_id,
            firm=self._inp.firm, status=self._status, instructed_at=self._instructed_at,
            answer_by=self._answer_by, remind_at=self._remind_at, answered_at=self._answered_at,
            answered_by=self._answered.actor if self._answered is not None else None,
        )
