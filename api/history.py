"""A matter's history in plain words, read page by page from its Temporal event history.

The history of a matter is the event history of every run of its workflow, in order: the first
run, then each run it continued as new into (a run chain may hold a v1 `MatterWorkflow` run and
then `MatterWorkflowV2` runs). A request reads only what it returns: it pages through the events
with the raw history RPC (`maximum_page_size` fixed at `PAGE_SIZE`, `next_page_token`), turns
each meaningful event into one `HistoryEntry` (one event gives at most one entry) and stops as
soon as the page is full. The cursor it hands back says exactly where it stopped (run, page token,
next event id) and carries the little the reader must remember across pages (pending timers,
activities, updates and children, the last stage seen), so the next page resumes there without
reading or decoding anything before it.

Payloads are decoded (the data converter's codec decrypts them) only for the events of the page
being returned, and only for the events whose words need them: the start input (actor, policy),
update arguments and results, letter results, child reports, the workflow's result, and the
summaries of the timers and children that the page shows. Everything else is described from the
event's own plain fields (search attributes are not encrypted). Only chosen, PII-free fields are
read from a payload; workflow inputs and letter jobs also carry the borrower's name and id number:
they are never copied into the output. One exception to "no decoding before the page": `offset`
on a v1 run decodes the input of v1 `project` activities it skips, because only their timeline
says whether they make a line (v2 writes its projection as local activities, whose input is not
in the history).

A cursor is URL-safe base64 of zlib-compressed JSON with an HMAC-SHA256 tag (key derived from the
payload encryption key), bound to the workflow id: anything malformed, tampered with, or taken
from another matter's history raises `InvalidCursor`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import json
import logging
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from temporalio.api.common.v1 import Payload, Payloads, WorkflowExecution
from temporalio.api.enums.v1 import EventType, StartChildWorkflowExecutionFailedCause
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    GetWorkflowExecutionHistoryRequest,
    GetWorkflowExecutionHistoryResponse,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.inputs import PROJECT, RENDER_LETTER, STORE_LETTER
from api.schemas import HistoryEntry
from domain.money import Money
from workflows.contracts import (
    LEGACY_WORKFLOW_NAME,
    REFERRAL_WORKFLOW_NAME,
    SIGNAL_CHILD_REPORT,
    UPDATE_DECISION,
    UPDATE_PAYMENT,
    UPDATE_PROMISE,
    UPDATE_RETRY,
    WORKFLOW_NAME,
)

log = logging.getLogger(__name__)

# `maximum_page_size` of every history RPC, fixed so that a cursor's page token always means the
# same page. The server counts it in stored event batches (one workflow task's events are one
# batch): 50 batches are ~140 events, ~35 entries of a matter's history, so a page of 100 entries
# takes three RPCs. Measured on the dev server (api/bench_history.py): an RPC costs ~7 ms plus
# ~0.07 ms per event, and 30-50 gave the fastest pages (10: ~1.5x slower; 200: ~2x slower deep
# in the history, where the page holding the cursor is read again).
PAGE_SIZE = 50
RPC_TIMEOUT = timedelta(seconds=10)
MAX_RUNS = 10_000
CURSOR_MAX_CHARS = 8192  # a cursor is ~0.5-1 KB; anything longer is not one of ours
_MAC_BYTES = 16
_LOCAL_ACTIVITY_MARKER = "core_local_activity"
_CHILD_EXISTS = (
    StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS
)
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


class HistoryNotFound(LookupError):
    """No workflow (or no such run) with this id."""


class InvalidCursor(ValueError):
    """The cursor is malformed, was tampered with, or belongs to another matter's history."""


