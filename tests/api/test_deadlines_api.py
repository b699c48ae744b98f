"""`GET /matters/{id}/deadlines` on the real stack: the limitation period, started again by what the record
shows interrupted it (a payment on the day it was received, a promise to pay), undone with a reversal."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Stack, eventually
from tests.factories import OVERDUE_SINCE


def cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


async def test_the_limitation_period_follows_what_interrupted_it(stack: Stack) -> None:
    m = await stack.open("limitation")
    mid = m["id"]
    team = stack.auth("legal_team")

    async def limitation() -> dict[str, Any]:
        r = await stack.http.get(f"/matters/{mid}/deadlines", headers=team)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["count"] == 1 and body["calendar"].startswith("chinese-calendar")
        (d,) = body["data"]
        assert d["name"] == "limitation" and d["rule"].startswith("Civil Code arts. 188, 195: 3 years")
        return d  # type: ignore[no-any-return]

    d = await eventually(limitation)
    # From the day the loan fell overdue: 3 years later, on the corresponding day.
    assert d["runs_from"] == OVERDUE_SINCE.isoformat() and d["last_day"] == "2029-09-01"
    assert d["source"] == f"the default became known on {OVERDUE_SINCE.isoformat()}"
    # 2029's public holidays are not published yet: never guessed; the counted day is the safe one.
    assert d["ends_on"] is None and d["moved"] is False and "not 2029" in d["calendar_gap"]

    r = await stack.http.post(f"/matters/{mid}/payments", headers=team,
                              json={"payment_id": "P1", "amount": cny("100.00"), "received_on": "2026-11-20"})
    assert r.status_code == 201, r.text

    async def restarted() -> Any:
        got = await limitation()
        return got if got["runs_from"] == "2026-11-20" else None

    d = await eventually(restarted)
    assert d["last_day"] == "2029-11-20"
    assert d["source"] == "interrupted on 2026-11-20: the debtor paid part of the debt (payment P1)"

    r = await stack.http.post(f"/matters/{mid}/payments/P1/reversal", headers=team,
                              json={"reversed_on": "2026-11-21", "reason": "transfer returned"})
    assert r.status_code == 201, r.text

    async def undone() -> Any:
        got = await limitation()
        return got if got["runs_from"] == OVERDUE_SINCE.isoformat() else None

    await eventually(undone)  # a bounced payment never interrupted anything

    # Another firm's partner: the matter is not theirs.
    outsider = await stack.http.get(f"/matters/{mid}/deadlines", headers=stack.auth("partner_a"))
    assert outsider.status_code == 404
