"""What the matter's clocked children share (`ProceedingWorkflow`, `GuarantorClaimWorkflow`): the loop that
waits for news (an update or a signal sets `_changed`) or for the next deadline (`_next_wake`), does what
fell due (`_tick`), and is cancelled when the matter closes; and the reports to the parent (signal
`child_report`, idempotent by key), sent from the timers' side as tasks (`_spawn`) or awaited in a handler
(`_report`)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import ERR_KEY_REUSED, SIGNAL_CHILD_REPORT, ChildReport, ReportKind


class ReportingChild:
    """A base of the children's workflow classes (state only: each class keeps its own `@workflow` methods)."""

    _inp: Any  # the child's input: `number`, `parent_workflow_id`
    _changed: bool
    _closed: bool
    _reports: list[asyncio.Task[None]]
    _results: dict[str, Any]  # event id -> the result it had (a repeat answers the same)
    _bodies: dict[str, str]  # event id -> the event it recorded (its JSON)

    def _tick(self) -> None:
        raise NotImplementedError

    def _next_wake(self) -> datetime | None:
        raise NotImplementedError

    def _counsel(self) -> tuple[str, str]:
        """The firm acting (its id and name) that reports carry: none by default."""
        return "", ""

    def _repeat(self, event_id: str, body: str) -> bool:
        """True if `event_id` recorded this same event (a repeat); refused if it recorded another."""
        if event_id not in self._results:
            return False
        if self._bodies.get(event_id) != body:
            raise ApplicationError(f"event_id: {event_id!r} was already used for a different event; send the same "
                                   "body to repeat it, or use a new id", type=ERR_KEY_REUSED)
        return True

    async def _recorded(self, event_id: str, body: str, result: Any, kind: ReportKind, words: str, actor: str,
                        data: dict[str, object]) -> Any:
        """Keep an event's result for its repeats, and tell the parent (awaited: the caller sees it told)."""
        self._bodies[event_id] = body
        self._changed = True
        self._results[event_id] = result
        await self._report(kind, words, key=event_id, actor=actor, data=data)
        return result

    async def _loop(self, summary: str, closed: str) -> None:
        """Run until cancelled (`summary`: the timer's; `closed`: what the last report says)."""
        try:
            while True:
                self._tick()
                wake = self._next_wake()
                timeout = (wake - workflow.now()) if wake is not None else None
                self._changed = False
                try:
                    await workflow.wait_condition(lambda: self._changed, timeout=timeout, timeout_summary=summary)
                except TimeoutError:
                    pass
        except asyncio.CancelledError:
            self._closed = True
            await self._report("closed", closed)

    def _spawn(self, kind: ReportKind, summary: str, key: str = "", data: dict[str, object] | None = None) -> None:
        self._reports.append(asyncio.create_task(self._report(kind, summary, key=key, data=data or {})))

    async def _report(self, kind: ReportKind, summary: str, *, key: str = "", actor: str = "system",
                      data: dict[str, object] | None = None) -> None:
        info = workflow.info()
        firm, firm_name = self._counsel()
        report = ChildReport(key=f"{info.workflow_id}:{kind}:{key}", workflow_id=info.workflow_id, kind=kind,
                             number=self._inp.number, firm=firm, firm_name=firm_name, at=workflow.now(),
                             actor=actor, summary=summary, data=data or {})
        try:
            await workflow.get_external_workflow_handle(self._inp.parent_workflow_id).signal(
                SIGNAL_CHILD_REPORT, report)
        except Exception:  # the parent has closed: nobody left to tell
            workflow.logger.info("parent %s did not take report %s", self._inp.parent_workflow_id, kind)


__all__ = ["ReportingChild"]