# ------------------------------------------------------------------------------- the cursor
class _State(BaseModel):
    """What the reader remembers across pages (everything already in plain words)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: str | None = None  # the last MatterStage seen (search attributes carry over runs)
    attention: bool | None = None  # the last NeedsAttention seen
    wf_type: str = ""  # the current run's workflow type
    activities: dict[int, str] = Field(default_factory=dict)  # scheduled event id -> activity type
    timers: dict[str, tuple[str | None, float]] = Field(default_factory=dict)  # id -> (summary, seconds)
    updates: dict[str, tuple[str, str]] = Field(default_factory=dict)  # update id -> (name, actor)
    children: dict[int, tuple[str, str]] = Field(default_factory=dict)  # initiated event id -> (id, label)


class _CursorBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1]
    w: str  # workflow id: a cursor only ever resumes the history it came from
    r: str = Field(min_length=1, max_length=200)  # run id
    n: int = Field(ge=1, le=MAX_RUNS)  # the run's number in the chain (1 = first run)
    t: str = Field(max_length=CURSOR_MAX_CHARS)  # the page token (base64) whose page holds event `e`
    e: int = Field(ge=1)  # the next event id to read in run `r`
    s: _State


@dataclass(frozen=True)
class Position:
    """Where a page starts: run (and its number in the chain), page token, next event id, state."""

    run_id: str
    run_number: int
    token: bytes
    next_event_id: int
    state: _State = field(default_factory=_State)


def cursor_key(secret: bytes) -> bytes:
    """The HMAC key of history cursors, derived from a server secret (the payload encryption key)."""
    return hmac.new(secret, b"recovery/history-cursor/v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(wid: str, pos: Position, key: bytes) -> str:
    """An opaque, URL-safe, signed cursor for `pos` in the history of workflow `wid`."""
    body = _CursorBody(
        v=1,
        w=wid,
        r=pos.run_id,
        n=pos.run_number,
        t=_b64(pos.token),
        e=pos.next_event_id,
        s=pos.state,
    )
    packed = zlib.compress(body.model_dump_json(exclude_defaults=False).encode(), 9)
    mac = hmac.new(key, packed, hashlib.sha256).digest()[:_MAC_BYTES]
    return _b64(mac + packed)


def decode_cursor(cursor: str, wid: str, key: bytes) -> Position:
    """The position a cursor of `encode_cursor` names; `InvalidCursor` when it is not a valid one for `wid`."""
    if not cursor or len(cursor) > CURSOR_MAX_CHARS:
        raise InvalidCursor("not a history cursor")
    try:
        raw = _unb64(cursor)
    except (binascii.Error, ValueError):
        raise InvalidCursor("not a history cursor (bad encoding)") from None
    mac, packed = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
    expected = hmac.new(key, packed, hashlib.sha256).digest()[:_MAC_BYTES]
    if len(mac) < _MAC_BYTES or not hmac.compare_digest(mac, expected):
        raise InvalidCursor("not a history cursor, altered, or issued under another key; start again without it")
    try:
        inflate = zlib.decompressobj()
        text = inflate.decompress(packed, 16 * CURSOR_MAX_CHARS)
        if inflate.unconsumed_tail:
            raise InvalidCursor("not a history cursor (too long)")
        body = _CursorBody.model_validate_json(text)
        token = _unb64(body.t)
    except (zlib.error, ValidationError, binascii.Error, ValueError):
        raise InvalidCursor("not a history cursor (bad content)") from None
    if not hmac.compare_digest(body.w.encode(), wid.encode()):
        raise InvalidCursor("this cursor belongs to another matter's history")
    return Position(run_id=body.r, run_number=body.n, token=token, next_event_id=body.e, state=body.s)


# ----------------------------------------------------------------------------- small helpers
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


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _search_value(payload: Payload) -> Any:
    """A search attribute's value: plain JSON (search attributes are never encrypted)."""
    if payload.metadata.get("encoding") != b"json/plain":
        return None
    try:
        return json.loads(payload.data)
    except ValueError:
        return None


def _failure_type(failure: Any) -> str:
    """The failure's type name, a plain field (its message is encrypted with the payloads)."""
    if failure.HasField("application_failure_info") and failure.application_failure_info.type:
        return str(failure.application_failure_info.type)
    if failure.HasField("timeout_failure_info"):
        return "timeout"
    if failure.HasField("canceled_failure_info"):
        return "canceled"
    return ""


