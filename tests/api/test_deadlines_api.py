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


async def test_managers_list_the_matters_whose_limitation_period_ends_soon(stack: Stack) -> None:
    from datetime import date, timedelta

    from tests.factories import intake_data

    today = date.today()
    ends = today + timedelta(days=40)
    since = ends.replace(year=ends.year - 3)
    base = intake_data()
    near = await stack.open("limitation-near", overdue={**base["overdue"], "since": since.isoformat()},
                            contract={**base["contract"], "signed_on": (since - timedelta(days=400)).isoformat()})
    far = await stack.open("limitation-far")
    manager = stack.auth("manager")
    before = (today + timedelta(days=90)).isoformat()

    async def listed() -> Any:
        r = await stack.http.get("/matters", params={"limitation_before": before, "limit": 200}, headers=manager)
        assert r.status_code == 200, r.text
        ids = {m["id"] for m in r.json()["data"]}
        return ids if near["id"] in ids else None

    ids = await eventually(listed)
    assert far["id"] not in ids
    bad = await stack.http.get("/matters", params={"limitation_before": "2026-02-30"}, headers=manager)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "limitation_before"]
    # The matter near expiry says so in its history too: the 90-day warning came when it opened.
    r = await stack.http.get(f"/matters/{near['id']}/deadlines", headers=manager)
    assert r.json()["data"][0]["last_day"] == (today + timedelta(days=40)).isoformat()


async def test_a_demands_delivery_restarts_the_limitation_period_through_the_api(stack: Stack) -> None:
    m = await stack.open("delivery")
    mid = m["id"]
    team = stack.auth("legal_team")

    async def notice() -> Any:
        r = await stack.http.get(f"/matters/{mid}/documents", headers=team)
        docs = [d for d in r.json()["data"] if d["kind"] == "collection_notice"]
        return docs[0] if docs else None

    doc = await eventually(notice)
    today = (await stack.detail(mid))["policy_today"]
    url = f"/matters/{mid}/documents/{doc['id']}/delivery"
    r = await stack.http.post(url, headers=team, json={"delivered_on": today, "method": "courier"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["duplicate"] is False and body["limitation"]["runs_from"] == today
    assert body["limitation"]["source"] == (f"interrupted on {today}: a demand for payment reached the debtor "
                                            "(collection notice delivered)")
    again = await stack.http.post(url, headers=team, json={"delivered_on": today, "method": "courier"})
    assert again.status_code == 200 and again.json()["duplicate"] is True
    other = await stack.http.post(url, headers=team, json={"delivered_on": today, "method": "in_person"})
    assert other.status_code == 409, other.text
    bad = await stack.http.post(url, headers=team, json={"delivered_on": today, "method": "pigeon"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "method"]
    missing = await stack.http.post(f"/matters/{mid}/documents/nope/delivery", headers=team,
                                    json={"delivered_on": today, "method": "courier"})
    assert missing.status_code == 422 and "document_id" in missing.text
    outsider = await stack.http.post(url, headers=stack.auth("partner_a"),
                                     json={"delivered_on": today, "method": "courier"})
    assert outsider.status_code in (403, 404)

    async def restarted() -> Any:
        r = await stack.http.get(f"/matters/{mid}/deadlines", headers=team)
        d = r.json()["data"][0]
        return d if d["runs_from"] == today else None

    await eventually(restarted)


async def test_each_guarantor_s_guarantee_period_is_listed_with_what_must_be_done_within_it(stack: Stack) -> None:
    contract = {"number": "JK-G", "signed_on": "2024-03-15", "annual_rate": "0.0435", "due_on": "2026-11-30",
                "principal": cny("200000.00"), "principal_not_due": cny("0.00")}
    guarantors = [{"name": "李娜", "id_number": "110105198202022345", "guarantee_type": "joint_and_several"},
                  {"name": "王强", "id_number": "310101197706124418", "period_ends_on": "2026-11-30"}]
    m = await stack.open("guarantees", contract=contract, guarantors=guarantors)

    async def periods() -> list[dict[str, Any]]:
        r = await stack.http.get(f"/matters/{m['id']}/deadlines", headers=stack.auth("legal_team"))
        assert r.status_code == 200, r.text
        return [d for d in r.json()["data"] if d["name"].startswith("guarantee period")]

    joint, general = await eventually(periods)
    assert joint["name"] == "guarantee period: guarantor 1 (joint and several)"
    assert general["name"] == "guarantee period: guarantor 2 (general)"  # not said: general (art. 686(2))
    # Six months from the maturity; the agreed end, on the maturity itself, counts as none (art. 692).
    assert joint["last_day"] == general["last_day"] == joint["ends_on"] == "2027-05-30"
    assert joint["runs_from"] == "2026-11-30" and "demand performance from the guarantor" in joint["rule"]
    assert "against the debtor" in general["rule"] and "counts as none" in general["rule"]
