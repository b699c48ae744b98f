"""Auth on every route: no key or a bad key -> 401, the wrong role -> 403, another firm's matter -> 404.

And always in that order, before anything else is checked: bad input (422), a dependency that is
down (503) or a state (409) is only ever reported to a caller who may see the object.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from api.app import create_app
from documents import preview
from infra.services import free_port, temporal_service
from store import apikeys
from store.db import write_session
from tests.api.conftest import FIRM_A, ROLES, Stack, eventually
from tests.api.test_commands import cny
from tests.api.test_health import _dead_s3
from tests.api.test_uploads import PARAMS, PDF
from workers.client import data_converter


@dataclass(frozen=True)
class Referred:
    matter_id: str
    document_id: str


@pytest.fixture(scope="module")
async def referred(sqlite_stack: Stack) -> AsyncIterator[Referred]:
    """A matter referred to firm A through the real referral (escalated, accepted by firm A's partner), which
    took it to court (proceeding 1), with a claim against its guarantor (1)."""
    stack = sqlite_stack
    m = await stack.open_fast("referred")
    await stack.refer(m["id"], FIRM_A, accept=True)

    async def suit() -> Any:
        r = await stack.http.post(f"/matters/{m['id']}/proceedings", json={}, headers=stack.auth("partner_a"))
        return r.status_code == 201

    await eventually(suit)
    r = await stack.http.post(f"/matters/{m['id']}/guarantor-claims", headers=stack.auth("manager"))
    assert r.status_code == 201, r.text

    async def claim() -> Any:
        got = await stack.http.get(f"/matters/{m['id']}/guarantor-claims/1", headers=stack.auth("manager"))
        return got.status_code == 200

    await eventually(claim)
    docs = (await stack.http.get(f"/matters/{m['id']}/documents", headers=stack.auth("manager"))).json()["data"]
    yield Referred(m["id"], docs[0]["id"])


def routes(ref: Referred) -> list[tuple[str, str, dict[str, Any] | None, tuple[str, ...], bool]]:
    """(method, path, body, roles allowed, firm-scoped) for every authenticated route."""
    mid = ref.matter_id
    payment = {"payment_id": "AUTH1", "amount": cny("1.00"), "received_on": "2026-11-20"}
    promise = {"amount": cny("1.00"), "due_on": "2030-01-01"}
    decision = {"decision": "escalate", "firm": FIRM_A, "reason": "auth test"}
    staff, everyone = ("legal_team", "manager"), ("legal_team", "manager", "partner_a", "partner_b")
    return [
        ("POST", "/matters", {}, staff, False),
        ("GET", "/matters", None, everyone, False),
        ("GET", f"/matters/{mid}", None, everyone, True),
        ("POST", f"/matters/{mid}/payments", payment, staff, True),
        ("POST", f"/matters/{mid}/promises", promise, staff, True),
        ("POST", f"/matters/{mid}/legal-review", decision, ("manager",), True),
        ("GET", f"/matters/{mid}/documents", None, everyone, True),
        ("GET", f"/matters/{mid}/history", None, everyone, True),
        ("GET", f"/matters/{mid}/deadlines", None, everyone, True),
        ("POST", f"/matters/{mid}/documents/{ref.document_id}/delivery",
         {"delivered_on": "2026-11-20", "method": "courier"}, staff, True),
        ("GET", f"/documents/{ref.document_id}/content", None, everyone, True),
        ("GET", f"/documents/{ref.document_id}/preview.pdf", None, everyone, True),
        ("POST", f"/matters/{mid}/referral/recall", {"reason": "auth test"}, ("manager",), True),
        ("POST", f"/matters/{mid}/referral/lawyers-letter", {"lawyer_name": "A", "licence_number": "1"},
         ("partner_a", "partner_b"), True),
        ("POST", f"/matters/{mid}/proceedings", {"forum": "arbitration"}, ("manager", "partner_a", "partner_b"),
         True),
        ("GET", f"/matters/{mid}/proceedings/1", None, everyone, True),
        ("POST", f"/matters/{mid}/proceedings/1/events", {"event": {"kind": "served", "on": "2026-12-01"}},
         everyone, True),
        ("POST", f"/matters/{mid}/proceedings/1/drafts", {  # (the record has no penalty rate: a 422 for firm A)
            "representative": "A", "contact_person": "B", "contact_phone": "1", "borrower": {"ethnicity": "汉族"}},
         ("manager", "partner_a", "partner_b"), True),
        ("POST", f"/matters/{mid}/proceedings/1/preservation-drafts", {  # (no asset 9 on record: a 422 for firm A)
            "representative": "A", "contact_person": "B", "contact_phone": "1", "borrower": {"ethnicity": "汉族"},
            "court": "C", "assets": [{"asset": 9, "location": "L"}],
            "security": {"provider": "P", "instrument": "I", "reference": "R", "amount": cny("1.00")}},
         ("manager", "partner_a", "partner_b"), True),
        ("POST", f"/matters/{mid}/proceedings/1/enforcement-drafts", {  # (no decision in effect: a 409 for firm A)
            "representative": "A", "contact_person": "B", "contact_phone": "1", "borrower": {"ethnicity": "汉族"},
            "court": "C"}, ("manager", "partner_a", "partner_b"), True),
        ("POST", f"/matters/{mid}/guarantor-claims", None, everyone, True),
        ("GET", f"/matters/{mid}/guarantor-claims", None, everyone, True),
        ("GET", f"/matters/{mid}/guarantor-claims/1", None, everyone, True),
        ("POST", f"/matters/{mid}/guarantor-claims/1/events", {"event": {"kind": "refused", "on": "2026-12-01",
                                                                         "reason": "auth test"}}, everyone, True),
        ("POST", f"/matters/{mid}/guarantor-claims/1/demand-letter", {  # (no due date on record: a 409 for firm A)
            "guarantee_contract_number": "B-1", "guarantee_signed_on": "2024-01-01"}, everyone, True),
        ("GET", f"/matters/{mid}/assets", None, everyone, True),
        ("POST", f"/matters/{mid}/assets", {"asset": {"kind": "other", "description": "auth test"},
                                            "discovered_on": "2026-11-20"}, everyone, True),
        ("POST", f"/matters/{mid}/assets/1/events", {"event": {"kind": "released", "on": "2026-12-01",
                                                               "reason": "auth test"}}, everyone, True),
        ("GET", f"/matters/{mid}/unwinding", None, everyone, True),  # (open: none, said so by firm A's 404)
        ("GET", "/firms", None, everyone, False),
        ("GET", f"/firms/{FIRM_A}", None, everyone, True),  # a firm's record: another firm's partner gets 404
        ("POST", "/firms", {"name": "Auth LLP"}, ("manager",), False),
        ("PATCH", f"/firms/{FIRM_A}", {"phone": "021-1"}, ("manager",), False),
    ]


async def _call(stack: Stack, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    return await stack.http.request(method, path, json=body, headers=headers)


async def test_no_key_or_bad_key_is_401(stack: Stack, referred: Referred) -> None:
    for method, path, body, _, _ in routes(referred):
        r = await _call(stack, method, path, body, {})
        assert r.status_code == 401, (method, path)
        assert r.headers["www-authenticate"] == "Bearer"
        for bad in (
            {"Authorization": "Bearer rk_not-a-key"},
            {"Authorization": "Bearer "},
            {"Authorization": f"Basic {stack.keys['manager']}"},
            {"Authorization": stack.keys["manager"]},
        ):
            r = await _call(stack, method, path, body, bad)
            assert r.status_code == 401, (method, path, bad)
            assert r.headers["www-authenticate"].startswith("Bearer")
            assert "detail" in r.json()


async def test_revoked_key_is_401(stack: Stack) -> None:
    async with write_session(stack.sessions) as session:
        key, row = await apikeys.create_key(session, role="manager", name="short-lived")
    assert (await stack.http.get("/matters", headers={"Authorization": f"Bearer {key}"})).status_code == 200
    async with write_session(stack.sessions) as session:
        assert await apikeys.revoke_key(session, row.id)
    r = await stack.http.get("/matters", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"]


async def test_wrong_role_is_403(stack: Stack, referred: Referred) -> None:
    checked = 0
    for method, path, body, allowed, _ in routes(referred):
        for role in ("legal_team", "manager", "partner_a", "partner_b"):
            if role in allowed:
                continue
            r = await _call(stack, method, path, body, stack.auth(role))
            assert r.status_code == 403, (method, path, role, r.text)
            assert "may not" in r.json()["detail"]
            checked += 1
    # intake, payments, promises: partners; legal review: all but manager; a letter's delivery: partners;
    # a recall, a new firm, a firm's change: all but manager; a lawyer's letter: staff; a proceeding and its
    # filing's draft: legal team
    assert checked == 2 + 2 + 2 + 3 + 2 + 3 + 2 + 1 + 1 + 1 + 3 + 3 + 1


async def test_partner_of_another_firm_sees_404(stack: Stack, referred: Referred) -> None:
    for method, path, body, allowed, scoped in routes(referred):
        if not scoped or "partner_b" not in allowed:
            continue
        r = await _call(stack, method, path, body, stack.auth("partner_b"))
        assert r.status_code == 404, (method, path, r.text)
        r = await _call(stack, method, path, body, stack.auth("partner_a"))
        # A preview needs LibreOffice; without it the partner who may see the letter is told so.
        ok = 200 if not path.endswith("/preview.pdf") or preview.available() else 503
        # (POSTs: the firm's own answers show it reached the matter: a lawyer's letter comes before a suit,
        # one case at a time, a service needs a decision)
        ok = {"lawyers-letter": 409, "proceedings": 409, "events": 422, "drafts": 422,
              "preservation-drafts": 422, "demand-letter": 409, "unwinding": 404,
              "enforcement-drafts": 409}.get(path.rsplit("/", 1)[-1], ok)
        if path.endswith("/unwinding"):
            assert "has no unwinding" in r.text, r.text  # (firm A reached the matter: it has none yet)
        if method == "POST" and path.endswith(("/guarantor-claims", "/assets")):
            ok = 201  # (every guarantor already has its claim: none opened, and said so; an asset added)
        assert r.status_code == ok, (method, path, r.text)
    # Lists: each partner sees only its firm's matters.
    a = (await stack.http.get("/matters", params={"limit": 200}, headers=stack.auth("partner_a"))).json()
    assert referred.matter_id in {m["id"] for m in a["data"]}
    assert {m["referred_firm"] for m in a["data"]} == {FIRM_A} and a["count"] == len(a["data"])
    b = (await stack.http.get("/matters", params={"limit": 200}, headers=stack.auth("partner_b"))).json()
    assert referred.matter_id not in {m["id"] for m in b["data"]}
    # A matter referred to no firm is invisible to every partner, visible to staff.
    other = await stack.open("unreferred")
    await eventually(lambda: _visible(stack, other["id"], "manager"))
    for role in ("partner_a", "partner_b"):
        assert not await _visible(stack, other["id"], role)


async def _visible(stack: Stack, matter_id: str, role: str) -> bool:
    r = await stack.http.get(f"/matters/{matter_id}/documents", headers=stack.auth(role))
    assert r.status_code in (200, 404)
    return r.status_code == 200


async def test_health_needs_no_key(stack: Stack) -> None:
    r = await stack.http.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "checks": {"temporal": "up", "s3": "up", "database": "up"}, "down": [],
                        "workers": {"workflows": "up", "letters": "up"},
                        "worker_processes": {"workflows": 1, "letters": 1}, "processes": None,
                        "notifications": {"smtp": "up"}}


# ---- authorise first: who is calling and what they may see come before any other check ----------
MALFORMED = (
    (b'{"payment_id": "AUTH2", "amount": ', 422),  # JSON cut off mid-way: FastAPI's `json_invalid`
    (b'{"payment_id": "\xff"}', 400),  # not UTF-8: FastAPI's "error parsing the body"
)


def evidence_routes(ref: Referred, bundle_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(method, path, query) of the upload and bundle routes: every role may call them, firm-scoped."""
    mid = ref.matter_id
    return [
        ("POST", f"/matters/{mid}/evidence", PARAMS),
        ("GET", f"/matters/{mid}/evidence", None),
        ("POST", f"/matters/{mid}/bundles", None),
        ("GET", f"/matters/{mid}/bundles/{bundle_id}", None),
        ("GET", f"/matters/{mid}/bundles/{bundle_id}/content", None),
    ]


async def test_a_malformed_body_is_reported_only_to_a_caller_who_may_send_it(stack: Stack, referred: Referred) -> None:
    """FastAPI parses a JSON body before any dependency runs; the key, the role and the firm still come first."""
    posts = [(path, allowed, scoped) for method, path, _, allowed, scoped in routes(referred) if method == "POST"]
    posts.append((f"/matters/{referred.matter_id}/bundles", ROLES, True))
    json_body = {"Content-Type": "application/json"}
    for (path, allowed, scoped), (content, malformed) in itertools.product(posts, MALFORMED):
        r = await stack.http.post(path, content=content, headers=json_body)
        assert r.status_code == 401, (path, content, r.text)
        assert r.headers["www-authenticate"] == "Bearer"
        for role in ROLES:
            if role not in allowed:
                expected = 403
            elif scoped and role == "partner_b":  # another firm's matter: as if absent
                expected = 404
            else:
                expected = malformed  # the control: the body really is malformed, and FastAPI's own error says so
            r = await stack.http.post(path, content=content, headers={**stack.auth(role), **json_body})
            assert r.status_code == expected, (path, content, role, r.text)
            if expected == 422:
                assert r.json()["detail"][0]["type"] == "json_invalid", r.text


async def test_bad_input_on_another_firms_matter_is_404(stack: Stack, referred: Referred) -> None:
    """Query and body validation come after the firm check: a 422 is only for a matter the caller may see."""
    mid = referred.matter_id
    bad: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/matters/{mid}/history", {"params": {"limit": 0}}),
        ("GET", f"/matters/{mid}/history", {"params": {"offset": -1}}),
        ("POST", f"/matters/{mid}/bundles", {"json": {"locale": "fr", "extra": 1}}),
        ("POST", f"/matters/{mid}/evidence", {"content": b""}),  # no query parameters, no file
        ("POST", f"/matters/{mid}/evidence", {"params": {**PARAMS, "file_name": "x" * 300}, "content": PDF}),
    ]
    for method, path, kwargs in bad:
        r = await stack.http.request(method, path, headers=stack.auth("partner_b"), **kwargs)
        assert r.status_code == 404, (method, path, kwargs, r.text)
        r = await stack.http.request(method, path, **kwargs)
        assert r.status_code == 401, (method, path, kwargs, r.text)
        r = await stack.http.request(method, path, headers=stack.auth("partner_a"), **kwargs)
        assert r.status_code == 422, (method, path, kwargs, r.text)  # the control: the input really is bad
        unknown = path.replace(mid, "no-such-matter")
        r = await stack.http.request(method, unknown, headers=stack.auth("manager"), **kwargs)
        assert r.status_code == 404, (method, unknown, kwargs, r.text)


