"""`needs_attention` through the API, on the real stack: a letter that cannot be made stops the matter's
side effects, not the matter. It is shown and filterable, payments are still taken, a manager retries.

Issue 6, defect 3: one bad letter failed the whole execution and the API then answered 409 "matter is
closed" to every payment.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from activities.matter import document_key
from documents.renderer import DOCX_MEDIA_TYPE
from tests.api.conftest import Stack, eventually
from workflows.contracts import matter_id_for


def cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


async def test_a_matter_whose_letter_cannot_be_made_needs_attention_and_still_takes_payments(stack: Stack) -> None:
    # Another object already holds the notice's key in the locked evidence store (a restore from
    # a backup, a second system writing to the bucket): the letter cannot be stored there.
    ref = stack.ref("attention")
    mid = matter_id_for(ref)
    stack.evidence.put_document(document_key(mid, f"{mid}-notice-collection_notice"), b"not this letter",
                                DOCX_MEDIA_TYPE)
    m = await stack.open("attention")
    assert m["id"] == mid

    async def flagged() -> Any:
        d = await stack.detail(mid)
        return d if d.get("needs_attention") else None

    d = await eventually(flagged)
    a = d["needs_attention"]
    assert a["effect"] == "letter:notice" and a["error"] == "EvidenceConflict" and a["retryable"] is False
    assert a["since"] and a["attempts"] == 1
    assert d["stage"] == "notice"

    # Listed and filterable (the projection has it too).
    async def listed() -> bool:
        r = await stack.http.get("/matters", params={"needs_attention": "true", "limit": 200},
                                 headers=stack.auth("legal_team"))
        return mid in [x["id"] for x in r.json()["data"]]

    await eventually(listed)
    calm = (await stack.http.get("/matters", params={"needs_attention": "false", "limit": 200},
                                 headers=stack.auth("legal_team"))).json()
    assert mid not in [x["id"] for x in calm["data"]]

    # The matter still takes payments and promises.
    r = await stack.http.post(f"/matters/{mid}/payments", headers=stack.auth("legal_team"),
                              json={"payment_id": f"{stack.prefix}-ATT1", "amount": cny("100.00"),
                                    "received_on": date.today().isoformat()})
    assert r.status_code == 201, r.text
    # (the demo policy's days are seconds: interest may have accrued a day or two; the fees come first)
    assert r.json()["allocation"]["fees"] == cny("100.00") and r.json()["allocation"]["unapplied"] == cny("0.00")
    assert Decimal(r.json()["outstanding"]["amount"]) < Decimal("19518.00")

    # Only managers retry. The retry stores the letter under a new document id (the locked
    # object is never overwritten), and the matter goes on.
    r = await stack.http.post(f"/matters/{mid}/attention/retry", json={}, headers=stack.auth("legal_team"))
    assert r.status_code == 403
    headers = {**stack.auth("manager"), "Idempotency-Key": f"{stack.prefix}-RETRY1"}
    r = await stack.http.post(f"/matters/{mid}/attention/retry", json={"note": "checked"}, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["effect"] == "letter:notice" and r.json()["duplicate"] is False
    again = await stack.http.post(f"/matters/{mid}/attention/retry", json={"note": "checked"}, headers=headers)
    assert again.status_code == 200 and again.json()["duplicate"] is True

    async def resolved() -> Any:
        d = await stack.detail(mid)
        return d if d.get("needs_attention") is None and d["stage"] != "notice" else None

    await eventually(resolved)
    docs = (await stack.http.get(f"/matters/{mid}/documents", headers=stack.auth("manager"))).json()["data"]
    assert f"{mid}-notice-collection_notice-r1" in [x["id"] for x in docs], docs


async def test_retrying_a_matter_that_waits_on_nothing_is_a_conflict(stack: Stack) -> None:
    m = await stack.open("calm")
    r = await stack.http.post(f"/matters/{m['id']}/attention/retry", json={}, headers=stack.auth("manager"))
    assert r.status_code in (409, 503), r.text  # 503 only if the workflow has not started its first task yet

    async def conflict() -> bool:
        r = await stack.http.post(f"/matters/{m['id']}/attention/retry", json={}, headers=stack.auth("manager"))
        return r.status_code == 409 and "nothing to retry" in r.text

    await eventually(conflict)
