"""History: the Temporal event history of every run, in plain words, without borrower PII."""

from __future__ import annotations

import json
from typing import Any

from domain.matter import MatterIntake
from tests.api.conftest import Stack, eventually
from tests.api.test_commands import FAST, cny
from tests.factories import intake_data
from workflows.contracts import WORKFLOW_NAME, MatterInput, matter_id_for, workflow_id

PII = ("张伟", "110105198001011234", "李娜", "110105198202022345", "13800138000", "zhangwei@example.cn",
       "建国路88号")  # fmt: skip


def assert_no_pii(response: Any) -> None:
    text = response.text + json.dumps(response.json(), ensure_ascii=False)
    for value in PII:
        assert value not in text, f"history leaks {value!r}"


async def test_history_in_plain_words(stack: Stack) -> None:
    m = await stack.open("hist")
    mid = m["id"]
    h = stack.auth("legal_team")

    async def notice() -> dict[str, Any] | None:
        docs = (await stack.http.get(f"/matters/{mid}/documents", headers=h)).json()["data"]
        return next((d for d in docs if d["kind"] == "collection_notice"), None)

    notice_doc = await eventually(notice)  # paid before the notice goes out, there would be none
    for pid, amount in (("HP1", "100.00"), ("HP2", "19418.00")):
        r = await stack.http.post(f"/matters/{mid}/payments", headers=h,
                                  json={"payment_id": pid, "amount": cny(amount), "received_on": "2026-11-20"})
        assert r.status_code == 201, r.text
    await stack.temporal.get_workflow_handle(workflow_id(mid)).result()

    r = await stack.http.get(f"/matters/{mid}/history", headers=stack.auth("manager"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["runs"] == 1 and body["count"] == len(body["data"])
    whats = [e["what"] for e in body["data"]]
    actor = next(e["who"] for e in body["data"] if e["kind"] == "opened")
    assert actor.startswith(stack.key_names["legal_team"])
    assert whats[0] == f"Matter opened by key '{actor}' on policy demo v1"

    assert any(w.startswith(f"Letter 'collection_notice' stored (sha256 {notice_doc['sha256']}") for w in whats)
    assert any(w.startswith("Letter 'closure_letter' stored (sha256 ") for w in whats)
    assert f"Payment HP1 of CNY 100.00 received on 2026-11-20 recorded by {actor}" in whats
    assert any(w.startswith("Payment HP1 allocated (fees CNY 100.00)") for w in whats)
    assert any(w.startswith("Payment HP2 allocated") and w.endswith("matter paid in full") for w in whats)
    assert "Collection notice sent" in whats
    assert whats[-1] == "Workflow completed: matter closed (paid)"
    payment_line = next(e for e in body["data"] if e["what"].startswith("Payment HP1 of"))
    assert payment_line["who"] == actor and payment_line["kind"] == "command"
    ids = [e["event_id"] for e in body["data"]]
    assert ids == sorted(ids)
    assert_no_pii(r)

    page = (await stack.http.get(f"/matters/{mid}/history", params={"limit": 2, "offset": 1},
                                 headers=stack.auth("manager"))).json()  # fmt: skip
    assert page["data"] == body["data"][1:3] and page["count"] == body["count"]
    r = await stack.http.get(f"/matters/{mid}/history", params={"limit": 1001}, headers=h)
    assert r.status_code == 422


async def test_history_follows_continue_as_new(stack: Stack) -> None:
    """A matter forced to continue-as-new often: every run is read, in order."""
    ref = stack.ref("can")
    intake = MatterIntake.model_validate(intake_data(external_ref=ref, policy="fast"))
    mid = matter_id_for(ref)
    handle = await stack.temporal.start_workflow(
        WORKFLOW_NAME,
        MatterInput(matter_id=mid, intake=intake, policy=FAST, opened_by="can-tester", continue_as_new_after_events=25),
        id=workflow_id(mid),
        task_queue=stack.settings.temporal_task_queue,
    )

    async def in_review() -> bool:
        r = await stack.http.get(f"/matters/{mid}", headers=stack.auth("manager"))
        return r.status_code == 200 and r.json()["stage"] == "legal_review"

    await eventually(in_review, timeout=30)
    r = await stack.http.get(f"/matters/{mid}/history", headers=stack.auth("manager"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["runs"] >= 2
    run_ids = list(dict.fromkeys(e["run_id"] for e in body["data"]))
    assert run_ids[0] == handle.first_execution_run_id and len(run_ids) == body["runs"]
    whats = [e["what"] for e in body["data"]]
    assert whats[0] == "Matter opened by key 'can-tester' on policy fast v1"
    assert any(w.startswith("Continued as new (next run ") for w in whats)
    assert any(w.startswith("New run continued from run ") for w in whats)
    assert any(w.startswith("Timer fired (after ") for w in whats)
    assert any(w.startswith("Negotiation window ended unpaid") for w in whats)
    assert_no_pii(r)
