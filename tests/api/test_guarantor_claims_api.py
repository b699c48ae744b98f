"""Claims against the guarantors through the API on the real stack: opened for every guarantor on record (one
child workflow each, idempotent), listed with their guarantee periods, a demand within the period holding the
joint-and-several guarantor, the law's refusals named by field, and firm scoping (404 for a firm the matter
is not referred to)."""

from __future__ import annotations

from datetime import date
from typing import Any

from documents.renderer import visible_text
from tests.api.conftest import Stack, eventually
from tests.factories import intake_data

CONTRACT = {"number": "JK-GC", "signed_on": "2024-03-15", "annual_rate": "0.0435", "due_on": "2026-11-30",
            "principal": {"amount": "200000.00", "currency": "CNY"},
            "principal_not_due": {"amount": "0.00", "currency": "CNY"}}
GUARANTORS = [{"name": "李娜", "id_number": "110105198202022345", "guarantee_type": "joint_and_several"},
              {"name": "王强", "id_number": "310101197706124418"}]


async def test_claims_against_the_guarantors_are_opened_listed_and_recorded(stack: Stack) -> None:
    m = await stack.open("claims", contract=CONTRACT, guarantors=GUARANTORS)
    mid, team = m["id"], stack.auth("legal_team")
    path = f"/matters/{mid}/guarantor-claims"
    assert (await stack.http.post(path, headers=stack.auth("partner_a"))).status_code == 404  # not its matter

    async def opened() -> Any:
        r = await stack.http.post(path, headers={**team, "Idempotency-Key": f"{stack.prefix}-GC"})
        return r if r.status_code in (200, 201) else None

    r = await eventually(opened)
    assert r.status_code == 201 and r.json()["opened"] == [1, 2], r.text
    again = await stack.http.post(path, headers={**team, "Idempotency-Key": f"{stack.prefix}-GC"})
    assert again.status_code == 200 and again.json()["duplicate"], again.text

    async def listed() -> Any:
        got = await stack.http.get(path, headers=team)
        assert got.status_code == 200, got.text
        return got.json() if got.json()["count"] == 2 else None

    claims = (await eventually(listed))["data"]
    joint, general = claims
    assert (joint["number"], joint["guarantee_type"], joint["standing"]) == (1, "joint_and_several", "open")
    assert joint["period"]["last_day"] == "2027-05-30" and "李娜" not in str(claims)  # no personal data
    assert general["guarantee_type"] == "general" and "against the debtor" in general["why"]

    # The demand letter from the record; the guarantor sees the borrower's ID masked.
    letter = {"guarantee_contract_number": "BZ-2024-001", "guarantee_signed_on": "2024-03-15"}
    r = await stack.http.post(f"{path}/1/demand-letter", headers=team, json={**letter, "amount_claimed": {
        "amount": "99999999.00", "currency": "CNY"}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "amount_claimed"], r.text
    r = await stack.http.post(f"{path}/1/demand-letter", headers=team, json=letter)
    assert r.status_code == 201, r.text
    document_id = r.json()["document_id"]

    async def stored() -> Any:
        got = await stack.http.get(f"/documents/{document_id}/content", headers=team)
        return got.content if got.status_code == 200 else None

    text = visible_text(await eventually(stored, timeout=60))
    borrower_id = intake_data()["borrower"]["id_number"]
    assert borrower_id not in text and borrower_id[-4:] in text and "连带责任保证" in text

    events = f"{path}/1/events"
    today = date.today().isoformat()
    r = await stack.http.post(events, headers=team, json={"event": {"kind": "demanded", "on": "2999-01-01",
                                                                    "method": "courier"}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "event", "on"], r.text
    r = await stack.http.post(f"{path}/2/events", headers=team,
                              json={"event": {"kind": "refused", "on": today, "reason": "will not pay"}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "event", "kind"], r.text
    r = await stack.http.post(events, headers=team,
                              json={"event": {"kind": "demanded", "on": today, "method": "registered_post"}})
    assert r.status_code == 201, r.text
    snap = r.json()["snapshot"]
    assert snap["standing"] == "held" and snap["held_on"] == today, snap
    assert (await stack.http.post(f"{path}/3/events", headers=team, json={"event": {
        "kind": "demanded", "on": today, "method": "courier"}})).status_code == 404
    assert (await stack.http.get(f"{path}/1", headers=stack.auth("partner_b"))).status_code == 404

    # The guarantor pays into the matter's ledger: the claim shows it.
    r = await stack.http.post(f"/matters/{mid}/payments", headers=team, json={
        "payment_id": f"{stack.prefix}-GP1", "amount": {"amount": "500.00", "currency": "CNY"}, "received_on": today,
        "guarantor": 1})
    assert r.status_code == 201, r.text

    async def paid() -> Any:
        got = (await stack.http.get(path, headers=team)).json()["data"]
        return got[0]["paid"] == {"amount": "500.00", "currency": "CNY"}

    await eventually(paid)

    async def only_the_general() -> Any:  # the joint guarantor is held: its period is no longer one to act within
        got = await stack.http.get(f"/matters/{mid}/deadlines", headers=team)
        names = [d["name"] for d in got.json()["data"] if d["name"].startswith("guarantee period")]
        return names == ["guarantee period: guarantor 2 (general)"]

    await eventually(only_the_general)

    async def in_the_history() -> Any:  # the claim's news, in plain words, with no personal data
        got = await stack.http.get(f"/matters/{mid}/history", headers=stack.auth("manager"), params={"limit": 1000})
        lines = [e["what"] for e in got.json()["data"]]
        return [w for w in lines if w.startswith("Child reported: the claim against guarantor 1: Demand")] and [
            w for w in lines if w.startswith("Claims opened against guarantor(s): 1, 2")]

    assert await eventually(in_the_history)


async def test_a_matter_without_guarantors_has_no_claim_to_open(stack: Stack) -> None:
    m = await stack.open("no-guarantor", guarantors=[])

    async def refused() -> Any:
        r = await stack.http.post(f"/matters/{m['id']}/guarantor-claims", headers=stack.auth("legal_team"))
        return r if r.status_code != 404 else None

    r = await eventually(refused)
    assert r.status_code == 422 and "no guarantor" in r.text, r.text
