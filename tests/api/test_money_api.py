"""Money through the API on the real stack: the balance on any date, payment reversals, settlements with
approval by authority and the signed copy, the approvals queue, and a write-off with a recovery after it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.api.conftest import Stack, eventually

PDF = (b"%PDF-1.4\n% signed settlement agreement\n1 0 obj << /Type /Catalog >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")


def cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


def interest(days: int) -> Decimal:
    """18,000.00 overdue principal x 4.35% x days / 360 (the demo policy's day count), half up."""
    return (Decimal("18000.00") * Decimal("0.0435") * days / 360).quantize(Decimal("0.01"), ROUND_HALF_UP)


async def on(stack: Stack, mid: str, as_of: str, role: str = "legal_team") -> Any:
    return await stack.http.get(f"/matters/{mid}", params={"as_of": as_of}, headers=stack.auth(role))


async def test_the_balance_on_any_date_is_exact_and_bad_dates_are_refused_by_name(stack: Stack) -> None:
    m = await stack.open("asof", contract={"number": "JK-1", "signed_on": "2024-03-15", "annual_rate": "0.0435",
                                           "principal": cny("200000.00"), "principal_not_due": cny("0.00")})
    mid = m["id"]
    d = await stack.detail(mid)
    st = d["statement"]
    assert st is not None and st["terms"]["day_count"] == "actual/360" and st["terms"]["interest_rate"] == "0.0435"
    start = date.fromisoformat(st["accrual_start"])
    for days in (0, 1, 30, 365):
        r = await on(stack, mid, (start + timedelta(days=days)).isoformat())
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["balance_as_of"] == (start + timedelta(days=days)).isoformat()
        assert body["balance"]["interest"] == cny(str(Decimal("1200.00") + interest(days)))
        assert body["outstanding"] == cny(str(Decimal("19518.00") + interest(days)))
        assert body["statement"]["accrued"]["interest"] == cny(str(interest(days)))
    before = await on(stack, mid, (start - timedelta(days=1)).isoformat())
    assert before.status_code == 422 and before.json()["detail"][0]["loc"] == ["query", "as_of"]
    assert "before the matter's intake date" in before.json()["detail"][0]["msg"]
    bad = await on(stack, mid, "2026-02-30")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "as_of"]


async def test_a_reversal_undoes_a_payment_exactly_and_is_idempotent(stack: Stack) -> None:
    m = await stack.open("reverse")
    mid = m["id"]
    today = (await stack.detail(mid))["policy_today"]
    r = await stack.http.post(f"/matters/{mid}/payments", headers=stack.auth("legal_team"),
                              json={"payment_id": "P1", "amount": cny("318.00"), "received_on": "2026-11-20"})
    assert r.status_code == 201, r.text
    paid = r.json()["allocation"]
    body = {"reversed_on": "2026-11-21", "reason": "transfer returned: account closed"}
    url = f"/matters/{mid}/payments/P1/reversal"
    partner = await stack.http.post(url, json=body, headers=stack.auth("partner_a"))
    assert partner.status_code in (403, 404)
    first = await stack.http.post(url, json=body, headers=stack.auth("legal_team"))
    assert first.status_code == 201, first.text
    rev = first.json()
    assert rev["undone"] == paid and rev["reopened"] is False and rev["payment_id"] == "P1"
    again = await stack.http.post(url, json=body, headers=stack.auth("legal_team"))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    other = await stack.http.post(url, json={**body, "reason": "something else"}, headers=stack.auth("legal_team"))
    assert other.status_code == 409
    unknown = await stack.http.post(f"/matters/{mid}/payments/NOPE/reversal", json=body,
                                    headers=stack.auth("legal_team"))
    assert unknown.status_code == 422 and "no payment 'NOPE'" in unknown.text
    future = await stack.http.post(url, json={**body, "reversed_on": "2999-01-01"}, headers=stack.auth("legal_team"))
    assert future.status_code == 422 and future.json()["detail"][0]["loc"] == ["body", "reversed_on"]
    d = await stack.detail(mid)
    assert d["statement"]["paid"] == cny("0.00") and d["paid_total"] == cny("0.00")
    assert today  # the matter's own date was known


async def _upload_signed(stack: Stack, mid: str) -> str:
    r = await stack.http.post(f"/matters/{mid}/evidence", content=PDF, headers={
        **stack.auth("legal_team"), "Content-Type": "application/pdf"}, params={
        "file_name": "settlement-signed.pdf", "description": "settlement agreement signed by both parties",
        "proves": "the settlement is agreed", "source": "borrower, in person"})
    assert r.status_code in (200, 201), r.text
    return str(r.json()["id"])


