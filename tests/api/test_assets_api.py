"""The asset register through the API on the real stack: the intake's asset listed, one discovered added
(idempotent), a deposit frozen with its measure a running deadline, the law's refusals named by field, and
firm scoping (404 for a firm the matter is not referred to)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.api.conftest import Stack, eventually


async def test_the_register_lists_adds_and_records_what_the_courts_did(stack: Stack) -> None:
    m = await stack.open("assets")
    mid, team = m["id"], stack.auth("legal_team")
    path = f"/matters/{mid}/assets"
    assert (await stack.http.get(path, headers=stack.auth("partner_a"))).status_code == 404

    async def listed() -> Any:
        got = await stack.http.get(path, headers=team)
        return got.json() if got.status_code == 200 and got.json()["count"] >= 1 else None

    [car] = (await eventually(listed))["data"]
    assert (car["number"], car["kind"], car["standing"]) == (1, "vehicle", "known")

    today = date.today()
    deposit = {"asset": {"kind": "deposit", "description": "ICBC account ***1234",
                         "estimated_value": {"amount": "30000.00", "currency": "CNY"}},
               "discovered_on": today.isoformat()}
    headers = {**team, "Idempotency-Key": f"{stack.prefix}-A1"}
    r = await stack.http.post(path, headers=headers, json=deposit)
    assert r.status_code == 201 and r.json()["number"] == 2, r.text
    again = await stack.http.post(path, headers=headers, json=deposit)
    assert again.status_code == 200 and again.json()["duplicate"], again.text

    events = f"{path}/2/events"
    too_long = (today + timedelta(days=400)).isoformat()
    freeze = {"kind": "preserved", "on": today.isoformat(), "measure": "freeze", "court": "上海市黄浦区人民法院",
              "ruling_number": "(2026)沪0101执保1号"}
    r = await stack.http.post(events, headers=team, json={"event": {**freeze, "ends_on": too_long}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "event", "ends_on"], r.text
    assert "art. 485" in r.json()["detail"][0]["msg"]
    r = await stack.http.post(f"{path}/9/events", headers=team, json={"event": freeze})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "number"], r.text
    ends = (today + timedelta(days=200)).isoformat()
    r = await stack.http.post(events, headers=team, json={"event": {**freeze, "ends_on": ends}})
    assert r.status_code == 201 and r.json()["asset"]["standing"] == "preserved", r.text
    assert r.json()["asset"]["measure_ends_on"] == ends

    async def a_deadline() -> Any:
        got = await stack.http.get(f"/matters/{mid}/deadlines", headers=team)
        return [d for d in got.json()["data"] if d["name"] == "measure on asset 2 (deposit)"]

    [d] = await eventually(a_deadline)
    assert d["last_day"] == ends and "art. 485" in d["rule"] and "(2026)沪0101执保1号" in d["source"]
