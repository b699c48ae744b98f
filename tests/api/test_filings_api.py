"""A suit's filing drafted from the record and its pre-suit preservation, through the API on the real
stack: the firm's partner drafts the complaint and the power of attorney (stored, listed, downloadable),
what the record lacks is a 422 naming the field, and a pre-suit preservation starts the 30 days to file
that GET /matters/{id}/deadlines shows until the case is filed."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import FIRM_A, Stack, eventually
from tests.factories import intake_data

PARTICULARS = {"gender": "female", "born_on": "1982-02-02", "ethnicity": "汉族"}


def body(**changes: Any) -> dict[str, Any]:
    return {"representative": "王建国", "contact_person": "李敏", "contact_phone": "010-88880001",
            "borrower": {"gender": "male", "born_on": "1980-01-01", "ethnicity": "汉族"},
            "guarantors": [PARTICULARS], "agents": [{"name": "陈静", "licence_number": "13101200910187654"}],
            "special_authorisation": True, **changes}


async def test_the_firm_drafts_the_suit_s_filing_and_records_a_pre_suit_preservation(stack: Stack) -> None:
    contract = {**intake_data()["contract"], "penalty_rate": "0.072"}
    m = await stack.open_fast("filing", contract=contract)
    mid = m["id"]
    await stack.refer(mid, FIRM_A, accept=True)

    async def started() -> Any:
        got = await stack.http.post(f"/matters/{mid}/proceedings", json={}, headers=stack.auth("partner_a"))
        return got if got.status_code == 201 else None

    await eventually(started)
    drafts = f"/matters/{mid}/proceedings/1/drafts"
    r = await stack.http.post(drafts, json=body(), headers=stack.auth("partner_a"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "court"], r.text  # no agreed court
    r = await stack.http.post(drafts, json=body(court="北京市朝阳区人民法院", guarantors=[]),
                              headers=stack.auth("partner_a"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "guarantors"], r.text
    r = await stack.http.post(drafts, json=body(court="北京市朝阳区人民法院", borrower={"gender": "male"}),
                              headers=stack.auth("partner_a"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "borrower", "gender"], r.text
    assert (await stack.http.post(drafts, json=body(court="X"), headers=stack.auth("partner_b"))).status_code == 404
    headers = {**stack.auth("partner_a"), "Idempotency-Key": f"{stack.prefix}-DRAFT"}
    r = await stack.http.post(drafts, json=body(court="北京市朝阳区人民法院"), headers=headers)
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["kind"] == "civil_complaint" and len(draft["documents"]) == 2
    again = await stack.http.post(drafts, json=body(court="北京市朝阳区人民法院"), headers=headers)
    assert again.status_code == 200 and again.json()["duplicate"]

    async def stored() -> Any:
        got = await stack.http.get(f"/matters/{mid}/documents", headers=stack.auth("partner_a"))
        docs = {d["id"]: d for d in got.json()["data"]}
        return docs if set(draft["documents"]) <= set(docs) else None

    docs = await eventually(stored, timeout=60)
    assert [docs[i]["kind"] for i in draft["documents"]] == ["civil_complaint", "power_of_attorney"]
    content = await stack.http.get(f"/documents/{draft['documents'][0]}/content", headers=stack.auth("partner_a"))
    assert content.status_code == 200 and content.content[:2] == b"PK"
    history = (await stack.http.get(f"/matters/{mid}/history", headers=stack.auth("manager"),
                                    params={"limit": 1000})).json()
    words = [e["what"] for e in history["data"]]
    assert any(draft["evidence_reference"] in w and "complaint of proceeding 1 queued" in w for w in words), words
    assert any("made for the proceeding's filing" in w for w in words), words

    # The application for pre-suit preservation, from the record (the car on record, valued as it says).
    application = {"representative": "王建国", "contact_person": "李敏", "contact_phone": "010-88880001",
                   "borrower": {"gender": "male", "born_on": "1980-01-01", "ethnicity": "汉族"},
                   "court": "北京市朝阳区人民法院", "assets": [{"asset": 0, "location": "北京市车辆管理所登记"}],
                   "security": {"provider": "PICC", "instrument": "诉讼财产保全责任保险保函", "reference": "PICC-1",
                                "amount": {"amount": "10.00", "currency": "CNY"}}}
    path = f"/matters/{mid}/proceedings/1/preservation-drafts"
    r = await stack.http.post(path, json=application, headers=stack.auth("partner_a"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "security", "amount"], r.text
    excused = {"ground": "financial_institution", "licence": "B0001B211000001"}
    r = await stack.http.post(path, json={**application, "security": None, "excused": excused},
                              headers=stack.auth("partner_a"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "excused"], r.text  # art. 104
    assert "CPL art. 104" in r.json()["detail"][0]["msg"], r.text
    application["security"]["amount"] = {"amount": "90000.00", "currency": "CNY"}  # type: ignore[index]
    assert (await stack.http.post(path, json=application, headers=stack.auth("partner_b"))).status_code == 404
    r = await stack.http.post(path, json=application, headers=stack.auth("partner_a"))
    assert r.status_code == 201 and r.json()["pre_suit"], r.text
    preservation_doc = r.json()["document_id"]

    async def kept() -> Any:
        got = await stack.http.get(f"/matters/{mid}/documents", headers=stack.auth("partner_a"))
        return [d for d in got.json()["data"] if d["id"] == preservation_doc]

    [doc] = await eventually(kept, timeout=60)
    assert doc["kind"] == "preservation_application"

    # Pre-suit preservation: security given; its 30 days to file are a running deadline until the filing.
    d = await stack.detail(mid)
    today = d["policy_today"]
    events = f"/matters/{mid}/proceedings/1/events"
    preserved = {"kind": "preserved", "on": today, "pre_suit": True, "court": "北京市朝阳区人民法院",
                 "ruling_number": "(2026)京0105财保1号", "amount": {"amount": "19518.00", "currency": "CNY"},
                 "measures": "冻结被申请人银行存款", "security": "excused", "security_detail": "银行申请"}
    r = await stack.http.post(events, json={"event": preserved}, headers=stack.auth("partner_a"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "event", "security"], r.text
    r = await stack.http.post(events, json={"event": {**preserved, "security": "given",
                                                      "security_detail": "保险公司保函PICC-1"}},
                              headers=stack.auth("partner_a"))
    assert r.status_code == 201, r.text
    deadlines = (await stack.http.get(f"/matters/{mid}/deadlines", headers=stack.auth("partner_a"))).json()
    [suit] = [x for x in deadlines["data"] if x["name"].startswith("suit after pre-suit preservation")]
    assert "art. 104" in suit["rule"] and suit["runs_from"] == today
    r = await stack.http.post(events, json={"event": {"kind": "filed", "on": today, "body": "北京市朝阳区人民法院",
                                                      "case_number": "(2026)京0105民初1号"}},
                              headers=stack.auth("partner_a"))
    assert r.status_code == 201, r.text
    deadlines = (await stack.http.get(f"/matters/{mid}/deadlines", headers=stack.auth("partner_a"))).json()
    assert not [x for x in deadlines["data"] if x["name"].startswith("suit after")]
    r = await stack.http.post(drafts, json=body(court="北京市朝阳区人民法院"), headers=stack.auth("partner_a"))
    assert r.status_code == 409 and "filed" in r.json()["detail"], r.text

    # In the case: security, or the request to be excused from it on a ground with the fact that shows it.
    in_suit = {**application, "security": None}
    r = await stack.http.post(path, json=in_suit, headers=stack.auth("partner_a"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "security"], r.text
    r = await stack.http.post(path, json={**in_suit, "excused": {"ground": "financial_institution"}},
                              headers=stack.auth("partner_a"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "excused", "licence"], r.text
    r = await stack.http.post(path, json={**in_suit, "excused": {"ground": "clear_facts"}},
                              headers=stack.auth("partner_a"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "excused", "reason"], r.text
    r = await stack.http.post(path, json={**application, "excused": excused}, headers=stack.auth("partner_a"))
    assert r.status_code == 422 and "not both" in r.json()["detail"][0]["msg"], r.text
    r = await stack.http.post(path, json={**in_suit, "excused": excused}, headers=stack.auth("partner_a"))
    assert r.status_code == 201 and not r.json()["pre_suit"], r.text
    preservation_doc = r.json()["document_id"]
    [doc] = await eventually(kept, timeout=60)
    assert doc["kind"] == "preservation_application"