ZERO_RATE = {"number": "JK-0", "signed_on": "2024-03-15", "annual_rate": "0", "principal": cny("200000.00"),
             "principal_not_due": cny("0.00")}  # a 0% loan: the balance holds still while the demo's days fly


async def test_a_settlement_is_approved_by_authority_signed_and_performed(stack: Stack) -> None:
    m = await stack.open("settle", contract=ZERO_RATE)
    mid = m["id"]
    d = await stack.detail(mid)
    owed = Decimal(d["outstanding"]["amount"])
    today = date.fromisoformat(d["policy_today"])
    payable = owed - Decimal("218.00") - Decimal("1000.00")
    terms = {"waivers": {"penalty": cny("218.00"), "interest": cny("1000.00")},
             "instalments": [{"number": 1, "due_on": (today + timedelta(days=400)).isoformat(),
                              "amount": cny(str(payable))}]}
    r = await stack.http.post(f"/matters/{mid}/settlements", json=terms,
                              headers={**stack.auth("legal_team"), "Idempotency-Key": "S-1"})
    assert r.status_code == 201, r.text
    prop = r.json()["arrangement"]
    assert prop["status"] == "proposed" and prop["needs"] == "one member of the legal team"
    assert any("art. 695" in w for w in prop["warnings"])  # the factory's guarantor has not consented
    again = await stack.http.post(f"/matters/{mid}/settlements", json=terms,
                                  headers={**stack.auth("legal_team"), "Idempotency-Key": "S-1"})
    assert again.status_code == 200 and again.json()["duplicate"] is True

    queue = await stack.http.get("/approvals", headers=stack.auth("manager"))
    assert queue.status_code == 200
    await eventually(lambda: _queued(stack, mid))
    own = await stack.http.post(f"/matters/{mid}/settlements/S-1/approvals", json={"decision": "approve"},
                                headers=stack.auth("legal_team"))
    assert own.status_code == 403 and "approver" in own.text  # the proposer never approves
    partner = await stack.http.post(f"/matters/{mid}/settlements/S-1/approvals", json={"decision": "approve"},
                                    headers=stack.auth("partner_a"))
    assert partner.status_code in (403, 404)
    ok = await stack.http.post(f"/matters/{mid}/settlements/S-1/approvals", json={"decision": "approve"},
                               headers=stack.auth("manager"))
    assert ok.status_code == 201, ok.text
    assert ok.json()["arrangement"]["status"] == "approved"

    missing = await stack.http.post(f"/matters/{mid}/settlements/S-1/signed", headers=stack.auth("legal_team"),
                                    json={"upload_id": "nope", "signed_on": today.isoformat()})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "upload_id"]
    upload_id = await _upload_signed(stack, mid)
    signed = await stack.http.post(f"/matters/{mid}/settlements/S-1/signed", headers=stack.auth("legal_team"),
                                   json={"upload_id": upload_id, "signed_on": today.isoformat()})
    assert signed.status_code == 201, signed.text
    assert signed.json()["stage"] == "amendment" and signed.json()["arrangement"]["status"] == "effective"
    docs = await eventually(lambda: _kinds(stack, mid, "settlement_agreement"))
    assert docs


async def _queued(stack: Stack, mid: str) -> bool:
    r = await stack.http.get("/approvals", headers=stack.auth("manager"))
    return any(x["matter_id"] == mid and x["arrangement"]["proposal_id"] == "S-1" for x in r.json()["data"])


async def _kinds(stack: Stack, mid: str, kind: str) -> bool:
    r = await stack.http.get(f"/matters/{mid}/documents", headers=stack.auth("manager"))
    return r.status_code == 200 and kind in [x["kind"] for x in r.json()["data"]]


