"""The API's refusals on a page: as the API says them on an English page; on a Chinese page the field by its label
and pydantic's common reasons in Chinese, a reason the system wrote itself kept as written."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from api.refusals_zh import refusal_in_chinese
from api.web.refusals import refusals


def response(detail: Any, status: int = 422) -> httpx.Response:
    return httpx.Response(status, json={"detail": detail})


DETAIL = [
    {"type": "greater_than", "loc": ["body", "amount", "amount"], "msg": "Input should be greater than 0",
     "ctx": {"gt": "0"}},
    {"type": "missing", "loc": ["body", "received_on"], "msg": "Field required"},
    {"type": "date_from_datetime_parsing", "loc": ["body", "due_on"], "msg": "Input should be a valid date"},
    {"type": "string_too_long", "loc": ["body", "note"], "msg": "String should have at most 2000 characters",
     "ctx": {"max_length": 2000}},
    {"type": "literal_error", "loc": ["body", "channel"], "msg": "Input should be 'phone' or 'sms'",
     "ctx": {"expected": "'phone' or 'sms'"}},
    {"type": "value_error", "loc": ["body", "instalments", 1, "due_on"], "msg": "Value error, due_on: 2027-01-01 is "
     "before the first instalment"},
    {"type": "invalid_command", "loc": ["body"], "msg": "the moon is not aligned"},
    {"type": "invalid_command", "loc": ["body", "signed_on"],
     "msg": "signed_on: 2999-01-01 is after the matter's date 2027-01-01"},
]


def test_an_english_page_says_what_the_api_said() -> None:
    assert refusals(response(DETAIL), "en") == [
        "amount.amount: Input should be greater than 0", "received_on: Field required",
        "due_on: Input should be a valid date", "note: String should have at most 2000 characters",
        "channel: Input should be 'phone' or 'sms'",
        "instalments.1.due_on: Value error, due_on: 2027-01-01 is before the first instalment",
        ": the moon is not aligned", "signed_on: signed_on: 2999-01-01 is after the matter's date 2027-01-01"]


def test_a_chinese_page_names_the_field_by_its_label_and_says_the_common_reasons_in_chinese() -> None:
    assert refusals(response(DETAIL), "zh-CN") == [
        "金额 · 金额：必须大于 0", "收款日期：必填", "承诺还款日：不是有效的日期（年-月-日）",
        "备注：不得超过 2000 个字符",
        "联系方式：必须是以下之一：'phone' or 'sms'",
        "分期 · 第 2 项 · 承诺还款日：due_on: 2027-01-01 is before the first instalment", "the moon is not aligned",
        "签署日期：2999-01-01 晚于本案当前日期 2027-01-01"]  # (a sentence that names its field is said once)


def test_a_refusal_that_is_not_a_list_is_said_as_it_is() -> None:
    assert refusals(response("the matter is closed", 409), "zh-CN") == ["案件已结案"]
    assert refusals(response("the matter is closed", 409), "en") == ["the matter is closed"]
    assert refusals(httpx.Response(502, text="bad gateway"), "zh-CN") == ["502"]


EXAMPLES = [
    "the matter is closed", "amount: must be greater than zero", "amount.currency: the matter is in CNY, not USD",
    "payment_id: 'P-1' was already used for a different command; send the same body to repeat it, or use a new id",
    "the matter is not waiting on a failed step: nothing to retry",
    "received_on: 2020-01-01 is before the contract was signed (2024-03-15)",
    "amount: CNY 99,999.00 is more than the outstanding CNY 19,518.00 plus the overpayment the policy allows (5% of "
    "the claim of CNY 19,518.00); check the amount",
    "guarantor: the record has 1 guarantor(s)",
    "amount: CNY 9.00 is more than guarantor 1's cap of CNY 5.00 leaves (CNY 5.00): a guarantor is liable up to "
    "its cap",
    "amount: CNY 9.00 is more than the outstanding CNY 5.00: a guarantor pays what the debt still owes, once (no "
    "double recovery)",
    "due_on: 2026-01-01 is before the matter's current date 2026-12-06",
    "due_on: 2028-01-01 is after 2027-01-05, the latest the policy allows (30 days ahead)",
    "decision: a legal review decision is not allowed in stage 'negotiation'",
    "new_end_on: required to extend negotiation", "new_end_on: must be after the matter's current date 2026-12-06",
    "new_end_on: 2028-01-01 is after 2027-06-04, the latest the policy allows (180 days ahead)",
    "firm: only allowed with escalate", "new_end_on: only allowed with extend_negotiation",
    "firm: required to escalate (the law firm the referral goes to)",
    "kind: a bankruptcy_stay hold is placed by a manager", "hold_id: there is no hold 'H-9' on this matter",
    "hold_id: a death hold is lifted by a manager", "at: give a time zone (e.g. 2026-12-03T10:00:00+08:00)",
    "at: 2999-01-01T00:00:00+08:00 is in the future", "at: more than a year before the matter was opened",
    "proposal S-1 is proposed: one arrangement at a time", "kind: a write_off cannot be proposed in stage 'notice'",
    "proposal_id: the matter has no proposal 'S-9'", "proposal S-1 is rejected: it takes no more decisions",
    "approver: 王经理 has already decided proposal S-1",
    "proposal S-1 is proposed: only an approved settlement or amendment is signed",
    "an arrangement cannot take effect in stage 'closed'",
    "signed_on: 2026-12-01 is before the approval (2026-12-05)",
    "signed_on: 2027-03-01 is after the first instalment's due date 2027-02-01: propose a new schedule",
    "delivered_on: 2026-11-01 is before the notice was made (2026-12-01)",
    "delivered_on: 2026-11-01 is not between the letter's date 2026-11-05 and the matter's date 2026-12-06",
    "referral not found", "the referral was already accepted", "the time to answer this referral has passed",
    "proceeding not found", "the proceeding's record is closed",
    "event.on: 2027-01-01 is after today (2026-12-06): record what has happened (only a hearing is set ahead)",
    "2999-01-01 is in the future",
]


@pytest.mark.parametrize("message", EXAMPLES)
def test_the_workflows_refusals_are_said_in_chinese_with_their_values(message: str) -> None:
    from tests.api.test_history_zh import english_left

    zh = refusal_in_chinese(message)
    assert zh != message and not english_left(zh), zh
    for value in re.findall(r"\d[\d,.:\-]*\d|[\u4e00-\u9fff]{2,}", message):
        assert value in zh, (value, message, zh)
