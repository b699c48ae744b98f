"""A harness for the matter workflows on the time-skipping server, with fake activities.

The fakes are same-named activities that record what the workflows asked for; the real
activities are proven against real servers in tests/activities, tests/api and tests/integration.
`Recorder.fail_letters` makes the letter activity fail (non-retryable, or for ever retryable) to
exercise `needs_attention`; `Recorder.project_delay` slows the projection write.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from activities.contact import ContactActivities
from activities.inputs import (
    MAKE_INSTRUCTION_BUNDLE,
    PROJECT,
    RENDER_LETTER,
    SEND_EMAIL,
    SEND_FIRM_EMAIL,
    SEND_SMS,
    STORE_LETTER,
    BundleJob,
    BundleRef,
    EmailJob,
    FirmEmailJob,
    LetterJob,
    LetterRequest,
    MessageSent,
    SmsJob,
    letters_queue,
)
from domain.evidence import DocumentRef
from domain.money import Money
from store.policies import get_policy
from store.records import ProjectionUpdate
from tests.factories import make_intake
from workers.main import WORKFLOWS, Workers
from workflows.contracts import (
    QUERY_SNAPSHOT,
    UPDATE_PAYMENT,
    MatterInput,
    MatterSnapshot,
    PaymentCommand,
    PaymentResult,
)
from workflows.matter.workflow import MatterWorkflow


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def fake_ref(document_id: str, matter_id: str, kind: str, locale: str,
             created_at: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> DocumentRef:
    return DocumentRef(
        document_id=document_id, matter_id=matter_id, kind=kind, locale=locale, template_version="1-test",
        bucket="b", key=f"k/{document_id}", version_id="v1", sha256=hashlib.sha256(document_id.encode()).hexdigest(),
        size=1, created_at=created_at,
    )


class Recorder:
    """Fake activities: remember letters and projection batches."""

    def __init__(self) -> None:
        self.jobs: list[LetterJob] = []
        self.legacy_letters: list[LetterRequest] = []
        self.updates: list[ProjectionUpdate] = []
        # None: letters succeed; "TemplateError" etc.: non-retryable failure of that type;
        # "transient": a retryable failure (every attempt).
        self.fail_letters: str | None = None
        self.letter_attempts = 0
        self.project_delay: float = 0.0  # seconds, on the first projection write only
        self.project_delay_each: float = 0.0  # seconds, on every projection write
        self.fail_projection = False
        self.messages: list[EmailJob | SmsJob] = []
        self.refuse_messages: str | None = None  # e.g. "EmailRejected": every message refused for good
        self.bundles: list[BundleJob] = []
        self.fail_bundles: str | None = None  # e.g. "EvidenceTampered": non-retryable; "NotProjected": retryable
        self.firm_emails: list[FirmEmailJob] = []
        self.contact: ContactActivities | None = None  # set by `workers`

    def activities(self) -> tuple[list[Callable[..., Any]], list[Callable[..., Any]]]:
        @activity.defn(name=STORE_LETTER)
        async def store_letter(job: LetterJob) -> DocumentRef:
            self.letter_attempts += 1
            if self.fail_letters == "transient":
                raise ApplicationError("S3 is down", type="EndpointConnectionError")
            if self.fail_letters is not None:
                raise ApplicationError(f"{self.fail_letters} for {job.kind}", type=self.fail_letters,
                                       non_retryable=True)
            self.jobs.append(job)
            # Stored when it was made: the letter's own date (noon UTC, the same day in Asia/Shanghai).
            stored_at = datetime.combine(job.context.letter_date, datetime.min.time(), UTC) + timedelta(hours=4)
            return fake_ref(job.document_id, job.matter_id, job.kind, job.context.locale, stored_at)

        @activity.defn(name=RENDER_LETTER)
        async def render(req: LetterRequest) -> DocumentRef:
            self.legacy_letters.append(req)
            return fake_ref(req.document_id, req.matter_id, req.kind, req.intake.borrower.locale)

        @activity.defn(name=PROJECT)
        async def project(update: ProjectionUpdate) -> None:
            if self.fail_projection:
                raise RuntimeError("database down")
            if self.project_delay and not self.updates:
                await asyncio.sleep(self.project_delay)
            if self.project_delay_each:
                await asyncio.sleep(self.project_delay_each)
            self.updates.append(update)

        @activity.defn(name=SEND_EMAIL)
        async def send_email(job: EmailJob) -> MessageSent:
            return self._sent("email", job)

        @activity.defn(name=SEND_SMS)
        async def send_sms(job: SmsJob) -> MessageSent:
            return self._sent("sms", job)

        @activity.defn(name=MAKE_INSTRUCTION_BUNDLE)
        async def make_instruction_bundle(job: BundleJob) -> BundleRef:
            if self.fail_bundles is not None:
                raise ApplicationError(f"{self.fail_bundles} in the bundle", type=self.fail_bundles,
                                       non_retryable=self.fail_bundles != "NotProjected")
            self.bundles.append(job)
            sha = hashlib.sha256(f"{job.matter_id}-{job.number}".encode()).hexdigest()
            return BundleRef(bundle_id=f"R{job.number}-{sha[:16]}", bucket="b", key=f"b/{sha}", version_id="v1",
                             sha256=sha, size=1234, item_count=3)

        @activity.defn(name=SEND_FIRM_EMAIL)
        async def send_firm_email(job: FirmEmailJob) -> MessageSent:
            if self.refuse_messages is not None:
                raise ApplicationError(f"{self.refuse_messages}: recipient refused", type=self.refuse_messages,
                                       non_retryable=True)
            self.firm_emails.append(job)
            return MessageSent(channel="email", matter_id=job.matter_id, message_id=job.message_id, bucket="b",
                               key=f"m/{job.message_id}", version_id="v1",
                               sha256=hashlib.sha256(job.message_id.encode()).hexdigest(), size=1,
                               sent_at=datetime(2026, 1, 1, tzinfo=UTC), response="250 ok", via="test")

        return [project, render, send_email, send_sms, make_instruction_bundle, send_firm_email], [store_letter]

    def _sent(self, channel: str, job: EmailJob | SmsJob) -> MessageSent:
        if self.refuse_messages == "SmtpUnavailable":  # the server down: retryable, every attempt
            raise ApplicationError("the SMTP server cannot be reached: ConnectionRefusedError", type="SmtpUnavailable")
        if self.refuse_messages is not None:
            raise ApplicationError(f"{self.refuse_messages}: recipient refused", type=self.refuse_messages,
                                   non_retryable=True)
        self.messages.append(job)
        return MessageSent(channel=channel, matter_id=job.matter_id, message_id=job.message_id, bucket="b",  # type: ignore[arg-type]
                           key=f"m/{job.message_id}", version_id="v1",
                           sha256=hashlib.sha256(job.message_id.encode()).hexdigest(), size=1,
                           sent_at=datetime(2026, 1, 1, tzinfo=UTC), response="250 ok", via="test")

    @property
    def events(self) -> list[Any]:
        return [e for u in self.updates for e in u.events]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    def statuses(self) -> list[Any]:
        return [u.status for u in self.updates if u.status is not None]


@asynccontextmanager
async def workers(client: Client, queue: str, rec: Recorder, workflows: list[type] | None = None,
                  cache: bool = True) -> AsyncIterator[Workers]:
    """Workers for `queue` and its letters queue. `cache=False`: no sticky queue, so another worker can
    take over the workflows as soon as this one stops (the test server does not time sticky queues out)."""
    matter_acts, letter_acts = rec.activities()
    # The real contact budget: one borrower workflow per person on this test server.
    rec.contact = ContactActivities(client, b"test-borrower-key", queue)
    matter_acts = [*matter_acts, rec.contact.reserve_contact]
    failures = _TaskFailures()
    logging.getLogger("temporalio.worker").addHandler(failures)
    ws = Workers([
        Worker(client, task_queue=queue, workflows=workflows or list(WORKFLOWS), activities=matter_acts,
               max_cached_workflows=1000 if cache else 0),
        Worker(client, task_queue=letters_queue(queue), activities=letter_acts),
    ])
    try:
        async with ws:
            yield ws
    finally:
        logging.getLogger("temporalio.worker").removeHandler(failures)
    # A workflow task that fails (a bug, a deadlock) is retried for ever: never acceptable.
    assert not failures.messages, failures.messages[:3]


class _TaskFailures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "Failed activation" in record.getMessage() or "Failed handling activation" in record.getMessage():
            self.messages.append(record.getMessage() + (f" {record.exc_info[1]!r}" if record.exc_info else ""))


def matter_input(policy: str = "standard", matter_id: str | None = None, **kw: Any) -> MatterInput:
    intake_kw = kw.pop("intake", {})
    return MatterInput(matter_id=matter_id or str(uuid.uuid4()), intake=make_intake(policy=policy, **intake_kw),
                       policy=get_policy(policy), opened_by="tester", **kw)


async def start(client: Client, queue: str, inp: MatterInput) -> WorkflowHandle[Any, Any]:
    handle = await client.start_workflow(MatterWorkflow.run, inp, id=f"matter-{inp.matter_id}", task_queue=queue)
    # Unpinned: queries and updates go to the latest run, across continue-as-new.
    return client.get_workflow_handle_for(MatterWorkflow.run, handle.id)


async def snap(h: WorkflowHandle[Any, Any]) -> MatterSnapshot:
    return await h.query(QUERY_SNAPSHOT, result_type=MatterSnapshot)


async def pay(h: WorkflowHandle[Any, Any], pid: str, amount: str, actor: str = "clerk",
              update_id: str | None = None, received_on: date = date(2026, 12, 1)) -> PaymentResult:
    return await h.execute_update(
        UPDATE_PAYMENT,
        PaymentCommand(payment_id=pid, amount=cny(amount), received_on=received_on, actor=actor),
        id=update_id or f"payment-{pid}-{uuid.uuid4()}",
        result_type=PaymentResult,
    )


async def eventually(check: Callable[[], Any], seconds: float = 10.0) -> Any:
    """Poll `check` (sync or async) until truthy; the worker may lag the skipped clock a little."""
    last = None
    for _ in range(int(seconds / 0.05)):
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"not true within {seconds}s (last: {last!r})")


async def owed(client_env: Any, h: WorkflowHandle[Any, Any]) -> tuple[Money, date]:
    """What the matter owes today (the env's now) and today's policy date: balances accrue daily."""
    s = (await snap(h)).status
    assert s is not None
    today = s.policy_today(await client_env.get_current_time())
    stmt = s.statement(today)
    return (stmt.balance.total if stmt is not None else s.outstanding), today


async def pay_off(client_env: Any, h: WorkflowHandle[Any, Any], pid: str, actor: str = "clerk") -> PaymentResult:
    """Pay everything owed today (the balance with the charges accrued to today)."""
    amount, today = await owed(client_env, h)
    return await pay(h, pid, str(amount.amount), actor=actor, received_on=today)


async def ended(client_env: Any, h: WorkflowHandle[Any, Any]) -> MatterSnapshot:
    """A closed matter's result: it waits out the policy's window for payment reversals first (the
    test server does not skip time for `result()` after an update, so the window is slept through)."""
    await client_env.sleep(timedelta(days=31))
    return await h.result()


async def refused(call: Any) -> ApplicationError:
    """The typed refusal of an update (its `type` and `message`)."""
    from temporalio.client import WorkflowUpdateFailedError

    try:
        await call
    except WorkflowUpdateFailedError as err:
        assert isinstance(err.cause, ApplicationError), err.cause
        return err.cause
    raise AssertionError("the update was not refused")
