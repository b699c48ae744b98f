"""Intake, lists, detail and request validation (422 naming the field, 404 for the unknown)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import delete

from store.db import write_session
from store.models import Matter
from tests.api.conftest import Stack, eventually
from tests.factories import TOTAL_OVERDUE, intake_data
from workflows.contracts import matter_id_for, workflow_id


def _locs(response: Any) -> list[list[Any]]:
    return [e["loc"] for e in response.json()["detail"]]


async def test_intake_creates_once_per_external_ref(stack: Stack) -> None:
    ref = stack.ref("once")
    body = intake_data(external_ref=ref, policy="demo")
    first = await stack.http.post("/matters", json=body, headers=stack.auth("legal_team"))
    assert first.status_code == 201, first.text
    m = first.json()
    assert m["id"] == matter_id_for(ref)
    assert m["external_ref"] == ref
    assert m["stage"] == "intake"
    assert m["outstanding"] == {"amount": TOTAL_OVERDUE, "currency": "CNY"}
    assert (m["policy"], m["policy_version"]) == ("demo", 4)
    assert m["links"]["self"] == f"/matters/{m['id']}"
    assert m["links"]["history"] == f"/matters/{m['id']}/history"
    run_id = (await stack.temporal.get_workflow_handle(workflow_id(m["id"])).describe()).run_id

    # The same reference again (even by another role, with other data): the same matter, 200.
    again = await stack.http.post(
        "/matters", json={**body, "contract": {**body["contract"], "number": "OTHER"}}, headers=stack.auth("manager")
    )
    assert again.status_code == 200, again.text
    assert again.json()["id"] == m["id"]
    assert (await stack.temporal.get_workflow_handle(workflow_id(m["id"])).describe()).run_id == run_id

    async def runs() -> int:
        found = [w async for w in stack.temporal.list_workflows(f'WorkflowId = "{workflow_id(m["id"])}"')]
        return len(found)

    assert await eventually(runs) == 1


async def test_racing_intakes_make_one_matter(stack: Stack) -> None:
    body = intake_data(external_ref=stack.ref("race"), policy="demo")
    responses = await asyncio.gather(
        *(stack.http.post("/matters", json=body, headers=stack.auth("legal_team")) for _ in range(5))
    )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1, [r.text for r in responses]
    assert all(c in (200, 201, 503) for c in codes)  # 503 only if asked before the matter can be read
    assert {r.json()["id"] for r in responses if r.status_code < 300} == {matter_id_for(body["external_ref"])}


async def test_detail_from_the_workflow_when_the_projection_has_no_row(stack: Stack) -> None:
    """The workflow is the truth: a matter missing from the projection is still answered."""
    m = await stack.open("norow")
    r = await stack.http.post(f"/matters/{m['id']}/payments", headers=stack.auth("legal_team"),
                              json={"payment_id": "ALL", "amount": {"amount": TOTAL_OVERDUE, "currency": "CNY"},
                                    "received_on": "2026-11-20"})  # fmt: skip
    assert r.status_code == 201, r.text
    await stack.temporal.get_workflow_handle(workflow_id(m["id"])).result()
    async with write_session(stack.sessions) as session:  # as if the projection had not caught up
        await session.execute(delete(Matter).where(Matter.id == m["id"]))

    d = await stack.detail(m["id"], role="legal_team")
    assert d["source"] == "workflow" and d["external_ref"] is None
    assert (d["stage"], d["closure_reason"]) == ("closed", "paid")
    assert d["outstanding"] == {"amount": "0.00", "currency": "CNY"}
    r = await stack.http.get(f"/matters/{m['id']}/documents", headers=stack.auth("legal_team"))
    assert r.status_code == 200 and r.json() == {"data": [], "count": 0}
    r = await stack.http.get(f"/matters/{m['id']}/history", headers=stack.auth("legal_team"))
    assert r.status_code == 200 and r.json()["count"] > 0
    # A partner never sees a matter the projection does not refer to its firm.
    r = await stack.http.get(f"/matters/{m['id']}", headers=stack.auth("partner_a"))
    assert r.status_code == 404
    # The same reference again: still that one matter (answered from the workflow).
    again = await stack.http.post("/matters", json=intake_data(external_ref=m["external_ref"], policy="demo"),
                                  headers=stack.auth("manager"))  # fmt: skip
    assert again.status_code == 200 and again.json()["id"] == m["id"]
    assert again.json()["external_ref"] == m["external_ref"] and again.json()["stage"] == "closed"


async def test_intake_validation_names_the_field(stack: Stack) -> None:
    h = stack.auth("legal_team")
    r = await stack.http.post("/matters", json=intake_data(external_ref=stack.ref(), policy="nope"), headers=h)
    assert r.status_code == 422
    assert _locs(r) == [["body", "policy"]]
    assert "unknown policy 'nope'" in r.json()["detail"][0]["msg"]

    r = await stack.http.post("/matters", json=intake_data(external_ref=stack.ref(), policy="demo", colour="red"),
                              headers=h)  # fmt: skip
    assert r.status_code == 422
    assert ["body", "colour"] in _locs(r)

    bad_borrower = intake_data(external_ref=stack.ref(), policy="demo")
    bad_borrower["borrower"]["nickname"] = "x"
    r = await stack.http.post("/matters", json=bad_borrower, headers=h)
    assert r.status_code == 422
    assert ["body", "borrower", "nickname"] in _locs(r)

    bad_date = intake_data(external_ref=stack.ref(), policy="demo")
    bad_date["overdue"]["since"] = "2026-13-45"
    r = await stack.http.post("/matters", json=bad_date, headers=h)
    assert r.status_code == 422
    assert ["body", "overdue", "since"] in _locs(r)

    nul_name = intake_data(external_ref=stack.ref(), policy="demo")
    nul_name["borrower"]["name"] = "张\x00伟"
    r = await stack.http.post("/matters", json=nul_name, headers=h)
    assert r.status_code == 422
    assert ["body", "borrower", "name"] in _locs(r)
    assert "control character" in r.text

    # Nothing was started for refused intakes.
    r = await stack.http.get(f"/matters/{matter_id_for(bad_date['external_ref'])}", headers=h)
    assert r.status_code == 404


async def test_list_filters_and_pagination(stack: Stack) -> None:
    h = stack.auth("manager")
    old = await stack.open(
        "old",
        contract={**intake_data()["contract"], "signed_on": "2019-01-01"},
        overdue={**intake_data()["overdue"], "since": "2020-01-01"},
    )
    recent = await stack.open("recent")

    async def listed(**params: Any) -> dict[str, Any]:
        r = await stack.http.get("/matters", params=params, headers=h)
        assert r.status_code == 200, r.text
        return r.json()

    # The projection rows appear once the workflow's first write lands.
    await eventually(lambda: _has(listed(min_days_past_due=2000), old["id"]))
    await eventually(lambda: _has(listed(limit=200), recent["id"]))
    page = await listed(min_days_past_due=2000)
    assert all(m["days_past_due"] >= 2000 for m in page["data"])
    assert page["count"] == len(page["data"]) >= 1

    everything = await listed(limit=200)
    assert everything["count"] >= 2
    first, second = await listed(limit=1, offset=0), await listed(limit=1, offset=1)
    assert len(first["data"]) == len(second["data"]) == 1
    assert first["data"][0]["id"] != second["data"][0]["id"]
    assert first["count"] == second["count"] == everything["count"]

    in_stage = await listed(stage="reminders")
    assert all(m["stage"] == "reminders" for m in in_stage["data"])
    assert all(isinstance(m["outstanding"]["amount"], str) for m in everything["data"])

    for params, loc in (
        ({"limit": 201}, ["query", "limit"]),
        ({"limit": 0}, ["query", "limit"]),
        ({"offset": -1}, ["query", "offset"]),
        ({"stage": "limbo"}, ["query", "stage"]),
        ({"min_days_past_due": "many"}, ["query", "min_days_past_due"]),
    ):
        r = await stack.http.get("/matters", params=params, headers=h)
        assert r.status_code == 422, params
        assert _locs(r) == [loc]


async def _has(page: Any, matter_id: str) -> bool:
    return any(m["id"] == matter_id for m in (await page)["data"])


async def test_detail_merges_projection_and_live_state(stack: Stack) -> None:
    m = await stack.open("detail")

    async def settled() -> dict[str, Any] | None:
        d = await stack.detail(m["id"], role="legal_team")
        return d if d["source"] == "workflow" and d["stage"] == "reminders" and d["external_ref"] else None

    d = await eventually(settled)
    assert d["id"] == m["id"]
    assert d["outstanding"] == {"amount": TOTAL_OVERDUE, "currency": "CNY"}
    assert d["balance"]["principal"] == {"amount": "18000.00", "currency": "CNY"}
    assert d["next"]["name"] == "first SMS reminder"
    assert d["policy_today"]
    assert d["documents_count"] == 1
    assert d["risk_grade"]
    # No borrower PII in the matter's public shape.
    assert "张伟" not in str(d) and "110105198001011234" not in str(d)


async def test_unknown_matter_is_404(stack: Stack) -> None:
    h = stack.auth("manager")
    for path in ("/matters/no-such-matter", "/matters/no-such-matter/documents", "/matters/no-such-matter/history",
                 "/documents/no-such-document/content"):  # fmt: skip
        r = await stack.http.get(path, headers=h)
        assert r.status_code == 404, path
        assert "not found" in r.json()["detail"]
    body = {"payment_id": "P1", "amount": {"amount": "1.00", "currency": "CNY"}, "received_on": "2026-11-01"}
    r = await stack.http.post("/matters/no-such-matter/payments", json=body, headers=h)
    assert r.status_code == 404
    r = await stack.http.post("/matters/no-such-matter/promises", headers=h,
                              json={"amount": {"amount": "1.00", "currency": "CNY"}, "due_on": "2030-01-01"})
    assert r.status_code == 404
    r = await stack.http.post("/matters/no-such-matter/legal-review", headers=h,
                              json={"decision": "escalate", "firm": "F", "reason": "x"})
    assert r.status_code == 404


async def test_openapi_docs(stack: Stack) -> None:
    assert (await stack.http.get("/docs")).status_code == 200
    spec = (await stack.http.get("/openapi.json")).json()
    assert "/matters/{matter_id}/payments" in spec["paths"]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


async def test_the_list_pages_by_cursor_in_the_same_order_as_by_offset(stack: Stack) -> None:
    opened = {(await stack.open(f"page-{i}"))["id"] for i in range(3)}
    headers = stack.auth("manager")

    async def all_listed() -> Any:  # the projection has them all (it follows the workflows)
        page = (await stack.http.get("/matters", params={"limit": 200}, headers=headers)).json()
        return page if opened <= {m["id"] for m in page["data"]} else None

    by_offset = await eventually(all_listed)
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = (await stack.http.get("/matters", params=params, headers=headers)).json()
        seen += [m["id"] for m in page["data"]]
        assert page["count"] == by_offset["count"] and page["count_capped"] is False
        if page["next_cursor"] is None:
            break
        params = {"limit": 2, "cursor": page["next_cursor"]}
    assert seen[:200] == [m["id"] for m in by_offset["data"]] and len(seen) == len(set(seen)) == page["count"]
    r = await stack.http.get("/matters", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "cursor"], r.text


async def test_a_matter_is_read_from_the_projection_unless_the_live_state_is_asked_for(stack: Stack) -> None:
    m = await stack.open("projection-read")
    await stack.detail(m["id"])  # live: the workflow answers

    async def projected() -> dict[str, Any] | None:
        r = await stack.http.get(f"/matters/{m['id']}", headers=stack.auth("manager"))
        return r.json() if r.status_code == 200 and r.json()["source"] == "projection" else None

    d = await eventually(projected)
    assert d["external_ref"] == m["external_ref"] and d["outstanding"] == m["outstanding"]
    live = (await stack.http.get(f"/matters/{m['id']}", params={"live": "true"},
                                 headers=stack.auth("manager"))).json()
    assert live["source"] == "workflow" and live["stage"] in ("notice", "reminders", "negotiation", "legal_review")
