"""`needs_attention` through the API, on the real stack: a letter that cannot be made stops the matter's
side effects, not the matter. It is shown and filterable, payments are still taken, a manager retries.

Issue 6, defect 3: one bad letter failed the whole execution and the API then answered 409 "matter is
closed" to every payment.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.api.conftest import Stack, eventually


def cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


async def test_a_matter_whose_letter_cannot_be_made_needs_attention_and_still_takes_payments(stack: Stack) -> None:
    # A contract signed "in the future" (a data entry slip): no letter can be dated before it.
    future = (date.today() + timedelta(days=400)).isoformat()
    m = await stack.open("attention", contract={
        "number": "JK-2099-1", "signed_on": future, "principal": cny("200000.00"), "annual_rate": "0.0435"},
        overdue={"since": future, "principal": cny("18000.00"), "interest": cny("1200.00"),
                 "penalty": cny("218.00"), "fees": cny("100.00")})
    mid = m["id"]

    async def flagged() -> Any:
        d = await stack.detail(mid)
        return d if d.get("needs_attention") else None

    d = await eventually(flagged)
    a = d["needs_attention"]
    assert a["effect"] == "letter:notice" and a["error"] == "LetterInvalid" and a["retryable"] is False
    assert "contract_signed_on" in a["reason"] and a["since"] and a["attempts"] == 1
    assert d["stage"] == "notice"

    # Listed and filterable (the projection has it too).
    async def listed() -> bool:
        r = await stack.http.get("/matters", params={"needs_attention": "true", "limit": 200},
                                 headers=stack.auth("legal_team"))
        return mid in [x["id"] for x in r.json()["data"]]

    await eventually(listed)
    calm = (await stack.http.get("/matters", params={"needs_attention": "false", "limit": 200},
                                 headers=stack.auth("legal_team"))).json()
    assert mid not in [x["id"] for x in calm["data"]]

    # The matter still takes payments and promises.
    r = await stack.http.post(f"/matters/{mid}/payments", headers=stack.auth("legal_team"),
                              json={"payment_id": f"{stack.prefix}-ATT1", "amount": cny("100.00"),
                                    "received_on": date.today().isoformat()})
    assert r.status_code == 201, r.text
    assert r.json()["outstanding"] == cny("19418.00")

    # Only managers retry; retrying an unfixed cause records a second attempt, still for a manager.
    r = await stack.http.post(f"/matters/{mid}/attention/retry", json={}, headers=stack.auth("legal_team"))
    assert r.status_code == 403
    headers = {**stack.auth("manager"), "Idempotency-Key": f"{stack.prefix}-RETRY1"}
    r = await stack.http.post(f"/matters/{mid}/attention/retry", json={"note": "checked"}, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["effect"] == "letter:notice" and r.json()["duplicate"] is False
    again = await stack.http.post(f"/matters/{mid}/attention/retry", json={"note": "checked"}, headers=headers)
    assert again.status_code == 200 and again.json()["duplicate"] is True

    async def second_attempt() -> Any:
        d = await stack.detail(mid)
        return d if (d.get("needs_attention") or {}).get("attempts") == 2 else None

    await eventually(second_attempt)


async def test_retrying_a_matter_that_waits_on_nothing_is_a_conflict(stack: Stack) -> None:
    m = await stack.open("calm")
    r = await stack.http.post(f"/matters/{m['id']}/attention/retry", json={}, headers=stack.auth("manager"))
    assert r.status_code in (409, 503), r.text  # 503 only if the workflow has not started its first task yet

    async def conflict() -> bool:
        r = await stack.http.post(f"/matters/{m['id']}/attention/retry", json={}, headers=stack.auth("manager"))
        return r.status_code == 409 and "nothing to retry" in r.text

    await eventually(conflict)
