"""The main flow on both databases (SQLite and PostgreSQL): intake, pay, close, letters, history."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.api.conftest import Stack, eventually
from tests.api.test_commands import cny
from tests.factories import intake_data
from workflows.contracts import workflow_id


async def test_main_flow(any_stack: Stack) -> None:
    stack = any_stack
    staff = stack.auth("legal_team")
    body = intake_data(external_ref=stack.ref("main"), policy="demo", locale="en", currency="CNY")
    r = await stack.http.post("/matters", json=body, headers=staff)
    assert r.status_code == 201, r.text
    mid = r.json()["id"]
    r = await stack.http.post("/matters", json=body, headers=staff)
    assert r.status_code == 200 and r.json()["id"] == mid

    async def notice() -> bool:
        docs = (await stack.http.get(f"/matters/{mid}/documents", headers=staff)).json()["data"]
        return any(d["kind"] == "collection_notice" for d in docs)

    await eventually(notice)
    r = await stack.http.post(f"/matters/{mid}/payments", headers=staff,
                              json={"payment_id": "M1", "amount": cny("1418.00"), "received_on": "2026-11-21"})
    assert r.status_code == 201, r.text
    alloc = r.json()["allocation"]
    assert (alloc["fees"], alloc["penalty"], alloc["interest"], alloc["principal"]) == (
        cny("100.00"), cny("218.00"), cny("1100.00"), cny("0.00"))
    r = await stack.http.post(f"/matters/{mid}/payments", headers=staff,
                              json={"payment_id": "M2", "amount": cny("18200.00"), "received_on": "2026-11-22"})
    assert r.status_code == 201, r.text
    assert r.json()["closed"] is True
    assert r.json()["allocation"]["unapplied"] == cny("100.00")  # overpaid: held, every cent accounted for
    await stack.temporal.get_workflow_handle(workflow_id(mid)).result()

    async def closed() -> dict[str, Any] | None:
        page = (await stack.http.get("/matters", params={"stage": "closed", "limit": 200}, headers=staff)).json()
        return next((m for m in page["data"] if m["id"] == mid), None)

    row = await eventually(closed)
    assert row["closure_reason"] == "paid" and row["outstanding"] == cny("0.00")
    assert row["paid_total"] == cny("19518.00")  # what was applied; the unapplied 100.00 is held for refund

    docs = (await stack.http.get(f"/matters/{mid}/documents", headers=staff)).json()
    kinds = {d["kind"]: d for d in docs["data"]}
    assert {"collection_notice", "closure_letter"} <= set(kinds)
    closure = kinds["closure_letter"]
    assert closure["locale"] == "en"
    content = await stack.http.get(closure["content_url"], headers=stack.auth("manager"))
    assert content.status_code == 200
    assert hashlib.sha256(content.content).hexdigest() == closure["sha256"] == content.headers["x-content-sha256"]

    history = (await stack.http.get(f"/matters/{mid}/history", headers=stack.auth("manager"))).json()
    assert history["data"][-1]["what"] == "Workflow completed: matter closed (paid)"
    assert "John Smith" not in str(history) and "AB123456C" not in str(history)

    detail = await stack.detail(mid)
    assert detail["stage"] == "closed" and detail["source"] == "workflow"
