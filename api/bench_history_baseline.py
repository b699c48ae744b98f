"""The baseline of `make bench-history`: the history reader as it was before pages, kept to measure against.

It reads every event of every run and decodes every payload on each request, as the first
version did; `api.bench_history` times it beside `api.history` in the same run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.inputs import PROJECT, RENDER_LETTER
from api.history_words import _duration, _money, _nonzero, _parse_time, _when
from api.schemas_evidence import HistoryEntry
from workflows.contracts import (
    UPDATE_DECISION,
    UPDATE_PAYMENT,
    UPDATE_PROMISE,
)

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ the baseline
# A copy of `api/history.py` as it was before paging (`matter_history` and its reader), kept
# here unchanged as the baseline (a): it reads every run and decodes every payload it meets.
_OLD_MAX_RUNS = 10_000
# Timeline kinds that an update event already tells (in the caller's words) or the start event.
_OLD_TOLD_ELSEWHERE = frozenset({"opened", "payment", "promise", "decision"})


class _OldHistoryNotFound(LookupError):
    pass


# The old reader's small helpers were the ones `api.history` still uses: call those.
_old_money, _old_nonzero, _old_when, _old_parse_time = _money, _nonzero, _when, _parse_time


class _OldReader:
    """Turns the events of one workflow (all runs) into `HistoryEntry` lines."""

    def __init__(self, client: Client) -> None:
        self._convert = client.data_converter
        self.entries: list[HistoryEntry] = []
        self._activities: dict[int, tuple[str, dict[str, Any]]] = {}
        self._timers: dict[str, float] = {}
        self._updates: dict[int, tuple[str, dict[str, Any]]] = {}

    async def _decode(self, payloads: Payloads) -> list[Any]:
        if not payloads.payloads:
            return []
        try:
            return await self._convert.decode(list(payloads.payloads))
        except Exception as exc:  # e.g. a payload encrypted with a key no longer configured
            log.warning("history payload could not be decoded: %s", type(exc).__name__)
            return []

    async def _first(self, payloads: Payloads) -> dict[str, Any]:
        values = await self._decode(payloads)
        return values[0] if values and isinstance(values[0], dict) else {}

    def _add(
        self, event: HistoryEvent, run_id: str, kind: str, what: str, who: str = "system", at: datetime | None = None
    ) -> None:
        self.entries.append(
            HistoryEntry(
                at=at or _old_when(event), event_id=event.event_id, run_id=run_id, kind=kind, what=what, who=who
            )
        )

    async def read(self, event: HistoryEvent, run_id: str) -> str | None:
        """Consume one event; returns the next run's id at a continue-as-new."""
        t = event.event_type
        handler: Callable[..., Any] | None = _OLD_HANDLERS.get(t)
        if handler is None:
            return None
        return await handler(self, event, run_id)  # type: ignore[no-any-return]

    # ---- workflow lifecycle -------------------------------------------------------------
    async def _started(self, event: HistoryEvent, run_id: str) -> None:
        attrs = event.workflow_execution_started_event_attributes
        if attrs.continued_execution_run_id:
            self._add(event, run_id, "run_started", f"New run continued from run {attrs.continued_execution_run_id}")
            return
        inp = await self._first(attrs.input)
        actor = str(inp.get("opened_by") or "system")
        policy = inp.get("policy") or {}
        self._add(
            event,
            run_id,
            "opened",
            f"Matter opened by key '{actor}' on policy {policy.get('name', '?')} v{policy.get('version', '?')}",
            who=actor,
        )

    async def _completed(self, event: HistoryEvent, run_id: str) -> None:
        result = await self._first(event.workflow_execution_completed_event_attributes.result)
        stage, reason = result.get("stage"), result.get("closure_reason")
        tail = f": matter {stage}" + (f" ({reason})" if reason else "") if stage else ""
        self._add(event, run_id, "completed", "Workflow completed" + tail)

    async def _continued(self, event: HistoryEvent, run_id: str) -> str:
        new_run = event.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
        self._add(event, run_id, "continued_as_new", f"Continued as new (next run {new_run})")
        return new_run

    async def _failed(self, event: HistoryEvent, run_id: str) -> None:
        self._add(event, run_id, "failed", "Workflow failed")

    async def _terminated(self, event: HistoryEvent, run_id: str) -> None:
        who = event.workflow_execution_terminated_event_attributes.identity or "system"
        self._add(event, run_id, "terminated", "Workflow terminated by an operator", who=who)

    async def _canceled(self, event: HistoryEvent, run_id: str) -> None:
        self._add(event, run_id, "canceled", "Workflow canceled")

    async def _timed_out(self, event: HistoryEvent, run_id: str) -> None:
        self._add(event, run_id, "timed_out", "Workflow timed out")

    async def _signaled(self, event: HistoryEvent, run_id: str) -> None:
        name = event.workflow_execution_signaled_event_attributes.signal_name
        self._add(event, run_id, "signal", f"Signal '{name}' received")

    # ---- activities ---------------------------------------------------------------------
    async def _activity_scheduled(self, event: HistoryEvent, run_id: str) -> None:
        attrs = event.activity_task_scheduled_event_attributes
        name = attrs.activity_type.name
        inp = await self._first(attrs.input)
        if name == PROJECT:
            for item in inp.get("events") or ():
                if not isinstance(item, dict) or item.get("kind") in _OLD_TOLD_ELSEWHERE:
                    continue
                self._add(
                    event,
                    run_id,
                    str(item.get("kind") or "event"),
                    str(item.get("summary") or ""),
                    who=str(item.get("actor") or "system"),
                    at=_old_parse_time(item.get("occurred_at"), _old_when(event)),
                )
            self._activities[event.event_id] = (name, {})
        elif name == RENDER_LETTER:
            self._activities[event.event_id] = (name, {"kind": inp.get("kind"), "document_id": inp.get("document_id")})
        else:
            self._activities[event.event_id] = (name, {})

    async def _activity_completed(self, event: HistoryEvent, run_id: str) -> None:
        attrs = event.activity_task_completed_event_attributes
        name, facts = self._activities.get(attrs.scheduled_event_id, ("?", {}))
        if name != RENDER_LETTER:
            return
        ref = await self._first(attrs.result)
        kind = ref.get("kind") or facts.get("kind") or "letter"
        sha = ref.get("sha256") or "unknown"
        self._add(
            event,
            run_id,
            "letter_stored",
            f"Letter '{kind}' stored (sha256 {sha}, document {ref.get('document_id') or facts.get('document_id')})",
        )

    async def _activity_failed(self, event: HistoryEvent, run_id: str) -> None:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
            scheduled = event.activity_task_failed_event_attributes.scheduled_event_id
            how = "failed"
        else:
            scheduled = event.activity_task_timed_out_event_attributes.scheduled_event_id
            how = "timed out"
        name, _ = self._activities.get(scheduled, ("?", {}))
        self._add(event, run_id, "activity_failed", f"Activity '{name}' {how}")

    # ---- timers -------------------------------------------------------------------------
    async def _timer_started(self, event: HistoryEvent, run_id: str) -> None:
        attrs = event.timer_started_event_attributes
        self._timers[attrs.timer_id] = attrs.start_to_fire_timeout.ToTimedelta().total_seconds()

    async def _timer_fired(self, event: HistoryEvent, run_id: str) -> None:
        seconds = self._timers.get(event.timer_fired_event_attributes.timer_id)
        after = f" (after {_duration(seconds)})" if seconds is not None else ""
        self._add(event, run_id, "timer", f"Timer fired{after}")

    # ---- updates (commands) -------------------------------------------------------------
    async def _update_accepted(self, event: HistoryEvent, run_id: str) -> None:
        request = event.workflow_execution_update_accepted_event_attributes.accepted_request
        name = request.input.name
        cmd = await self._first(request.input.args)
        self._updates[event.event_id] = (name, cmd)
        actor = str(cmd.get("actor") or "system")
        if name == UPDATE_PAYMENT:
            what = (
                f"Payment {cmd.get('payment_id')} of {_old_money(cmd.get('amount'))} received on "
                f"{cmd.get('received_on')} recorded by {actor}"
            )
        elif name == UPDATE_PROMISE:
            what = (
                f"Promise {cmd.get('promise_id')} to pay {_old_money(cmd.get('amount'))} by {cmd.get('due_on')} "
                f"recorded by {actor}"
            )
        elif name == UPDATE_DECISION:
            if cmd.get("decision") == "escalate":
                words = "escalate to referral"
            else:
                words = f"extend negotiation until {cmd.get('new_end_on')}"
            what = f"Legal review decision {cmd.get('decision_id')}: {words}, by {actor}"
        else:
            what = f"Command '{name}' accepted"
        self._add(event, run_id, "command", what, who=actor)

    async def _update_completed(self, event: HistoryEvent, run_id: str) -> None:
        attrs = event.workflow_execution_update_completed_event_attributes
        name, cmd = self._updates.get(attrs.accepted_event_id, ("?", {}))
        actor = str(cmd.get("actor") or "system")
        if attrs.outcome.HasField("failure"):
            self._add(event, run_id, "command_failed", f"Command '{name}' failed", who=actor)
            return
        result = await self._first(attrs.outcome.success)
        if name == UPDATE_PAYMENT:
            pid = result.get("payment_id")
            if result.get("duplicate"):
                what = f"Payment {pid} was already recorded: nothing changed"
            else:
                alloc = result.get("allocation") or {}
                parts = ", ".join(
                    f"{bucket} {_old_money(alloc[bucket])}"
                    for bucket in ("costs", "fees", "penalty", "interest", "principal", "unapplied")
                    if _old_nonzero(alloc.get(bucket))
                )
                outstanding = _old_money(result.get("outstanding"))
                what = f"Payment {pid} allocated ({parts or 'nothing'}); outstanding {outstanding}"
                if result.get("closed"):
                    what += "; matter paid in full"
        elif name == UPDATE_PROMISE:
            dup = " (already recorded)" if result.get("duplicate") else ""
            what = f"Promise {result.get('promise_id')} registered{dup}; deadline {result.get('deadline')}"
        elif name == UPDATE_DECISION:
            dup = " (already applied)" if result.get("duplicate") else ""
            what = f"Decision {result.get('decision_id')} applied{dup}; stage now {result.get('stage')}"
        else:
            what = f"Command '{name}' completed"
        self._add(event, run_id, "command_completed", what, who=actor)

    async def _update_rejected(self, event: HistoryEvent, run_id: str) -> None:
        name = event.workflow_execution_update_rejected_event_attributes.rejected_request.input.name
        self._add(event, run_id, "command_refused", f"Command '{name}' refused")


