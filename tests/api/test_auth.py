"""Auth on every route: no key or a bad key -> 401, the wrong role -> 403, another firm's matter -> 404."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from store import apikeys
from store.db import write_session
from tests.api.conftest import FIRM_A, Stack, eventually
from tests.api.test_commands import cny
from workflows.contracts import workflow_id


@dataclass(frozen=True)
class Referred:
    matter_id: str
    document_id: str


@pytest.fixture(scope="module")
async def referred(sqlite_stack: Stack) -> AsyncIterator[Referred]:
    """A closed matter referred to firm A (closed, so no later status write touches the row)."""
    stack = sqlite_stack
    m = await stack.open("referred")
    r = await stack.http.post(
        f"/matters/{m['id']}/payments", headers=stack.auth("legal_team"),
        json={"payment_id": "ALL", "amount": cny("19518.00"), "received_on": "2026-11-20"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    await stack.temporal.get_workflow_handle(workflow_id(m["id"])).result()
    docs = (await stack.http.get(f"/matters/{m['id']}/documents", headers=stack.auth("manager"))).json()["data"]
    await stack.set_firm(m["id"], FIRM_A)
    yield Referred(m["id"], docs[0]["id"])


def routes(ref: Referred) -> list[tuple[str, str, dict[str, Any] | None, tuple[str, ...], bool]]:
    """(method, path, body, roles allowed, firm-scoped) for every authenticated route."""
    mid = ref.matter_id
    payment = {"payment_id": "AUTH1", "amount": cny("1.00"), "received_on": "2026-11-20"}
    promise = {"amount": cny("1.00"), "due_on": "2030-01-01"}
    decision = {"decision": "escalate", "reason": "auth test"}
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
        ("GET", f"/documents/{ref.document_id}/content", None, everyone, True),
        ("GET", f"/documents/{ref.document_id}/preview.pdf", None, everyone, True),
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
    assert checked == 2 + 2 + 2 + 3  # intake, payments, promises: partners; legal review: all but manager


async def test_partner_of_another_firm_sees_404(stack: Stack, referred: Referred) -> None:
    for method, path, body, allowed, scoped in routes(referred):
        if not scoped or "partner_b" not in allowed:
            continue
        r = await _call(stack, method, path, body, stack.auth("partner_b"))
        assert r.status_code == 404, (method, path, r.text)
        r = await _call(stack, method, path, body, stack.auth("partner_a"))
        assert r.status_code == 200, (method, path, r.text)
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
    assert r.json() == {"status": "ok", "checks": {"temporal": "up", "s3": "up", "database": "up"}, "down": []}
