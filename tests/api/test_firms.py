"""Law firms as records, and a manager's recall of a referral, through the API on the real stack.

Firms: managers add and change them, everyone reads them (a partner only its own), partner keys
and referrals name a firm by id. Recall: the firm loses the matter at once (every route under it
is a 404 for its partners from the recall's response on), the history says who did it, and the
matter can go to another firm.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from store import apikeys
from store.db import write_session
from tests.api.conftest import FIRM_A, FIRM_B, FIRM_NAMES, Stack, eventually


def _unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


async def test_managers_keep_firms_and_everyone_reads_them(stack: Stack) -> None:
    manager = stack.auth("manager")
    name = _unique("Jade & Partners")
    r = await stack.http.post("/firms", headers=manager, json={
        "name": name, "address": "88 Century Avenue, Shanghai", "email": "intake@jade.example", "phone": "021-5555"})
    assert r.status_code == 201, r.text
    firm = r.json()
    assert firm["id"].startswith("firm-") and firm["name"] == name and firm["partners"] == []
    assert firm["disabled"] is False and firm["email"] == "intake@jade.example"

    # Bad fields are named; nothing is created by a refused request.
    for body, field, words in (
        ({"name": name.upper()}, "name", "already exists"),  # names are unique whatever the case
        ({"name": _unique("X"), "email": "not-an-address"}, "email", "not an e-mail address"),
        ({"name": ""}, "name", ""),
        ({"name": _unique("X"), "fax": "1"}, "fax", ""),
    ):
        r = await stack.http.post("/firms", headers=manager, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["detail"][0]["loc"][-1] == field and words in r.json()["detail"][0]["msg"], r.text
    listed = (await stack.http.get("/firms", headers=stack.auth("legal_team"))).json()
    assert [f["name"] for f in listed["data"]].count(name) == 1 and listed["count"] == len(listed["data"])
    assert {FIRM_A, FIRM_B} <= {f["id"] for f in listed["data"]}
    a = next(f for f in listed["data"] if f["id"] == FIRM_A)
    assert a["name"] == FIRM_NAMES[FIRM_A] and [p["name"] for p in a["partners"]] == [stack.key_names["partner_a"]]

    # A partner sees its own firm only; another firm's record does not exist for it.
    mine = (await stack.http.get("/firms", headers=stack.auth("partner_a"))).json()
    assert [f["id"] for f in mine["data"]] == [FIRM_A]
    assert (await stack.http.get(f"/firms/{FIRM_B}", headers=stack.auth("partner_a"))).status_code == 404
    assert (await stack.http.get(f"/firms/{FIRM_A}", headers=stack.auth("partner_a"))).status_code == 200
    assert (await stack.http.get("/firms/firm-nobody", headers=manager)).status_code == 404

    # A partner key is bound to a firm that exists (by id), never to a free-text name.
    async with write_session(stack.sessions) as session:
        _, key = await apikeys.create_key(session, role="partner", firm=firm["id"], name="jade partner")
    assert key.firm == firm["id"]
    for bad in ("firm-nobody", name):
        try:
            async with write_session(stack.sessions) as session:
                await apikeys.create_key(session, role="partner", firm=bad, name="nobody")
        except ValueError as exc:
            assert "no firm with id" in str(exc)
        else:
            raise AssertionError(f"a partner key was bound to {bad!r}")

    # Changes: a renamed firm keeps its id; a name another firm has is refused; disabling stops referrals.
    r = await stack.http.patch(f"/firms/{firm['id']}", headers=manager, json={"address": "1 Bund, Shanghai"})
    assert r.status_code == 200 and r.json()["address"] == "1 Bund, Shanghai" and r.json()["name"] == name
    assert r.json()["partners"][0]["name"] == "jade partner"
    r = await stack.http.patch(f"/firms/{firm['id']}", headers=manager, json={"name": FIRM_NAMES[FIRM_A]})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "name"], r.text
    assert (await stack.http.patch("/firms/firm-nobody", headers=manager, json={"phone": "1"})).status_code == 404
    r = await stack.http.patch(f"/firms/{firm['id']}", headers=manager, json={"disabled": True})
    assert r.status_code == 200 and r.json()["disabled"] is True
    m = await stack.open_fast("firm-disabled")
    await eventually(lambda: _stage_is(stack, m["id"], "legal_review"), timeout=60)
    r = await stack.http.post("/firms", headers=manager, json={"name": _unique("Bare LLP"), "email": "a@bare.example"})
    assert r.status_code == 201, r.text
    bare = r.json()
    for firm_id, words in ((firm["id"], "is disabled"), ("firm-nobody", "no firm with id"),
                           (FIRM_NAMES[FIRM_A], "no firm with id"),  # a name is not an id
                           (bare["id"], "has no address, no fee_arrangement on record")):  # what the letter needs
        r = await stack.http.post(f"/matters/{m['id']}/legal-review", headers=manager,
                                  json={"decision": "escalate", "firm": firm_id, "reason": "x"})
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == ["body", "firm"] and words in r.json()["detail"][0]["msg"]
    assert (await stack.detail(m["id"]))["stage"] == "legal_review"  # nothing happened
    r = await stack.http.post("/matters/no-such-matter/legal-review", headers=manager,
                              json={"decision": "escalate", "firm": "firm-nobody", "reason": "x"})
    assert r.status_code == 404  # an unknown matter first


async def _stage_is(stack: Stack, matter_id: str, stage: str) -> bool:
    return (await stack.detail(matter_id))["stage"] == stage


async def _status(stack: Stack, path: str, role: str) -> int:
    return (await stack.http.get(path, headers=stack.auth(role))).status_code


async def _visible(stack: Stack, path: str) -> bool:
    return await _status(stack, path, "manager") == 200


async def test_a_recalled_firm_loses_the_matter_at_once_and_another_firm_takes_it(stack: Stack) -> None:
    m = await stack.open_fast("recall")
    mid = m["id"]
    detail = await stack.refer(mid, FIRM_A, accept=True)
    assert detail["referral"]["firm_name"] == FIRM_NAMES[FIRM_A]
    docs = (await stack.http.get(f"/matters/{mid}/documents", headers=stack.auth("manager"))).json()["data"]
    paths = [f"/matters/{mid}", f"/matters/{mid}/documents", f"/matters/{mid}/history", f"/matters/{mid}/deadlines",
             f"/documents/{docs[0]['id']}/content"]
    for path in paths:
        assert await _status(stack, path, "partner_a") == 200, path

    # Only a manager recalls, with a reason.
    for role in ("legal_team", "partner_a"):
        r = await stack.http.post(f"/matters/{mid}/referral/recall", json={"reason": "x"}, headers=stack.auth(role))
        assert r.status_code == 403, (role, r.text)
    r = await stack.http.post(f"/matters/{mid}/referral/recall", json={}, headers=stack.auth("manager"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "reason"]
    headers = {**stack.auth("manager"), "Idempotency-Key": f"{stack.prefix}-RECALL"}
    r = await stack.http.post(f"/matters/{mid}/referral/recall", json={"reason": "no progress"}, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json() == {"recall_id": f"{stack.prefix}-RECALL", "duplicate": False, "number": 1, "firm": FIRM_A,
                        "stage": "legal_review"}
    # At once: no waiting for the workflow's own projection write.
    for path in paths:
        assert await _status(stack, path, "partner_a") == 404, path
    r = await stack.http.post(f"/matters/{mid}/referral/accept", json={}, headers=stack.auth("partner_a"))
    assert r.status_code == 404
    inbox = (await stack.http.get("/referrals", headers=stack.auth("partner_a"), params={"limit": 200})).json()
    assert mid not in [i["matter_id"] for i in inbox["data"]]
    listed = (await stack.http.get("/matters", headers=stack.auth("partner_a"), params={"limit": 200})).json()
    assert mid not in [i["id"] for i in listed["data"]]
    # A repeat is recognised; a second recall has nothing to recall.
    again = await stack.http.post(f"/matters/{mid}/referral/recall", json={"reason": "no progress"}, headers=headers)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    r = await stack.http.post(f"/matters/{mid}/referral/recall", json={"reason": "again"},
                              headers=stack.auth("manager"))
    assert r.status_code == 409 and "nothing to recall" in r.json()["detail"]

    d = await stack.detail(mid)
    assert d["stage"] == "legal_review" and d["referral"] is None and d["referred_firm"] is None
    assert (d["last_referral"]["number"], d["last_referral"]["outcome"]) == (1, "recalled")

    # Re-referred to firm B: B sees it, A still does not; the history has every hand-over and who did it.
    await stack.refer(mid, FIRM_B, accept=True)
    for path in paths:
        assert await _status(stack, path, "partner_b") == 200, path
        assert await _status(stack, path, "partner_a") == 404, path

    async def handed_over() -> Any:
        events = (await stack.http.get(f"/matters/{mid}/history", headers=stack.auth("manager"),
                                       params={"limit": 1000})).json()["data"]
        words = [e["what"] for e in events]
        return words if any("referral 2" in w.lower() and FIRM_NAMES[FIRM_B] in w for w in words) else None

    words = await eventually(handed_over)
    assert any(f"referral to {FIRM_NAMES[FIRM_A]} ({FIRM_A}), by {stack.key_names['manager']}" in w
               for w in words), words
    assert any(f"{FIRM_NAMES[FIRM_A]} accepted referral 1" in w for w in words), words
    assert any(w.startswith(f"Recall {stack.prefix}-RECALL") and stack.key_names["manager"] in w for w in words), words
    assert any(f"Referral 1 recalled from {FIRM_NAMES[FIRM_A]} ({FIRM_A}); stage now legal_review" in w
               for w in words), words
    assert any(f"{FIRM_NAMES[FIRM_B]} accepted referral 2" in w for w in words), words


async def test_recall_of_a_matter_not_referred_is_a_conflict(stack: Stack) -> None:
    m = await stack.open("recall-none")
    await eventually(lambda: _visible(stack, f"/matters/{m['id']}"))  # projected
    r = await stack.http.post(f"/matters/{m['id']}/referral/recall", json={"reason": "x"},
                              headers=stack.auth("manager"))
    assert r.status_code == 409 and "not referred" in r.json()["detail"], r.text
    r = await stack.http.post("/matters/no-such-matter/referral/recall", json={"reason": "x"},
                              headers=stack.auth("manager"))
    assert r.status_code == 404


async def test_the_firm_receives_its_instruction_letter_evidence_pack_and_e_mail(stack: Stack) -> None:
    from documents.bundle import verify

    m = await stack.open_fast("instructed")
    mid = m["id"]
    await eventually(lambda: _stage_is(stack, mid, "legal_review"), timeout=60)
    r = await stack.http.post(f"/matters/{mid}/legal-review", headers=stack.auth("manager"), json={
        "decision": "escalate", "firm": FIRM_A, "reason": "no answer", "attention": "Chen Jing"})
    assert r.status_code == 201, r.text
    # `attention` only goes with an escalation.
    r = await stack.http.post(f"/matters/{mid}/legal-review", headers=stack.auth("manager"), json={
        "decision": "extend_negotiation", "new_end_on": "2099-01-01", "reason": "x", "attention": "Chen Jing"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "attention"], r.text

    async def instruction() -> Any:
        got = [e for e in stack.mail.emails(to=f"intake@{FIRM_A}.example") if mid in e.get_content()]
        return got[0] if got else None

    email = await eventually(instruction, timeout=60)
    body = email.get_content()
    assert email["To"].addresses[0].display_name == FIRM_NAMES[FIRM_A]
    bundle_id = re.search(rf"/matters/{mid}/bundles/(R1-[0-9a-f]{{16}})/content", body).group(1)  # type: ignore[union-attr]
    letter_id = f"{mid}-referral-1-referral_instruction"
    assert letter_id in body and m["external_ref"] in email["Subject"]
    # The firm's partner reads the pack: every letter, verified, the instruction among them.
    got = await stack.http.get(f"/matters/{mid}/bundles/{bundle_id}", headers=stack.auth("partner_a"))
    assert got.status_code == 200, got.text
    names = [i["original_name"] for i in got.json()["items"]]
    assert any(n.startswith("referral_instruction-") for n in names)
    assert any(n.startswith("collection_notice-") for n in names), names
    assert got.json()["sha256"] in body
    content = await stack.http.get(f"/matters/{mid}/bundles/{bundle_id}/content", headers=stack.auth("partner_a"))
    assert content.status_code == 200 and verify(content.content).ok
    assert (await stack.http.get(f"/matters/{mid}/bundles/{bundle_id}",
                                 headers=stack.auth("partner_b"))).status_code == 404
    # The letter is addressed to the partner named and states the firm's record.
    docs = (await stack.http.get(f"/matters/{mid}/documents", headers=stack.auth("partner_a"))).json()["data"]
    assert letter_id in [d["id"] for d in docs]

    async def told() -> Any:
        events = (await stack.http.get(f"/matters/{mid}/history", headers=stack.auth("manager"),
                                       params={"limit": 1000})).json()["data"]
        words = [e["what"] for e in events]
        return words if any("Instruction e-mailed to the law firm" in w for w in words) else None

    words = await eventually(told)
    assert any(f"Evidence pack {bundle_id} made for the law firm" in w for w in words), words


async def test_the_firm_orders_its_lawyer_s_letter_once_it_has_accepted(stack: Stack) -> None:
    m = await stack.open_fast("lawyers-letter")
    mid = m["id"]
    await stack.refer(mid, FIRM_A)
    body = {"lawyer_name": "Li Mingyuan", "licence_number": "13101201810123456", "respond_within_days": 10}
    path = f"/matters/{mid}/referral/lawyers-letter"
    r = await stack.http.post(path, json=body, headers=stack.auth("partner_a"))
    assert r.status_code == 409 and "accepted" in r.json()["detail"], r.text  # not accepted yet
    r = await stack.http.post(f"/matters/{mid}/referral/accept", json={}, headers=stack.auth("partner_a"))
    assert r.status_code == 201, r.text
    for role, code in (("legal_team", 403), ("manager", 403), ("partner_b", 404)):
        assert (await stack.http.post(path, json=body, headers=stack.auth(role))).status_code == code, role
    r = await stack.http.post(path, json={**body, "respond_within_days": 0}, headers=stack.auth("partner_a"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "respond_within_days"]

    async def ordered() -> Any:
        got = await stack.http.post(path, json=body, headers={**stack.auth("partner_a"),
                                                              "Idempotency-Key": f"{stack.prefix}-LL"})
        return got if got.status_code in (200, 201) else None  # the acceptance may still be on its way

    r = await eventually(ordered)
    letter = r.json()
    assert letter["number"] == 1 and letter["document_id"] == f"{mid}-lawyers-letter-1-lawyers_letter"
    again = await stack.http.post(path, json=body, headers={**stack.auth("partner_a"),
                                                            "Idempotency-Key": f"{stack.prefix}-LL"})
    assert again.status_code == 200 and again.json()["duplicate"] is True
    r = await stack.http.post(path, json=body, headers=stack.auth("partner_a"))
    assert r.status_code == 409 and "already ordered" in r.json()["detail"]

    async def stored() -> Any:
        docs = (await stack.http.get(f"/matters/{mid}/documents", headers=stack.auth("partner_a"))).json()["data"]
        return [d for d in docs if d["id"] == letter["document_id"]]

    [doc] = await eventually(stored)
    assert doc["kind"] == "lawyers_letter"
    content = await stack.http.get(f"/documents/{doc['id']}/content", headers=stack.auth("partner_a"))
    assert content.status_code == 200
    d = await stack.detail(mid)
    assert "lawyer's letter" in (d["next_step"] or ""), d["next_step"]


async def test_the_firm_takes_the_matter_to_court_and_records_the_case(stack: Stack) -> None:
    m = await stack.open_fast("suit")
    mid = m["id"]
    path = f"/matters/{mid}/proceedings"
    await stack.refer(mid, FIRM_A)
    r = await stack.http.post(path, json={}, headers=stack.auth("partner_a"))
    assert r.status_code == 409 and "accepted" in r.json()["detail"], r.text  # not accepted yet
    r = await stack.http.post(f"/matters/{mid}/referral/accept", json={}, headers=stack.auth("partner_a"))
    assert r.status_code == 201, r.text
    for role, code in (("legal_team", 403), ("partner_b", 404)):
        assert (await stack.http.post(path, json={}, headers=stack.auth(role))).status_code == code, role
    r = await stack.http.post(path, json={"forum": "arbitration"}, headers=stack.auth("partner_a"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "forum"], r.text  # no clause

    async def started() -> Any:
        got = await stack.http.post(path, json={}, headers={**stack.auth("partner_a"),
                                                            "Idempotency-Key": f"{stack.prefix}-SUIT"})
        return got if got.status_code in (200, 201) else None  # the acceptance may still be on its way

    suit = (await eventually(started)).json()
    assert (suit["number"], suit["forum"], suit["instance"], suit["stage"]) == (1, "court", 1, "litigation")
    events = f"{path}/1/events"
    d = await stack.detail(mid)
    today = d["policy_today"]

    async def recorded(body: dict[str, Any], role: str = "partner_a") -> Any:
        got = await stack.http.post(events, json={"event": body}, headers=stack.auth(role))
        return got if got.status_code != 404 else None  # the child may still be starting

    r = await eventually(lambda: recorded({"kind": "filed", "on": today, "body": "Huangpu District People's Court",
                                           "case_number": "(2026)沪0101民初1号", "fees_paid": {"amount": "1530.00",
                                                                                           "currency": "CNY"}}))
    assert r.status_code == 201, r.text
    assert r.json()["snapshot"]["status"] == "filed"
    r = await stack.http.post(events, json={"event": {"kind": "decided", "on": today, "decision": "award"}},
                              headers=stack.auth("partner_a"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "event", "decision"], r.text
    r = await stack.http.post(events, json={"event": {"kind": "filed", "on": today, "body": "X", "case_number": "2"}},
                              headers=stack.auth("partner_b"))
    assert r.status_code == 404
    r = await stack.http.post(events, json={"event": {"kind": "decided", "on": today, "decision": "judgment",
                                                      "amount": {"amount": "19518.00", "currency": "CNY"},
                                                      "performance_days": 10}}, headers=stack.auth("partner_a"))
    assert r.status_code == 201, r.text
    r = await stack.http.post(events, json={"event": {"kind": "served", "on": today}}, headers=stack.auth("partner_a"))
    assert r.status_code == 201, r.text
    snap = (await stack.http.get(f"{path}/1", headers=stack.auth("partner_a"))).json()
    assert snap["status"] == "decided" and [e["kind"] for e in snap["proceeding"]["events"]] == [
        "filed", "decided", "served"]
    [appeal] = snap["deadlines"]
    assert appeal["name"] == "appeal" and "art. 171" in appeal["rule"]
    assert (await stack.http.get(f"{path}/1", headers=stack.auth("partner_b"))).status_code == 404
    assert (await stack.http.get(f"{path}/9", headers=stack.auth("manager"))).status_code == 404
    deadlines = (await stack.http.get(f"/matters/{mid}/deadlines", headers=stack.auth("partner_a"))).json()
    assert any(x["name"].startswith("appeal: proceeding 1 ((2026)沪0101民初1号)") for x in deadlines["data"]), deadlines

    async def shown() -> Any:
        got = await stack.detail(mid)
        return got if got["proceedings"] and got["proceedings"][0]["case_number"] else None

    d = await eventually(shown)
    assert d["stage"] == "litigation" and d["proceedings"][0]["status"] == "decided"
