"""How fast `GET /matters/{id}/history` is for a year-long matter: the old full read vs pages.

`python -m api.bench_history` (or `make bench-history`), about a minute on two cores. It starts a
Temporal dev server on free ports in a temporary folder, runs a real worker of the matter workflow
(v2, with the referral child) whose side effects are fakes registered under the same names
(`project`, `store_letter`, `send_email`, `send_sms`), and gives one matter a busy year's worth of
events on a compressed calendar (one policy day is one second): the notice, a reminder ladder on
timers, a negotiation window, legal review, a referral to a firm (child workflow) that accepts,
hundreds of payments and promises, then payment in full and closure; it continues as new every
`--run-events` events.
Payloads are encrypted with the production codec.

Then, in interleaved rounds (a burst of load hits all of them alike), it times:
  (a) the old approach: every run read and every payload decoded (a copy of the function the API
      had before paging, `old_matter_history` below);
  (b) the first page of 100 entries (the new code, as the route calls it);
  (c) a page of 100 deep in the history (at ~3/4), from its cursor;
  (d) the same deep page by `offset` (kept for compatibility: reads, but does not decode, all before);
and prints the events, runs, entries, the median ms per request, the payloads each decoded, and the
median of the per-round ratios against (a).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import hashlib
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.api.common.v1 import Payload, WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.converter import PayloadCodec
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from activities.inputs import (
    PROJECT,
    SEND_EMAIL,
    SEND_SMS,
    STORE_LETTER,
    EmailJob,
    LetterJob,
    MessageSent,
    SmsJob,
    letters_queue,
)
from api.bench_history_baseline import old_matter_history
from api.history import cursor_key, first_position, history_page, matter_history
from domain.evidence import DocumentRef
from domain.matter import MatterIntake
from domain.money import Money
from domain.policy import CommandLimits, EscalationPolicy, LadderStep, ReferralRules
from infra.services import free_port, temporal_service
from settings import Settings
from store.records import ProjectionUpdate
from workers.client import data_converter
from workflows.contracts import (
    QUERY_SNAPSHOT,
    UPDATE_DECISION,
    UPDATE_PAYMENT,
    UPDATE_PROMISE,
    UPDATE_REFERRAL_ANSWER,
    WORKFLOW_NAME,
    DecisionCommand,
    MatterInput,
    MatterSnapshot,
    PaymentCommand,
    PaymentResult,
    PromiseCommand,
    ReferralAnswerCommand,
    matter_id_for,
    referral_workflow_id,
    workflow_id,
)
from workflows.matter.workflow import MatterWorkflow
from workflows.referral import ReferralWorkflow

log = logging.getLogger("bench_history")

FIRM = "Bench Law LLP"
# A year of collection on a compressed calendar: one policy day is one second.
POLICY = EscalationPolicy(
    name="bench",
    version=1,
    description="history benchmark: a year of reminders, a referral, payments and promises",
    day_seconds=1,
    ladder=(
        LadderStep(day=1, channel="sms", name="first SMS reminder"),
        LadderStep(day=2, channel="letter", name="first reminder letter", template="reminder_letter"),
        LadderStep(day=3, channel="email", name="e-mail reminder"),
        LadderStep(day=4, channel="phone_task", name="collector call"),
        LadderStep(day=5, channel="letter", name="second reminder letter", template="reminder_letter"),
    ),
    negotiation_days=2,
    promise_grace_days=0,
    referral=ReferralRules(answer_within_days=3600, remind_after_days=1800),
    limits=CommandLimits(promise_within_days=3650),  # its promises fall due far ahead (one policy day = 1 s)
)


def _out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ------------------------------------------------------------------ fake side effects
@activity.defn(name=PROJECT)
async def project(update: ProjectionUpdate) -> None:
    """The projection write (a local activity of v2): nothing to write here."""


@activity.defn(name=STORE_LETTER)
async def store_letter(job: LetterJob) -> DocumentRef:
    """A letter "stored": a reference like the real one, without rendering."""
    return DocumentRef(
        document_id=job.document_id,
        matter_id=job.matter_id,
        kind=job.kind,
        locale=job.context.locale,
        template_version="bench",
        bucket="bench",
        key=f"letters/{job.document_id}",
        version_id="v1",
        sha256=hashlib.sha256(job.document_id.encode()).hexdigest(),
        size=1,
        created_at=datetime.now(UTC),
    )


def _sent(channel: str, matter_id: str, message_id: str) -> MessageSent:
    return MessageSent(
        channel=channel,  # type: ignore[arg-type]
        matter_id=matter_id,
        message_id=message_id,
        bucket="bench",
        key=f"matters/{matter_id}/messages/{message_id}",
        version_id="v1",
        sha256=hashlib.sha256(message_id.encode()).hexdigest(),
        size=1,
        sent_at=datetime.now(UTC),
        response="250 bench: nothing sent",
        via="bench",
    )


@activity.defn(name=SEND_EMAIL)
async def send_email(job: EmailJob) -> MessageSent:
    """A reminder e-mail "sent": a record like the real one, nothing built, stored or sent."""
    return _sent("email", job.matter_id, job.message_id)


@activity.defn(name=SEND_SMS)
async def send_sms(job: SmsJob) -> MessageSent:
    """A reminder SMS "sent": a record like the real one, nothing sent."""
    return _sent("sms", job.matter_id, job.message_id)


class CountingCodec(PayloadCodec):
    """The production codec, counting the payloads it decodes."""

    def __init__(self, inner: PayloadCodec) -> None:
        self.inner = inner
        self.decoded = 0

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self.inner.encode(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.decoded += len(payloads)
        return await self.inner.decode(payloads)


# ------------------------------------------------------------------ the year-long matter
def _intake(ref: str) -> MatterIntake:
    """A fictional borrower (the history carries it encrypted, as in production)."""
    cny = lambda amount: {"amount": amount, "currency": "CNY"}  # noqa: E731
    return MatterIntake.model_validate({
        "external_ref": ref, "policy": POLICY.name,
        "creditor": {"name": "Example Bank plc", "address": "1 Bank Street, London"},
        "borrower": {"name": "John Smith", "id_number": "AB123456C", "phone": "+44 7700 900123",
                     "address": "221B Baker Street, London", "locale": "en", "timezone": "Europe/London"},
        "contract": {"number": "JK-2024-000123", "signed_on": "2024-03-15", "principal": cny("200000.00"),
                     "annual_rate": "0.0435"},
        "overdue": {"since": "2026-09-01", "principal": cny("18000.00"), "interest": cny("1200.00"),
                    "penalty": cny("218.00"), "fees": cny("100.00")},
    })  # fmt: skip


async def _snapshot(handle: WorkflowHandle[Any, Any]) -> MatterSnapshot:
    return await handle.query(QUERY_SNAPSHOT, result_type=MatterSnapshot)


async def _wait_stage(handle: WorkflowHandle[Any, Any], stage: str, timeout: float = 60) -> MatterSnapshot:
    deadline = time.monotonic() + timeout
    while True:
        snap = await _snapshot(handle)
        if snap.stage == stage:
            return snap
        if time.monotonic() > deadline:
            raise RuntimeError(f"the matter is in {snap.stage!r}, not {stage!r}, after {timeout:.0f} s")
        await asyncio.sleep(0.2)


async def count_events(client: Client, wid: str) -> tuple[int, int]:
    """(events, runs) of every run so far, read raw (nothing decoded)."""
    run_id: str | None = (await first_position(client, wid)).run_id
    events = runs = 0
    while run_id:
        runs += 1
        token, next_run = b"", None
        while True:
            request = GetWorkflowExecutionHistoryRequest(
                namespace=client.namespace, execution=WorkflowExecution(workflow_id=wid, run_id=run_id),
                maximum_page_size=1000, next_page_token=token,
            )  # fmt: skip
            page = await client.workflow_service.get_workflow_execution_history(request)
            events += len(page.history.events)
            for event in page.history.events:
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
                    next_run = event.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
            token = page.next_page_token
            if not token:
                break
        run_id = next_run
    return events, runs


async def build_matter(client: Client, queue: str, events: int, run_events: int) -> str:
    """Drive one matter through its year until its history holds about `events` events; its workflow id."""
    ref = f"BENCH-{uuid.uuid4().hex[:8]}"
    mid = matter_id_for(ref)
    handle = await client.start_workflow(
        WORKFLOW_NAME,
        MatterInput(matter_id=mid, intake=_intake(ref), policy=POLICY, opened_by="bench-clerk",
                    continue_as_new_after_events=run_events),
        id=workflow_id(mid),
        task_queue=queue,
    )  # fmt: skip
    n = 0

    async def pay(amount: str) -> PaymentResult:
        nonlocal n
        n += 1
        cmd = PaymentCommand(payment_id=f"P{n}", amount=Money.of(amount, "CNY"), received_on=datetime.now(UTC).date(),
                             actor="bench-clerk")  # fmt: skip
        return await handle.execute_update(UPDATE_PAYMENT, cmd, id=f"pay-{n}", result_type=PaymentResult)

    # The ladder and the negotiation window run on their timers (a few payments meanwhile).
    for _ in range(5):
        await pay("1.00")
    await _wait_stage(handle, "legal_review")
    # Legal review: refer to a firm (a child workflow), which accepts.
    await handle.execute_update(
        UPDATE_DECISION,
        DecisionCommand(
            decision_id="D1", decision="escalate", firm=FIRM, reason="no answer to the reminders", actor="bench-manager"
        ),
    )
    child = client.get_workflow_handle(referral_workflow_id(mid, 1))
    for _ in range(100):
        try:
            await child.execute_update(
                UPDATE_REFERRAL_ANSWER,
                ReferralAnswerCommand(answer_id="A1", answer="accept", firm=FIRM, actor="bench-partner"),
            )
            break
        except RPCError as exc:  # the child is not started yet
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            await asyncio.sleep(0.1)
    # The rest of the year: instalments and promises (a promise of 3.00, kept by three payments).
    today = (await _snapshot(handle)).policy_today
    started, promises = time.monotonic(), 0
    while True:
        for _ in range(25):
            promises += 1
            await handle.execute_update(UPDATE_PROMISE, PromiseCommand(
                promise_id=f"PR{promises}", amount=Money.of("3.00", "CNY"), due_on=today + timedelta(days=3650),
                actor="bench-clerk"), id=f"promise-{promises}")  # fmt: skip
            for _ in range(3):
                await pay("1.00")
        have, _ = await count_events(client, handle.id)
        _out(f"  {have} events: {n} payments, {promises} promises ({time.monotonic() - started:.0f} s)")
        if have >= events:
            break
    # Paid in full: the closure letter, the referral cancelled, the workflow completes.
    await pay(str((await _snapshot(handle)).outstanding.amount))
    await handle.result()
    return handle.id


# ------------------------------------------------------------------ the measurements
Work = Callable[[], Awaitable[Any]]


async def measure(client: Client, codec: CountingCodec, wid: str, key: bytes, rounds: int) -> None:
    events, runs = await count_events(client, wid)
    everything, _ = await matter_history(client, wid)
    deep = (len(everything) * 3 // 4) // 100 * 100  # a page boundary about 3/4 into the history
    cursor: str | None = None
    for _ in range(deep // 100):
        _, cursor, _ = await history_page(client, wid, key=key, limit=100, cursor=cursor)
    assert cursor is not None
    deep_cursor = cursor
    works: dict[str, Work] = {
        "a": lambda: old_matter_history(client, wid),
        "b": lambda: history_page(client, wid, key=key, limit=100),
        "c": lambda: history_page(client, wid, key=key, limit=100, cursor=deep_cursor),
        "d": lambda: history_page(client, wid, key=key, limit=100, offset=deep),
    }
    labels = {
        "a": "(a) old: read + decode every run",
        "b": "(b) first page of 100",
        "c": f"(c) page of 100 at entry {deep}, by cursor",
        "d": f"(d) page of 100 at entry {deep}, by offset",
    }
    # The pages are the very entries of the full history.
    for name, expected in (("b", everything[:100]), ("c", everything[deep : deep + 100]),
                           ("d", everything[deep : deep + 100])):  # fmt: skip
        page, _, _ = await works[name]()
        assert page == expected, f"({name}) differs from the full history"
    decoded: dict[str, int] = {}
    for name, work in works.items():  # warm-up, and the payloads each request decodes
        codec.decoded = 0
        await work()
        decoded[name] = codec.decoded
    per_round: list[dict[str, float]] = []
    for _ in range(rounds):
        times: dict[str, float] = {}
        for name, work in works.items():
            start = time.perf_counter()
            await work()
            times[name] = (time.perf_counter() - start) * 1000
        per_round.append(times)
    _out(f"history: {events} events in {runs} runs -> {len(everything)} entries; "
         f"medians of {rounds} interleaved rounds")  # fmt: skip
    _out(f"{'request':44} {'ms':>9} {'payloads decoded':>17} {'vs (a)':>9}")
    for name in works:
        ms = statistics.median(r[name] for r in per_round)
        ratio = statistics.median(r["a"] / r[name] for r in per_round)
        _out(f"{labels[name]:44} {ms:9.1f} {decoded[name]:17d} {ratio:8.1f}x")


async def _main(events: int, run_events: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        root = Path(tmp)
        port = free_port()
        server = temporal_service(root, port=port, ui_port=free_port()).start()
        try:
            settings = Settings(
                environment="development", var_dir=root, temporal_address=f"127.0.0.1:{port}",
                encryption_key=base64.b64encode(os.urandom(32)).decode(),
                s3_access_key_id="bench", s3_secret_access_key="bench-secret",
            )  # fmt: skip
            converter = data_converter(settings)
            client = await Client.connect(settings.temporal_address, data_converter=converter)
            queue = f"bench-{uuid.uuid4()}"
            started = time.monotonic()
            _out(f"building a matter of ~{events} events (continue-as-new every {run_events}) ...")
            async with (
                Worker(client, task_queue=queue, workflows=[MatterWorkflow, ReferralWorkflow],
                       activities=[project, send_email, send_sms]),
                Worker(client, task_queue=letters_queue(queue), activities=[store_letter]),
            ):
                wid = await build_matter(client, queue, events, run_events)
            _out(f"built in {time.monotonic() - started:.0f} s")
            assert converter.payload_codec is not None
            codec = CountingCodec(converter.payload_codec)
            reader = Client(client.service_client, namespace=client.namespace,
                            data_converter=dataclasses.replace(converter, payload_codec=codec))  # fmt: skip
            await measure(reader, codec, wid, cursor_key(settings.encryption_key_bytes()), rounds)
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000, help="history events to build (all runs)")
    parser.add_argument("--run-events", type=int, default=1000, help="continue as new after this many events")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved timing rounds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_main(args.events, args.run_events, args.rounds))


if __name__ == "__main__":
    main()