_OE = EventType
_OLD_HANDLERS: dict[int, Callable[..., Any]] = {
    _OE.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: _OldReader._started,
    _OE.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: _OldReader._completed,
    _OE.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: _OldReader._continued,
    _OE.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: _OldReader._failed,
    _OE.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: _OldReader._terminated,
    _OE.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: _OldReader._canceled,
    _OE.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: _OldReader._timed_out,
    _OE.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: _OldReader._signaled,
    _OE.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: _OldReader._activity_scheduled,
    _OE.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: _OldReader._activity_completed,
    _OE.EVENT_TYPE_ACTIVITY_TASK_FAILED: _OldReader._activity_failed,
    _OE.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: _OldReader._activity_failed,
    _OE.EVENT_TYPE_TIMER_STARTED: _OldReader._timer_started,
    _OE.EVENT_TYPE_TIMER_FIRED: _OldReader._timer_fired,
    _OE.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: _OldReader._update_accepted,
    _OE.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: _OldReader._update_completed,
    _OE.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED: _OldReader._update_rejected,
}


async def old_matter_history(client: Client, wid: str) -> tuple[list[HistoryEntry], int]:
    """Every run's events in order, as plain-words entries; `(entries, runs)`.

    Raises `_OldHistoryNotFound` when there is no workflow with this id.
    """
    try:
        first_run_id: str | None = None
        async for event in client.get_workflow_handle(wid).fetch_history_events(page_size=1):
            first_run_id = event.workflow_execution_started_event_attributes.first_execution_run_id
            break
        if not first_run_id:
            raise _OldHistoryNotFound(wid)
        reader = _OldReader(client)
        run_id: str | None = first_run_id
        runs = 0
        while run_id and runs < _OLD_MAX_RUNS:
            runs += 1
            next_run: str | None = None
            async for event in client.get_workflow_handle(wid, run_id=run_id).fetch_history_events():
                next_run = await reader.read(event, run_id) or next_run
            run_id = next_run
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise _OldHistoryNotFound(wid) from None
        raise
    return reader.entries, runs
