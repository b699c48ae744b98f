"""Rotating the payload key on the real Temporal dev server: a running matter outlives its key.

A matter is opened, and pays once, while client and worker encrypt with key A (id `ka`). That
worker stops. A worker and a client configured with key B (`kb`) as the current key and A as an
old key (`RECOVERY_ENCRYPTION_OLD_KEYS`) take over: the worker replays the history A wrote, the
matter takes a second payment, the `snapshot` query answers, and the history reads in plain
words (who opened the matter, who recorded each payment). The history then holds payloads of
both keys. A control with key B alone cannot decode A's payloads: its history has no actor for
the opening, and a worker without the old key cannot replay the matter to answer a query.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError

from activities.matter import MatterActivities
from activities.notify import NotifyActivities
from api.history import matter_history
from domain.money import Money
from settings import Settings
from store.db import make_engine, make_sessionmaker, migrate
from store.evidence import EvidenceStore
from store.policies import get_policy
from tests.conftest import S3Server
from tests.factories import make_intake
from tests.local_mail import LocalMail
from workers.client import connect, open_matter
from workers.codec import ENCODING
from workers.main import build_worker, contact_activities
from workflows.contracts import (
    QUERY_SNAPSHOT,
    UPDATE_PAYMENT,
    MatterSnapshot,
    PaymentCommand,
    PaymentResult,
    workflow_id,
)

pytestmark = pytest.mark.integration


# ---- the internals this test relies on (workers, activities, commands): adapt here ---------------
@asynccontextmanager
async def running_worker(client: Client, settings: Settings) -> AsyncIterator[None]:
    """The matter worker with its real activities (letters in SeaweedFS, projection in SQLite, reminders
    to the test's SMTP server and SMS outbox)."""
    engine = make_engine(settings.db_url)
    try:
        evidence = EvidenceStore.from_settings(settings)
        activities = MatterActivities(make_sessionmaker(engine), evidence)
        notify = NotifyActivities.from_settings(settings, evidence)
        async with build_worker(client, settings.temporal_task_queue, activities, notify=notify,
                                contact=contact_activities(client, settings)):
            yield
    finally:
        await engine.dispose()


async def pay(handle: WorkflowHandle[Any, Any], payment_id: str, amount: str, on: Any) -> PaymentResult:
    """Record a payment through the workflow's update, as the API does."""
    command = PaymentCommand(
        payment_id=payment_id, amount=Money(amount=Decimal(amount), currency="CNY"), received_on=on, actor=ACTOR
    )
    return await handle.execute_update(
        UPDATE_PAYMENT,
        command,
        id=f"payment-{payment_id}",
        result_type=PaymentResult,
        rpc_timeout=timedelta(seconds=30),
    )


async def snapshot(handle: WorkflowHandle[Any, Any]) -> MatterSnapshot:
    return await handle.query(QUERY_SNAPSHOT, result_type=MatterSnapshot, rpc_timeout=timedelta(seconds=15))


async def _with_letter(handle: WorkflowHandle[Any, Any]) -> MatterSnapshot | None:
    """The snapshot once the matter's first letter is stored (its activities ran under this key)."""
    snap = await snapshot(handle)
    return snap if snap.documents else None


# ---------------------------------------------------------------------------------------------------
KEY_A = bytes(range(1, 33))
KEY_B = bytes(range(101, 133))
ACTOR = "rotation-tester (k3y1d)"


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if found := await check():
                return found
        except (RPCError, WorkflowQueryFailedError):  # the first workflow task may not have run yet
            pass
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.25)


async def ready(store: EvidenceStore) -> None:
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


def stack_settings(base: dict[str, Any], key: bytes, key_id: str, old_keys: str | None = None) -> Settings:
    # Built like the processes build theirs: from RECOVERY_* values, validated.
    return Settings(**base, encryption_key=b64(key), encryption_key_id=key_id, encryption_old_keys=old_keys)


async def key_ids_in_history(handle: WorkflowHandle[Any, Any]) -> set[bytes]:
    ids: set[bytes] = set()
    for event in (await handle.fetch_history()).events:
        for payloads in _payload_lists(event):
            ids.update(p.metadata["encryption-key-id"] for p in payloads if p.metadata.get("encoding") == ENCODING)
    return ids


def _payload_lists(event: Any) -> list[Any]:
    kind = event.WhichOneof("attributes")
    attrs = getattr(event, kind)
    if kind == "workflow_execution_started_event_attributes":
        return [attrs.input.payloads]
    if kind == "workflow_execution_update_accepted_event_attributes":
        return [attrs.accepted_request.input.args.payloads]
    if kind == "workflow_execution_update_completed_event_attributes":
        return [attrs.outcome.success.payloads]
    if kind == "activity_task_scheduled_event_attributes":
        return [attrs.input.payloads]
    if kind == "activity_task_completed_event_attributes":
        return [attrs.result.payloads]
    return []


