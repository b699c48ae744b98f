"""The engine's bound for the portfolio benchmark: a trivial workflow doing what a matter asks of Temporal.

Per matter, the same timers (the ladder's days, the negotiation window), the same activities (a
letter for the notice and each letter step, on the letters queue), the same local activities (a
projection write after each step and each command) and the same updates (payments, promises) as
`MatterWorkflowV2` on the demo policy, with none of the work: what the server and the SDK cost.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from activities.inputs import PROJECT, STORE_LETTER, LetterJob, letters_queue
    from domain.evidence import DocumentRef
    from store.records import ProjectionUpdate
    from workflows.contracts import UPDATE_PAYMENT, UPDATE_PROMISE, PaymentCommand, PromiseCommand

TIMEOUT = timedelta(seconds=30)


class BoundInput(BaseModel):
    ladder_days: list[int]
    letters: list[bool]
    negotiation_days: int
    day_seconds: int
    close_on_payment: bool = False


@workflow.defn(name="BenchBound")
class BoundWorkflow:
    @workflow.init
    def __init__(self, inp: BoundInput) -> None:
        self._dirty = False
        self._closed = False
        self._close_on_payment = inp.close_on_payment

    async def _publish(self) -> None:
        await workflow.execute_local_activity(PROJECT, ProjectionUpdate(), start_to_close_timeout=TIMEOUT)

    async def _letter(self) -> None:
        await workflow.execute_activity(STORE_LETTER, None, task_queue=letters_queue(workflow.info().task_queue),
                                        start_to_close_timeout=TIMEOUT)

    async def _until(self, seconds: float) -> None:
        """Sleep until `seconds` after the start, doing a projection write for each command meanwhile."""
        end = workflow.info().start_time + timedelta(seconds=seconds)
        while not self._closed:
            left = end - workflow.now()
            if left <= timedelta(0):
                return
            try:
                await workflow.wait_condition(lambda: self._dirty or self._closed, timeout=left)
            except TimeoutError:
                return
            self._dirty = False
            await self._publish()

    @workflow.run
    async def run(self, inp: BoundInput) -> None:
        await self._publish()
        await self._letter()  # the notice
        await self._publish()
        for day, letter in zip(inp.ladder_days, inp.letters, strict=True):
            await self._until(day * inp.day_seconds)
            if self._closed:
                break
            if letter:
                await self._letter()
            await self._publish()
        if not self._closed:
            await self._until((max(inp.ladder_days, default=0) + inp.negotiation_days) * inp.day_seconds)
        if self._closed:
            await self._letter()  # the closure letter
        await self._publish()

    @workflow.update(name=UPDATE_PAYMENT)
    def record_payment(self, cmd: PaymentCommand) -> None:
        self._dirty = True
        if self._close_on_payment:
            self._closed = True

    @workflow.update(name=UPDATE_PROMISE)
    def record_promise(self, cmd: PromiseCommand) -> None:
        self._dirty = True


# ---- trivial activities under the real names (for the bound and the letters' bound) -------------
@activity.defn(name=STORE_LETTER)
async def trivial_letter(job: LetterJob | None) -> DocumentRef | None:
    """Nothing rendered, nothing stored: a reference that says so."""
    if job is None:
        return None
    return DocumentRef(document_id=job.document_id, matter_id=job.matter_id, kind=job.kind,
                       locale=job.context.locale, template_version="trivial", bucket="none", key="none",
                       version_id=None, sha256="0" * 64, size=0, created_at=datetime.now(UTC))


@activity.defn(name=PROJECT)
async def trivial_project(update: ProjectionUpdate) -> None:
    return None
