"""History pages without servers: the cursor codec, and paging over committed histories.

A fake history service serves the committed replay fixtures (a v1 run that migrated, chained to
a v2 run with two referrals) the way Temporal does: pages of `maximum_page_size` events and an
opaque `next_page_token`. Every page size and every offset must give exactly the entries of one
big page; decoding must stay within the page.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import History, HistoryEvent
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    DescribeWorkflowExecutionResponse,
    GetWorkflowExecutionHistoryRequest,
    GetWorkflowExecutionHistoryResponse,
)
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

from api import history
from api.history import (
    InvalidCursor,
    Position,
    cursor_key,
    decode_cursor,
    encode_cursor,
    history_page,
    matter_history,
)
from api.schemas_evidence import HistoryEntry

HISTORIES = Path(__file__).parent.parent / "histories"
KEY = cursor_key(b"k" * 32)
WID = "matter-hist"
# What the fixtures' intakes say about the borrowers and guarantors (fictional people).
PII = ("张伟", "110105198001011234", "李娜", "110105198202022345", "13800138000", "zhangwei@example.cn",
       "建国路88号", "John Smith", "AB123456C", "+44 7700 900123", "john.smith@example.co.uk", "Baker Street",
       "Jane Doe", "CD654321A")  # fmt: skip


def _events(name: str) -> list[HistoryEvent]:
    return list(WorkflowHistory.from_json(WID, json.loads((HISTORIES / f"{name}.json").read_text())).events)


def _chain() -> dict[str, list[HistoryEvent]]:
    """v1_migrated (run-1, continues as new into v2) then v2_referral_then_paid (run-2)."""
    v1, v2 = _events("v1_migrated"), _events("v2_referral_then_paid")
    v1[0].workflow_execution_started_event_attributes.first_execution_run_id = "run-1"
    assert v1[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    v1[-1].workflow_execution_continued_as_new_event_attributes.new_execution_run_id = "run-2"
    started = v2[0].workflow_execution_started_event_attributes
    started.continued_execution_run_id = started.first_execution_run_id = "run-1"
    return {"run-1": v1, "run-2": v2}


class FakeService:
    """Pages like Temporal: `maximum_page_size` events, an opaque token, NOT_FOUND for unknown runs."""

    # The real server's tokens also pin the run's length at the first page: see `_read`.

    def __init__(self, runs: dict[str, list[HistoryEvent]]) -> None:
        self.runs = runs
        self.calls = 0
        self.describes = 0

    async def get_workflow_execution_history(
        self, req: GetWorkflowExecutionHistoryRequest, retry: bool = False, timeout: Any = None
    ) -> GetWorkflowExecutionHistoryResponse:
        from temporalio.service import RPCError, RPCStatusCode

        self.calls += 1
        run = req.execution.run_id or list(self.runs)[-1]
        if req.execution.workflow_id != WID or run not in self.runs:
            raise RPCError("workflow execution not found", RPCStatusCode.NOT_FOUND, b"")
        # Like Temporal, a token chain stops where the run stood when its first page was read.
        start, pin = 0, len(self.runs[run])
        if req.next_page_token:
            _, start_text, pin_text = req.next_page_token.decode().split("@")
            start, pin = int(start_text), int(pin_text)
        events = self.runs[run][:pin]
        end = start + (req.maximum_page_size or 1000)
        token = f"{run}@{end}@{pin}".encode() if end < len(events) else b""
        return GetWorkflowExecutionHistoryResponse(history=History(events=events[start:end]), next_page_token=token)

    async def describe_workflow_execution(
        self, req: DescribeWorkflowExecutionRequest, retry: bool = False, timeout: Any = None
    ) -> DescribeWorkflowExecutionResponse:
        self.describes += 1
        response = DescribeWorkflowExecutionResponse()
        response.workflow_execution_info.history_length = len(self.runs[req.execution.run_id])
        return response


class CountingCodec(PayloadCodec):
    """Passes payloads through, counting how many were decoded."""

    def __init__(self) -> None:
        self.decoded = 0

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.decoded += len(payloads)
        return list(payloads)


@dataclasses.dataclass
class FakeClient:
    workflow_service: FakeService
    data_converter: DataConverter
    namespace: str = "default"


def _client(runs: dict[str, list[HistoryEvent]] | None = None) -> tuple[Any, CountingCodec]:
    codec = CountingCodec()
    converter = dataclasses.replace(pydantic_data_converter, payload_codec=codec)
    return FakeClient(FakeService(runs or _chain()), converter), codec


async def _all_pages(client: Any, limit: int) -> tuple[list[HistoryEntry], list[int]]:
    entries: list[HistoryEntry] = []
    runs: list[int] = []
    cursor = None
    for _ in range(1000):
        page, cursor, n = await history_page(client, WID, key=KEY, limit=limit, cursor=cursor)
        assert len(page) <= limit
        entries += page
        runs.append(n)
        if cursor is None:
            return entries, runs
    raise AssertionError("paging did not end")


# ------------------------------------------------------------------------------ the cursor
def test_cursor_round_trip() -> None:
    pos = Position("run-1", 2, b"\x00token\xff" * 40, 57)
    cursor = encode_cursor(WID, pos, KEY)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor, WID, KEY) == pos


@pytest.mark.parametrize(
    "cursor",
    ["", "x", "!!!!", "a" * 5000, "AAAA", base64.urlsafe_b64encode(b"\x00" * 64).decode(), "eyJ2IjoxfQ"],
)
def test_malformed_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, WID, KEY)


def test_tampered_cursors_are_refused() -> None:
    cursor = encode_cursor(WID, Position("run-1", 1, b"t", 5), KEY)
    for i in (0, len(cursor) // 2, len(cursor) - 2):
        flipped = cursor[:i] + ("A" if cursor[i] != "A" else "B") + cursor[i + 1 :]
        with pytest.raises(InvalidCursor):
            decode_cursor(flipped, WID, KEY)
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, WID, cursor_key(b"another key"))  # signed under another key
    with pytest.raises(InvalidCursor, match="another matter"):
        decode_cursor(cursor, "matter-other", KEY)


def test_a_forged_cursor_with_a_valid_tag_but_bad_content_is_refused() -> None:
    import hashlib
    import hmac

    for body in (b"not json", json.dumps({"v": 2}).encode(), json.dumps({"v": 1, "w": WID}).encode()):
        packed = zlib.compress(body)
        mac = hmac.new(KEY, packed, hashlib.sha256).digest()[:16]
        with pytest.raises(InvalidCursor):
            decode_cursor(base64.urlsafe_b64encode(mac + packed).decode().rstrip("="), WID, KEY)
    bomb = zlib.compress(b"{" * 10_000_000)
    mac = hmac.new(KEY, bomb, hashlib.sha256).digest()[:16]
    with pytest.raises(InvalidCursor):
        decode_cursor(base64.urlsafe_b64encode(mac + bomb).decode().rstrip("="), WID, KEY)


# ------------------------------------------------------------------------------ the pages
async def test_every_page_size_gives_the_entries_of_one_big_page(monkeypatch: pytest.MonkeyPatch) -> None:
    for page_size in (3, 7, 200):  # history RPC pages smaller and larger than a page of entries
        monkeypatch.setattr(history, "PAGE_SIZE", page_size)
        client, _ = _client()
        everything, runs = await matter_history(client, WID)
        assert runs == 2 and len(everything) > 40
        keys = [(e.run_id, e.event_id) for e in everything]
        assert len(set(keys)) == len(keys) and keys == sorted(keys)
        for limit in (1, 2, 5, 13, 20, 47, 100):
            paged, page_runs = await _all_pages(client, limit)
            assert paged == everything, (page_size, limit)
            assert page_runs == sorted(page_runs) and page_runs[-1] == 2
        for offset in (0, 1, 9, 10, 11, len(everything) - 1, len(everything), len(everything) + 5):
            page, cursor, _ = await history_page(client, WID, key=KEY, limit=10, offset=offset)
            assert page == everything[offset : offset + 10], (page_size, offset)
            if cursor is not None:  # offset and cursor compose: the rest follows
                rest, _, _ = await history_page(client, WID, key=KEY, limit=1000, cursor=cursor)
                assert page + rest == everything[offset:]
            else:
                assert offset + 10 >= len(everything)


async def test_the_words_of_v1_and_v2_events() -> None:
    client, _ = _client()
    entries, _ = await matter_history(client, WID)
    whats = [e.what for e in entries]
    assert whats[0] == "Matter opened by key 'tester' on policy standard v2" and entries[0].who == "tester"
    # v1 (run-1): timeline lines from its projection writes, letters, commands with their actor.
    assert "Collection notice sent" in whats
    assert any(w.startswith("Risk grade D (score 50)") for w in whats)
    assert "Payment P1 of CNY 100.00 received on 2026-12-01 recorded by clerk" in whats
    assert "Payment P1 allocated (fees CNY 100.00); outstanding CNY 19,418.00" in whats
    assert "Continued as new (next run run-2), migrating to workflow v2" in whats
    assert "New run continued from run run-1 (migrated to workflow v2)" in whats
    # v2 (run-2): stages from search attributes, letters, timers' summaries, referrals (children).
    for line in ("Stage now reminders", "Stage now negotiation", "Stage now legal_review", "Stage now closed",
                 "Timer fired (first SMS reminder)", "Timer fired (negotiation window ends)",
                 "Referral 1 to Firm A LLP started", "Referral 1 to Firm A LLP ended (declined)",
                 "Child reported: Firm A LLP declined referral 1 (reason recorded)",
                 "Referral 2 to Firm B LLP started", "Child reported: Firm B LLP accepted referral 2",
                 "Cancellation of Referral 2 to Firm B LLP requested", "Referral 2 to Firm B LLP ended (closed)",
                 "Legal review decision d2: escalate, referral to Firm B LLP, by manager",
                 "Decision d2 applied; stage now referral",
                 "Workflow completed: matter closed (paid)"):  # fmt: skip
        assert line in whats, line
    assert any(w.startswith("Letter 'collection_notice' stored (sha256 35b14f01") for w in whats)
    accepted = next(e for e in entries if e.what.startswith("Child reported: Firm B LLP accepted"))
    assert accepted.who == "partner-b" and accepted.kind == "child_report"
    decided = next(e for e in entries if e.what.startswith("Decision d2 applied"))
    assert decided.who == "manager" and decided.kind == "command_completed"
    assert whats[-1] == "Workflow completed: matter closed (paid)"
    text = json.dumps([e.model_dump(mode="json") for e in entries], ensure_ascii=False)
    for value in PII:
        assert value not in text, f"history leaks {value!r}"


async def test_the_borrowers_contact_budget_says_what_it_deferred_and_counted_never_who() -> None:
    """v2_contact_budget: calls logged, an SMS deferred by the limit, a hold, the SMS sent after it."""
    events = _events("v2_contact_budget")
    events[0].workflow_execution_started_event_attributes.first_execution_run_id = "run-1"
    client, _ = _client({"run-1": events})
    entries, _ = await matter_history(client, WID)
    whats = [e.what for e in entries]
    deferred = [w for w in whats if w.startswith("Contact deferred by the borrower's contact rules to ")]
    assert deferred and "contact attempts per rolling 7 days is reached" in deferred[0]
    counted = [e for e in entries if e.kind == "contact_counted"]
    assert counted and all("across the borrower's matters" in e.what for e in counted)
    text = json.dumps([e.model_dump(mode="json") for e in entries], ensure_ascii=False)
    for value in PII:  # the request carries the borrower's ID number: only the answer is read
        assert value not in text, f"history leaks {value!r}"


async def test_a_page_decodes_only_its_own_events() -> None:
    everything_client, everything_codec = _client()
    everything, _ = await matter_history(everything_client, WID)
    payloads = sum(_payloads(e) for events in _chain().values() for e in events)

    client, codec = _client()
    _, cursor, _ = await history_page(client, WID, key=KEY, limit=30)
    codec.decoded = 0
    page, _, _ = await history_page(client, WID, key=KEY, limit=5, cursor=cursor)
    assert len(page) == 5 and codec.decoded <= 8, codec.decoded  # a page of 5 deep in the history
    # The whole history, read at once, decodes only what its lines need: far less than it holds.
    assert everything_codec.decoded < payloads / 2, (everything_codec.decoded, payloads)
    # Skipping by offset decodes nothing but v1 projection writes (their input says if they make a line).
    v1_writes = sum(
        e.activity_task_scheduled_event_attributes.activity_type.name == "project" for e in _chain()["run-1"]
    )
    codec.decoded = 0
    await history_page(client, WID, key=KEY, limit=1, offset=len(everything) - 1)
    assert codec.decoded == v1_writes + 1, codec.decoded  # + the last line's own (the workflow's result)


def _payloads(message: Any) -> int:
    """Every Payload inside a protobuf message (what the old reader decoded, at most)."""
    if isinstance(message, Payload):
        return 1
    count = 0
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None:
            continue
        if descriptor.message_type.GetOptions().map_entry:
            values = list(value.values())
        elif hasattr(value, "ListFields"):
            values = [value]
        else:  # a repeated field
            values = list(value)
        count += sum(_payloads(v) for v in values if hasattr(v, "ListFields") or isinstance(v, Payload))
    return count


async def test_a_stale_token_is_read_again_from_the_start_of_the_run() -> None:
    """A token that no longer leads to the next event (the server changed): the run is read afresh."""
    client, _ = _client()
    everything, _ = await matter_history(client, WID)
    _, cursor, _ = await history_page(client, WID, key=KEY, limit=20)
    assert cursor is not None
    pos = decode_cursor(cursor, WID, KEY)
    stale = dataclasses.replace(pos, token=f"{pos.run_id}@100000@100000".encode())
    rest, _, _ = await history_page(client, WID, key=KEY, limit=1000, cursor=encode_cursor(WID, stale, KEY))
    assert everything[:20] + rest == everything


async def test_an_open_run_that_grew_after_the_cursor_is_read_to_its_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cursor made while the run was open, used after more events: they are all read."""
    monkeypatch.setattr(history, "PAGE_SIZE", 7)  # so the cursor holds a token (pinned at event 60)
    runs = _chain()
    full = runs["run-2"]
    runs["run-2"] = full[:60]  # the run as it stood
    client, _ = _client(runs)
    first, cursor, _ = await history_page(client, WID, key=KEY, limit=1000)
    assert cursor is None  # nothing more for now
    first, cursor, _ = await history_page(client, WID, key=KEY, limit=len(first) - 1)
    assert cursor is not None
    runs["run-2"] = full  # more events arrived; the cursor's token still stops at event 60
    rest, cursor, _ = await history_page(client, WID, key=KEY, limit=1000, cursor=cursor)
    everything, _ = await matter_history(client, WID)
    assert cursor is None and first + rest == everything
    assert client.workflow_service.describes >= 1  # the dry stale chain asked how long the run is now
