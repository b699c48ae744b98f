"""Borrower PII never reaches Temporal or the logs in plain text: proven on the real dev server.

One matter runs end to end on the real Temporal dev server, with a real worker (real
activities: letters rendered and stored in SeaweedFS, projection in SQLite), through a client
with the project's data converter. A tiny policy (one policy day = one second) takes it from
intake through a letter step and a negotiation window to `legal_review` in a few seconds;
on the way it gets a payment and a promise whose free-text note names the borrower.

Then the history is read back with a client that has NO codec and searched for the
borrower's name, id number, phone, email and address (raw JSON text, base64-decoded payload
data, every payload of the protobuf). A control decrypts the same payloads with the codec and
must find the name, so the search is known to work. Log records of the whole run (root logger
at DEBUG) and the search attributes are checked too.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowHistory

from activities.matter import MatterActivities
from activities.notify import NotifyActivities
from domain.matter import MatterIntake
from domain.money import Money
from domain.policy import EscalationPolicy, LadderStep
from settings import Settings
from store.db import make_engine, make_sessionmaker, migrate
from store.evidence import EvidenceStore
from tests.conftest import S3Server
from tests.factories import make_intake
from tests.local_mail import LocalMail, serve_local_mail
from workers.client import connect, open_matter
from workers.codec import ENCODING, EncryptionCodec
from workers.main import build_worker, contact_activities
from workflows.contracts import (
    QUERY_SNAPSHOT,
    UPDATE_PAYMENT,
    UPDATE_PROMISE,
    MatterSnapshot,
    PaymentCommand,
    PaymentResult,
    PromiseCommand,
    PromiseResult,
    workflow_id,
)

pytestmark = pytest.mark.integration

TEST_KEY = bytes(range(7, 39))
TEST_KEY_B64 = base64.b64encode(TEST_KEY).decode()
TEST_KEY_ID = "pii-test"

POLICY = EscalationPolicy(
    name="pii-test",
    version=1,
    description="Tiny ladder for the PII test; one policy day is one second.",
    day_seconds=1,
    ladder=(
        LadderStep(day=1, channel="letter", template="reminder_letter", name="reminder letter"),
        LadderStep(day=2, channel="sms", name="sms reminder"),
    ),
    negotiation_days=2,
    promise_grace_days=0,
    dpd_refresh_days=1,
)


def forms(text: str) -> list[bytes]:
    """How `text` can appear in bytes: UTF-8, JSON `\\u` escapes, Python bytes-repr escapes."""
    out = [text.encode(), json.dumps(text)[1:-1].encode(), repr(text.encode())[2:-1].encode()]
    return list(dict.fromkeys(out))


def pii_of(intake: MatterIntake) -> dict[str, str]:
    b = intake.borrower
    values = {"name": b.name, "id_number": b.id_number, "phone": b.phone, "email": b.email, "address": b.address}
    for i, g in enumerate(intake.guarantors):
        values[f"guarantor{i}_name"] = g.name
        values[f"guarantor{i}_id_number"] = g.id_number
    assert all(values.values()), values
    return values  # type: ignore[return-value]


def found_in(data: bytes, pii: dict[str, str]) -> list[str]:
    """Names of the PII fields whose value occurs in `data` in any form."""
    return [label for label, value in pii.items() if any(f in data for f in forms(value))]


def payloads_in(msg: Message) -> Iterator[Payload]:
    """Every `Payload` anywhere inside a protobuf message (repeated fields and maps included)."""
    if isinstance(msg, Payload):
        yield msg
        return
    for fd, value in msg.ListFields():
        if fd.message_type is None:
            continue
        if fd.message_type.GetOptions().map_entry:
            children = [v for v in value.values() if isinstance(v, Message)]
        elif fd.is_repeated:
            children = list(value)
        else:
            children = [value]
        for child in children:
            yield from payloads_in(child)


def json_strings(node: Any) -> Iterator[tuple[str, str]]:
    """(key, value) for every string in a decoded JSON document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str):
                yield k, v
            else:
                yield from json_strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from json_strings(v)


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def record_text(record: logging.LogRecord) -> str:
    """Everything a formatter or a JSON log shipper could print from a record."""
    parts = [record.name, record.getMessage(), repr(record.__dict__)]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