# A line of the page before it has its `event_id`, `run_id`: (kind, what, who, at or None).
_Line = tuple[str, str, str, datetime | None]
# An event's line, rendered only if the event is on the page being returned (may decode payloads).
_Plan = Callable[[], Awaitable[_Line]]
# A summary or actor not decoded yet (the payload), or decoded (text, or None if there is none).
_Later = Payload | Payloads | str | None


class _Reader:
    """Reads the events of one workflow, run after run, in order.

    `see(event)` updates what the reader remembers and says whether the event makes a line (a
    plan), from the event's plain fields only; `plan()` renders the line, decoding what it needs.
    """

    def __init__(self, client: Client, state: _State) -> None:
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

    async def state(self) -> _State:
        """What the next page needs, with every pending summary and actor decoded to words."""
        timers = {tid: (await self._text(summary), seconds) for tid, (summary, seconds) in self.timers.items()}
        updates = {eid: (name, await self._actor(actor)) for eid, (name, actor) in self.updates.items()}
        children = {eid: (wid, await self._label(wid, label)) for eid, (wid, label) in self.children.items()}
        return _State(
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
                return f"Referral {inp['number']} to {inp['firm']}"
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
            firm, n, kind = report.get("firm") or "the firm", report.get("number", "?"), report.get("kind")
            words = {
                "instructed": f"referral {n} instructed to {firm}",
                "reminded": f"{firm} reminded to answer referral {n}",
                "accepted": f"{firm} accepted referral {n}",
                "declined": f"{firm} declined referral {n} (reason recorded)",
                "lapsed": f"{firm} did not answer referral {n} in time",
                "closed": f"referral {n} to {firm} closed",
            }
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
        if name not in (STORE_LETTER, RENDER_LETTER):
            return None

        async def plan() -> _Line:
            ref = await self._first(attrs.result)
            kind, sha = ref.get("kind") or "letter", ref.get("sha256") or "unknown"
            what = f"Letter '{kind}' stored (sha256 {sha}, document {ref.get('document_id')})"
            return "letter_stored", what, "system", None

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

    # ---- child workflows (referrals) ----------------------------------------------------
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


def _command_words(name: str, cmd: dict[str, Any], actor: str) -> str:
    if name == UPDATE_PAYMENT:
        return (
            f"Payment {cmd.get('payment_id')} of {_money(cmd.get('amount'))} received on "
            f"{cmd.get('received_on')} recorded by {actor}"
        )
    if name == UPDATE_PROMISE:
        return (
            f"Promise {cmd.get('promise_id')} to pay {_money(cmd.get('amount'))} by {cmd.get('due_on')} "
            f"recorded by {actor}"
        )
    if name == UPDATE_DECISION:
        if cmd.get("decision") == "escalate":
            firm = cmd.get("firm")
            words = "escalate, referral" + (f" to {firm}" if firm else "")
        else:
            words = f"extend negotiation until {cmd.get('new_end_on')}"
        return f"Legal review decision {cmd.get('decision_id')}: {words}, by {actor}"
    if name == UPDATE_RETRY:
        return f"Retry {cmd.get('retry_id')} of the failed step ordered by {actor}"
    return f"Command '{name}' accepted"


def _outcome_words(name: str, result: dict[str, Any]) -> str:
    if name == UPDATE_PAYMENT:
        pid = result.get("payment_id")
        if result.get("duplicate"):
            return f"Payment {pid} was already recorded: nothing changed"
        alloc = result.get("allocation") or {}
        parts = ", ".join(
            f"{bucket} {_money(alloc[bucket])}"
            for bucket in ("costs", "fees", "penalty", "interest", "principal", "unapplied")
            if _nonzero(alloc.get(bucket))
        )
        what = f"Payment {pid} allocated ({parts or 'nothing'}); outstanding {_money(result.get('outstanding'))}"
        return what + ("; matter paid in full" if result.get("closed") else "")
    if name == UPDATE_PROMISE:
        dup = " (already recorded)" if result.get("duplicate") else ""
        return f"Promise {result.get('promise_id')} registered{dup}; deadline {result.get('deadline')}"
    if name == UPDATE_DECISION:
        dup = " (already applied)" if result.get("duplicate") else ""
        return f"Decision {result.get('decision_id')} applied{dup}; stage now {result.get('stage')}"
    if name == UPDATE_RETRY:
        dup = " (already ordered)" if result.get("duplicate") else ""
        effect = result.get("effect")
        return (
            f"Retry {result.get('retry_id')}{dup}"
            + (f" of '{effect}'" if effect else "")
            + f" started; stage {result.get('stage')}"
        )
    return f"Command '{name}' completed"


_E = EventType
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
_HANDLERS: dict[int, Callable[[_Reader, HistoryEvent], Awaitable[_Plan | None]]] = {
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: _Reader._started,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: _Reader._completed,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: _Reader._continued,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: _Reader._failed,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: _Reader._terminated,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: _Reader._canceled,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED: _Reader._cancel_requested,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: _Reader._timed_out,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: _Reader._signaled,
    _E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: _Reader._search_attributes,
    _E.EVENT_TYPE_MARKER_RECORDED: _Reader._marker,
    _E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: _Reader._activity_scheduled,
    _E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: _Reader._activity_completed,
    _E.EVENT_TYPE_ACTIVITY_TASK_FAILED: _Reader._activity_failed,
    _E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: _Reader._activity_failed,
    _E.EVENT_TYPE_ACTIVITY_TASK_CANCELED: _Reader._activity_canceled,
    _E.EVENT_TYPE_TIMER_STARTED: _Reader._timer_started,
    _E.EVENT_TYPE_TIMER_FIRED: _Reader._timer_fired,
    _E.EVENT_TYPE_TIMER_CANCELED: _Reader._timer_canceled,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: _Reader._update_accepted,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: _Reader._update_completed,
    _E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED: _Reader._update_rejected,
    _E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: _Reader._child_initiated,
    _E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED: _Reader._child_start_failed,
    **{t: _Reader._child_event for t in _CHILD_ATTRS},
    _E.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: _Reader._cancel_external,
}


# ------------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class HistoryPage:
    entries: list[HistoryEntry]
    next: Position | None  # where the next page starts; None: nothing more (for now)
    runs: int  # the number, in the run chain, of the run this page ends in


async def _fetch(client: Client, wid: str, run_id: str, token: bytes, size: int) -> GetWorkflowExecutionHistoryResponse:
    request = GetWorkflowExecutionHistoryRequest(
        namespace=client.namespace,
        execution=WorkflowExecution(workflow_id=wid, run_id=run_id),
        maximum_page_size=size,
        next_page_token=token,
    )
    return await client.workflow_service.get_workflow_execution_history(request, retry=True, timeout=RPC_TIMEOUT)


async def _history_length(client: Client, wid: str, run_id: str) -> int:
    request = DescribeWorkflowExecutionRequest(
        namespace=client.namespace, execution=WorkflowExecution(workflow_id=wid, run_id=run_id)
    )
    response = await client.workflow_service.describe_workflow_execution(request, retry=True, timeout=RPC_TIMEOUT)
    return int(response.workflow_execution_info.history_length)


async def first_position(client: Client, wid: str) -> Position:
    """The start of the history: event 1 of the workflow's first run (`HistoryNotFound` if none)."""
    try:
        response = await _fetch(client, wid, "", b"", 1)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise HistoryNotFound(wid) from None
        raise
    events = response.history.events
    first = events[0].workflow_execution_started_event_attributes.first_execution_run_id if events else ""
    if not first:
        raise HistoryNotFound(wid)
    return Position(run_id=first, run_number=1, token=b"", next_event_id=1)


async def read_history(client: Client, wid: str, start: Position, *, limit: int | None, offset: int = 0) -> HistoryPage:
    """Up to `limit` entries (None: all) from `start`, after skipping `offset` entries undecoded."""
    try:
        return await _read(client, wid, start, limit, offset)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise HistoryNotFound(wid) from None
        raise


async def _read(client: Client, wid: str, start: Position, limit: int | None, skip: int) -> HistoryPage:
    reader = _Reader(client, start.state)
    run_id, runs, token, next_id = start.run_id, start.run_number, start.token, start.next_event_id
    entries: list[HistoryEntry] = []
    # A page token made while the run was open leads only as far as the run stood then. `fresh`:
    # this run's token chain started in this request (with no token), so it reaches the present.
    # A stale chain that runs dry is read again once from the start of the run, skipping by event
    # id (nothing before the cursor is decoded).
    fresh = not token
    while True:
        try:
            response = await _fetch(client, wid, run_id, token, PAGE_SIZE)
        except RPCError as exc:
            if exc.status == RPCStatusCode.INVALID_ARGUMENT and not fresh:
                token, fresh = b"", True  # a token the server no longer takes
                continue
            raise
        events = response.history.events
        if not fresh and events and events[0].event_id > next_id:
            token, fresh = b"", True  # the token no longer leads to the next event
            continue
        last = len(events) - 1
        for i, event in enumerate(events):
            if event.event_id < next_id:
                continue
            next_id = event.event_id + 1
            plan = await reader.see(event)
            if plan is None:
                continue
            if skip:
                skip -= 1
                continue
            kind, what, who, at = await plan()
            entries.append(
                HistoryEntry(
                    at=at or _when(event), event_id=event.event_id, run_id=run_id, kind=kind, what=what, who=who
                )
            )
            if limit is None or len(entries) < limit:
                continue
            if reader.finished:
                return HistoryPage(entries, None, runs)  # the workflow's last event
            if reader.next_run is not None:  # the run's last event: the next page starts the next run
                if runs >= MAX_RUNS:
                    return HistoryPage(entries, None, runs)
                next_run = reader.next_run
                reader.new_run()
                return HistoryPage(entries, Position(next_run, runs + 1, b"", 1, await reader.state()), runs)
            resume = response.next_page_token if i == last and response.next_page_token else token
            return HistoryPage(entries, Position(run_id, runs, resume, next_id, await reader.state()), runs)
        if response.next_page_token:
            token = response.next_page_token
            continue
        if reader.next_run is not None and runs < MAX_RUNS:
            run_id, runs, token, next_id, fresh = reader.next_run, runs + 1, b"", 1, True
            reader.new_run()
            continue
        if reader.closed or fresh:
            return HistoryPage(entries, None, runs)
        if await _history_length(client, wid, run_id) < next_id:
            return HistoryPage(entries, None, runs)  # nothing newer in this run (yet)
        token, fresh = b"", True


async def history_page(
    client: Client, wid: str, *, key: bytes, limit: int, offset: int = 0, cursor: str | None = None
) -> tuple[list[HistoryEntry], str | None, int]:
    """One page of the history: `(entries, next cursor or None, runs)`.

    Starts at `cursor` (from a previous page) or at the beginning, skips `offset` entries without
    decoding them, and returns at most `limit` entries. `runs` is the number, in the chain of runs
    (continue-as-new), of the run the page ends in: with no next cursor, every run there is.
    Raises `InvalidCursor` (checked before Temporal is asked anything) and `HistoryNotFound`.
    """
    start = decode_cursor(cursor, wid, key) if cursor is not None else await first_position(client, wid)
    page = await read_history(client, wid, start, limit=limit, offset=offset)
    next_cursor = None
    if page.next is not None:
        next_cursor = encode_cursor(wid, page.next, key)
        if len(next_cursor) > CURSOR_MAX_CHARS:  # never seen (~1 KB is usual): keep it usable, lose some words
            log.warning("history cursor of %s too long (%d chars): pending items dropped", wid, len(next_cursor))
            lean = page.next.state.model_copy(update={"timers": {}, "updates": {}, "children": {}})
            next_cursor = encode_cursor(wid, dataclasses.replace(page.next, state=lean), key)
    return page.entries, next_cursor, page.runs


async def matter_history(client: Client, wid: str) -> tuple[list[HistoryEntry], int]:
    """Every run's events in order, as plain-words entries; `(entries, runs)` (for tools and tests).

    Raises `HistoryNotFound` when there is no workflow with this id.
    """
    page = await read_history(client, wid, await first_position(client, wid), limit=None)
    return page.entries, page.runs
