"""`NotifyActivities.send_email` / `send_sms` against real servers: aiosmtpd and SeaweedFS (and Temporal once).

The SMTP server is a real aiosmtpd on loopback, with the stack's own handler (`infra.smtp_server.Mailbox`,
which keeps each message as a file), taught to refuse some recipients as a real server would. The
evidence store is a real Object-Locked bucket. What this proves:

- the server receives exactly the bytes stored as evidence (same SHA-256), before it is sent;
- a retry sends nothing again: after a recorded send (any worker), after the record's write failed
  (this worker), and for two attempts at once; the one window left (a worker dying between the
  server's acceptance and the record) sends the very same bytes, with the same Message-ID;
- a 5xx refusal is non-retryable (`EmailRejected`), a 4xx, a server away or hung are retried;
- an SMS goes through the local gateway once, its text stored as evidence;
- no log line names an address, a phone number or a borrower;
- a workflow calls them by name on the matters task queue, served by `build_worker(..., notify=...)`.
"""

from __future__ import annotations

import asyncio
import base64
import email
import hashlib
import json
import logging
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from botocore.exceptions import ClientError, EndpointConnectionError
from temporalio import workflow
from temporalio.client import WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.inputs import SEND_EMAIL, SEND_SMS, EmailJob, MessageSent, ReminderFacts, SmsJob
from activities.matter import MatterActivities
from activities.messages import reminder_sms
from activities.notify import (
    LocalSmsGateway,
    NotifyActivities,
    SmsRejected,
    SmtpServer,
    email_key,
    sent_key,
    sms_key,
)
from domain.money import Money
from domain.parties import Locale
from infra.services import free_port
from infra.smtp_server import Mailbox
from settings import Settings
from store.evidence import EvidenceStore
from tests.activities.test_letters import make_store
from tests.conftest import S3Server
from tests.factories import make_intake
from workers.client import connect
from workers.main import build_worker, contact_activities

pytestmark = pytest.mark.integration

SENDER = "recovery@bank.example"


