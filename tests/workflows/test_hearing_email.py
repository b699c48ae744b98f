"""The hearing reminder e-mailed to the firm (patch "hearing-reminder-email"), on the time-skipping server:
a hearing recorded ahead is e-mailed to the firm acting in the case, at the address its referral
recorded, once, `hearing_reminder_days` (3) before it and not earlier; a refusal is a history line."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from activities.inputs import FirmEmailJob
from domain.proceedings import Hearing
from tests.workflows.harness import eventually, snap
from tests.workflows.test_matter import FIRM_ON_RECORD, mid
from tests.workflows.test_proceedings import a_filed_suit, record


def hearing_mails(matters: Any) -> list[FirmEmailJob]:
    return [job for job in matters.rec.firm_emails if job.hearing is not None]


async def a_hearing_ten_days_ahead(env: Any, matters: Any) -> tuple[Any, Any, Any]:
    h, r, today, status = await a_filed_suit(env, matters, "p1", "C-9")
    hearing_on = today + timedelta(days=10)
    await record(env, r.workflow_id, "h", Hearing(on=hearing_on, place="Court room 3"))
    return h, status, hearing_on


async def test_a_hearing_ten_days_ahead_is_e_mailed_to_the_firm_three_days_before_and_once(env, matters):  # type: ignore[no-untyped-def]
    h, status, hearing_on = await a_hearing_ten_days_ahead(env, matters)
    await env.sleep(timedelta(days=6))  # 4 days before it: nothing yet
    assert not hearing_mails(matters) and "hearing_reminder" not in matters.rec.kinds()
    await env.sleep(timedelta(days=2))  # 2 days before it: the reminder went out on the third day before
    [mail] = await eventually(lambda: hearing_mails(matters))
    assert status.policy_today(mail.dated) == hearing_on - timedelta(days=3)
    assert (mail.to, mail.firm_name) == (FIRM_ON_RECORD.email, FIRM_ON_RECORD.name)
    assert mail.message_id == f"{mid(h)}-proceeding-1-hearing-{hearing_on.isoformat()}"
    assert mail.hearing is not None and mail.answer_by is None
    assert (mail.hearing.proceeding, mail.hearing.forum, mail.hearing.on, mail.hearing.place) == (
        1, "court", hearing_on, "Court room 3")
    assert (mail.hearing.case_number, mail.hearing.body) == ("C-9", "Huangpu District People's Court")
    await eventually(lambda: "hearing_reminder_sent" in matters.rec.kinds())
    [sent] = [e for e in matters.rec.events if e.kind == "hearing_reminder_sent"]
    assert f"reminder of the hearing on {hearing_on.isoformat()} e-mailed to Firm A LLP" in sent.summary
    await env.sleep(timedelta(days=4))  # past the hearing: still the one e-mail
    assert len(hearing_mails(matters)) == 1 and matters.rec.kinds().count("hearing_reminder_sent") == 1
    assert (await snap(h)).status.attention is None  # type: ignore[union-attr]


async def test_a_hearing_reminder_the_firm_s_server_refuses_is_recorded_not_a_failure(env, matters):  # type: ignore[no-untyped-def]
    h, _, hearing_on = await a_hearing_ten_days_ahead(env, matters)
    matters.rec.refuse_messages = "EmailRejected"
    await env.sleep(timedelta(days=8))
    await eventually(lambda: "hearing_reminder_refused" in matters.rec.kinds())
    [refused] = [e for e in matters.rec.events if e.kind == "hearing_reminder_refused"]
    assert hearing_on.isoformat() in refused.summary and "tell the firm another way" in refused.summary
    assert not hearing_mails(matters) and "hearing_reminder_sent" not in matters.rec.kinds()
    s = await snap(h)
    assert s.stage == "litigation" and s.status is not None and s.status.attention is None