async def _lost_temporal(stack: Stack, tmp_path: Path) -> Client:
    """A client of a Temporal the API was connected to, then lost."""
    port = free_port()
    server = temporal_service(tmp_path, port=port, ui_port=free_port()).start()
    try:
        for _ in range(50):  # a fresh dev server may answer "Frontend is not healthy yet" for a moment
            try:
                return await Client.connect(f"127.0.0.1:{port}", data_converter=data_converter(stack.settings))
            except RuntimeError:
                await asyncio.sleep(0.2)
        return await Client.connect(f"127.0.0.1:{port}", data_converter=data_converter(stack.settings))
    finally:
        server.stop()


async def test_outsiders_get_401_or_404_while_dependencies_are_down(
    stack: Stack, referred: Referred, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Temporal lost, the evidence store down, no LibreOffice: nobody outside learns that anything exists."""
    r = await stack.http.post(f"/matters/{referred.matter_id}/bundles", headers=stack.auth("partner_a"))
    assert r.status_code == 201, r.text
    bundle_id = r.json()["id"]
    monkeypatch.setattr(preview, "find_soffice", lambda: None)
    temporal = await _lost_temporal(stack, tmp_path)
    app = create_app(stack.settings, temporal=temporal, sessionmaker=stack.sessions, evidence=_dead_s3())
    calls: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = [
        (m, p, {"json": body}, allowed) for m, p, body, allowed, scoped in routes(referred) if scoped
    ]
    for m, p, query in evidence_routes(referred, bundle_id):
        calls.append((m, p, {"params": query, "content": PDF} if query else {}, ROLES))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as http:
        for method, path, kwargs, allowed in calls:
            r = await http.request(method, path, **kwargs)
            assert r.status_code == 401, (method, path, r.text)
            r = await http.request(method, path, headers=stack.auth("partner_b"), **kwargs)
            assert r.status_code == (404 if "partner_b" in allowed else 403), (method, path, r.text)
        # The controls: the dependencies really are down for a caller who may see the matter.
        r = await http.get(f"/documents/{referred.document_id}/content", headers=stack.auth("partner_a"))
        assert r.status_code == 503 and "evidence store" in r.json()["detail"], r.text
        r = await http.get(f"/matters/{referred.matter_id}/history", headers=stack.auth("partner_a"))
        assert r.status_code == 503 and "Temporal" in r.json()["detail"], r.text
