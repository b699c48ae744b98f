"""A command id (payment_id, Idempotency-Key) means one command: the same body again is a
duplicate (200), another body is a conflict (409 naming the id), and of many concurrent first
requests exactly one is "created"."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from store.models import Payment
from tests.api.conftest import Stack, eventually
from tests.api.test_commands import cny


def _payment(payment_id: str, amount: str, received_on: str = "2026-11-20") -> dict[str, Any]:
    return {"payment_id": payment_id, "amount": cny(amount), "received_on": received_on}


async def test_a_payment_id_reused_with_another_body_is_a_409_naming_it(stack: Stack) -> None:
    m = await stack.open()
    url = f"/matters/{m['id']}/payments"
    r = await stack.http.post(url, json=_payment("P-REUSE", "100.00"), headers=stack.auth("legal_team"))
    assert r.status_code == 201, r.text
    for other in (_payment("P-REUSE", "200.00"), _payment("P-REUSE", "100.00", received_on="2026-11-21")):
        r = await stack.http.post(url, json=other, headers=stack.auth("legal_team"))
        assert r.status_code == 409, r.text
        assert "payment_id" in r.json()["detail"] and "P-REUSE" in r.json()["detail"]
    # The same body again (from another user too) is the duplicate it always was.
    r = await stack.http.post(url, json=_payment("P-REUSE", "100.00"), headers=stack.auth("manager"))
    assert r.status_code == 200 and r.json()["duplicate"] is True
    d = await stack.detail(m["id"])
    assert d["paid_total"] == cny("100.00")


async def test_a_payment_id_reused_after_the_matter_closed_is_still_checked(stack: Stack) -> None:
    m = await stack.open()
    url = f"/matters/{m['id']}/payments"
    r = await stack.http.post(url, json=_payment("P-ALL", "19518.00"), headers=stack.auth("legal_team"))
    assert r.status_code == 201 and r.json()["closed"] is True, r.text

    async def replayed() -> bool:  # once the workflow has ended, the projection answers
        r = await stack.http.post(url, json=_payment("P-ALL", "19518.00"), headers=stack.auth("legal_team"))
        return r.status_code == 200 and r.json()["duplicate"] is True

    await eventually(replayed)
    r = await stack.http.post(url, json=_payment("P-ALL", "1.00"), headers=stack.auth("legal_team"))
    assert r.status_code == 409 and "P-ALL" in r.json()["detail"], r.text


async def test_a_promise_key_reused_with_another_body_is_a_409(stack: Stack) -> None:
    m = await stack.open()
    today = date.fromisoformat((await stack.detail(m["id"]))["policy_today"])
    url = f"/matters/{m['id']}/promises"
    headers = {**stack.auth("legal_team"), "Idempotency-Key": "PTP-REUSE"}
    body = {"amount": cny("500.00"), "due_on": (today + timedelta(days=30)).isoformat()}
    assert (await stack.http.post(url, json=body, headers=headers)).status_code == 201
    r = await stack.http.post(url, json={**body, "amount": cny("50.00")}, headers=headers)
    assert r.status_code == 409 and "promise_id" in r.json()["detail"] and "PTP-REUSE" in r.json()["detail"]
    assert (await stack.http.post(url, json=body, headers=headers)).status_code == 200


async def test_concurrent_first_requests_with_one_id_create_once(stack: Stack) -> None:
    m = await stack.open()
    url = f"/matters/{m['id']}/payments"
    responses = await asyncio.gather(*(
        stack.http.post(url, json=_payment("P-RACE", "10.00"), headers=stack.auth("legal_team")) for _ in range(20)
    ))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 19 + [201], [r.text for r in responses if r.status_code not in (200, 201)]
    assert sum(r.json()["duplicate"] is False for r in responses) == 1
    assert {r.json()["allocation"]["payment"]["amount"] for r in responses} == {"10.00"}

    async def one_row() -> bool:
        async with stack.sessions() as session:
            n = await session.scalar(select(func.count()).select_from(Payment).where(
                Payment.matter_id == m["id"], Payment.payment_id == "P-RACE"))
        return n == 1

    await eventually(one_row)
    assert (await stack.detail(m["id"]))["paid_total"] == cny("10.00")