@dataclass
class Run:
    intake: MatterIntake
    pii: dict[str, str]
    workflow_id: str
    address: str
    settings: Settings
    client: Client
    snapshot: MatterSnapshot
    mail: LocalMail  # what the worker sent: e-mails received by the test's SMTP server, the SMS outbox
    records: list[logging.LogRecord] = field(default_factory=list)
    seconds: float = 0.0


async def until_ready(store: EvidenceStore) -> None:
    """A fresh SeaweedFS answers before it accepts writes: retry for a few seconds."""
    deadline = time.monotonic() + 30
    while True:
        try:
            await asyncio.to_thread(store.ensure_bucket)
            await asyncio.to_thread(store.put_document, "ready", b"ok", "text/plain")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


@pytest.fixture(scope="module")
def mail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMail]:
    """The SMTP server and SMS outbox the worker sends reminders to (aiosmtpd's own logger kept at WARNING)."""
    with serve_local_mail(tmp_path_factory.mktemp("pii-mail")) as mail:
        yield mail


@pytest.fixture(scope="module")
async def run(
    tmp_path_factory: pytest.TempPathFactory, temporal_address: str, s3_server: S3Server, mail: LocalMail
) -> AsyncIterator[Run]:
    """One matter, opened and driven to legal_review with PII in a note, every log record kept."""
    var_dir = tmp_path_factory.mktemp("pii")
    settings = Settings(
        **mail.settings(),
        environment="development",
        var_dir=var_dir,
        log_level="DEBUG",
        temporal_address=temporal_address,
        temporal_task_queue=f"pii-{uuid.uuid4()}",
        s3_endpoint_url=s3_server.endpoint_url,
        s3_region=s3_server.region,
        s3_access_key_id=s3_server.access_key,
        s3_secret_access_key=s3_server.secret_key,
        s3_bucket=f"pii-{uuid.uuid4().hex[:20]}",
        s3_object_lock_mode="GOVERNANCE",
        s3_object_lock_days=1,
        database_url=f"sqlite:///{var_dir / 'recovery.db'}",
        encryption_key=TEST_KEY_B64,
        encryption_key_id=TEST_KEY_ID,
    )
    intake = make_intake(external_ref=f"PII-{uuid.uuid4().hex[:12]}", policy=POLICY.name)
    pii = pii_of(intake)

    handler = Collect()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    engine = make_engine(settings.db_url)
    started = time.monotonic()
    try:
        await asyncio.to_thread(migrate, settings.db_url)
        evidence = EvidenceStore.from_settings(settings)
        await until_ready(evidence)
        client = await connect(settings, identity="pii-test")
        activities = MatterActivities(make_sessionmaker(engine), evidence)
        notify = NotifyActivities.from_settings(settings, evidence)
        async with build_worker(client, settings.temporal_task_queue, activities, notify=notify,
                                contact=contact_activities(client, settings)):
            matter_id, created = await open_matter(client, settings.temporal_task_queue, intake, POLICY, actor="tester")
            assert created
            handle = client.get_workflow_handle(workflow_id(matter_id))
            snap = await handle.query(QUERY_SNAPSHOT, result_type=MatterSnapshot)
            name = intake.borrower.name
            paid = await handle.execute_update(
                UPDATE_PAYMENT,
                PaymentCommand(
                    payment_id="P1",
                    amount=Money(amount=Decimal("1000.00"), currency=intake.currency),
                    received_on=snap.policy_today,
                    actor="tester",
                ),
                result_type=PaymentResult,
            )
            assert not paid.duplicate and not paid.closed
            promised = await handle.execute_update(
                UPDATE_PROMISE,
                PromiseCommand(
                    promise_id="PR1",
                    amount=Money(amount=Decimal("5000.00"), currency=intake.currency),
                    due_on=snap.policy_today,
                    note=f"{name} ({intake.borrower.id_number}) called from {intake.borrower.phone}; "
                    f"will pay from {intake.borrower.address}, confirm to {intake.borrower.email}",
                    actor="tester",
                ),
                result_type=PromiseResult,
            )
            assert promised.status == "pending"

            deadline = time.monotonic() + 60
            while True:
                snap = await handle.query(QUERY_SNAPSHOT, result_type=MatterSnapshot)
                if snap.stage == "legal_review":
                    break
                assert time.monotonic() < deadline, f"stuck in {snap.stage}: {snap.next_step}"
                await asyncio.sleep(0.25)
            # The projection's last write for legal_review follows the state change: let it land.
            await asyncio.sleep(1)
        elapsed = time.monotonic() - started
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        await engine.dispose()
    yield Run(intake, pii, handle.id, temporal_address, settings, client, snap, mail, handler.records, elapsed)


