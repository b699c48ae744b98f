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

import dataclasses
import logging
from dataclasses import dataclass
from datetime import timedelta

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    GetWorkflowExecutionHistoryRequest,
    GetWorkflowExecutionHistoryResponse,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.history_cursor import (
    CURSOR_MAX_CHARS,
    MAX_RUNS,
    InvalidCursor,
    Position,
    ReaderState,
    cursor_key,
    decode_cursor,
    encode_cursor,
)
from api.history_reader import Reader
from api.history_words import _when
from api.schemas_evidence import HistoryEntry

__all__ = ["CURSOR_MAX_CHARS", "PAGE_SIZE", "HistoryNotFound", "HistoryPage", "InvalidCursor", "Position",
           "ReaderState", "cursor_key", "decode_cursor", "encode_cursor", "first_position", "history_page",
           "matter_history", "read_history"]

log = logging.getLogger(__name__)

# `maximum_page_size` of every history RPC, fixed so that a cursor's page token always means the
# same page. The server counts it in stored event batches (one workflow task's events are one
# batch): 50 batches are ~140 events, ~35 entries of a matter's history, so a page of 100 entries
# takes three RPCs. Measured on the dev server (api/bench_history.py): an RPC costs ~7 ms plus
# ~0.07 ms per event, and 30-50 gave the fastest pages (10: ~1.5x slower; 200: ~2x slower deep
# in the history, where the page holding the cursor is read again).
PAGE_SIZE = 50
RPC_TIMEOUT = timedelta(seconds=10)


class HistoryNotFound(LookupError):
    """No workflow (or no such run) with this id."""


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
    reader = Reader(client, start.state)
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
