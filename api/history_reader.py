"""Reads a matter's workflow events, run after run, into lines of plain words (see `api.history`).

Only chosen, PII-free fields are read from a payload, and payloads are decoded only for the
lines of the page being returned; everything else is described from the events' plain fields.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

from activities.inputs import (
    MAKE_INSTRUCTION_BUNDLE,
    PROJECT,
    RENDER_LETTER,
    RESERVE_CONTACT,
    SEND_EMAIL,
    SEND_FIRM_EMAIL,
    SEND_SMS,
    STORE_LETTER,
)
from api.history_children import CHILD_HANDLERS, ChildLines, _Later, _Line, _Plan
from api.history_cursor import ReaderState
from api.history_words import (
    _command_words,
    _duration,
    _failure_type,
    _outcome_words,
    _parse_time,
    _search_value,
    _when,
)
from workflows.contracts import (
    LEGACY_WORKFLOW_NAME,
    SIGNAL_CHILD_REPORT,
    WORKFLOW_NAME,
)

log = logging.getLogger(__name__)

_LOCAL_ACTIVITY_MARKER = "core_local_activity"
# Timeline kinds (v1 `project` input) that an update event already tells, or the start event.
_TOLD_ELSEWHERE = frozenset({"opened", "payment", "promise", "decision"})
_CLOSE_EVENTS = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    }
)




class Reader(ChildLines):
    """Reads the events of one workflow, run after run, in order.

    `see(event)` updates what the reader remembers and says whether the event makes a line (a
    plan), from the event's plain fields only; `plan()` renders the line, decoding what it needs.
    """

    def __init__(self, client: Client, state: ReaderState) -> None:
        self._convert = client.data_converter
        self.stage = state.stage
        self.attention = state.attention
        self.wf_type = state.wf_type
        self.activities: dict[int, str] = dict(state.activities)
        self.timers: dict[str, tuple[_Later, float]] = dict(state.timers)
        self.updates: dict[str, tuple[str, _Later]] = dict(state.updates)
        self.children: dict[int, tuple[str, _Later]] = dict(state.children)
        self.closed = False  # the current run's close event was read
        self.finished = False  # the workflow closed for good (not continued as new)
        self.next_run: str | None = None

    def new_run(self) -> None:
        """Continue-as-new: event ids, timers, activities, updates and children are per run."""
        self.activities, self.timers, self.updates, self.children = {}, {}, {}, {}
        self.closed, self.finished, self.next_run = False, False, None

    async def state(self) -> ReaderState:
        """What the next page needs, with every pending summary and actor decoded to words."""
        timers = {tid: (await self._text(summary), seconds) for tid, (summary, seconds) in self.timers.items()}
        updates = {eid: (name, await self._actor(actor)) for eid, (name, actor) in self.updates.items()}
        children = {eid: (wid, await self._label(wid, label)) for eid, (wid, label) in self.children.items()}
        return ReaderState(
            stage=self.stage,
            attention=self.attention,
            wf_type=self.wf_type,
            activities=dict(self.activities),
            timers=timers,
            updates=updates,
            children=children,
        )

    # ---- decoding ----------------------------------------------------------------------
    async def _decode(self, payloads: Sequence[Payload]) -> list[Any]:
        if not payloads:
            return []
        try:
            return await self._convert.decode(list(payloads))
        except Exception as exc:  # e.g. a payload encrypted with a key no longer configured
            log.warning("history payload could not be decoded: %s", type(exc).__name__)
            return []

    async def _first(self, payloads: Payloads) -> dict[str, Any]:
        values = await self._decode(payloads.payloads)
        return values[0] if values and isinstance(values[0], dict) else {}

    async def _text(self, later: _Later) -> str | None:
        if later is None or isinstance(later, str):
            return later
        values = await self._decode([later] if isinstance(later, Payload) else later.payloads)
        return str(values[0]) if values and isinstance(values[0], str) and values[0] else None

    async def _actor(self, later: _Later) -> str:
        if isinstance(later, Payloads):
            return str((await self._first(later)).get("actor") or "system")
        return later if isinstance(later, str) else "system"

    async def _label(self, wid: str, later: _Later) -> str:
        if isinstance(later, Payloads):  # a referral started without a summary: its input says which
            inp = await self._first(later)
            if inp.get("number") and inp.get("firm"):
                name = (inp.get("firm_details") or {}).get("name")
                return f"Referral {inp['number']} to " + (f"{name} ({inp['firm']})" if name else str(inp["firm"]))
            return f"Child workflow {wid}"
        return await self._text(later) or f"Child workflow {wid}"

    # ---- dispatch ----------------------------------------------------------------------
    async def see(self, event: HistoryEvent) -> _Plan | None:
        if event.event_type in _CLOSE_EVENTS:
            self.closed = True
            self.finished = event.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        handler = _HANDLERS.get(event.event_type)
        if handler is None:
            return None
        return await handler(self, event)

    @staticmethod
    def _say(kind: str, what: str, who: str = "system") -> _Plan:
        async def plan() -> _Line:
            return kind, what, who, None

        return plan

    # ---- workflow lifecycle -------------------------------------------------------------
    async def _started(self, event: HistoryEvent) -> _Plan | None:
        attrs = event.workflow_execution_started_event_attributes
        previous, self.wf_type = self.wf_type, attrs.workflow_type.name
        if attrs.continued_execution_run_id:
            migrated = previous == LEGACY_WORKFLOW_NAME and self.wf_type == WORKFLOW_NAME
            what = f"New run continued from run {attrs.continued_execution_run_id}"
            return self._say("run_started", what + (" (migrated to workflow v2)" if migrated else ""))

        async def plan() -> _Line:
            inp = await self._first(attrs.input)
            actor = str(inp.get("opened_by") or "system")
            policy = inp.get("policy") or {}
            what = f"Matter opened by key '{actor}' on policy {policy.get('name', '?')} v{policy.get('version', '?')}"
            return "opened", what, actor, None

        return plan

    async def _completed(self, event: HistoryEvent) -> _Plan:
        async def plan() -> _Line:
            result = await self._first(event.workflow_execution_completed_event_attributes.result)
            stage, reason = result.get("stage"), result.get("closure_reason")
            tail = f": matter {stage}" + (f" ({reason})" if reason else "") if stage else ""
            return "completed", "Workflow completed" + tail, "system", None

        return plan

    async def _continued(self, event: HistoryEvent) -> _Plan:
        attrs = event.workflow_execution_continued_as_new_event_attributes
        self.next_run = attrs.new_execution_run_id
        what = f"Continued as new (next run {attrs.new_execution_run_id})"
        if self.wf_type == LEGACY_WORKFLOW_NAME and attrs.workflow_type.name == WORKFLOW_NAME:
            what += ", migrating to workflow v2"
        return self._say("continued_as_new", what)

    async def _failed(self, event: HistoryEvent) -> _Plan:
        why = _failure_type(event.workflow_execution_failed_event_attributes.failure)
        return self._say("failed", "Workflow failed" + (f" ({why})" if why else ""))

    async def _terminated(self, event: HistoryEvent) -> _Plan:
        who = event.workflow_execution_terminated_event_attributes.identity or "system"
        return self._say("terminated", "Workflow terminated by an operator", who)

    async def _canceled(self, event: HistoryEvent) -> _Plan:
        return self._say("canceled", "Workflow canceled")

    async def _cancel_requested(self, event: HistoryEvent) -> _Plan:
        who = event.workflow_execution_cancel_requested_event_attributes.identity or "system"
        return self._say("cancel_requested", "Cancellation of the workflow requested", who)

    async def _timed_out(self, event: HistoryEvent) -> _Plan:
        return self._say("timed_out", "Workflow timed out")

    # ---- signals: child reports ---------------------------------------------------------
    async def _signaled(self, event: HistoryEvent) -> _Plan:
        attrs = event.workflow_execution_signaled_event_attributes
        name = attrs.signal_name
        if name != SIGNAL_CHILD_REPORT:
            return self._say("signal", f"Signal '{name}' received")

        async def plan() -> _Line:
            report = await self._first(attrs.input)
            firm, n, kind = (report.get("firm_name") or report.get("firm") or "the firm", report.get("number", "?"),
                             report.get("kind"))
            words = {
                "instructed": f"referral {n} instructed to {firm}",
                "reminded": f"{firm} reminded to answer referral {n}",
                "accepted": f"{firm} accepted referral {n}",
                "declined": f"{firm} declined referral {n} (reason recorded)",
                "lapsed": f"{firm} did not answer referral {n} in time",
                "closed": f"referral {n} to {firm} closed",
            }
            if "/proceeding-" in str(report.get("workflow_id", "")):
                what = f"Child reported: proceeding {n}: {report.get('summary') or kind}"
                return "child_report", what, str(report.get("actor") or "system"), None
            if "/guarantor-" in str(report.get("workflow_id", "")):
                what = f"Child reported: the claim against guarantor {n}: {report.get('summary') or kind}"
                return "child_report", what, str(report.get("actor") or "system"), None
            what = "Child reported: " + words.get(str(kind), f"'{kind}' on referral {n}")
            answer_by = report.get("answer_by")
            if kind == "instructed" and isinstance(answer_by, str):
                what += f", answer by {_parse_time(answer_by, _when(event)):%Y-%m-%d %H:%M} UTC"
            return "child_report", what, str(report.get("actor") or "system"), None

        return plan

    # ---- search attributes: stage and needs_attention -----------------------------------
    async def _search_attributes(self, event: HistoryEvent) -> _Plan | None:
        fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
        changes: list[str] = []
        kind = "attention"
        if "MatterStage" in fields:
            stage = _search_value(fields["MatterStage"])
            if isinstance(stage, str) and stage != self.stage:
                self.stage, kind = stage, "stage"
                changes.append(f"Stage now {stage}")
        if "NeedsAttention" in fields:
            attention = _search_value(fields["NeedsAttention"])
            if isinstance(attention, bool) and attention != self.attention:
                was, self.attention = self.attention, attention
                if attention:
                    changes.append("Needs attention: a step keeps failing")
                elif was:
                    changes.append("No longer needs attention")
        if not changes:
            return None
        return self._say(kind, "; ".join(changes))

    # ---- markers: local activities (v2 projection writes) --------------------------------
    async def _marker(self, event: HistoryEvent) -> _Plan | None:
        attrs = event.marker_recorded_event_attributes
        if attrs.marker_name != _LOCAL_ACTIVITY_MARKER or not attrs.HasField("failure"):
            return None  # a successful projection write, a patch marker: nothing to tell
        why = _failure_type(attrs.failure)

        async def plan() -> _Line:
            data = await self._first(attrs.details["data"]) if "data" in attrs.details else {}
            name = data.get("activity_type") or "local activity"
            what = f"Local activity '{name}' failed" + (f" ({why})" if why else "")
            if name == PROJECT:
                what = "Projection write failed" + (f" ({why})" if why else "") + "; kept for the next attempt"
            return "activity_failed", what, "system", None

        return plan

    # ---- activities ---------------------------------------------------------------------
    async def _activity_scheduled(self, event: HistoryEvent) -> _Plan | None:
        attrs = event.activity_task_scheduled_event_attributes
        name = attrs.activity_type.name
        self.activities[event.event_id] = name
        if name != PROJECT:
            return None  # letters are told when stored (their job carries PII: never decoded here)
        # A v1 projection write: its timeline events (plain words, no PII by design) are one line.
        # Only the input says whether there is anything to tell, so this is decoded even when skipped.
        inp = await self._first(attrs.input)
        items = [
            item
            for item in inp.get("events") or ()
            if isinstance(item, dict) and item.get("kind") not in _TOLD_ELSEWHERE and item.get("summary")
        ]
        if not items:
            return None
        first = items[0]
        kind = str(first.get("kind") or "event") if len(items) == 1 else "timeline"
        what = "; ".join(str(item["summary"]) for item in items)
        who = str(first.get("actor") or "system")
        at = _parse_time(first.get("occurred_at"), _when(event))

        async def plan() -> _Line:
            return kind, what, who, at

        return plan

    async def _activity_completed(self, event: HistoryEvent) -> _Plan | None:
        attrs = event.activity_task_completed_event_attributes
        name = self.activities.pop(attrs.scheduled_event_id, "?")
        if name in (SEND_EMAIL, SEND_SMS):
            async def sent() -> _Line:
                ref = await self._first(attrs.result)
                how = "e-mail" if name == SEND_EMAIL else "SMS"
                what = (f"Reminder sent by {how} (message {ref.get('message_id')}, kept as evidence, sha256 "
                        f"{ref.get('sha256') or 'unknown'})")
                return "message_sent", what, "system", None

            return sent
        if name == SEND_FIRM_EMAIL:
            async def instructed() -> _Line:
                ref = await self._first(attrs.result)
                message_id = str(ref.get("message_id", ""))
                which = ("Hearing reminder" if "-hearing-" in message_id
                         else "Reminder" if message_id.endswith("-reminder")
                         else "The matter's closing, with the applications that undo it," if message_id.endswith(
                             "-unwinding") else "Instruction")
                what = (f"{which} e-mailed to the law firm (message {ref.get('message_id')}, kept as evidence, "
                        f"sha256 {ref.get('sha256') or 'unknown'})")
                return "instruction_sent", what, "system", None

            return instructed
        if name == MAKE_INSTRUCTION_BUNDLE:
            async def bundled() -> _Line:
                ref = await self._first(attrs.result)
                for_whom = ("for the proceeding's filing" if str(ref.get("bundle_id", "")).startswith("P")
                            else "for the law firm")
                what = (f"Evidence pack {ref.get('bundle_id')} made {for_whom} ({ref.get('item_count')} files, "
                        f"sha256 {ref.get('sha256') or 'unknown'})")
                return "bundle_made", what, "system", None

            return bundled
        if name == RESERVE_CONTACT:
            return self._budget_line(attrs.result)
        if name not in (STORE_LETTER, RENDER_LETTER):
            return None

        async def plan() -> _Line:
            ref = await self._first(attrs.result)
            kind, sha = ref.get("kind") or "letter", ref.get("sha256") or "unknown"
            what = f"Letter '{kind}' stored (sha256 {sha}, document {ref.get('document_id')})"
            return "letter_stored", what, "system", None

        return plan

    def _budget_line(self, result: Payloads) -> _Plan:
        """The borrower's contact budget answered (its result only: the request carries the ID number)."""

        async def plan() -> _Line:
            grant = await self._first(result)
            reasons = "; ".join(str(r) for r in grant.get("reasons") or ())
            count = grant.get("attempts_in_7_days")
            if grant.get("over_limit"):
                return ("contact_over_limit", f"Contact counted in the borrower's budget over its limit: {reasons}",
                        "system", None)
            never = datetime.min.replace(tzinfo=UTC)
            wished, allowed = _parse_time(grant.get("wished_at"), never), _parse_time(grant.get("allowed_at"), never)
            if allowed > wished:
                return ("contact_deferred", f"Contact deferred by the borrower's contact rules to "
                        f"{allowed.isoformat(timespec='minutes')}: {reasons}", "system", None)
            return ("contact_counted", f"Contact counted in the borrower's budget ({count} in 7 days across the "
                    "borrower's matters)", "system", None)

        return plan

    async def _activity_failed(self, event: HistoryEvent) -> _Plan:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
            attrs = event.activity_task_failed_event_attributes
            scheduled, how, why = attrs.scheduled_event_id, "failed", _failure_type(attrs.failure)
        else:
            timed_out = event.activity_task_timed_out_event_attributes
            scheduled, how, why = timed_out.scheduled_event_id, "timed out", ""
        name = self.activities.pop(scheduled, "?")
        return self._say("activity_failed", f"Activity '{name}' {how}" + (f" ({why})" if why else ""))

    async def _activity_canceled(self, event: HistoryEvent) -> None:
        self.activities.pop(event.activity_task_canceled_event_attributes.scheduled_event_id, None)

    # ---- timers -------------------------------------------------------------------------
    async def _timer_started(self, event: HistoryEvent) -> None:
        attrs = event.timer_started_event_attributes
        summary = event.user_metadata.summary if event.user_metadata.HasField("summary") else None
        self.timers[attrs.timer_id] = (summary, attrs.start_to_fire_timeout.ToTimedelta().total_seconds())

    async def _timer_fired(self, event: HistoryEvent) -> _Plan:
        summary, seconds = self.timers.pop(event.timer_fired_event_attributes.timer_id, (None, None))

        async def plan() -> _Line:
            text = await self._text(summary)
            if text:
                return "timer", f"Timer fired ({text})", "system", None
            after = f" (after {_duration(seconds)})" if seconds is not None else ""
            return "timer", f"Timer fired{after}", "system", None

        return plan

    async def _timer_canceled(self, event: HistoryEvent) -> None:
        self.timers.pop(event.timer_canceled_event_attributes.timer_id, None)

    # ---- updates (commands) -------------------------------------------------------------
    async def _update_accepted(self, event: HistoryEvent) -> _Plan:
        request = event.workflow_execution_update_accepted_event_attributes.accepted_request
        name, update_id = request.input.name, request.meta.update_id
        self.updates[update_id] = (name, request.input.args)

        async def plan() -> _Line:
            cmd = await self._first(request.input.args)
            actor = str(cmd.get("actor") or "system")
            if update_id in self.updates:
                self.updates[update_id] = (name, actor)
            return "command", _command_words(name, cmd, actor), actor, None

        return plan

    async def _update_completed(self, event: HistoryEvent) -> _Plan:
        attrs = event.workflow_execution_update_completed_event_attributes
        name, actor_later = self.updates.pop(attrs.meta.update_id, ("?", None))

        async def plan() -> _Line:
            actor = await self._actor(actor_later)
            if attrs.outcome.HasField("failure"):
                return "command_failed", f"Command '{name}' failed", actor, None
            result = await self._first(attrs.outcome.success)
            return "command_completed", _outcome_words(name, result), actor, None

        return plan

    async def _update_rejected(self, event: HistoryEvent) -> _Plan:
        attrs = event.workflow_execution_update_rejected_event_attributes
        why = _failure_type(attrs.failure)
        return self._say(
            "command_refused", f"Command '{attrs.rejected_request.input.name}' refused" + (f" ({why})" if why else "")
        )

_E = EventType
_HANDLERS: dict[int, Callable[[Reader, HistoryEvent], Awaitable[_Plan | None]]] = {
    **CHILD_HANDLERS,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: Reader._started,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: Reader._completed,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: Reader._continued,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: Reader._failed,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: Reader._terminated,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: Reader._canceled,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED: Reader._cancel_requested,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: Reader._timed_out,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: Reader._signaled,
    _E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: Reader._search_attributes,
    _E.EVENT_TYPE_MARKER_RECORDED: Reader._marker,
    _E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: Reader._activity_scheduled,
    _E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: Reader._activity_completed,
    _E.EVENT_TYPE_ACTIVITY_TASK_FAILED: Reader._activity_failed,
    _E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: Reader._activity_failed,
    _E.EVENT_TYPE_ACTIVITY_TASK_CANCELED: Reader._activity_canceled,
    _E.EVENT_TYPE_TIMER_STARTED: Reader._timer_started,
    _E.EVENT_TYPE_TIMER_FIRED: Reader._timer_fired,
    _E.EVENT_TYPE_TIMER_CANCELED: Reader._timer_canceled,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: Reader._update_accepted,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: Reader._update_completed,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED: Reader._update_rejected,
}