# ---- tests -------------------------------------------------------------------------------------
async def test_the_scenario_really_ran(run: Run) -> None:
    snap = run.snapshot
    assert snap.stage == "legal_review"
    assert run.seconds < 30, run.seconds
    assert snap.payments == 1
    assert [p.status for p in snap.promises] == ["broken"]
    assert run.pii["name"] in (snap.promises[0].note or "")  # the note did carry PII
    kinds = sorted(d.kind for d in snap.documents)
    assert kinds == ["collection_notice", "reminder_letter"]


async def raw_history(run: Run) -> WorkflowHistory:
    """The history as anyone with access to the server (or its Web UI) sees it: no codec."""
    plain = await Client.connect(run.address, namespace=run.settings.temporal_namespace)
    return await plain.get_workflow_handle(run.workflow_id).fetch_history()


LOCAL_ACTIVITY_MARKER_KEYS = {"seq", "attempt", "activity_id", "activity_type", "complete_time", "backoff",
                              "original_schedule_time", "activation_index"}
PATCH_MARKER_KEYS = {"id", "deprecated"}  # `workflow.patched`: the patch's name (a constant of the code)


async def test_history_without_the_codec_holds_no_pii(run: Run) -> None:
    history = await raw_history(run)
    assert len(history.events) > 20
    text = history.to_json()
    assert found_in(text.encode(), run.pii) == []

    # Payload bytes are base64 in the JSON: decode every base64-looking string and search it.
    decoded_fields = 0
    for _key, value in json_strings(json.loads(text)):
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        decoded_fields += 1
        assert found_in(raw, run.pii) == [], value[:80]
    assert decoded_fields > 20

    # And the protobuf itself: every payload in every event is encrypted, except search attributes.
    encrypted = 0
    for event in history.events:
        for payload in payloads_in(event):
            assert found_in(payload.SerializeToString(), run.pii) == []
            if payload.metadata.get("encoding") == ENCODING:
                assert payload.metadata["encryption-key-id"] == TEST_KEY_ID.encode()
                encrypted += 1
            else:
                kind = event.WhichOneof("attributes")
                if kind == "marker_recorded_event_attributes":
                    # The SDK's own record of a local activity (ids, attempt, times) or of a patch (its name):
                    # never user data.
                    keys = set(json.loads(payload.data))
                    assert keys <= LOCAL_ACTIVITY_MARKER_KEYS or keys == PATCH_MARKER_KEYS, payload.data
                    continue
                assert kind == "upsert_workflow_search_attributes_event_attributes", (kind, payload)
    assert encrypted >= 10
    assert found_in(history.events[0].SerializeToString(), run.pii) == []