async def test_holds_contacts_and_acceleration_through_the_api(stack: Stack) -> None:
    contract = {**ZERO_RATE, "principal_not_due": cny("150000.00")}
    m = await stack.open("conduct", contract=contract)
    mid = m["id"]
    team, manager = stack.auth("legal_team"), stack.auth("manager")

    # A bankruptcy stay needs a manager; a dispute hold the team places and lifts.
    r = await stack.http.post(f"/matters/{mid}/holds", headers=team,
                              json={"kind": "bankruptcy_stay", "reason": "court accepted the petition"})
    assert r.status_code == 403, r.text
    r = await stack.http.post(f"/matters/{mid}/holds", headers={**team, "Idempotency-Key": "H-1"},
                              json={"kind": "dispute", "reason": "borrower disputes the penalty"})
    assert r.status_code == 201, r.text
    assert r.json()["held"] is True
    r = await stack.http.post(f"/matters/{mid}/holds", headers={**team, "Idempotency-Key": "H-1"},
                              json={"kind": "dispute", "reason": "borrower disputes the penalty"})
    assert r.status_code == 200 and r.json()["duplicate"] is True
    bad = await stack.http.post(f"/matters/{mid}/holds", headers=team,
                                json={"kind": "holiday", "reason": "x"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "kind"]
    d = await stack.detail(mid)
    assert d["next_step"] is None  # held: nothing is due
    r = await stack.http.post(f"/matters/{mid}/holds/H-1/release", headers=team, json={})
    assert r.status_code == 201, r.text
    assert r.json()["held"] is False and r.json()["shifted_seconds"] > 0

    # The contact log: a refusal to pay makes the borrower unwilling; a cease-contact request is recorded.
    r = await stack.http.post(f"/matters/{mid}/contacts", headers=team, json={
        "channel": "phone", "outcome": "refused_to_pay", "cause": "unwilling", "cease_contact": True})
    assert r.status_code == 201, r.text
    assert r.json()["willingness"] == "unwilling" and r.json()["cease_contact"] is True
    bad = await stack.http.post(f"/matters/{mid}/contacts", headers=team, json={
        "channel": "pigeon", "outcome": "reached"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "channel"]

    # Acceleration: a manager declares it; its service makes the whole loan due.
    r = await stack.http.post(f"/matters/{mid}/acceleration", headers=team, json={})
    assert r.status_code == 403
    r = await stack.http.post(f"/matters/{mid}/acceleration", headers=manager, json={"clause": "第十二条"})
    assert r.status_code == 201, r.text
    await eventually(lambda: _kinds(stack, mid, "acceleration_notice"))
    # Bounded by the matter's own date (this demo policy's runs a day a second ahead of the real one).
    late = await stack.http.post(f"/matters/{mid}/acceleration/service", headers=team,
                                 json={"delivered_on": "2999-01-01", "method": "courier"})
    assert late.status_code == 422 and late.json()["detail"][0]["loc"] == ["body", "delivered_on"], late.text
    assert "after the matter's date" in late.text
    today = (await stack.detail(mid))["policy_today"]
    r = await stack.http.post(f"/matters/{mid}/acceleration/service", headers=team,
                              json={"delivered_on": today, "method": "courier"})
    assert r.status_code == 201, r.text
    assert r.json()["acceleration"]["accelerated"] == cny("150000.00")
    assert Decimal(r.json()["outstanding"]["amount"]) == Decimal("169518.00")  # 19,518 + 150,000 (0% loan)


async def test_the_contact_limit_is_the_borrowers_across_matters(stack: Stack) -> None:
    """Two matters of one person on a real-time policy: the attempts logged on both count in one budget."""
    import uuid

    from tests.factories import intake_data

    person = f"9{uuid.uuid4().int % 10**16:016d}X"  # an ID number no other test's borrower has
    team = stack.auth("legal_team")
    mids = []
    for name in ("budget-a", "budget-b"):
        body = intake_data(external_ref=stack.ref(name), policy="standard")
        body["borrower"] = {**body["borrower"], "id_number": person}
        r = await stack.http.post("/matters", json=body, headers=team)
        assert r.status_code == 201, r.text
        mids.append(r.json()["id"])
    a, b = mids
    for n in range(7):  # the standard policy's limit: 7 attempts per rolling 7 days
        r = await stack.http.post(f"/matters/{a}/contacts", headers={**team, "Idempotency-Key": f"call-{n}"},
                                  json={"channel": "phone", "outcome": "no_answer"})
        assert r.status_code == 201, r.text

    async def history(mid: str) -> list[str]:
        got = await stack.http.get(f"/matters/{mid}/history", headers=stack.auth("manager"), params={"limit": 1000})
        return [e["what"] for e in got.json()["data"]]

    r = await stack.http.post(f"/matters/{b}/contacts", headers=team, json={"channel": "visit", "outcome": "reached"})
    assert r.status_code == 201, r.text
    assert r.json()["contacts_in_7_days"] == 1  # (this matter's own; the budget is the person's)

    # The eighth attempt broke the limit; the matters count concurrently, so whichever of the eight was
    # counted last carries the warning, in its own matter's history.
    async def warned() -> list[str]:
        return [w for mid in (a, b) for w in await history(mid)
                if w.startswith("Contact counted in the borrower's budget over its limit: 8 contact attempts in 7 "
                                "days across the borrower's matters, over the limit of 7")]

    assert len(await eventually(warned, timeout=30)) == 1
    counted = [w for mid in (a, b) for w in await history(mid) if w.startswith("Contact counted")]
    assert len(counted) == 8
