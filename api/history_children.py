"""The lines a matter's history reader says about its child workflows (referrals, proceedings, guarantor
claims): started, ended, cancelled, and the parent's signals to them (a case handed to another firm, a
claim told the main debt's due date). A mixin of
`api.history_reader.Reader`, which keeps the children it has seen in `children`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.enums.v1 import EventType, StartChildWorkflowExecutionFailedCause
from temporalio.api.history.v1 import HistoryEvent

from workflows.contracts import REFERRAL_WORKFLOW_NAME, SIGNAL_GUARANTOR_FACTS, SIGNAL_PROCEEDING_COUNSEL

# A line of the page before it has its `event_id`, `run_id`: (kind, what, who, at or None).
_Line = tuple[str, str, str, datetime | None]
# An event's line, rendered only if the event is on the page being returned (may decode payloads).
_Plan = Callable[[], Awaitable[_Line]]
# A summary or actor not decoded yet (the payload), or decoded (text, or None if there is none).
_Later = Payload | Payloads | str | None

_CHILD_EXISTS = (
    StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS
)
_E = EventType


class ChildLines:
    if TYPE_CHECKING:
        children: dict[int, tuple[str, _Later]]

        async def _first(self, payloads: Payloads) -> dict[str, Any]: ...
        async def _label(self, wid: str, later: _Later) -> str: ...

    async def _child_initiated(self, event: HistoryEvent) -> None:
        attrs = event.start_child_workflow_execution_initiated_event_attributes
        later: _Later = None
        if event.user_metadata.HasField("summary"):
            later = event.user_metadata.summary
        elif attrs.workflow_type.name == REFERRAL_WORKFLOW_NAME:
            later = attrs.input  # ReferralInput: number and firm (no borrower data)
        self.children[event.event_id] = (attrs.workflow_id, later)

    def _child(self, initiated: int, done: bool, wid: str) -> tuple[str, _Later]:
        child = self.children.pop(initiated, None) if done else self.children.get(initiated)
        return child if child is not None else (wid or "?", None)

    async def _child_label(self, initiated: int | None, wid: str, later: _Later) -> str:
        """The child's words ("Referral 2 to Firm B LLP"), decoded once and kept while it runs."""
        label = await self._label(wid, later)
        if initiated is not None and initiated in self.children:
            self.children[initiated] = (wid, label)
        return label

    async def _child_start_failed(self, event: HistoryEvent) -> _Plan:
        attrs = event.start_child_workflow_execution_failed_event_attributes
        wid, later = self._child(attrs.initiated_event_id, True, attrs.workflow_id)
        cause = "already started" if attrs.cause == _CHILD_EXISTS else "refused"

        async def plan() -> _Line:
            return "child", f"{await self._label(wid, later)} could not start ({cause})", "system", None

        return plan

    async def _child_event(self, event: HistoryEvent) -> _Plan:
        t = event.event_type
        done = t != EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED
        attrs: Any = getattr(event, _CHILD_ATTRS[t])
        initiated = attrs.initiated_event_id
        wid, later = self._child(initiated, done, attrs.workflow_execution.workflow_id)
        how = _CHILD_WORDS[t]

        async def plan() -> _Line:
            what = f"{await self._child_label(None if done else initiated, wid, later)} {how}"
            if t == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
                status = (await self._first(attrs.result)).get("status")
                what += f" ({status})" if isinstance(status, str) and status else ""
            return "child", what, "system", None

        return plan

    async def _cancel_external(self, event: HistoryEvent) -> _Plan:
        wid = event.request_cancel_external_workflow_execution_initiated_event_attributes.workflow_execution.workflow_id
        initiated, later = next(
            ((eid, label) for eid, (child_wid, label) in self.children.items() if child_wid == wid), (None, None)
        )

        async def plan() -> _Line:
            label = await self._child_label(initiated, wid, later)
            return "child", f"Cancellation of {label} requested", "system", None

        return plan

    async def _signal_external(self, event: HistoryEvent) -> _Plan | None:
        attrs = event.signal_external_workflow_execution_initiated_event_attributes
        if attrs.signal_name == SIGNAL_GUARANTOR_FACTS:
            guarantor = attrs.workflow_execution.workflow_id.rsplit("/guarantor-", 1)[-1]

            async def told() -> _Line:
                facts = await self._first(attrs.input)
                due, sued = facts.get("main_due_on"), facts.get("debtor_sued_on")
                what = (f"The claim against guarantor {guarantor} told: the main debt due "
                        f"{due or 'on a day not on record'}" + (f", the debtor sued on {sued}" if sued else ""))
                return "claim_facts", what, "system", None

            return told
        if attrs.signal_name != SIGNAL_PROCEEDING_COUNSEL:
            return None
        number = attrs.workflow_execution.workflow_id.rsplit("/proceeding-", 1)[-1]

        async def plan() -> _Line:
            change = await self._first(attrs.input)
            firm = change.get("firm_name") or change.get("firm")
            what = (f"Proceeding {number}: {firm} takes the case over" if firm else
                    f"Proceeding {number}: no firm acts in it until another firm takes the matter")
            return "proceeding_counsel", what, str(change.get("actor") or "system"), None

        return plan


_CHILD_ATTRS = {
    _E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: "child_workflow_execution_started_event_attributes",
    _E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED: "child_workflow_execution_completed_event_attributes",
    _E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED: "child_workflow_execution_failed_event_attributes",
    _E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED: "child_workflow_execution_canceled_event_attributes",
    _E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT: "child_workflow_execution_timed_out_event_attributes",
    _E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED: "child_workflow_execution_terminated_event_attributes",
}
_CHILD_WORDS = {
    _E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: "started",
    _E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED: "ended",
    _E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED: "failed",
    _E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED: "canceled",
    _E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT: "timed out",
    _E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED: "terminated",
}
CHILD_HANDLERS: dict[int, Callable[[Any, HistoryEvent], Awaitable[_Plan | None]]] = {
    _E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: ChildLines._child_initiated,
    _E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED: ChildLines._child_start_failed,
    **{t: ChildLines._child_event for t in _CHILD_ATTRS},
    _E.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: ChildLines._cancel_external,
    _E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: ChildLines._signal_external,
}

__all__ = ["CHILD_HANDLERS", "ChildLines"]