# ---- servers ---------------------------------------------------------------------------------------
class RefusingMailbox(Mailbox):
    """The stack's mailbox, refusing recipients as a real server does: `reject*` for good, `later*` for now."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address.startswith("reject"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address.startswith("later"):
            return f"451 4.3.0 <{address}>: mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        reply = await super().handle_DATA(server, session, envelope)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return reply


@dataclass
class SmtpFixture:
    port: int
    mailbox: RefusingMailbox
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, server_hostname="test-smtp")
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def server(self, timeout: float = 5) -> SmtpServer:
        return SmtpServer(host="127.0.0.1", port=self.port, sender=SENDER, timeout=timeout)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpFixture]:
    fixture = SmtpFixture(free_port(), RefusingMailbox(tmp_path / "mail"))
    fixture.start()
    try:
        yield fixture
    finally:
        fixture.stop()


@pytest.fixture(scope="module")
def evidence(s3_server: S3Server) -> EvidenceStore:
    store = make_store(s3_server, "notify-" + uuid.uuid4().hex[:20])
    deadline = time.monotonic() + 30
    while True:
        try:
            store.ensure_bucket()
            store.put_document("ready", b"ok", "text/plain")
            return store
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# ---- jobs ------------------------------------------------------------------------------------------
def facts(locale: Locale = "zh-CN") -> tuple[ReminderFacts, Any]:
    currency = "CNY" if locale == "zh-CN" else "GBP"
    intake = make_intake(external_ref=f"NT-{uuid.uuid4().hex[:10]}", locale=locale, currency=currency)
    return ReminderFacts.from_intake(intake, reference="RC-NOTIFY-1", outstanding=Money.of("19518.00", currency),
                                     pay_by=date(2026, 10, 8)), intake


def email_job(locale: Locale = "zh-CN", to: str | None = None) -> EmailJob:
    f, intake = facts(locale)
    matter_id = str(uuid.uuid4())
    return EmailJob(matter_id=matter_id, message_id=f"{matter_id}-reminder-1-email", to=to or intake.borrower.email,
                    locale=locale, facts=f, dated=datetime(2026, 10, 1, 0, 30, tzinfo=UTC))


def sms_job(locale: Locale = "zh-CN", to: str | None = None) -> SmsJob:
    f, intake = facts(locale)
    matter_id = str(uuid.uuid4())
    return SmsJob(matter_id=matter_id, message_id=f"{matter_id}-reminder-1-sms", to=to or intake.borrower.phone,
                  locale=locale, facts=f)


def notify(smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path, **server: Any) -> NotifyActivities:
    return NotifyActivities(evidence, smtp.server(**server), LocalSmsGateway(tmp_path / "sms" / "outbox.jsonl"))


async def send(acts: NotifyActivities, job: EmailJob | SmsJob) -> MessageSent:
    if isinstance(job, EmailJob):
        return await ActivityEnvironment().run(acts.send_email, job)
    return await ActivityEnvironment().run(acts.send_sms, job)


def exists(evidence: EvidenceStore, key: str) -> bool:
    try:
        evidence.client.head_object(Bucket=evidence.bucket, Key=key)
    except ClientError:
        return False
    return True


def versions(evidence: EvidenceStore, key: str) -> int:
    listing = evidence.client.list_object_versions(Bucket=evidence.bucket, Prefix=key)
    return len([v for v in listing.get("Versions", []) if v["Key"] == key])


# ---- e-mail ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
async def test_the_server_receives_exactly_the_bytes_kept_as_evidence(
    smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path, locale: Locale
) -> None:
    job = email_job(locale)
    before = datetime.now(UTC)
    sent = await send(notify(smtp, evidence, tmp_path), job)

    assert [(f, t) for f, t, _ in smtp.mailbox.received] == [(SENDER, [job.to])]
    received = smtp.mailbox.received[0][2]
    stored = evidence.get_verified(sent.key, sent.version_id, sent.sha256)  # re-hashed on the way out
    assert received == stored and hashlib.sha256(received).hexdigest() == sent.sha256 and sent.size == len(received)
    kept = sorted((tmp_path / "mail").glob("*.eml"))  # the stack's mailbox file: the same bytes again
    assert len(kept) == 1 and kept[0].read_bytes() == stored
    assert (sent.channel, sent.matter_id, sent.message_id, sent.via, sent.already_sent) == (
        "email", job.matter_id, job.message_id, "smtp", False)
    assert (sent.bucket, sent.key) == (evidence.bucket, email_key(job.matter_id, job.message_id))
    assert sent.response == f"250 2.0.0 Ok: kept as {kept[0].name}"
    assert before <= sent.sent_at <= datetime.now(UTC)
    message = email.message_from_bytes(received, policy=policy.default)
    # (A long Message-ID is folded onto its own line, as RFC 5322 allows: the value is what follows.)
    assert message["Message-ID"].strip() == f"<{job.message_id}@bank.example>"
    assert message["Date"].datetime == job.dated
    body = message.get_content()
    assert job.facts.borrower_name in body and job.facts.reference in body
    b = make_intake(locale=locale).borrower
    assert b.id_number not in received.decode("ascii") and b.id_number not in body
    # The send record: write-once evidence that (and when) the server took it.
    record = json.loads(evidence.get_verified(sent_key(job.matter_id, job.message_id), None,
                                              _sha_of(evidence, sent_key(job.matter_id, job.message_id))))
    assert record["sha256"] == sent.sha256 and record["to"] == job.to and record["response"] == sent.response


def _sha_of(evidence: EvidenceStore, key: str) -> str:
    head = evidence.client.head_object(Bucket=evidence.bucket, Key=key, ChecksumMode="ENABLED")
    return base64.b64decode(head["ChecksumSHA256"]).hex()


async def test_a_retry_after_the_send_sends_nothing_again_whichever_worker_runs_it(
    smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path
) -> None:
    job = email_job()
    first = await send(notify(smtp, evidence, tmp_path), job)
    again = await send(notify(smtp, evidence, tmp_path), job)  # another worker process: only S3 in common
    assert len(smtp.mailbox.received) == 1
    assert again.already_sent and again.model_copy(update={"already_sent": False}) == first
    assert versions(evidence, first.key) == 1 and versions(evidence, sent_key(job.matter_id, job.message_id)) == 1


async def test_two_attempts_at_once_in_one_worker_send_once(
    smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path
) -> None:
    """A timed-out attempt may still be running when its retry starts on the same worker."""
    job, acts = email_job(), notify(smtp, evidence, tmp_path)
    results = await asyncio.gather(send(acts, job), send(acts, job))
    assert len(smtp.mailbox.received) == 1
    assert sorted(r.already_sent for r in results) == [False, True]
    assert len({r.sha256 for r in results}) == 1 and not acts._turns


async def test_a_retry_after_the_record_could_not_be_stored_does_not_send_again(
    smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job, acts = email_job(), notify(smtp, evidence, tmp_path)
    real_put, failures = evidence.put_document, list[str]()

    def put(key: str, *args: Any, **kwargs: Any) -> Any:
        if key.endswith(".sent.json") and not failures:  # S3 away just after the server took the mail
            failures.append(key)
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
        return real_put(key, *args, **kwargs)

    monkeypatch.setattr(evidence, "put_document", put)
    with pytest.raises(EndpointConnectionError):
        await send(acts, job)
    assert len(smtp.mailbox.received) == 1 and not exists(evidence, sent_key(job.matter_id, job.message_id))
    retried = await send(acts, job)  # Temporal's retry, on this worker
    assert len(smtp.mailbox.received) == 1 and retried.already_sent
    assert exists(evidence, sent_key(job.matter_id, job.message_id)) and not acts._unrecorded


async def test_the_one_window_left_resends_the_very_same_bytes(
    smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that dies between the server's acceptance and the record: the retry (another worker)
    cannot know, so it sends again (at least once, see activities/notify.py): identical bytes, same
    Message-ID, so the receiving side can drop the duplicate."""
    job = email_job()
    real_put = evidence.put_document

    def put(key: str, *args: Any, **kwargs: Any) -> Any:
        if key.endswith(".sent.json"):
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
        return real_put(key, *args, **kwargs)

    monkeypatch.setattr(evidence, "put_document", put)
    with pytest.raises(EndpointConnectionError):
        await send(notify(smtp, evidence, tmp_path), job)
    monkeypatch.setattr(evidence, "put_document", real_put)
    sent = await send(notify(smtp, evidence, tmp_path), job)  # a new process: the first one died
    assert not sent.already_sent
    first, second = (content for _, _, content in smtp.mailbox.received)
    assert first == second and hashlib.sha256(first).hexdigest() == sent.sha256


