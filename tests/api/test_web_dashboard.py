"""The manager's pages on the real stack: the dashboard (charts as inline SVG beside tables of the same numbers),
the legal deadlines near, a matter's full history paged by the API's cursor; in both languages; refused (a 403
page) to those the API refuses. And the charts' geometry without a server."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from api.schemas_reports import NearPublic
from api.web import dashboard
from api.web.charts import bar_chart, column_chart, lengths
from api.web.words_dashboard import WORDS
from domain.status import MatterStatus
from store.db import write_session
from store.models import Matter
from tests.api.conftest import FIRM_A, Stack, eventually
from tests.api.test_web import browser, csrf_of, log_in, person


# ---------------------------------------------------------------- without a server
def test_the_words_are_the_same_keys_in_both_languages() -> None:
    assert set(WORDS["en"]) == set(WORDS["zh-CN"])
    assert all(v.strip() for lang in WORDS.values() for v in lang.values())


def test_bar_lengths_scale_to_the_largest_value() -> None:
    assert lengths([Decimal("1"), Decimal("3"), 0], 300) == [Decimal("100.0"), Decimal("300.0"), Decimal("0.0")]
    assert lengths([0, 0], 300) == [Decimal(0), Decimal(0)]
    assert lengths([], 300) == []
    assert lengths([Decimal("-5"), Decimal("2")], 100) == [Decimal("0.0"), Decimal("100.0")]


def test_a_chart_is_labelled_escaped_and_draws_one_shape_per_value() -> None:
    svg = str(bar_chart("Stages <x>", "desc & more", [("a<b", 2, "2"), ("c", 4, "4")]))
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    ids = re.search(r'aria-labelledby="([^"]+)"', svg)
    assert ids and all(f'id="{i}"' in svg for i in ids.group(1).split())
    assert "Stages &lt;x&gt;" in svg and "desc &amp; more" in svg and "a&lt;b" in svg and "<x>" not in svg
    widths = re.findall(r'<rect x="\d+" y="\d+" width="([\d.]+)"', svg)
    assert widths == ["180.0", "360.0"]
    columns = str(column_chart("Months", "d", [("2026-10", Decimal("1.5"), "1.5%"), ("2026-11", Decimal("3"), "3%")]))
    heights = re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="36" height="([\d.]+)"', columns)
    assert heights == [("110.0", "90.0"), ("20.0", "180.0")]  # on one baseline (y + height = 200)


def test_deadline_kinds_are_named_by_the_api() -> None:
    """(They were guessed from the English names; now the report says each one's kind.)"""
    kinds = NearPublic.model_fields["kind"].annotation
    assert set(kinds.__args__) == {"limitation", "guarantee", "measure"}  # type: ignore[union-attr]
    assert all(f"dl_kind_{k}" in WORDS["en"] and f"dl_kind_{k}" in WORDS["zh-CN"] for k in kinds.__args__)  # type: ignore[union-attr]


# ---------------------------------------------------------------- the stack
async def overdue_copy(stack: Stack, matter_id: str, days: int = 5) -> str:
    """A projection row copied from the matter's (closed, written off: out of the worklists), its limitation
    period ended `days` ago on the matter's own calendar. Its id."""
    async with write_session(stack.sessions) as session:
        row = await session.get(Matter, matter_id)
        assert row is not None and row.status is not None
        status = MatterStatus.model_validate(row.status)
        assert status.limitation is not None
        ended = status.policy_today(datetime.now(UTC)) - timedelta(days=days)
        limitation = status.limitation.model_copy(update={"last_day": ended, "ends_on": ended})
        copy_id = f"{matter_id[:90]}-overdue-{uuid.uuid4().hex[:6]}"
        values = {c.key: getattr(row, c.key) for c in Matter.__table__.columns}
        values.update(id=copy_id, external_ref=f"{row.external_ref[:90]}-overdue-{copy_id[-6:]}", stage="closed",
                      closure_reason="written_off", limitation_last_day=ended,
                      status=status.model_copy(update={"limitation": limitation}).model_dump(mode="json"))
        session.add(Matter(**values))
    return copy_id


@asynccontextmanager
async def signed_in(stack: Stack, role: str, firm: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    username, password = await person(stack, role, firm)
    async with browser(stack) as web:
        assert (await log_in(web, username, password)).status_code == 303
        yield web


def chart_and_table(page: str, section: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The first chart's (label, value) pairs and the table's (group, count) rows of a section."""
    part = page.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    svg = part.split("</svg>", 1)[0]
    bars = re.findall(r'text-anchor="end" font-size="12">([^<]*)</text><rect[^>]*/><text[^>]*>([^<]*)</text>', svg)
    rows = re.findall(r'<th scope="row">([^<]*)</th>\s*<td class="num">(\d+)</td>', part.split("<table", 1)[1])
    return [(html.unescape(a), b) for a, b in bars], [(html.unescape(a), b) for a, b in rows]


async def test_the_dashboard_shows_charts_beside_tables_of_the_same_numbers_in_both_languages(stack: Stack) -> None:
    m = await stack.open("dash-web", currency="HKD")
    r = await stack.http.post(f"/matters/{m['id']}/payments", headers=stack.auth("legal_team"), json={
        "payment_id": "P1", "amount": {"amount": "19.99", "currency": "HKD"}, "received_on": "2026-11-02"})
    assert r.status_code == 201, r.text
    async with signed_in(stack, "manager") as web:
        async def shown() -> Any:
            page = await web.get("/app/dashboard")
            assert page.status_code == 200, page.text
            return page.text if "HKD 19.99" in page.text else None

        text = await eventually(shown, timeout=30)
        assert "<h1>Dashboard</h1>" in text and text.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 4
        for section in ("by-stage", "aging", "risk"):
            bars, rows = chart_and_table(text, section)
            assert bars and bars == rows, (section, bars, rows)
        assert ("Over 90 days", "0") != chart_and_table(text, "aging")[0][-1]
        assert "Recovery rate of a month = amount recovered with a received date" in text  # the definition
        assert "Missed appeal and enforcement windows are not recorded" in text
        api = (await web.get("/reports/portfolio", params={"currency": "HKD"})).json()
        assert api["intake"] == [{"amount": "19518.00", "currency": "HKD"}]
        assert re.search(r'<th scope="row">HKD</th><td class="num">\d+\.\d\d</td><td class="num">\d+\.\d\d</td>', text)
        switched = await web.post("/app/language", data={"csrf_token": csrf_of(text), "to": "zh-CN"},
                                  follow_redirects=False)
        assert switched.status_code in (303, 302)
        zh = await web.get("/app/dashboard")
        assert zh.status_code == 200 and "<h1>统计看板</h1>" in zh.text and "某月回收率" in zh.text
        bars, rows = chart_and_table(zh.text, "by-stage")
        assert bars == rows and all(not label.isascii() for label, _ in rows)  # the stages in Chinese
        deadlines = await web.get("/app/deadlines")
        assert deadlines.status_code == 200 and "<h1>期限预警</h1>" in deadlines.text


@pytest.mark.parametrize("role", ["legal_team", "partner"])
async def test_the_manager_pages_are_a_403_page_for_others(stack: Stack, role: str) -> None:
    async with signed_in(stack, role, FIRM_A if role == "partner" else None) as web:
        for path in ("/app/dashboard", "/app/deadlines"):
            page = await web.get(path)
            assert page.status_code == 403 and "You may not do this." in page.text and "<svg" not in page.text
        m = await stack.open(f"dash-hist-{role}")
        page = await web.get(f"/app/matters/{m['id']}/history")
        if role == "partner":
            assert page.status_code == 403 and "You may not do this." in page.text
        else:  # the API lets the legal team read a history
            assert page.status_code == 200 and "<h1>Full history</h1>" in page.text


async def test_the_deadlines_page_lists_a_matter_s_limitation_with_days_left(stack: Stack) -> None:
    m = await stack.open("dash-deadline")
    async with signed_in(stack, "manager") as web:
        async def listed() -> Any:
            page = await web.get("/app/deadlines", params={"within_days": 1095})
            assert page.status_code == 200, page.text
            return page.text if f'href="/app/matters/{m["id"]}">{m["external_ref"]}</a>' in page.text else None

        text = await eventually(listed, timeout=30)
        row = text.split(f'href="/app/matters/{m["id"]}"', 1)[0].rsplit("<tr", 1)[1]
        cells = re.findall(r"<td(?: class=\"when\")?>([^<]*)</td>", row)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", cells[0]) and ("Overdue by" in row or int(cells[1]) >= 0), row
        assert "Limitation period" in text and '<option value="1095" selected>' in text
        # A limitation period that ran out (a copy of the matter's row, its period ended 5 days ago): flagged.
        overdue = await overdue_copy(stack, m["id"])
        try:
            page = (await web.get("/app/deadlines", params={"within_days": 30})).text
        finally:  # (the copy has no workflow: no other test should see it)
            async with write_session(stack.sessions) as session:
                await session.execute(delete(Matter).where(Matter.id == overdue))
        row = page.split(f'href="/app/matters/{overdue}"', 1)[0].rsplit("<tr", 1)[1]
        assert row.startswith(' class="overdue"') and re.search(r"Overdue by \d+ days", row), row
        dues = re.findall(r'<td class="when">([^<]*)</td>', page)
        assert dues and dues == sorted(dues)  # soonest first
        # An unknown window falls back to 60 days; the API's bound is never passed through.
        assert '<option value="60" selected>' in (await web.get("/app/deadlines?within_days=99999")).text


async def test_the_history_page_pages_through_a_long_history_by_the_api_s_cursor(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "HISTORY_PAGE", 7)
    m = await stack.open("dash-history")
    mid = m["id"]
    for i in range(6):
        r = await stack.http.post(f"/matters/{mid}/payments", headers=stack.auth("legal_team"), json={
            "payment_id": f"H{i}", "amount": {"amount": "1.00", "currency": "CNY"}, "received_on": "2026-11-02"})
        assert r.status_code == 201, r.text
    full = (await stack.http.get(f"/matters/{mid}/history", params={"limit": 1000},
                                 headers=stack.auth("manager"))).json()["data"]
    assert len(full) > 14, len(full)  # at least three pages
    async with signed_in(stack, "manager") as web:
        matter = await web.get(f"/app/matters/{mid}")
        assert f'href="/app/matters/{mid}/history"' in matter.text  # linked from the matter's page
        url, seen, pages = f"/app/matters/{mid}/history", [], 0
        while url:
            page = await web.get(url)
            assert page.status_code == 200, page.text
            pages += 1
            seen += [html.unescape(w) for w in re.findall(r"<td>\d+</td><td class=\"when\"><time[^>]*>[^<]*</time>"
                                                          r"</td>\s*<td>[^<]*</td><td>([^<]*)</td>", page.text)]
            nxt = re.search(r'<a rel="next" href="([^"]+)"', page.text)
            url = html.unescape(nxt.group(1)) if nxt else ""
        assert pages >= 3 and "End of the history." in page.text
        assert seen[:len(full)] == [e["what"] for e in full]  # every entry, oldest first (later ones may follow)
        bad = await web.get(f"/app/matters/{mid}/history?cursor=AAAA")
        assert bad.status_code == 422 and "not valid" in bad.text
        missing = await web.get("/app/matters/no-such-matter/history")
        assert missing.status_code == 404 and "Not found." in missing.text


def test_durations_are_told_in_their_two_largest_units() -> None:
    w = WORDS["en"]
    assert dashboard.duration(None, w) == "—"
    assert dashboard.duration(0, w) == "0 s" and dashboard.duration(59, w) == "59 s"
    assert dashboard.duration(3 * 86400 + 4 * 3600 + 5 * 60 + 6, w) == "3 d 4 h"
    assert dashboard.duration(3600 + 7, w) == "1 h"  # (no minutes: the seconds are not the next unit)
    assert dashboard.duration(125, WORDS["zh-CN"]) == "2 分 5 秒"


async def test_a_court_measure_near_its_end_is_listed_as_the_matters_own_deadlines_name_it(stack: Stack) -> None:
    """The report's measure is the matter's own (domain.assets: the art. 485 rule, the ruling as its source), with
    its kind; a lapsed unrenewed one stays listed, overdue."""
    from domain.assets import AssetRecord
    from domain.assets import Preserved as AssetPreserved
    from domain.parties import Asset
    from domain.status import AssetView

    m = await stack.open("dash-measure")

    async def projected() -> bool:  # (the status is written by the matter's workflow a moment after it opens)
        async with write_session(stack.sessions) as session:
            row = await session.get(Matter, m["id"])
            return row is not None and row.status is not None

    await eventually(projected)
    async with write_session(stack.sessions) as session:
        row = await session.get(Matter, m["id"])
        assert row is not None and row.status is not None
        status = MatterStatus.model_validate(row.status)
        today = status.policy_today(datetime.now(UTC))
        views = []
        for number, started in ((1, today - timedelta(days=360)), (2, today - timedelta(days=370))):  # 1-year term
            event = AssetPreserved(on=started, measure="freeze", court="上海市长宁区人民法院",
                                   ruling_number=f"(2026)沪0105财保{number}号")
            record = AssetRecord(number=number, asset=Asset(kind="deposit", description=f"账户{number}"),
                                 events=(event,))
            views.append(AssetView(number=number, kind="deposit", description=f"账户{number}", standing="preserved",
                                   measure_ends_on=record.measure_ends_on(), events=(event,)))
        copy_id = f"{m['id'][:90]}-measure-{uuid.uuid4().hex[:6]}"
        values = {c.key: getattr(row, c.key) for c in Matter.__table__.columns}
        values.update(id=copy_id, external_ref=f"{row.external_ref[:90]}-measure-{copy_id[-6:]}",
                      status=status.model_copy(update={"assets": tuple(views)}).model_dump(mode="json"))
        session.add(Matter(**values))
        expected = record.measure_as_deadline()
        assert expected is not None
    r = await stack.http.get("/reports/deadlines", params={"within_days": 30}, headers=stack.auth("manager"))
    assert r.status_code == 200, r.text
    mine = [d for d in r.json()["data"] if d["matter_id"] == copy_id]
    assert [(d["kind"], d["name"], d["overdue"]) for d in mine] == [
        ("measure", "measure on asset 2 (deposit)", True), ("measure", "measure on asset 1 (deposit)", False)], mine
    assert mine[0]["rule"] == expected.rule and "art. 485" in expected.rule
    assert mine[0]["source"] == expected.source and "(2026)沪0105财保2号" in mine[0]["source"]
