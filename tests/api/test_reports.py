"""The managers' reports (`GET /reports/portfolio`, `GET /reports/deadlines`) on the real stack, and their pure
helpers (month bucketing, rates) without one.

The portfolio test opens its matters in a currency no other test uses (SGD) and asks for that currency only,
so every figure is exact: the amounts at intake, the payments recorded (a reversed one left out), the month's
rate, the stages, the aging bucket and the risk grades against the projection's own rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from store import reports
from store.models import Matter
from tests.api.conftest import FIRM_A, FIRM_NAMES, Stack, eventually

CUR = "SGD"


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": CUR}


# ---------------------------------------------------------------- pure helpers
def test_months_are_bucketed_with_the_intake_taken_in_by_each_month_s_end() -> None:
    per_day = {(date(2026, 1, 31), "CNY"): Decimal("10.00"), (date(2026, 2, 1), "CNY"): Decimal("5.50"),
               (date(2026, 2, 28), "CNY"): Decimal("0.25"), (date(2026, 2, 3), "USD"): Decimal("7.00")}
    matters = [reports.MatterFacts("a", "CNY", date(2026, 1, 31), Decimal("100.00")),
               reports.MatterFacts("b", "CNY", date(2026, 2, 1), Decimal("50.00")),
               reports.MatterFacts("c", "USD", date(2026, 3, 1), Decimal("70.00"))]
    jan, feb = reports.bucket_months(per_day, matters)
    assert (jan.month, jan.recovered, jan.intake_to_date) == ("2026-01", {"CNY": Decimal("10.00")},
                                                              {"CNY": Decimal("100.00")})
    assert feb.recovered == {"CNY": Decimal("5.75"), "USD": Decimal("7.00")}
    assert feb.intake_to_date == {"CNY": Decimal("150.00")}  # the USD matter came in March
    assert feb.rates() == {"CNY": Decimal("3.83")}  # 5.75 / 150 = 3.8333 %
    assert jan.rates() == {"CNY": Decimal("10.00")}
    only_last = reports.bucket_months(per_day, matters, months=1)
    assert [m.month for m in only_last] == ["2026-02"]


def test_month_helpers_and_rates() -> None:
    assert reports.month_of(date(2026, 12, 31)) == "2026-12"
    assert reports.month_end("2024-02") == date(2024, 2, 29) and reports.month_end("2026-12") == date(2026, 12, 31)
    assert reports.rate(Decimal("1"), Decimal("3")) == Decimal("33.33")
    assert reports.rate(Decimal("1"), Decimal("0")) is None
    assert reports.exact(Decimal("19518.0000"), "CNY") == Decimal("19518.00")
    assert str(reports.exact(Decimal("12.0000"), "JPY")) == "12"


# ---------------------------------------------------------------- the stack
async def pay(stack: Stack, matter_id: str, payment_id: str, amount: str, on: date) -> None:
    r = await stack.http.post(f"/matters/{matter_id}/payments", headers=stack.auth("legal_team"),
                              json={"payment_id": payment_id, "amount": money(amount), "received_on": on.isoformat()})
    assert r.status_code == 201, r.text


def amounts_of(groups: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(a["amount"]) for g in groups for a in g["amounts"] if a["currency"] == CUR), Decimal(0))


async def test_the_portfolio_report_states_exact_sums_buckets_and_rates(any_stack: Stack) -> None:
    stack = any_stack  # SQLite and PostgreSQL (amounts summed in SQL there)
    opened = [await stack.open(f"report-{i}", currency=CUR) for i in range(3)]
    ids = [m["id"] for m in opened]
    today = datetime.now(UTC).date()
    previous = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    await pay(stack, ids[0], "P1", "1000.00", today)
    await pay(stack, ids[0], "P2", "234.56", today)
    await pay(stack, ids[1], "P1", "500.00", today)
    await pay(stack, ids[1], "P2", "100.00", today)
    await pay(stack, ids[2], "P1", "77.00", previous)  # received before the matter came in (its month: no intake)
    r = await stack.http.post(f"/matters/{ids[1]}/payments/P2/reversal", headers=stack.auth("legal_team"),
                              json={"reversed_on": today.isoformat(), "reason": "transfer returned"})
    assert r.status_code == 201, r.text

    async def report() -> Any:
        got = await stack.http.get("/reports/portfolio", params={"currency": CUR}, headers=stack.auth("manager"))
        assert got.status_code == 200, got.text
        body = got.json()
        return body if body["recovered"] == [money("1811.56")] and body["matters"] == 3 else None

    body = await eventually(report, timeout=60)
    # The amount at intake: 18000 + 1200 + 218 + 100 = 19518.00 each.
    assert body["intake"] == [money("58554.00")]
    assert body["rates"] == {CUR: "3.09"}  # 1811.56 / 58554.00 = 3.0938 %
    months = {m["month"]: m for m in body["months"]}
    this, last = months[reports.month_of(today)], months[reports.month_of(previous)]
    assert this["recovered"] == [money("1734.56")]  # the reversed 100.00 is not counted
    assert this["intake_to_date"] == [money("58554.00")] and this["rates"] == {CUR: "2.96"}
    assert last["recovered"] == [money("77.00")] and last["intake_to_date"] == [] and last["rates"] == {}
    assert list(months) == sorted(months)
    assert "received date" in body["definitions"]["recovery_rate_by_month"]

    # Stages, aging and risk grades against the projection's rows (read right after the report: retried until
    # no status was projected in between).
    async def consistent() -> Any:
        got = (await stack.http.get("/reports/portfolio", params={"currency": CUR},
                                    headers=stack.auth("manager"))).json()
        async with stack.sessions() as session:
            rows = (await session.execute(select(Matter.stage, Matter.outstanding, Matter.risk_grade)
                                          .where(Matter.id.in_(ids)))).all()
        total = sum((r.outstanding for r in rows), Decimal(0))
        stages: dict[str, int] = {}
        for row in rows:
            stages[row.stage] = stages.get(row.stage, 0) + 1
        open_total = sum((r.outstanding for r in rows if r.stage != "closed"), Decimal(0))
        ok = ({g["key"]: g["count"] for g in got["stages"]} == stages and amounts_of(got["stages"]) == total
              and amounts_of(got["risk"]) == open_total and amounts_of(got["aging"]) == open_total)
        return got if ok else None

    got = await eventually(consistent, timeout=60)
    # Overdue since 2026-09-01: every open matter is in the 90+ bucket (on the demo policy's fast calendar too).
    aging = {g["key"]: g for g in got["aging"]}
    assert list(aging) == ["0", "1-30", "31-60", "61-90", "90+"]
    assert aging["1-30"]["count"] == aging["31-60"]["count"] == aging["61-90"]["count"] == aging["0"]["count"] == 0
    assert all(len(a["amount"].split(".")[1]) == 2 for g in got["stages"] for a in g["amounts"])  # exact cents
    assert got["firms"] == []  # nothing of this currency was referred


async def test_the_reports_are_refused_to_other_roles_and_bad_input_is_named(stack: Stack) -> None:
    for role in ("legal_team", "partner_a"):
        r = await stack.http.get("/reports/portfolio", headers=stack.auth(role))
        assert r.status_code == 403 and "manager" in r.json()["detail"], r.text
    assert (await stack.http.get("/reports/portfolio")).status_code == 401
    r = await stack.http.get("/reports/portfolio", params={"currency": "sgd"}, headers=stack.auth("manager"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "currency"]
    assert (await stack.http.get("/reports/deadlines", headers=stack.auth("partner_a"))).status_code == 403
    r = await stack.http.get("/reports/deadlines", params={"within_days": -1}, headers=stack.auth("manager"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "within_days"]


async def test_the_deadlines_near_list_limitation_soonest_first_with_days_left(any_stack: Stack) -> None:
    stack = any_stack
    m = await stack.open("report-deadline")
    mid = m["id"]

    async def listed() -> Any:
        got = await stack.http.get(f"/matters/{mid}/deadlines", headers=stack.auth("manager"))
        return got.json() if got.status_code == 200 and got.json()["count"] else None

    own = await eventually(listed, timeout=30)
    limitation = next(d for d in own["data"] if d["name"] == "limitation")
    due = date.fromisoformat(limitation["ends_on"] or limitation["last_day"])

    async def near() -> Any:
        got = await stack.http.get("/reports/deadlines", params={"within_days": 3660, "limit": 500},
                                   headers=stack.auth("legal_team"))
        assert got.status_code == 200, got.text
        found = [d for d in got.json()["data"] if d["matter_id"] == mid and d["name"] == "limitation"]
        return (got.json(), found[0]) if found else None

    body, item = await eventually(near, timeout=30)
    assert item["due"] == due.isoformat() and item["external_ref"] == m["external_ref"]
    assert item["overdue"] is (item["days_left"] < 0)
    dues = [d["due"] for d in body["data"]]
    assert dues == sorted(dues)
    assert "appeal" in body["not_covered"]


async def test_firm_performance_counts_what_was_recovered_while_the_firm_held_the_referral(stack: Stack) -> None:
    cur = "CHF"  # (no other test's matters)
    m = await stack.open_fast("report-firm", currency=cur)
    mid = m["id"]
    r = await stack.http.post(f"/matters/{mid}/payments", headers=stack.auth("legal_team"), json={
        "payment_id": "BEFORE", "amount": {"amount": "100.00", "currency": cur}, "received_on": "2026-10-01"})
    assert r.status_code == 201, r.text  # before the referral: not the firm's
    await stack.refer(mid, FIRM_A, accept=True)
    r = await stack.http.post(f"/matters/{mid}/payments", headers=stack.auth("legal_team"), json={
        "payment_id": "DURING", "amount": {"amount": "250.00", "currency": cur}, "received_on": "2026-10-02"})
    assert r.status_code == 201, r.text

    async def firms() -> Any:
        got = await stack.http.get("/reports/portfolio", params={"currency": cur}, headers=stack.auth("manager"))
        found = got.json()["firms"]
        return found if found and found[0]["recovered"] else None

    (firm,) = await eventually(firms, timeout=60)
    assert (firm["firm"], firm["name"]) == (FIRM_A, FIRM_NAMES[FIRM_A])
    assert (firm["instructed"], firm["accepted"], firm["declined"], firm["lapsed"]) == (1, 1, 0, 0)
    assert firm["recovered"] == [{"amount": "250.00", "currency": cur}]
    assert firm["intake"] == [{"amount": "19518.00", "currency": cur}]
    assert firm["rates"] == {cur: "1.28"}  # 250 / 19518 = 1.2809 %
    assert firm["accepted_measured"] == 1 and firm["mean_seconds_to_accept"] >= 0
    hours = (Decimal(firm["mean_seconds_to_accept"]) / 3600).quantize(Decimal("0.01"))
    assert Decimal(firm["mean_hours_to_accept"]) == hours
    assert firm["mean_hours_to_accept"] == firm["median_hours_to_accept"]
    assert firm["deadlines_missed"] == firm["preservation_lapsed"] + firm["limitation_expired"]