async def test_a_permanent_refusal_is_non_retryable_and_names_no_address(
    smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path
) -> None:
    job = email_job(to="reject.zhangwei@example.cn")
    with pytest.raises(ApplicationError) as err:
        await send(notify(smtp, evidence, tmp_path), job)
    assert err.value.type == "EmailRejected" and err.value.non_retryable
    assert "550" in str(err.value) and "zhangwei" not in str(err.value)
    assert smtp.mailbox.received == [] and not exists(evidence, sent_key(job.matter_id, job.message_id))
    assert exists(evidence, email_key(job.matter_id, job.message_id))  # what was tried is kept; never "sent"


async def test_a_temporary_refusal_is_retried(smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path) -> None:
    with pytest.raises(ApplicationError) as err:
        await send(notify(smtp, evidence, tmp_path), email_job(to="later.zhangwei@example.cn"))
    assert err.value.type == "EmailDeferred" and not err.value.non_retryable and "451" in str(err.value)
    assert "zhangwei" not in str(err.value)


async def test_the_server_down_is_retried_and_the_retry_sends_once_it_is_back(
    evidence: EvidenceStore, tmp_path: Path
) -> None:
    down = SmtpFixture(free_port(), RefusingMailbox(tmp_path / "mail"))  # nothing listens yet
    acts, job = notify(down, evidence, tmp_path), email_job()
    with pytest.raises(ApplicationError) as err:
        await send(acts, job)
    assert err.value.type == "SmtpUnavailable" and not err.value.non_retryable
    assert exists(evidence, email_key(job.matter_id, job.message_id))  # stored first, then sent
    down.start()
    try:
        sent = await send(acts, job)
    finally:
        down.stop()
    assert not sent.already_sent and len(down.mailbox.received) == 1
    assert hashlib.sha256(down.mailbox.received[0][2]).hexdigest() == sent.sha256


