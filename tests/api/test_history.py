"""History: the Temporal event history of every run, in plain words, paged, without borrower PII."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.converter import PayloadCodec

from api.history import cursor_key, history_page, matter_history
from domain.matter import MatterIntake
from tests.api.conftest import Stack, eventually
from tests.api.test_commands import FAST, cny
from tests.factories import intake_data
from workflows.contracts import WORKFLOW_NAME, MatterInput, matter_id_for, workflow_id

PII = ("张伟", "110105198001011234", "李娜", "110105198202022345", "13800138000", "zhangwei@example.cn",
       "建国路88号")  # fmt: skip


def assert_no_pii(response: Any) -> None:
    text = response.text + json.dumps(response.json(), ensure_ascii=False)
    for value in PII:
        assert value not in text, f"history leaks {value!r}"


async def _history(stack: Stack, matter_id: str, role: str = "manager", **params: Any) -> Any:
    return await stack.http.get(f"/matters/{matter_id}/history", params=params, headers=stack.auth(role))


async def _pages(stack: Stack, matter_id: str, limit: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every page of `limit` entries, following `next_cursor`: (entries, page bodies)."""
    entries: list[dict[str, Any]] = []
    bodies: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit}
    for _ in range(500):
        r = await _history(stack, matter_id, **params)
        assert r.status_code == 200, r.text
        assert_no_pii(r)
        body = r.json()
        assert body["count"] == len(body["data"]) <= limit
        bodies.append(body)
        entries += body["data"]
        if body["next_cursor"] is None:
            return entries, bodies
        assert len(body["next_cursor"]) < 1500, len(body["next_cursor"])  # fits any URL
        params = {"limit": limit, "cursor": body["next_cursor"]}
    raise AssertionError("paging did not end")


async def _start_fast(stack: Stack, name: str, continue_as_new_after_events: int) -> tuple[str, str]:
    """A `fast` matter started directly, continuing as new every few events: (matter id, first run id)."""
    ref = stack.ref(name)
    intake = MatterIntake.model_validate(intake_data(external_ref=ref, policy="fast"))
    mid = matter_id_for(ref)
    handle = await stack.temporal.start_workflow(
        WORKFLOW_NAME,
        MatterInput(matter_id=mid, intake=intake, policy=FAST, opened_by="can-tester",
                    continue_as_new_after_events=continue_as_new_after_events),
        id=workflow_id(mid),
        task_queue=stack.settings.temporal_task_queue,
    )  # fmt: skip
    return mid, handle.first_execution_run_id or ""


async def _stage_is(stack: Stack, matter_id: str, stage: str) -> bool:
    return await _stage_in(stack, matter_id, (stage,))


async def _stage_in(stack: Stack, matter_id: str, stages: tuple[str, ...]) -> bool:
    r = await stack.http.get(f"/matters/{matter_id}", headers=stack.auth("manager"))
    return r.status_code == 200 and r.json()["stage"] in stages


