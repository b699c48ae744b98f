"""Hostile input gets a 4xx that names the field and the reason: never a 500, never an echo.

Each case here answered 500 (or echoed the caller's data) before `api/errors.py`, the bounds in
`domain/money.py` and the surrogate check in `api/deps.py`.
"""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from fastapi import FastAPI

from api import errors
from tests.api.conftest import Stack, eventually
from tests.factories import intake_data

HUGE = ["1e30", "1E+999999999", "99999999999999999999999999999.99", "12345678901234567890.00",
        "1000000000000.01", "9" * 100]
PHONE = "13912345678"


def _messages(r: httpx.Response) -> str:
    return json.dumps(r.json()["detail"], ensure_ascii=False)


@pytest.mark.parametrize("amount", HUGE)
async def test_an_amount_out_of_bounds_in_intake_is_a_422_naming_the_field(stack: Stack, amount: str) -> None:
    body = intake_data(external_ref=stack.ref("huge"), policy="demo")
    body["contract"]["principal"]["amount"] = amount
    r = await stack.http.post("/matters", json=body, headers=stack.auth("legal_team"))
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail[0]["loc"][:3] == ["body", "contract", "principal"], detail
    assert "1,000,000,000,000" in detail[0]["msg"] or "decimal number" in detail[0]["msg"], detail