async def test_a_server_that_never_answers_times_out_and_is_retried(
    smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path
) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does), never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        hung = SmtpFixture(silent.getsockname()[1], smtp.mailbox)
        started = time.monotonic()
        with pytest.raises(ApplicationError) as err:
            await send(notify(hung, evidence, tmp_path, timeout=0.5), email_job())
    assert err.value.type == "SmtpUnavailable" and not err.value.non_retryable
    assert time.monotonic() - started < 10


async def test_what_cannot_be_sent_is_refused_before_anything_is_stored(
    smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path
) -> None:
    acts = notify(smtp, evidence, tmp_path)
    job = email_job(to="zhang wei at example.cn")
    with pytest.raises(ApplicationError) as err:
        await send(acts, job)
    assert err.value.type == "EmailInvalid" and err.value.non_retryable and "zhang" not in str(err.value)
    assert not exists(evidence, email_key(job.matter_id, job.message_id))
    with pytest.raises(ApplicationError) as err:
        await send(acts, email_job().model_copy(update={"message_id": "../other-matter/x"}))
    assert err.value.type == "MessageInvalid" and err.value.non_retryable
    assert smtp.mailbox.received == []


async def test_other_bytes_under_a_sent_messages_identity_are_a_conflict_nothing_is_sent(
    smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path
) -> None:
    job, acts = email_job(), notify(smtp, evidence, tmp_path)
    await send(acts, job)
    changed = job.model_copy(update={"facts": job.facts.model_copy(update={"pay_by": date(2026, 10, 9)})})
    with pytest.raises(ApplicationError) as err:
        await send(acts, changed)
    assert err.value.type == "EvidenceConflict" and err.value.non_retryable
    assert len(smtp.mailbox.received) == 1


# ---- SMS -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
async def test_an_sms_is_kept_as_evidence_and_recorded_once_by_the_local_gateway(
    smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path, locale: Locale
) -> None:
    job, acts = sms_job(locale), notify(smtp, evidence, tmp_path)
    sent = await send(acts, job)
    text = reminder_sms(job.facts, job.locale)
    assert evidence.get_verified(sent.key, sent.version_id, sent.sha256) == text.encode("utf-8")
    assert (sent.channel, sent.via, sent.key) == ("sms", "local", sms_key(job.matter_id, job.message_id))
    assert "not sent" in sent.response and not sent.already_sent
    again = await send(notify(smtp, evidence, tmp_path), job)
    assert again.already_sent and again.sha256 == sent.sha256
    outbox = [json.loads(line) for line in (tmp_path / "sms" / "outbox.jsonl").read_text("utf-8").splitlines()]
    assert [(e["message_id"], e["to"], e["text"]) for e in outbox] == [(job.message_id, job.to, text)]


async def test_sms_failures(smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path) -> None:
    with pytest.raises(ApplicationError) as err:
        await send(notify(smtp, evidence, tmp_path), sms_job(to="call me maybe"))
    assert err.value.type == "SmsInvalid" and err.value.non_retryable

    class Gateway:
        kind = "flaky"

        def __init__(self, error: Exception | None) -> None:
            self.error, self.sent = error, 0

        def send(self, *, message_id: str, to: str, text: str) -> str:
            if self.error is not None:
                raise self.error
            self.sent += 1
            return "accepted id 42"

    refused = NotifyActivities(evidence, smtp.server(), Gateway(SmsRejected("number opted out")))
    with pytest.raises(ApplicationError) as err:
        await send(refused, sms_job())
    assert err.value.type == "SmsRejected" and err.value.non_retryable
    gateway = Gateway(ConnectionResetError("gateway for 13800138000 reset the connection"))
    flaky, job = NotifyActivities(evidence, smtp.server(), gateway), sms_job()
    with pytest.raises(ApplicationError) as err:
        await send(flaky, job)
    assert err.value.type == "SmsGatewayUnavailable" and not err.value.non_retryable
    assert "13800138000" not in str(err.value)
    gateway.error = None
    sent = await send(flaky, job)
    assert (sent.via, sent.response, gateway.sent) == ("flaky", "accepted id 42", 1)


