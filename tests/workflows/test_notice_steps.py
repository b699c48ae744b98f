"""The collection notice says what follows and when, from the matter's own plan (policy and clock)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from temporalio.testing import WorkflowEnvironment

from activities.inputs import EmailJob, SmsJob
from store.policies import get_policy
from tests.workflows.harness import Recorder, eventually, matter_input, start, workers
from workflows.contracts import MatterSnapshot


@pytest.fixture
async def rec(env: WorkflowEnvironment) -> AsyncIterator[tuple[Recorder, str]]:
    r, queue = Recorder(), f"q-{uuid.uuid4()}"
    async with workers(env.client, queue, r):
        yield r, queue


async def test_the_notice_lists_the_ladder_and_legal_review_with_their_dates(env, rec) -> None:  # type: ignore[no-untyped-def]
    recorder, queue = rec
    h = await start(env.client, queue, matter_input("standard"))
    try:
        await eventually(lambda: recorder.jobs)
        notice: Any = recorder.jobs[0].context
        assert notice.kind == "collection_notice"
        policy = get_policy("standard")
        start_day = notice.letter_date
        planned = [(s.on, s.what) for s in (*notice.steps_before_pay_by, *notice.steps_after_pay_by)]
        want = [(start_day + timedelta(days=step.day), {"sms": "sms", "email": "email", "phone_task": "phone_call",
                                                        "letter": "reminder_letter"}[step.channel])
                for step in policy.ladder]
        last = start_day + timedelta(days=policy.ladder[-1].day)
        want.append((last + timedelta(days=policy.negotiation_days), "legal_review"))
        # (contact steps fall due inside contact hours: on their day, or the next if the hour has passed;
        # the window after the last step, a call, starts when that call falls due)
        assert [w for _, w in planned] == [w for _, w in want]
        for (on, _), (expected, what) in zip(planned, want, strict=True):
            assert on - expected in (timedelta(0), timedelta(days=1)) if what in ("sms", "email", "phone_call",
                                                                                "legal_review") \
                else on == expected
        assert planned[-1][0] - planned[-2][0] == timedelta(days=policy.negotiation_days)
        assert all(s.on <= notice.pay_by for s in notice.steps_before_pay_by)
        assert all(s.on > notice.pay_by for s in notice.steps_after_pay_by)
        # The measures follow the record: the factory's loan has a pledged car and one guarantor.
        assert notice.secured is True and notice.guaranteed == 1
    finally:
        await h.terminate("test over")


async def test_sms_and_email_steps_are_sent_with_todays_balance_and_kept_as_evidence(env, rec) -> None:  # type: ignore[no-untyped-def]
    recorder, queue = rec
    h = await start(env.client, queue, matter_input("standard"))
    try:
        await env.sleep(timedelta(days=11))  # SMS on day 3, e-mail on day 10
        await eventually(lambda: len(recorder.messages) == 2)
        sms, email = recorder.messages
        assert isinstance(sms, SmsJob) and isinstance(email, EmailJob)
        assert sms.to == "13800138000" and email.to == "zhangwei@example.cn"
        assert sms.message_id.endswith("-step1-sms") and email.message_id.endswith("-step3-email")
        # Each states the balance of its own day: it grew between them (interest accrues).
        assert email.facts.outstanding > sms.facts.outstanding
        assert email.facts.pay_by == email.dated.astimezone(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=7)
        events = {e.event_key: e for e in recorder.events}
        sent = events[f"message-{email.message_id}"]
        assert sent.kind == "email" and sent.data["sha256"] and sent.data["key"] == f"m/{email.message_id}"
        assert "110105198001011234" not in sms.model_dump_json() + email.model_dump_json()  # no ID number
    finally:
        await h.terminate("test over")


async def test_a_refused_message_becomes_a_task_and_the_ladder_goes_on(env, rec) -> None:  # type: ignore[no-untyped-def]
    recorder, queue = rec
    recorder.refuse_messages = "EmailRejected"
    h = await start(env.client, queue, matter_input("standard"))
    try:
        await env.sleep(timedelta(days=15))
        snap_ = await h.query("snapshot", result_type=MatterSnapshot)
        assert snap_.status is not None and snap_.status.attention is None
        refused = [e for e in recorder.events if e.event_key.startswith("message-refused-")]
        assert [e.kind for e in refused] == ["sms", "email"] and "task created" in refused[0].summary
        assert "phone_task" in recorder.kinds()  # the day-14 call ran after them
    finally:
        await h.terminate("test over")


async def test_no_address_on_record_means_a_task_not_a_message(env, rec) -> None:  # type: ignore[no-untyped-def]
    recorder, queue = rec
    intake = {"borrower": {"name": "张伟", "id_number": "110105198001011234", "locale": "zh-CN",
                           "timezone": "Asia/Shanghai", "phone": "13800138000"}}
    h = await start(env.client, queue, matter_input("standard", intake=intake))
    try:
        await env.sleep(timedelta(days=11))
        await eventually(lambda: "email" in recorder.kinds())
        assert [type(m).__name__ for m in recorder.messages] == ["SmsJob"]
        email = next(e for e in recorder.events if e.kind == "email")
        assert "task created" in email.summary
    finally:
        await h.terminate("test over")


async def test_an_smtp_server_that_stays_down_puts_the_matter_in_needs_attention_then_a_retry_sends(env, rec) -> None:  # type: ignore[no-untyped-def]
    recorder, queue = rec
    recorder.refuse_messages = "SmtpUnavailable"
    h = await start(env.client, queue, matter_input("standard"))
    try:
        await env.sleep(timedelta(days=4))  # the SMS of day 3: every attempt fails
        s = (await h.query("snapshot", result_type=MatterSnapshot)).status
        assert s is not None and s.attention is not None
        a = s.attention
        assert a.error == "SmtpUnavailable" and a.retryable and a.effect == "message:step1"
        assert not recorder.messages and "message-refused" not in " ".join(e.event_key for e in recorder.events)
        recorder.refuse_messages = None  # the server is back: the matter retries by itself
        await env.sleep(timedelta(days=2))
        await eventually(lambda: len(recorder.messages) == 1)
        s = (await h.query("snapshot", result_type=MatterSnapshot)).status
        assert s is not None and s.attention is None
    finally:
        await h.terminate("test over")