async def test_history_in_plain_words(stack: Stack) -> None:
    m = await stack.open("hist")
    mid = m["id"]
    h = stack.auth("legal_team")

    async def notice() -> dict[str, Any] | None:
        docs = (await stack.http.get(f"/matters/{mid}/documents", headers=h)).json()["data"]
        return next((d for d in docs if d["kind"] == "collection_notice"), None)

    notice_doc = await eventually(notice)  # paid before the notice goes out, there would be none
    for pid, amount in (("HP1", "100.00"), ("HP2", "19418.00")):
        r = await stack.http.post(f"/matters/{mid}/payments", headers=h,
                                  json={"payment_id": pid, "amount": cny(amount), "received_on": "2026-11-20"})
        assert r.status_code == 201, r.text
    await stack.temporal.get_workflow_handle(workflow_id(mid)).result()

    r = await _history(stack, mid, limit=1000)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["runs"] == 1 and body["count"] == len(body["data"]) and body["next_cursor"] is None
    whats = [e["what"] for e in body["data"]]
    actor = next(e["who"] for e in body["data"] if e["kind"] == "opened")
    assert actor.startswith(stack.key_names["legal_team"])
    assert whats[0] == f"Matter opened by key '{actor}' on policy demo v4"

    assert any(w.startswith(f"Letter 'collection_notice' stored (sha256 {notice_doc['sha256']}") for w in whats)
    assert any(w.startswith("Letter 'closure_letter' stored (sha256 ") for w in whats)
    assert f"Payment HP1 of CNY 100.00 received on 2026-11-20 recorded by {actor}" in whats
    assert any(w.startswith("Payment HP1 allocated (fees CNY 100.00)") for w in whats)
    assert any(w.startswith("Payment HP2 allocated") and w.endswith("matter paid in full") for w in whats)
    assert "Stage now closed" in whats  # (a stage that lasts only while work is in flight is not indexed)
    assert whats[-1] == "Workflow completed: matter closed (paid)"
    payment_line = next(e for e in body["data"] if e["what"].startswith("Payment HP1 of"))
    assert payment_line["who"] == actor and payment_line["kind"] == "command"
    allocated = next(e for e in body["data"] if e["what"].startswith("Payment HP1 allocated"))
    assert allocated["who"] == actor and allocated["kind"] == "command_completed"
    ids = [e["event_id"] for e in body["data"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert_no_pii(r)

    # The default page is 100 entries; `offset` still works (count is the page's own).
    default = (await _history(stack, mid)).json()
    assert default["data"] == body["data"][:100]
    page = (await _history(stack, mid, limit=2, offset=1)).json()
    assert page["data"] == body["data"][1:3] and page["count"] == 2 and page["next_cursor"]
    rest = (await _history(stack, mid, limit=1000, cursor=page["next_cursor"])).json()
    assert rest["data"] == body["data"][3:] and rest["next_cursor"] is None
    for params in ({"limit": 1001}, {"limit": 0}, {"offset": -1}):
        r = await _history(stack, mid, role="legal_team", **params)
        assert r.status_code == 422, (params, r.text)


async def test_history_pages_follow_continue_as_new(stack: Stack) -> None:
    """Pages via `next_cursor` give exactly the entries of one big page, across runs, in order."""
    mid, first_run = await _start_fast(stack, "can", continue_as_new_after_events=12)
    await eventually(lambda: _stage_is(stack, mid, "legal_review"), timeout=30)
    # In legal review the matter waits for a manager: its history stops growing once projected.
    before = await eventually(lambda: _stable_history(stack, mid), timeout=30)

    r = await _history(stack, mid, limit=1000)
    assert r.status_code == 200, r.text
    body = r.json()
    everything = body["data"]
    assert everything == before and body["next_cursor"] is None and body["runs"] >= 2
    run_ids = list(dict.fromkeys(e["run_id"] for e in everything))
    assert run_ids[0] == first_run and len(run_ids) == body["runs"]
    keys = [(e["run_id"], e["event_id"]) for e in everything]
    assert len(set(keys)) == len(keys)
    whats = [e["what"] for e in everything]
    assert whats[0] == "Matter opened by key 'can-tester' on policy fast v1"
    assert any(w.startswith("Continued as new (next run ") for w in whats)
    assert any(w.startswith("New run continued from run ") for w in whats)
    # The SMS step is sent (an activity), whichever run it fell in; a named timer shows the wait it ended.
    assert any(w.startswith("Reminder sent by SMS (message ") for w in whats), whats
    assert any(w.startswith("Timer fired (") for w in whats)
    assert "Stage now legal_review" in whats
    assert_no_pii(r)

    for limit in (1, 3, 7, 20):
        paged, bodies = await _pages(stack, mid, limit)
        assert paged == everything, limit
        runs = [b["runs"] for b in bodies]
        assert runs == sorted(runs) and runs[-1] == body["runs"], runs
        if limit <= 3:  # pages start in more than one run: they crossed continue-as-new boundaries
            assert len({b["data"][0]["run_id"] for b in bodies if b["data"]}) >= 2, (limit, len(everything))
    for offset in (0, 5, len(everything) - 2, len(everything), len(everything) + 3):
        page = (await _history(stack, mid, limit=4, offset=offset)).json()
        assert page["data"] == everything[offset : offset + 4], offset


async def _stable_history(stack: Stack, matter_id: str) -> list[dict[str, Any]] | None:
    first = (await _history(stack, matter_id, limit=1000)).json()["data"]
    await asyncio.sleep(1.0)
    second = (await _history(stack, matter_id, limit=1000)).json()["data"]
    return second if first == second and first else None


async def test_history_cursor_is_checked_after_authorisation(stack: Stack) -> None:
    mid = (await stack.open("cur"))["id"]
    other = (await stack.open("cur-other"))["id"]
    await eventually(lambda: _stage_in(stack, mid, ("notice", "reminders")))

    async def second_page() -> str | None:  # more than two entries: early on the history may hold two
        cursor: str | None = (await _history(stack, mid, limit=2)).json()["next_cursor"]
        return cursor

    cursor = await eventually(second_page)

    def names_cursor(r: Any) -> bool:
        return r.status_code == 422 and any(e["loc"] == ["query", "cursor"] for e in r.json()["detail"])

    flipped = cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:]
    for bad in ("not-a-cursor", "x", "%%%", flipped, cursor[:-4], cursor + "AAAA", "A" * 5000, ""):
        r = await _history(stack, mid, cursor=bad)
        assert names_cursor(r), (bad[:40], r.status_code, r.text)
    r = await _history(stack, other, cursor=cursor)  # another matter's cursor
    assert names_cursor(r), r.text
    # A partner of a firm the matter is not referred to: 404, whatever the cursor.
    for params in ({}, {"cursor": "not-a-cursor"}, {"cursor": cursor}, {"limit": 5000}):
        r = await _history(stack, mid, role="partner_b", **params)
        assert r.status_code == 404, (params, r.text)
    r = await _history(stack, "no-such-matter", cursor="not-a-cursor")
    assert r.status_code == 404, r.text


class CountingCodec(PayloadCodec):
    """The real codec, counting the payloads it decodes."""

    def __init__(self, inner: PayloadCodec) -> None:
        self.inner = inner
        self.decoded = 0

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self.inner.encode(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.decoded += len(payloads)
        return await self.inner.decode(payloads)


async def test_a_page_decodes_only_its_own_payloads(stack: Stack) -> None:
    """A page of 20 deep in a long history decodes a handful of payloads; the history holds hundreds."""
    mid, _ = await _start_fast(stack, "decode", continue_as_new_after_events=60)
    await eventually(lambda: _stage_is(stack, mid, "legal_review"), timeout=30)
    for i in range(25):
        r = await stack.http.post(f"/matters/{mid}/payments", headers=stack.auth("legal_team"),
                                  json={"payment_id": f"DP{i}", "amount": cny("1.00"), "received_on": "2026-11-20"})
        assert r.status_code == 201, r.text
    await eventually(lambda: _stable_history(stack, mid), timeout=30)

    assert stack.temporal.data_converter.payload_codec is not None
    codec = CountingCodec(stack.temporal.data_converter.payload_codec)
    client = Client(stack.temporal.service_client, namespace=stack.temporal.namespace,
                    data_converter=dataclasses.replace(stack.temporal.data_converter, payload_codec=codec))  # fmt: skip
    wid = workflow_id(mid)
    payloads, events, runs = await _payloads_in_history(client, wid)
    everything, all_runs = await matter_history(client, wid)
    assert runs == all_runs >= 2 and len(everything) > 60, (runs, len(everything))

    key = cursor_key(stack.settings.encryption_key_bytes())
    _, cursor, _ = await history_page(client, wid, key=key, limit=40)
    codec.decoded = 0
    page, _, _ = await history_page(client, wid, key=key, limit=20, cursor=cursor)
    assert page == everything[40:60]
    # Each line decodes at most one payload (plus a pending summary or actor carried to the next page).
    assert codec.decoded <= 20 + 3, codec.decoded
    assert codec.decoded * 10 < payloads, (codec.decoded, payloads, events)
    codec.decoded = 0
    await history_page(client, wid, key=key, limit=20, offset=len(everything) - 20)
    assert codec.decoded <= 20 + 3, codec.decoded  # skipping decodes nothing


async def _payloads_in_history(client: Client, wid: str) -> tuple[int, int, int]:
    """(payloads, events, runs) of every run: what reading the whole history decoded before paging."""
    first = None
    async for event in client.get_workflow_handle(wid).fetch_history_events(page_size=1):
        first = event.workflow_execution_started_event_attributes.first_execution_run_id
        break
    payloads = events = runs = 0
    run_id = first
    while run_id:
        runs += 1
        next_run = None
        async for event in client.get_workflow_handle(wid, run_id=run_id).fetch_history_events():
            events += 1
            payloads += _count_payloads(event)
            if event.HasField("workflow_execution_continued_as_new_event_attributes"):
                next_run = event.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
        run_id = next_run
    return payloads, events, runs


def _count_payloads(message: Any) -> int:
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
        else:
            values = list(value)
        count += sum(_count_payloads(v) for v in values if hasattr(v, "ListFields"))
    return count
