"""The API's refusals on a page: as the API says them on an English page; on a Chinese page the field by its label
and pydantic's common reasons in Chinese, a reason the system wrote itself kept as written."""

from __future__ import annotations

from typing import Any

import httpx

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
    {"type": "invalid_command", "loc": ["body"], "msg": "the matter is on hold"},
]


def test_an_english_page_says_what_the_api_said() -> None:
    assert refusals(response(DETAIL), "en") == [
        "amount.amount: Input should be greater than 0", "received_on: Field required",
        "due_on: Input should be a valid date", "note: String should have at most 2000 characters",
        "channel: Input should be 'phone' or 'sms'",
        "instalments.1.due_on: Value error, due_on: 2027-01-01 is before the first instalment",
        ": the matter is on hold"]


def test_a_chinese_page_names_the_field_by_its_label_and_says_the_common_reasons_in_chinese() -> None:
    assert refusals(response(DETAIL), "zh-CN") == [
        "金额 · 金额：必须大于 0", "收款日期：必填", "承诺还款日：不是有效的日期（年-月-日）",
        "备注：不得超过 2000 个字符",
        "联系方式：必须是以下之一：'phone' or 'sms'",
        "分期 · 第 2 项 · 承诺还款日：due_on: 2027-01-01 is before the first instalment", "the matter is on hold"]


def test_a_refusal_that_is_not_a_list_is_said_as_it_is() -> None:
    assert refusals(response("the matter is closed", 409), "zh-CN") == ["the matter is closed"]
    assert refusals(httpx.Response(502, text="bad gateway"), "zh-CN") == ["502"]
