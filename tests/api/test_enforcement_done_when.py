"""Issue 10's "Done when", through the HTTP API on the real stack (Temporal dev server, SeaweedFS, SQLite), on the
`fast` policy's clock (one policy day a second):

- an award enforced by freezing a deposit and auctioning a vehicle (unsold at the first auction, sold at the
  second's lower reserve), the court's distribution applied to the cent; the round terminated (no more property)
  and enforcement applied for again; the debtor then pays the rest mid-enforcement and the matter unwinds: the
  enforcement withdrawn, the deposit's freeze applied to be lifted (the sold vehicle needs none), the firm told,
  the children closed, each with its document; the court's release recorded on the closed matter;
- the guarantors: a joint-and-several guarantee period agreed to end within days lapses with nothing done (the
  guarantor released, with the reason), while the general guarantor is asked, once enforcement ended with a
  shortfall, for exactly what is left (Civil Code art. 687).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from documents.renderer import visible_text
from tests.api.conftest import FIRM_A, Stack, eventually
from tests.api.test_litigation_done_when import _history_has, _record, _start, _today, _words
from tests.factories import intake_data

CNY = "CNY"
CLAUSE = {"forum": "arbitration", "institution": "上海仲裁委员会", "article": "第二十条",
          "text": "因本合同引起的争议，提交上海仲裁委员会仲裁。"}


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": CNY}


async def _awarded(stack: Stack, name: str, **intake: Any) -> tuple[str, date]:
    """A `fast` matter referred to firm A, arbitrated to an award in effect, enforcement applied for."""
    m = await stack.open_fast(name, contract={**intake.pop("contract", intake_data()["contract"]),
                                              "dispute": CLAUSE}, **intake)
    mid = m["id"]
    await stack.refer(mid, FIRM_A, accept=True)
    await _start(stack, mid, "partner_a", f"{name}-P")
    day = (await _today(stack, mid)).isoformat()
    for event in ({"kind": "filed", "on": day, "body": "上海仲裁委员会", "case_number": "(2026)沪仲案字第0101号"},
                  {"kind": "decided", "on": day, "decision": "award", "amount": money("19518.00"),
                   "performance_days": 10},
                  {"kind": "enforcement_filed", "on": day, "court": "上海市第一中级人民法院",
                   "case_number": "(2026)沪01执101号"}):
        r = await _record(stack, mid, event, "partner_a")
        assert r.status_code == 201, r.text
    return mid, date.fromisoformat(day)


async def _paid(stack: Stack, mid: str) -> Decimal:
    return Decimal((await stack.detail(mid))["paid_total"]["amount"])


async def test_an_award_enforced_by_freeze_and_second_auction_then_paid_and_every_measure_unwound(
        stack: Stack) -> None:
    mid, _ = await _awarded(stack, "enf")
    team, partner = stack.auth("legal_team"), stack.auth("partner_a")
    assets = f"/matters/{mid}/assets"
    day = (await _today(stack, mid)).isoformat()
    r = await stack.http.post(assets, headers={**team, "Idempotency-Key": f"{stack.prefix}-DEP"}, json={
        "asset": {"kind": "deposit", "description": "工商银行账户6222***1234", "estimated_value": money("12000.00")},
        "discovered_on": day})
    assert r.status_code == 201 and r.json()["number"] == 2, r.text

    async def asset_event(n: int, event: dict[str, Any], role: dict[str, str] = partner) -> Any:
        got = await stack.http.post(f"{assets}/{n}/events", headers=role, json={"event": event})
        assert got.status_code == 201, got.text
        return got.json()["asset"]

    freeze = {"kind": "preserved", "on": day, "measure": "freeze", "court": "上海市第一中级人民法院",
              "ruling_number": "(2026)沪01执101号之一"}
    assert (await asset_event(2, freeze))["standing"] == "preserved"
    await asset_event(1, {**freeze, "measure": "seize", "ruling_number": "(2026)沪01执101号之二"})
    await asset_event(1, {"kind": "valued", "on": day, "value": money("50000.00"), "by": "上海某资产评估有限公司"})
    await asset_event(1, {"kind": "auctioned", "on": day, "round": 1, "reserve": money("35000.00"),
                          "outcome": "unsold"})
    r = await stack.http.post(f"{assets}/1/events", headers=partner, json={"event": {
        "kind": "auctioned", "on": day, "round": 2, "reserve": money("35000.00"), "outcome": "sold",
        "price": money("35000.00")}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "event", "reserve"], r.text
    sold = await asset_event(1, {"kind": "auctioned", "on": day, "round": 2, "reserve": money("28000.00"),
                                 "outcome": "sold", "price": money("28350.00")})
    assert sold["standing"] == "sold", sold

    # The court's distribution of the sale: its costs first, what reaches the creditor applied to the cent.
    before = await _paid(stack, mid)
    sale = {"kind": "proceeds", "on": day, "gross": money("28350.00"), "costs": money("412.37"),
            "to_creditor": money("15000.00"), "asset": 9}
    r = await _record(stack, mid, sale, "partner_a")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "event", "asset"], r.text
    r = await _record(stack, mid, {**sale, "asset": 1}, "partner_a")
    assert r.status_code == 201, r.text

    async def applied() -> Any:
        return await _paid(stack, mid) == before + Decimal("15000.00")

    await eventually(applied)

    async def linked() -> Any:  # the register shows what the car's sale brought the creditor
        got = (await stack.http.get(assets, headers=team)).json()["data"]
        return got[0]["proceeds"] == money("15000.00") and got[1]["proceeds"] is None

    await eventually(linked)
    await _history_has(stack, mid, "CNY 12,937.63 to the debtor or other creditors")

    # No more property: this round terminated; the deposit turns up frozen: applied for again.
    r = await _record(stack, mid, {"kind": "round_terminated", "on": day, "ruling_number": "(2026)沪01执101号之三"},
                      "partner_a")
    assert r.status_code == 201, r.text
    r = await _record(stack, mid, {"kind": "enforcement_filed", "on": day, "court": "上海市第一中级人民法院",
                                   "case_number": "(2026)沪01执恢7号"}, "partner_a")
    assert r.status_code == 201, r.text

    # The debtor pays the rest mid-enforcement: the matter closes paid and unwinds.
    # (What is owed on the policy's day, which runs ahead of the calendar's: received today, it pays all.)
    detail = await stack.detail(mid)
    r = await stack.http.post(f"/matters/{mid}/payments", headers=team, json={
        "payment_id": f"{stack.prefix}-ALL", "amount": detail["outstanding"], "received_on": date.today().isoformat()})
    assert r.status_code == 201, r.text

    async def unwound() -> Any:
        got = await stack.http.get(f"/matters/{mid}/unwinding", headers=team)
        return got.json() if got.status_code == 200 and got.json()["done"] else None

    u = await eventually(unwound, timeout=60)
    assert (await stack.detail(mid))["stage"] == "closed"
    assert (await stack.http.get(f"/matters/{mid}/unwinding", headers=stack.auth("partner_b"))).status_code == 404
    assert u["ground"] == "paid", u
    kinds = [s["kind"] for s in u["steps"]]
    assert kinds[:2] == ["withdraw_enforcement", "lift_measure"] and kinds[-1] == "close_children", kinds
    assert "return_security" not in kinds and kinds.count("lift_measure") == 1, kinds  # the sold car: nothing held
    withdraw, lift = u["steps"][:2]
    assert withdraw["case_number"] == "(2026)沪01执恢7号", withdraw
    assert (lift["ruling_number"], lift["assets"]) == ("(2026)沪01执101号之一", [2]), lift
    assert all(s["status"] in ("done", "skipped") for s in u["steps"]) and u["still_held"] == [2], u

    async def text_of(document_id: str) -> str:
        async def stored() -> Any:
            got = await stack.http.get(f"/documents/{document_id}/content", headers=team)
            return got.content if got.status_code == 200 else None

        return visible_text(await eventually(stored, timeout=60))

    text = await text_of(lift["document_id"])
    assert "(2026)沪01执101号之一" in text and "工商银行账户6222***1234" in text and "第二十三条" in text, text
    assert "撤回" in await text_of(withdraw["document_id"])
    # The history shows the chain: each application stored, then the firm told, then the children closed.
    await _history_has(stack, mid, "Referral 1 to Firm A LLP ended (closed)")
    lines = [e["what"] for e in await _words(stack, mid)]
    chain = [i for i, w in enumerate(lines) if "'unwinding_application' stored" in w]
    told = next(i for i, w in enumerate(lines) if w.startswith("The matter's closing, with the applications"))
    ended = next(i for i, w in enumerate(lines) if w.startswith("Proceeding 1 (arbitration) ended"))
    assert len(chain) == 2 and chain[-1] < told < ended, lines

    # The court lifts the freeze: the team records it on the closed matter (no longer the firm's); nothing else.
    release = {"kind": "released", "on": day, "reason": "x"}
    r = await stack.http.post(f"{assets}/2/events", headers=partner, json={"event": release})
    assert r.status_code == 404, r.text
    r = await stack.http.post(f"{assets}/1/events", headers=team, json={"event": {
        "kind": "valued", "on": day, "value": money("1.00"), "by": "x"}})
    assert r.status_code == 409, r.text
    released = await asset_event(2, {"kind": "released", "on": (await _today(stack, mid)).isoformat(),
                                     "reason": "债务已清偿，法院裁定解除冻结"}, role=team)
    assert released["standing"] == "released", released

    async def nothing_held() -> Any:
        got = await stack.http.get(f"/matters/{mid}/unwinding", headers=team)
        return got.json()["still_held"] == []

    await eventually(nothing_held)


async def test_a_lapsed_guarantee_and_a_general_guarantor_asked_for_the_shortfall_after_enforcement(
        stack: Stack) -> None:
    today = date.today()
    contract = {"number": "JK-EN", "signed_on": "2024-03-15", "annual_rate": "0.0435", "due_on": "2026-11-30",
                "principal": money("200000.00"), "principal_not_due": money("0.00")}
    guarantors = [{"name": "李娜", "id_number": "110105198202022345", "guarantee_type": "joint_and_several",
                   "period_ends_on": (today + timedelta(days=45)).isoformat()},
                  {"name": "王强", "id_number": "310101197706124418", "cap": money("50000.00")}]
    mid, _ = await _awarded(stack, "gen", contract=contract, guarantors=guarantors)
    team = stack.auth("legal_team")
    path = f"/matters/{mid}/guarantor-claims"

    async def opened() -> Any:
        r = await stack.http.post(path, headers={**team, "Idempotency-Key": f"{stack.prefix}-GC"})
        return r if r.status_code in (200, 201) else None

    await eventually(opened)

    # Nothing done within the joint guarantor's agreed period (it ends 45 policy days after today): released.
    async def released() -> Any:
        got = (await stack.http.get(f"{path}/1", headers=team)).json()
        return got if got.get("standing") == "released" else None

    claim = await eventually(released, timeout=90)
    assert "period" in claim["why"], claim
    lines = await _history_has(stack, mid, "Child reported: the claim against guarantor 1")
    assert any("period" in e["what"] for e in lines), [e["what"] for e in lines]

    # Enforcement fetches part of the debt, then ends with nothing more found: the general guarantor is asked
    # for exactly what is left.
    day = (await _today(stack, mid)).isoformat()
    r = await _record(stack, mid, {"kind": "proceeds", "on": day, "gross": money("9000.00"), "costs": money("0.00"),
                                   "to_creditor": money("9000.00")}, "partner_a")
    assert r.status_code == 201, r.text
    r = await _record(stack, mid, {"kind": "round_terminated", "on": day, "ruling_number": "(2026)沪01执101号之一"},
                      "partner_a")
    assert r.status_code == 201, r.text
    await _history_has(stack, mid, "round of enforcement terminated")
    r = await stack.http.post(f"{path}/2/demand-letter", headers=team, json={
        "guarantee_contract_number": "BZ-2024-002", "guarantee_signed_on": "2024-03-15"})
    assert r.status_code == 201, r.text
    document_id = r.json()["document_id"]

    async def stored() -> Any:
        got = await stack.http.get(f"/documents/{document_id}/content", headers=team)
        return got.content if got.status_code == 200 else None

    text = visible_text(await eventually(stored, timeout=60))
    assert "一般保证" in text and "终结本次执行程序" in text and "(2026)沪01执101号" in text, text
    # And the application for enforcement, drafted from the award on the record (its time to perform is over).
    r = await stack.http.post(f"/matters/{mid}/proceedings/1/enforcement-drafts", headers=stack.auth("partner_a"),
                              json={"representative": "陈立新", "contact_person": "王敏", "contact_phone": "021-1",
                                    "borrower": {"gender": "male", "born_on": "1980-01-01", "ethnicity": "汉族"},
                                    "court": "上海市第一中级人民法院", "assets": [{"asset": 1, "location": "车管所"}]})
    assert r.status_code == 201 and not r.json()["late"], r.text
    application = r.json()["document_id"]

    async def drafted() -> Any:
        got = await stack.http.get(f"/documents/{application}/content", headers=team)
        return got.content if got.status_code == 200 else None

    filed = visible_text(await eventually(drafted, timeout=60))
    assert "强制执行申请书" in filed and "(2026)沪仲案字第0101号" in filed and "加倍支付迟延履行期间的债务利息" in filed
    assert "9,000.00" in filed  # what the court distributed, deducted
    claimed = re.search(r"债务人未能履行的部分人民币 ([0-9,.]+)元", text)
    total = re.search(r"以上合计人民币 ([0-9,.]+)元", text)
    assert claimed and total and claimed.group(1) == total.group(1), text  # the shortfall, to the cent
    assert Decimal(claimed.group(1).replace(",", "")) < Decimal("19518.00") - Decimal("9000.00") + Decimal("2000")