async def test_control_the_same_history_through_the_codec_shows_the_pii(run: Run) -> None:
    """If encryption were off, the checks above would fail: decrypted payloads hold the PII."""
    history = await run.client.get_workflow_handle(run.workflow_id).fetch_history()
    codec = EncryptionCodec(TEST_KEY_ID, TEST_KEY)
    found: set[str] = set()
    for event in history.events:
        payloads = list(payloads_in(event))
        for plain in await codec.decode(payloads):
            found.update(found_in(plain.data, run.pii))
    assert set(run.pii) <= found, set(run.pii) - found
    # The note (free text with PII) is in the update's payload, decrypted.
    notes = []
    for event in history.events:
        if event.HasField("workflow_execution_update_accepted_event_attributes"):
            req = event.workflow_execution_update_accepted_event_attributes.accepted_request
            for plain in await codec.decode(list(req.input.args.payloads)):
                notes.append(plain.data.decode())
    assert any(run.pii["name"] in n for n in notes)


def leaks(records: list[logging.LogRecord], pii: dict[str, str]) -> list[str]:
    out = []
    for record in records:
        hits = found_in(record_text(record).encode(), pii)
        if hits:
            out.append(f"{record.name}:{record.levelname}: {hits}: {record.getMessage()[:160]}")
    return out


def test_no_log_record_at_info_or_above_holds_pii(run: Run) -> None:
    """The default (and production) log level: nothing from any logger names the borrower."""
    assert len(run.records) > 10  # DEBUG really was captured
    assert any(r.name.startswith("activities.") for r in run.records)  # the worker's own logs too
    assert any(r.name.startswith("temporalio") for r in run.records)
    found = leaks([r for r in run.records if r.levelno >= logging.INFO], run.pii)
    assert found == [], "\n".join(found)


def test_no_project_or_sdk_log_record_holds_pii_even_at_debug(run: Run) -> None:
    ours = [r for r in run.records if not r.name.startswith("aiosqlite")]
    found = leaks(ours, run.pii)
    assert found == [], "\n".join(found)


def test_no_log_record_holds_pii_at_debug(run: Run) -> None:
    found = leaks(run.records, run.pii)
    assert found == [], "\n".join(found)


async def test_search_attributes_and_description_hold_no_pii(run: Run) -> None:
    desc: WorkflowExecutionDescription = await run.client.get_workflow_handle(run.workflow_id).describe()
    attrs = {pair.key.name: pair.value for pair in desc.typed_search_attributes}
    names = ("MatterStage", "OverdueSince", "NeedsAttention", "OutstandingAmount", "DaysPastDue")
    custom = {k: v for k, v in attrs.items() if k in names}
    assert set(custom) == {"MatterStage", "OverdueSince", "NeedsAttention", "OutstandingAmount"}
    assert custom["MatterStage"] == "legal_review" and custom["NeedsAttention"] is False
    assert run.snapshot.status is not None and custom["OverdueSince"] == run.snapshot.status.overdue.zero_at
    assert isinstance(custom["OutstandingAmount"], float)
    assert custom["OutstandingAmount"] == float(run.snapshot.outstanding.amount)
    for name, value in attrs.items():
        assert found_in(str(value).encode(), run.pii) == [], name
    # The whole description as the server returns it (memo, pending activities, ...).
    assert found_in(desc.raw_description.SerializeToString(), run.pii) == []
    assert found_in(str(desc.raw_description).encode(), run.pii) == []
    assert found_in(run.workflow_id.encode(), run.pii) == []


def test_the_servers_database_files_hold_no_pii(run: Run, tmp_path_factory: pytest.TempPathFactory) -> None:
    """What lands on the Temporal server's disk (history blobs are protobuf, not compressed)."""
    files = sorted(p for p in Path(tmp_path_factory.getbasetemp()).glob("temporal*/temporal.db*") if p.is_file())
    assert files, "the dev server's SQLite file was not found (see tests/conftest.py temporal_address)"
    data = b"".join(p.read_bytes() for p in files)
    # Control: this run's history is in these files and readable as bytes.
    assert run.workflow_id.encode() in data
    assert TEST_KEY_ID.encode() in data
    assert found_in(data, run.pii) == []