# ---- PII -------------------------------------------------------------------------------------------
async def test_no_log_line_names_an_address_a_phone_or_a_borrower(
    smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    acts = notify(smtp, evidence, tmp_path)
    job, text_job = email_job(), sms_job()
    await send(acts, job)
    await send(acts, job)
    await send(acts, text_job)
    for bad in (email_job(to="reject.zhangwei@example.cn"), email_job(to="later.zhangwei@example.cn")):
        with pytest.raises(ApplicationError):
            await send(acts, bad)
    ours = [r for r in caplog.records if r.name.startswith(("activities", "infra", "recovery"))]
    assert len(ours) >= 4  # the sends and refusals were logged ...
    logged = "\n".join(r.getMessage() for r in ours)
    b = make_intake().borrower
    for private in (b.name, b.id_number, b.email, b.phone, "zhangwei", text_job.to, job.facts.borrower_name):
        assert private and private not in logged, private  # ... without naming anyone


# ---- through Temporal ------------------------------------------------------------------------------
@workflow.defn(name="notify-test-caller")
class SendReminder:
    """How a workflow calls the activities: by name, on the matters task queue, with timeouts and a bounded retry."""

    @workflow.run
    async def run(self, job: EmailJob) -> MessageSent:
        return await workflow.execute_activity(
            SEND_EMAIL, job, result_type=MessageSent,
            task_queue=workflow.info().task_queue.removesuffix("-caller"),
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RetryPolicy(maximum_attempts=3, initial_interval=timedelta(milliseconds=100)),
        )


async def test_a_workflow_sends_by_name_on_the_matters_task_queue(
    smtp: SmtpFixture, evidence: EvidenceStore, tmp_path: Path, temporal_address: str
) -> None:
    assert SEND_SMS == "send_sms" and SEND_EMAIL == "send_email"
    queue = f"notify-{uuid.uuid4().hex[:8]}"
    settings = Settings(temporal_address=temporal_address, temporal_task_queue=queue, var_dir=tmp_path,
                        encryption_key=base64.b64encode(bytes(range(32))).decode(), encryption_key_id="notify")
    client = await connect(settings)
    acts = notify(smtp, evidence, tmp_path)
    matter = MatterActivities(sessions=None, evidence=evidence)  # type: ignore[arg-type]
    caller = Worker(client, task_queue=f"{queue}-caller", workflows=[SendReminder],
                    workflow_runner=UnsandboxedWorkflowRunner())
    async with build_worker(client, queue, matter, role="workflows", sandbox=False, notify=acts,
                            contact=contact_activities(client, settings)), caller:
        job = email_job()
        sent = await client.execute_workflow(SendReminder.run, job, id=f"notify-{job.message_id}",
                                             task_queue=f"{queue}-caller")
        assert sent.message_id == job.message_id and len(smtp.mailbox.received) == 1
        assert hashlib.sha256(smtp.mailbox.received[0][2]).hexdigest() == sent.sha256

        refused = email_job(to="reject.zhangwei@example.cn")
        with pytest.raises(WorkflowFailureError) as err:
            await client.execute_workflow(SendReminder.run, refused, id=f"notify-{refused.message_id}",
                                          task_queue=f"{queue}-caller")
    cause = err.value.cause
    assert isinstance(cause, ActivityError) and isinstance(cause.cause, ApplicationError)
    assert cause.cause.type == "EmailRejected" and cause.cause.non_retryable
    assert cause.retry_state is not None and cause.retry_state.name == "NON_RETRYABLE_FAILURE"
