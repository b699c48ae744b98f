"""The referral child end to end through the API: escalate, the firm's partner answers, firm-scoped.

Real servers (Temporal dev server, SeaweedFS, SQLite) and the real worker; the `fast` test policy
takes a matter to legal review in seconds.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import FIRM_A, FIRM_B, FIRM_NAMES, Stack, eventually


async def _referral(stack: Stack, matter_id: str, role: str = "manager") -> dict[str, Any] | None:
    r = await stack.http.get(f"/matters/{matter_id}", headers=stack.auth(role))
    return r.json().get("referral") if r.status_code == 200 else None


async def test_a_partner_accepts_within_its_firm_and_nobody_else_can(stack: Stack) -> None:
    m = await stack.open_fast("ref-accept")
    mid = m["id"]
    # Before the escalation nobody at a firm sees the matter, and there is nothing to answer.
    assert (await stack.http.post(f"/matters/{mid}/referral/accept", json={},
                                  headers=stack.auth("partner_a"))).status_code == 404
    detail = await stack.refer(mid, FIRM_A)
    assert detail["stage"] == "referral" and detail["referral"]["firm"] == FIRM_A
    assert detail["referral"]["status"] == "instructed" and detail["referral"]["answer_by"]
    assert detail["referral"]["workflow_id"] == f"matter-{mid}/referral-1"

    # Roles and firms: staff may not answer for a firm (403); another firm's partner gets 404.
    for role in ("legal_team", "manager"):
        r = await stack.http.post(f"/matters/{mid}/referral/accept", json={}, headers=stack.auth(role))
        assert r.status_code == 403, r.text
    r = await stack.http.post(f"/matters/{mid}/referral/accept", json={}, headers=stack.auth("partner_b"))
    assert r.status_code == 404
    # The inbox: firm A's partner sees it, firm B's does not; staff see every firm's.
    inbox = (await stack.http.get("/referrals", params={"status": "instructed"},
                                  headers=stack.auth("partner_a"))).json()
    assert mid in [i["matter_id"] for i in inbox["data"]]
    assert all(i["firm"] == FIRM_A for i in inbox["data"])
    assert next(i for i in inbox["data"] if i["matter_id"] == mid)["firm_name"] == FIRM_NAMES[FIRM_A]
    other = (await stack.http.get("/referrals", headers=stack.auth("partner_b"))).json()
    assert mid not in [i["matter_id"] for i in other["data"]]

    key = {**stack.auth("partner_a"), "Idempotency-Key": f"{stack.prefix}-ACC"}
    r = await stack.http.post(f"/matters/{mid}/referral/accept", json={"note": "we act"}, headers=key)
    assert r.status_code == 201, r.text
    assert r.json() == {"answer_id": f"{stack.prefix}-ACC", "duplicate": False, "status": "accepted", "number": 1,
                        "firm": FIRM_A}
    again = await stack.http.post(f"/matters/{mid}/referral/accept", json={"note": "we act"}, headers=key)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    await eventually(lambda: _accepted(stack, mid))
    # Answered: a second answer is a conflict, not a change.
    r = await stack.http.post(f"/matters/{mid}/referral/decline", json={"reason": "changed our mind"},
                              headers=stack.auth("partner_a"))
    assert r.status_code == 409, r.text
    # The history says who accepted.
    timeline = (await stack.http.get(f"/matters/{mid}/history", headers=stack.auth("manager"),
                                     params={"limit": 1000})).json()["data"]
    assert any("accepted referral 1" in e["what"] for e in timeline), [e["what"] for e in timeline][-10:]


async def _accepted(stack: Stack, matter_id: str) -> bool:
    ref = await _referral(stack, matter_id, "partner_a")
    return ref is not None and ref["status"] == "accepted"


async def test_a_declined_referral_goes_back_to_the_manager_and_the_firm_loses_the_matter(stack: Stack) -> None:
    m = await stack.open_fast("ref-decline")
    mid = m["id"]
    await stack.refer(mid, FIRM_B)
    r = await stack.http.post(f"/matters/{mid}/referral/decline", json={}, headers=stack.auth("partner_b"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "reason"]
    r = await stack.http.post(f"/matters/{mid}/referral/decline", json={"reason": "conflict of interest"},
                              headers=stack.auth("partner_b"))
    assert r.status_code == 201 and r.json()["status"] == "declined", r.text

    async def back_in_review() -> Any:
        d = await stack.detail(mid)
        return d if d["stage"] == "legal_review" and d["referral"] is None else None

    d = await eventually(back_in_review)
    assert d["referred_firm"] is None
    assert d["last_referral"]["outcome"] == "declined" and d["last_referral"]["firm"] == FIRM_B, d

    async def listed_as_declined() -> bool:  # the projection (lists) carries it too; newest first
        r = await stack.http.get("/matters?stage=legal_review&limit=200", headers=stack.auth("manager"))
        row = next((x for x in r.json()["data"] if x["id"] == mid), None)
        return row is not None and (row["last_referral"] or {}).get("outcome") == "declined"

    await eventually(listed_as_declined)
    # The firm no longer sees the matter: 404 from then on.
    async def gone() -> bool:
        return (await stack.http.get(f"/matters/{mid}", headers=stack.auth("partner_b"))).status_code == 404

    await eventually(gone)
    # The manager refers it to another firm: a second child, and firm A's partners see it.
    await stack.refer(mid, FIRM_A)
    assert (await _referral(stack, mid, "partner_a"))["number"] == 2  # type: ignore[index]
    assert (await stack.http.get(f"/matters/{mid}", headers=stack.auth("partner_b"))).status_code == 404
