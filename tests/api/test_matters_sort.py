"""GET /matters for the worklist: the risk-grade filter, when the next step falls due (before / at or after an
instant), and "what is due first" (the next step's due time ascending, matters without one last). The default
list is unchanged (newest first, paged by cursor)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.conftest import FIRM_A, Stack, eventually


def _at(m: dict[str, Any]) -> datetime | None:
    return datetime.fromisoformat(m["next_step_at"]) if m["next_step_at"] else None


def _due_first(page: list[dict[str, Any]]) -> bool:
    """Soonest next step first, matters without one after every matter with one."""
    ats = [_at(m) for m in page]
    dated = [a for a in ats if a is not None]
    first_none = next((i for i, a in enumerate(ats) if a is None), len(ats))
    return dated == sorted(dated) and all(a is None for a in ats[first_none:])


async def _listed_with_grade(stack: Stack, matter_id: str) -> dict[str, Any]:
    async def graded() -> Any:
        r = await stack.http.get("/matters", params={"limit": 200}, headers=stack.auth("legal_team"))
        found = next((m for m in r.json()["data"] if m["id"] == matter_id), None)
        return found if found and found["risk_grade"] and found["next_step_at"] else None

    return await eventually(graded)  # type: ignore[no-any-return]


async def test_what_is_due_first_and_the_due_filters(any_stack: Stack) -> None:
    stack = any_stack  # both databases: NULLs last and the time comparisons are the database's
    opened = [await stack.open(f"due-{i}") for i in range(3)]
    for m in opened:
        await _listed_with_grade(stack, m["id"])
    h = stack.auth("legal_team")
    r = await stack.http.get("/matters", params={"sort": "next_step_due", "limit": 200}, headers=h)
    assert r.status_code == 200, r.text
    page = r.json()
    assert _due_first(page["data"]) and page["next_cursor"] is None  # offset pages this order
    assert {m["id"] for m in opened} <= {m["id"] for m in page["data"]}
    # Paged by offset (the demo policy's steps move every second, so each page is checked on its own).
    second = (await stack.http.get("/matters", params={"sort": "next_step_due", "limit": 2, "offset": 2},
                                   headers=h)).json()
    assert len(second["data"]) == min(2, page["count"] - 2) and _due_first(second["data"])
    assert second["count"] == page["count"]
    # Due before / at or after an instant.
    now = datetime.now(UTC)
    overdue = (await stack.http.get("/matters", params={"next_step_due_before": now.isoformat(), "limit": 200},
                                    headers=h)).json()["data"]
    assert all(_at(m) is not None and _at(m) < now for m in overdue)  # type: ignore[operator]
    ahead = (await stack.http.get("/matters", params={
        "next_step_due_after": now.isoformat(), "next_step_due_before": (now + timedelta(days=7)).isoformat(),
        "limit": 200}, headers=h)).json()["data"]
    assert all(now <= _at(m) < now + timedelta(days=7) for m in ahead)  # type: ignore[operator]
    # (no check that the two lists are disjoint: read a moment apart, a matter overdue in the first may have
    # moved on to its next step, due ahead, by the second; each list is checked against its own filter above)


async def test_the_risk_grade_filter(stack: Stack) -> None:
    m = await stack.open("graded")
    grade = (await _listed_with_grade(stack, m["id"]))["risk_grade"]
    h = stack.auth("manager")
    same = (await stack.http.get("/matters", params={"risk_grade": grade, "limit": 200}, headers=h)).json()["data"]
    assert m["id"] in {x["id"] for x in same} and all(x["risk_grade"] == grade for x in same)
    other = "E" if grade != "E" else "A"
    others = (await stack.http.get("/matters", params={"risk_grade": other, "limit": 200}, headers=h)).json()["data"]
    assert m["id"] not in {x["id"] for x in others}


async def test_bad_parameters_name_the_field(stack: Stack) -> None:
    h = stack.auth("legal_team")
    for params, field in (({"risk_grade": "Z"}, "risk_grade"), ({"sort": "oldest"}, "sort"),
                          ({"next_step_due_before": "2026-01-01T00:00:00"}, "next_step_due_before"),  # no offset
                          ({"next_step_due_after": "soon"}, "next_step_due_after"),
                          ({"sort": "next_step_due", "cursor": "abc"}, "cursor")):
        r = await stack.http.get("/matters", params=params, headers=h)
        assert r.status_code == 422, (params, r.text)
        assert any(d["loc"][-1] == field for d in r.json()["detail"]), r.text


async def test_the_default_order_is_unchanged_and_partners_stay_scoped(stack: Stack) -> None:
    a, b = await stack.open("newest-a"), await stack.open("newest-b")
    h = stack.auth("legal_team")

    async def both() -> Any:
        got = (await stack.http.get("/matters", params={"limit": 200}, headers=h)).json()
        ids = [m["id"] for m in got["data"]]
        return got if a["id"] in ids and b["id"] in ids else None

    page = await eventually(both)
    ids = [m["id"] for m in page["data"]]
    assert ids.index(b["id"]) < ids.index(a["id"])  # newest first
    created = [m["created_at"] for m in page["data"]]
    assert created == sorted(created, reverse=True)
    small = (await stack.http.get("/matters", params={"limit": 1}, headers=h)).json()
    assert small["next_cursor"]  # the default still pages by cursor
    # A partner's list, however sorted, holds its firm's matters only.
    r = await stack.http.get("/matters", params={"sort": "next_step_due", "limit": 200},
                             headers=stack.auth("partner_a"))
    assert r.status_code == 200
    assert all(m["referred_firm"] == FIRM_A for m in r.json()["data"])
    assert a["id"] not in {m["id"] for m in r.json()["data"]}