@pytest.mark.parametrize("amount", HUGE)
async def test_an_amount_out_of_bounds_in_a_payment_or_promise_is_a_422(stack: Stack, amount: str) -> None:
    m = await stack.open()
    pay = {"payment_id": "P-HUGE", "amount": {"amount": amount, "currency": "CNY"}, "received_on": "2026-11-30"}
    r = await stack.http.post(f"/matters/{m['id']}/payments", json=pay, headers=stack.auth("legal_team"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][:2] == ["body", "amount"], r.text
    promise = {"amount": {"amount": amount, "currency": "CNY"}, "due_on": "2027-01-10"}
    r = await stack.http.post(f"/matters/{m['id']}/promises", json=promise, headers=stack.auth("legal_team"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][:2] == ["body", "amount"], r.text


@pytest.mark.parametrize("param", ["offset", "min_days_past_due", "max_days_past_due", "limit"])
async def test_an_integer_beyond_any_column_in_a_query_is_a_422(stack: Stack, param: str) -> None:
    r = await stack.http.get(f"/matters?{param}={10**30}", headers=stack.auth("manager"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", param], r.text


async def test_a_lone_surrogate_is_refused_with_its_position_and_nothing_reaches_the_log(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = intake_data(external_ref=stack.ref("surrogate"), policy="demo")
    body["borrower"]["phone"] = PHONE + "\ud800"
    raw = json.dumps(body)  # ensure_ascii: the lone half travels as the escape \ud800
    r = await stack.http.post("/matters", content=raw, headers={**stack.auth("legal_team"),
                                                                 "content-type": "application/json"})
    assert r.status_code == 422, r.text
    error = r.json()["detail"][0]
    assert error["type"] == "json_invalid" and error["loc"] == ["body", raw.index("\\ud800")], error
    assert "surrogate" in error["ctx"]["error"]
    assert PHONE not in r.text and PHONE not in caplog.text
    # A valid pair (an emoji escaped as two halves) is text, and is taken.
    ok = intake_data(external_ref=stack.ref("pair"), policy="demo")
    ok["borrower"]["address"] = "Flat 1 \U0001f600"
    r = await stack.http.post("/matters", content=json.dumps(ok), headers={**stack.auth("legal_team"),
                                                                        "content-type": "application/json"})
    assert r.status_code == 201, r.text


async def test_a_lone_surrogate_in_a_field_that_fails_validation_does_not_crash_the_handler(stack: Stack) -> None:
    m = await stack.open("surrogate-pay")
    raw = '{"payment_id": "\\udc00' + PHONE + '", "amount": {"amount": "1.00", "currency": "CNY"}}'
    r = await stack.http.post(f"/matters/{m['id']}/payments", content=raw,
                              headers={**stack.auth("legal_team"), "content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", raw.index("\\udc00")]
    assert PHONE not in r.text


async def test_a_422_names_the_field_without_echoing_the_input(stack: Stack) -> None:
    body = intake_data(external_ref=stack.ref("echo"), policy="demo")
    body["borrower"]["name"] = "王" * 2_000_000  # far over its 2,000 characters
    body["borrower"]["email"] = "not-an-address-" + PHONE
    r = await stack.http.post("/matters", json=body, headers=stack.auth("legal_team"))
    assert r.status_code == 422
    assert len(r.content) < 4_000, len(r.content)
    detail = r.json()["detail"]
    locs = [tuple(e["loc"]) for e in detail]
    assert ("body", "borrower", "name") in locs and ("body", "borrower", "email") in locs, locs
    assert all("input" not in e for e in detail)
    assert "王王" not in r.text and PHONE not in r.text
    name_error = next(e for e in detail if e["loc"] == ["body", "borrower", "name"])
    assert name_error["ctx"] == {"max_length": 2000}


async def test_a_body_that_is_not_utf8_says_at_which_byte(stack: Stack) -> None:
    raw = b'{"payment_id": "P-1", "amount": {"amount": "1.00", "currency": "CNY"}, "x": "\xff\xfe"}'
    m = await stack.open("not-utf8")
    r = await stack.http.post(f"/matters/{m['id']}/payments", content=raw,
                              headers={**stack.auth("legal_team"), "content-type": "application/json"})
    assert r.status_code == 400, r.text
    at = raw.index(b"\xff")
    assert r.json()["detail"] == f"There was an error parsing the body: not valid UTF-8 at byte {at}"


async def test_an_unexpected_error_is_a_500_with_an_id_and_the_log_has_no_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = FastAPI()
    errors.install(app)

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError(f"cannot parse borrower phone {PHONE}")

    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        r = await http.get("/boom")
    assert r.status_code == 500
    error_id = r.json()["error_id"]
    assert r.json()["detail"] == "internal error"
    assert error_id in caplog.text and "ValueError" in caplog.text and "boom" in caplog.text
    assert PHONE not in caplog.text and PHONE not in r.text


def test_surrogate_positions() -> None:
    assert errors.lone_surrogate_position('{"a": "x\\ud800"}') == 8
    assert errors.lone_surrogate_position('{"a": "\\ud83d\\ude00 \\udc00"}') == 20
    assert errors.lone_surrogate_position('{"a": "\\\\ud800 \\ud83d\\ude00"}') == 0  # an escaped backslash
    assert errors.has_lone_surrogate({"k": ["ok", {"\ud800": 1}]})
    assert not errors.has_lone_surrogate({"k": ["ok \U0001f600", 1, None]})


@pytest.mark.parametrize("char", ["\u202e", "\u200f", "\u200b", "\u2066", "\ufeff"])
@pytest.mark.parametrize("field", [("borrower", "name"), ("borrower", "id_number"), ("contract", "number")])
async def test_invisible_formatting_characters_are_refused_in_names_and_numbers(
    stack: Stack, char: str, field: tuple[str, str]
) -> None:
    body = intake_data(external_ref=stack.ref(), policy="demo")
    body[field[0]][field[1]] = "AB" + char + "123"
    r = await stack.http.post("/matters", json=body, headers=stack.auth("legal_team"))
    assert r.status_code == 422, r.text
    error = r.json()["detail"][0]
    assert error["loc"] == ["body", *field] and f"U+{ord(char):04X}" in error["msg"], error


# ---------------------------------------------------------------- bounds that depend on the matter
async def _pay(stack: Stack, matter_id: str, amount: str, received_on: str = "2026-11-20") -> httpx.Response:
    body = {"payment_id": f"P-{amount}-{received_on}", "amount": {"amount": amount, "currency": "CNY"},
            "received_on": received_on}
    return await stack.http.post(f"/matters/{matter_id}/payments", json=body, headers=stack.auth("legal_team"))


async def test_payment_dates_and_overpayment_are_bounded(stack: Stack) -> None:
    m = await stack.open()  # a CNY 19,518.00 claim; the contract was signed on 2024-03-15
    r = await _pay(stack, m["id"], "10.00", "1900-01-01")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "received_on"], r.text
    r = await _pay(stack, m["id"], "10.00", "2024-03-14")
    assert r.status_code == 422 and "before the contract was signed (2024-03-15)" in r.text, r.text
    r = await _pay(stack, m["id"], "21469.81")  # the claim + 10% of it, and a cent
    assert r.status_code == 422 and "10% of the claim" in r.text and "amount" in r.text, r.text
    r = await _pay(stack, m["id"], "21469.80")  # exactly the most the policy allows: the surplus is held
    assert r.status_code == 201 and r.json()["allocation"]["unapplied"]["amount"] == "1951.80", r.text


async def test_a_promise_or_an_extension_far_ahead_is_refused_with_the_policy_limit(stack: Stack) -> None:
    m = await stack.open_fast()
    r = await stack.http.post(f"/matters/{m['id']}/promises", headers=stack.auth("legal_team"),
                              json={"amount": {"amount": "100.00", "currency": "CNY"}, "due_on": "2099-01-01"})
    assert r.status_code == 422 and "due_on" in r.text and "180 days ahead" in r.text, r.text
    await eventually(lambda: stack._stage_is(m["id"], "legal_review"), timeout=60)
    r = await stack.http.post(f"/matters/{m['id']}/legal-review", headers=stack.auth("manager"),
                              json={"decision": "extend_negotiation", "new_end_on": "2099-01-01", "reason": "x"})
    assert r.status_code == 422 and "new_end_on" in r.text and "180 days ahead" in r.text, r.text


@pytest.mark.parametrize(("part", "field", "value", "says"), [
    ("contract", "signed_on", "1900-01-01", "greater than or equal to 1970-01-02"),
    ("overdue", "since", "1969-12-31", "greater than or equal to 1970-01-02"),
    ("overdue", "since", "2999-01-01", "overdue.since: 2999-01-01 is in the future"),
])
async def test_intake_dates_are_bounded(stack: Stack, part: str, field: str, value: str, says: str) -> None:
    body = intake_data(external_ref=stack.ref(), policy="demo")
    body[part][field] = value
    r = await stack.http.post("/matters", json=body, headers=stack.auth("legal_team"))
    assert r.status_code == 422 and says in r.text, r.text
