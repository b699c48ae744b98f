"""The collection notice says what will happen and when: the workflow's `next_steps`, with their dates.

Without steps the notice reads exactly as before (its golden text is unchanged); with them it
lists the reminders due before the pay-by day and what follows non-payment after it, and says
the matter may be referred for legal action only where a legal review is among them.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from documents import golden, lint
from documents.contexts import CollectionNoticeContext, NextStep, sample_case, sample_context
from documents.registry import LetterFacts, LetterInvalid, build
from documents.renderer import render, visible_text
from domain.allocation import Balance
from domain.money import Money
from tests.factories import make_intake

LETTER_DATE = date(2026, 10, 1)  # pay-by with the default 7 days: 8 October 2026


def _facts(locale: str = "zh-CN") -> LetterFacts:
    intake = make_intake(external_ref=f"NS-{uuid.uuid4().hex[:10]}", locale=locale)
    balance = Balance.from_overdue(intake.overdue)
    return LetterFacts(matter_id=str(uuid.uuid4()), reference="RC-TEST-NOTICE", letter_date=LETTER_DATE,
                       intake=intake, balance=balance, paid_total=Money.zero("CNY"), original_total=balance.total,
                       days_past_due=30)


def _notice(locale: str = "zh-CN", **params: Any) -> CollectionNoticeContext:
    letter = build("collection_notice", _facts(locale), params)
    assert isinstance(letter, CollectionNoticeContext)
    return letter


def _text(context: CollectionNoticeContext) -> str:
    assert lint.lint(context.kind, context.locale, context=context) == []
    return visible_text(render(context.kind, context).content)


# As a workflow history carries them: dates as ISO strings; in the ladder's order, not by date.
STEPS = [
    {"on": "2026-10-11", "what": "reminder_letter"},
    {"on": "2026-10-04", "what": "sms"},
    {"on": "2026-10-15", "what": "phone_call"},
    {"on": "2026-10-08", "what": "email"},  # the pay-by day itself: still before the deadline ends
    {"on": "2026-10-29", "what": "legal_review"},
]


def test_the_steps_are_split_at_the_pay_by_day_in_date_order() -> None:
    letter = _notice(next_steps=STEPS)
    assert letter.pay_by == date(2026, 10, 8)
    assert letter.steps_before_pay_by == (NextStep(on=date(2026, 10, 4), what="sms"),
                                          NextStep(on=date(2026, 10, 8), what="email"))
    assert [(s.on.day, s.what) for s in letter.steps_after_pay_by] == [
        (11, "reminder_letter"), (15, "phone_call"), (29, "legal_review")]


@pytest.mark.parametrize("params", [{}, {"next_steps": None}, {"next_steps": []}])
def test_without_steps_the_notice_reads_as_before(params: dict[str, Any]) -> None:
    letter = _notice(**params)
    assert (letter.steps_before_pay_by, letter.steps_after_pay_by) == ((), ())
    text = _text(letter)
    assert "后续安排" not in text and "或之后" not in text


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_sample_without_steps_keeps_its_golden_text(locale: str) -> None:
    # The reviewed golden text of the plain notice (no timetable) is that of template v3.
    assert golden.compare("collection_notice", locale) is None
    plain = golden.golden_path("collection_notice", locale).read_text(encoding="utf-8")
    steps = golden.golden_path("collection_notice.next_steps", locale).read_text(encoding="utf-8")
    added = [line for line in steps.splitlines() if line not in plain.splitlines()]
    assert len(added) == 1 and added[0].startswith(("后续安排：", "What happens next. "))


def test_chinese_timetable() -> None:
    text = _text(_notice(next_steps=STEPS))
    assert ("后续安排：在上述还款期限届满前，如您尚未全额还款，我方将：于2026年10月4日或之后向您发送短信提醒；"
            "于2026年10月8日或之后向您发送电子邮件提醒。"
            "如您未在2026年10月8日（含当日）前全额还款，我方将：于2026年10月11日或之后向您寄送还款提醒函；"
            "于2026年10月15日或之后电话联系您；于2026年10月29日或之后将本案提交法律审查。"
            "经审查，我方可能将本案移交律师事务所并采取法律行动，"
            "包括向有管辖权的人民法院提起诉讼或者向借款合同约定的仲裁机构申请仲裁。") in text


def test_english_timetable() -> None:
    text = _text(_notice("en", next_steps=STEPS))
    assert ("What happens next. Before the payment deadline, if you have not yet paid in full, we will: on or after "
            "4 October 2026, send you an SMS reminder; and on or after 8 October 2026, send you an email reminder. "
            "If you have not paid in full by 8 October 2026, we will: on or after 11 October 2026, send you a "
            "reminder letter; on or after 15 October 2026, call you; and on or after 29 October 2026, review the "
            "matter for legal action. The matter may then be referred for legal action, including instructing a "
            "law firm and bringing proceedings before a competent people’s court or the arbitration institution "
            "named in the Contract.") in text
    assert "without further notice" not in text


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_legal_action_is_named_only_when_a_legal_review_is_planned(locale: str) -> None:
    text = _text(_notice(locale, next_steps=[{"on": "2026-10-11", "what": "final_demand"}]))
    if locale == "zh-CN":
        assert "如您未在2026年10月8日（含当日）前全额还款，我方将：于2026年10月11日或之后向您发出最后催告函。" in text
        assert "经审查" not in text and "在上述还款期限届满前，如您尚未" not in text
    else:
        assert ("What happens next. If you have not paid in full by 8 October 2026, we will: on or after "
                "11 October 2026, send you a final demand before legal action.") in text
        assert "referred for legal action" not in text and "Before the payment deadline" not in text


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_only_reminders_before_the_deadline(locale: str) -> None:
    text = _text(_notice(locale, next_steps=[{"on": "2026-10-01", "what": "phone_call"}]))
    expected = ("后续安排：在上述还款期限届满前，如您尚未全额还款，我方将：于2026年10月1日或之后电话联系您。"
                if locale == "zh-CN" else
                "What happens next. Before the payment deadline, if you have not yet paid in full, we will: on or "
                "after 1 October 2026, call you.")
    assert expected in text.splitlines()  # the whole paragraph: no sentence about after the deadline


@pytest.mark.parametrize(("steps", "message"), [
    ([{"on": "2026-09-30", "what": "sms"}], "next_steps[0].on: is before the letter's date"),
    ([{"on": "2026-10-11", "what": "sms"}, {"on": "2026-10-08", "what": "legal_review"}],
     "next_steps[1]: a legal_review step must come after the pay-by date"),
    ([{"on": "2026-10-02", "what": "final_demand"}], "next_steps[0]: a final_demand step must come after the pay-by"),
    ([{"on": "2026-10-11", "what": "visit"}], "next_steps[0].what: Input should be 'reminder_letter', 'phone_call'"),
    ([{"on": "soon", "what": "sms"}], "next_steps[0].on: Input should be a valid date"),
    ([{"what": "sms"}], "next_steps[0].on: Field required"),
    ([{"on": "2026-10-11", "what": "sms", "channel": "x"}], "next_steps[0].channel: Extra inputs are not permitted"),
    ("sms", "next_steps: Input should be a valid tuple"),
    ([{"on": "2026-10-11", "what": "sms"}] * 21, "next_steps: Tuple should have at most 20 items"),
])
def test_steps_the_notice_could_not_state_truthfully_are_refused(steps: Any, message: str) -> None:
    with pytest.raises(LetterInvalid, match=re.escape(message)):
        _notice(next_steps=steps)


def test_the_context_refuses_a_timetable_wrong_on_its_face() -> None:
    sample = sample_case("collection_notice.next_steps", "zh-CN")
    data = sample.model_dump()

    def check(message: str, **changes: Any) -> None:
        with pytest.raises(ValidationError, match=re.escape(message)):
            CollectionNoticeContext.model_validate({**data, **changes})

    check("steps_after_pay_by: each step falls after pay_by", steps_after_pay_by=[{"on": "2024-03-29", "what": "sms"}])
    check("steps_before_pay_by: each step falls between letter_date and pay_by",
          steps_before_pay_by=[{"on": "2024-03-30", "what": "sms"}])
    check("steps_before_pay_by: a legal_review step cannot come before the pay-by date",
          steps_before_pay_by=[{"on": "2024-03-20", "what": "legal_review"}])
    check("steps_after_pay_by: the steps must be in date order",
          steps_after_pay_by=[{"on": "2024-04-05", "what": "sms"}, {"on": "2024-04-01", "what": "email"}])


def test_the_plain_sample_states_no_timetable() -> None:
    sample = sample_context("collection_notice", "en")
    assert (sample.steps_before_pay_by, sample.steps_after_pay_by) == ((), ())  # type: ignore[attr-defined]
