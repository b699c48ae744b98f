"""A matter's history in plain words, read from its Temporal event history.

Every run of the workflow is read (continue-as-new is followed from the first run through
each run's `new_execution_run_id`), payloads are decoded with the client's data converter
(its codec decrypts them), and each meaningful event becomes one line: who did what, when.

Only chosen, PII-free fields are ever taken from a payload: the actor, the policy name and
version, command ids and amounts, document kinds and hashes, and the `summary`/`actor` of
the timeline events the workflow writes (plain words without PII by design). Workflow
inputs and letter requests also carry the borrower's name and id number: they are decoded
in memory to read those chosen fields and never copied into the output.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.inputs import PROJECT, RENDER_LETTER
from api.schemas import HistoryEntry
from domain.money import Money
from workflows.contracts import UPDATE_DECISION, UPDATE_PAYMENT, UPDATE_PROMISE

log = logging.getLogger(__name__)

MAX_RUNS = 10_000
# Timeline kinds that an update event already tells (in the caller's words) or the start event.
_TOLD_ELSEWHERE = frozenset({"opened", "payment", "promise", "decision"})


class HistoryNotFound(LookupError):
    pass


def _money(value: Any) -> str:
    try:
        return str(Money.model_validate(value))
    except Exception:  # a malformed old payload: say so rather than fail the whole history
        return "an unreadable amount"


def _nonzero(value: Any) -> bool:
    try:
        return isinstance(value, dict) and Decimal(str(value.get("amount", "0"))) != 0
    except InvalidOperation:
        return False


def _when(event: HistoryEvent) -> datetime:
    return event.event_time.ToDatetime(tzinfo=UTC)


def _parse_time(value: Any, fallback: datetime) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return fallback


class _Reader:
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
            HistoryEntry(at=at or _when(event), event_id=event.event_id, run_id=run_id, kind=kind, what=what, who=who)
        )

    async def read(self, event: HistoryEvent, run_id: str) -> str | None:
        """Consume one event; returns the next run's id at a continue-as-new."""
        t = event.event_type
        handler: Callable[..., Any] | None = _HANDLERS.get(t)
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
                if not isinstance(item, dict) or item.get("kind") in _TOLD_ELSEWHERE:
                    continue
                self._add(
                    event,
                    run_id,
                    str(item.get("kind") or "event"),
                    str(item.get("summary") or ""),
                    who=str(item.get("actor") or "system"),
                    at=_parse_time(item.get("occurred_at"), _when(event)),
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
                f"Payment {cmd.get('payment_id')} of {_money(cmd.get('amount'))} received on "
                f"{cmd.get('received_on')} recorded by {actor}"
            )
        elif name == UPDATE_PROMISE:
            what = (
                f"Promise {cmd.get('promise_id')} to pay {_money(cmd.get('amount'))} by {cmd.get('due_on')} "
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
                    f"{bucket} {_money(alloc[bucket])}"
                    for bucket in ("costs", "fees", "penalty", "interest", "principal", "unapplied")
                    if _nonzero(alloc.get(bucket))
                )
                outstanding = _money(result.get("outstanding"))
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


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


_E = EventType
_HANDLERS: dict[int, Callable[..., Any]] = {
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: _Reader._started,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: _Reader._completed,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: _Reader._continued,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: _Reader._failed,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: _Reader._terminated,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: _Reader._canceled,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: _Reader._timed_out,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: _Reader._signaled,
    _E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: _Reader._activity_scheduled,
    _E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: _Reader._activity_completed,
    _E.EVENT_TYPE_ACTIVITY_TASK_FAILED: _Reader._activity_failed,
    _E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: _Reader._activity_failed,
    _E.EVENT_TYPE_TIMER_STARTED: _Reader._timer_started,
    _E.EVENT_TYPE_TIMER_FIRED: _Reader._timer_fired,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: _Reader._update_accepted,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: _Reader._update_completed,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED: _Reader._update_rejected,
}


async def matter_history(client: Client, wid: str) -> tuple[list[HistoryEntry], int]:
    """Every run's events in order, as plain-words entries; `(entries, runs)`.

    Raises `HistoryNotFound` when there is no workflow with this id.
    """
    try:
        first_run_id: str | None = None
        async for event in client.get_workflow_handle(wid).fetch_history_events(page_size=1):
            first_run_id = event.workflow_execution_started_event_attributes.first_execution_run_id
            break
        if not first_run_id:
            raise HistoryNotFound(wid)
        reader = _Reader(client)
        run_id: str | None = first_run_id
        runs = 0
        while run_id and runs < MAX_RUNS:
            runs += 1
            next_run: str | None = None
            async for event in client.get_workflow_handle(wid, run_id=run_id).fetch_history_events():
                next_run = await reader.read(event, run_id) or next_run
            run_id = next_run
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise HistoryNotFound(wid) from None
        raise
    return reader.entries, runs