async def test_a_running_matter_survives_a_key_rotation(
    tmp_path: Path,
    temporal_address: str,
    s3_server: S3Server,
    local_mail: LocalMail,
    caplog: pytest.LogCaptureFixture,
) -> None:
    base: dict[str, Any] = dict(
        **local_mail.settings(),
        environment="development",
        var_dir=tmp_path,
        temporal_address=temporal_address,
        temporal_task_queue=f"rotation-{uuid.uuid4()}",
        s3_endpoint_url=s3_server.endpoint_url,
        s3_region=s3_server.region,
        s3_access_key_id=s3_server.access_key,
        s3_secret_access_key=s3_server.secret_key,
        s3_bucket=f"rotation-{uuid.uuid4().hex[:20]}",
        s3_object_lock_mode="GOVERNANCE",
        s3_object_lock_days=1,
        database_url=f"sqlite:///{tmp_path / 'recovery.db'}",
    )
    before = stack_settings(base, KEY_A, "ka")
    after = stack_settings(base, KEY_B, "kb", old_keys=f"ka={b64(KEY_A)}")
    without_old_key = stack_settings(base, KEY_B, "kb")
    assert after.encryption_old_keys_bytes() == {"ka": KEY_A}
    await asyncio.to_thread(migrate, before.db_url)
    await ready(EvidenceStore.from_settings(before))
    intake = make_intake(external_ref=f"ROT-{uuid.uuid4().hex[:12]}", policy="standard")

    # Key A: the matter opens, sends its first letter and takes a payment; then its worker stops.
    client_a = await connect(before, identity="rotation-a")
    async with running_worker(client_a, before):
        matter_id, created = await open_matter(
            client_a, before.temporal_task_queue, intake, get_policy("standard"), actor=ACTOR
        )  # fmt: skip
        assert created
        handle_a = client_a.get_workflow_handle(workflow_id(matter_id))
        snap = await eventually(lambda: _with_letter(handle_a))
        first = await pay(handle_a, "ROT-1", "100.00", snap.policy_today)
        assert not first.duplicate and not first.closed
    assert await key_ids_in_history(handle_a) == {b"ka"}

    # Key B, with A as an old key: the same matter keeps running.
    client_b = await connect(after, identity="rotation-b")
    handle_b = client_b.get_workflow_handle(handle_a.id)
    async with running_worker(client_b, after):
        snap = await snapshot(handle_b)  # the new worker replays A's history to answer
        assert snap.payments == 1 and snap.stage != "closed"
        second = await pay(handle_b, "ROT-2", "200.00", snap.policy_today)
        assert not second.duplicate and not second.closed
        assert second.outstanding.amount == first.outstanding.amount - Decimal("200.00")
        snap = await snapshot(handle_b)
        assert snap.payments == 2 and snap.outstanding == second.outstanding
    assert await key_ids_in_history(handle_b) == {b"ka", b"kb"}  # the rotation really happened

    entries, _ = await matter_history(client_b, handle_b.id)
    opened = next(e for e in entries if e.kind == "opened")
    assert opened.who == ACTOR and "standard" in opened.what, opened
    recorded = {e.what.split()[1]: e.who for e in entries if e.kind == "command"}
    assert recorded == {"ROT-1": ACTOR, "ROT-2": ACTOR}, entries

    # The control: key B alone cannot read what key A wrote.
    client_c = await connect(without_old_key, identity="rotation-control")
    handle_c = client_c.get_workflow_handle(handle_a.id)
    entries, _ = await matter_history(client_c, handle_c.id)
    opened = next(e for e in entries if e.kind == "opened")
    assert opened.who == "system" and ACTOR not in opened.what, opened  # A's start input did not decode
    recorded = {e.what.split()[1]: e.who for e in entries if e.kind == "command"}
    assert recorded == {"None": "system", "ROT-2": ACTOR}, entries  # only B's payment reads
    caplog.clear()
    async with running_worker(client_c, without_old_key):
        with pytest.raises(WorkflowQueryFailedError):
            await snapshot(handle_c)  # a fresh worker must replay A's history to answer, and cannot
    # The query's failure message is itself encrypted; the worker's log says why it failed.
    reasons = [str(r.exc_info[1]) for r in caplog.records if r.exc_info and r.exc_info[1] is not None]
    assert "payload encrypted with unknown key id 'ka'" in reasons, reasons
