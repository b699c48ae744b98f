"""A matter page's further forms on the real stack (issue 11): the team's contact log, settlement proposal and
holds; a partner's proceedings and their events; evidence uploaded with the session (raw body, CSRF header) and
listed; letters previewed (or the reason there is none); each refused by field when the API refuses, refused to
the wrong side, to a forged token and to another firm; and the worklist's risk, due and order filters."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from api.web.words_forms import WORDS
from documents import preview
from store import queries
from tests.api.conftest import FIRM_A, FIRM_B, Stack, eventually
from tests.api.test_money_api import ZERO_RATE
from tests.api.test_web import browser, csrf_of, log_in, person


def test_the_forms_words_are_in_both_languages() -> None:
    assert set(WORDS["en"]) == set(WORDS["zh-CN"])
    assert all(v.strip() for lang in WORDS.values() for v in lang.values())


def hidden(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's form posting to `.../actions/{action}` (the first one)."""
    found = re.search(rf'<form method="post" action="[^"]*/actions/{action}">(.*?)</form>', page, re.S)
    assert found, f"no {action} form on the page"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', found.group(1)))


async def signed_in(stack: Stack, web: httpx.AsyncClient, role: str, firm: str | None = None) -> None:
    username, password = await person(stack, role, firm=firm)
    assert (await log_in(web, username, password)).status_code == 303


async def post(web: httpx.AsyncClient, matter_id: str, action: str, page: str, **fields: str) -> httpx.Response:
    return await web.post(f"/app/matters/{matter_id}/actions/{action}", data={**hidden(page, action), **fields},
                          follow_redirects=True)


async def test_the_team_logs_a_contact_places_and_releases_a_hold(stack: Stack) -> None:
    m = await stack.open("web-contact")
    async with browser(stack) as web:
        await signed_in(stack, web, "legal_team")
        page = (await web.get(f"/app/matters/{m['id']}")).text
        assert "Log a contact" in page and "Place a hold" in page
        assert "Start a suit or an arbitration" not in page  # the firm's form, not the team's
        future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        bad = await post(web, m["id"], "contact", page, channel="phone", outcome="reached", at=future, tz="+00:00")
        assert bad.status_code == 422 and "at: " in bad.text and "in the future" in bad.text, bad.text
        wrong = await post(web, m["id"], "contact", page, channel="pigeon", outcome="reached")
        assert wrong.status_code == 422 and "channel: " in wrong.text
        done = await post(web, m["id"], "contact", page, channel="phone", outcome="promised", cause="illness",
                          note="will pay on Friday")
        assert done.status_code == 200 and "Contact logged." in done.text, done.text
        again = await post(web, m["id"], "contact", page, channel="phone", outcome="promised", cause="illness",
                           note="will pay on Friday")  # the same form sent twice: recorded once
        assert again.status_code == 200 and "Contact logged." in again.text

        # A hold: refused without a reason (by field), then placed, shown, released.
        page = (await web.get(f"/app/matters/{m['id']}")).text
        assert "bankruptcy_stay" not in page  # a manager's hold: not offered to the team
        refused = await post(web, m["id"], "hold", page, kind="dispute", reason="")
        assert refused.status_code == 422 and "reason: " in refused.text
        placed = await post(web, m["id"], "hold", page, kind="dispute", reason="the borrower disputes the interest")
        assert placed.status_code == 200 and "Hold placed." in placed.text, placed.text

        async def shown() -> Any:
            got = (await web.get(f"/app/matters/{m['id']}")).text
            return got if "the borrower disputes the interest" in got and "/actions/release" in got else None

        page = await eventually(shown)
        released = await post(web, m["id"], "release", page, note="resolved")
        assert released.status_code == 200 and "Hold released." in released.text, released.text
        unknown = await web.post(f"/app/matters/{m['id']}/actions/release",
                                 data={"csrf_token": csrf_of(page), "hold_id": "no-such-hold"})
        assert unknown.status_code == 422 and "hold_id: " in unknown.text
        forged = await web.post(f"/app/matters/{m['id']}/actions/contact",
                                data={**hidden(page, "hold"), "csrf_token": "forged", "channel": "phone",
                                      "outcome": "reached"})
        assert forged.status_code == 403 and "You may not do this." in forged.text

    async def logged() -> Any:  # the projection's timeline: one contact, though the form was sent twice
        async with stack.sessions() as session:
            rows = await queries.list_timeline(session, m["id"])
        found = [r for r in rows if r.kind == "contact_logged"]
        return found if any(r.kind == "hold_released" for r in rows) else None

    assert len(await eventually(logged)) == 1


async def test_the_team_proposes_a_settlement_as_a_lump_sum(stack: Stack) -> None:
    m = await stack.open("web-settlement", contract=ZERO_RATE)
    d = await stack.detail(m["id"])
    payable = Decimal(d["outstanding"]["amount"]) - Decimal("218.00")
    due = (date.fromisoformat(d["policy_today"]) + timedelta(days=400)).isoformat()
    async with browser(stack) as web:
        await signed_in(stack, web, "legal_team")
        page = (await web.get(f"/app/matters/{m['id']}")).text
        assert "Propose a settlement" in page
        missing = await post(web, m["id"], "settlement", page, waive_penalty="218.00", amount_1=str(payable))
        assert missing.status_code == 422 and "instalments.0.due_on" in missing.text, missing.text
        short = await post(web, m["id"], "settlement", page, waive_penalty="218.00", amount_1="1.00", due_on_1=due)
        assert short.status_code == 422 and "instalments" in short.text, short.text
        done = await post(web, m["id"], "settlement", page, waive_penalty="218.00", amount_1=str(payable),
                          due_on_1=due, note="lump sum")
        assert done.status_code == 200 and "Settlement proposed." in done.text, done.text
        d = await stack.detail(m["id"])
        assert d["arrangement"]["status"] == "proposed" and len(d["arrangement"]["instalments"]) == 1

        async def closed_to_more() -> Any:  # one arrangement at a time: the form gives way to what is open
            got = (await web.get(f"/app/matters/{m['id']}")).text
            return got if "Propose a settlement" not in got and "A proposal is open" in got else None

        await eventually(closed_to_more)


async def test_evidence_is_uploaded_with_the_session_and_listed(stack: Stack) -> None:
    m = await stack.open("web-evidence")
    async with browser(stack) as web:
        await signed_in(stack, web, "legal_team")
        page = (await web.get(f"/app/matters/{m['id']}")).text
        assert 'id="evidence-form"' in page and "No evidence uploaded yet." in page
        token = re.search(r'data-csrf="([^"]+)"', page)
        assert token and token.group(1) == csrf_of(page)
        query = {"file_name": "voucher.pdf", "description": "bank voucher", "proves": "the loan was paid out",
                 "source": "the bank's records"}
        url = f"/matters/{m['id']}/evidence"
        forged = await web.post(url, params=query, content=b"%PDF-1.4 voucher", headers={
            "Content-Type": "application/pdf"})
        assert forged.status_code == 403  # the cookie alone never authorises a change
        empty = await web.post(url, params=query, content=b"", headers={"X-CSRF-Token": token.group(1)})
        assert empty.status_code == 422 and empty.json()["detail"][0]["loc"][-1] == "body"
        r = await web.post(url, params=query, content=b"%PDF-1.4 voucher",
                           headers={"Content-Type": "application/pdf", "X-CSRF-Token": token.group(1)})
        assert r.status_code == 201, r.text
        listed = await web.get(f"/app/matters/{m['id']}?done=evidence")
        assert "voucher.pdf" in listed.text and "the loan was paid out" in listed.text
        assert "Evidence uploaded." in listed.text
        # Downloaded from the list with the session, verified against its SHA-256.
        link = re.search(r'<a href="(/matters/[^"]+/evidence/[^"]+/content)" download>voucher.pdf</a>', listed.text)
        assert link, listed.text
        got = await web.get(link.group(1))
        assert got.status_code == 200 and got.content == b"%PDF-1.4 voucher", got.status_code
        assert got.headers["x-content-sha256"] == r.json()["sha256"] and "voucher.pdf" in got.headers[
            "content-disposition"]


async def test_a_letter_is_previewed_or_the_reason_is_shown(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    m = await stack.open("web-preview")

    async def letter() -> Any:
        got = (await stack.http.get(f"/matters/{m['id']}/documents", headers=stack.auth("manager"))).json()
        return got["data"][0]["id"] if got["data"] else None

    doc = await eventually(letter)
    async with browser(stack) as web, browser(stack) as outsider:
        await signed_in(stack, web, "legal_team")
        page = (await web.get(f"/app/matters/{m['id']}")).text
        assert f'href="/app/documents/{doc}/preview.pdf" target="_blank"' in page
        assert f'href="/documents/{doc}/content"' in page
        monkeypatch.setattr(preview, "available", lambda: False)
        none = await web.get(f"/app/documents/{doc}/preview.pdf")
        assert none.status_code == 503 and "LibreOffice is not installed" in html.unescape(none.text)
        assert f'href="/documents/{doc}/content"' in none.text  # the download instead
        monkeypatch.setattr(preview, "available", lambda: True)
        monkeypatch.setattr(preview, "docx_to_pdf", lambda content, timeout: b"%PDF-1.7 the letter")
        pdf = await web.get(f"/app/documents/{doc}/preview.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content == b"%PDF-1.7 the letter" and pdf.headers["content-disposition"].startswith("inline")
        download = await web.get(f"/documents/{doc}/content")  # the download link works with the session
        assert download.status_code == 200 and download.content[:2] == b"PK"
        await signed_in(stack, outsider, "partner", firm=FIRM_B)
        hidden_doc = await outsider.get(f"/app/documents/{doc}/preview.pdf")
        assert hidden_doc.status_code == 404 and "Not found." in hidden_doc.text


async def test_a_partner_starts_a_suit_and_records_its_filing(stack: Stack) -> None:
    m = await stack.open_fast("web-suit")
    mid = m["id"]
    await stack.refer(mid, FIRM_A, accept=True)
    async with browser(stack) as web, browser(stack) as staff, browser(stack) as other:
        await signed_in(stack, web, "partner", firm=FIRM_A)

        async def offered() -> Any:
            got = (await web.get(f"/app/matters/{mid}")).text
            return got if "Start a suit or an arbitration" in got else None

        page = await eventually(offered)
        assert "Log a contact" not in page and "Propose a settlement" not in page and "Place a hold" not in page
        assert 'id="evidence-form"' in page  # the firm uploads evidence too
        staff_only = await web.post(f"/app/matters/{mid}/actions/contact",
                                    data={"csrf_token": csrf_of(page), "channel": "phone", "outcome": "reached"})
        assert staff_only.status_code == 403

        async def started() -> Any:
            got = await post(web, mid, "proceeding", page, forum="")
            return got if got.status_code == 200 and "Proceeding started." in got.text else None

        await eventually(started)

        async def fileable() -> Any:
            got = (await web.get(f"/app/matters/{mid}")).text
            return got if "Record: Filing accepted" in got else None

        page = await eventually(fileable)
        assert "Proceeding 1" in page and "Court (suit)" in page
        forms = re.findall(r'<form method="post" action="[^"]*/actions/event">(.*?)</form>', page, re.S)
        filed_form = next(f for f in forms if 'name="kind" value="filed"' in f)
        filing = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', filed_form))
        today = (await stack.detail(mid))["policy_today"]
        url = f"/app/matters/{mid}/actions/event"
        bad = await web.post(url, data={**filing, "on": today, "body": "Huangpu District People's Court"})
        assert bad.status_code == 422 and "event.filed.case_number" in bad.text, bad.text
        done = await web.post(url, data={**filing, "on": today, "body": "Huangpu District People's Court",
                                         "case_number": "(2026)沪0101民初88号", "fees_paid": "1530.00"},
                              follow_redirects=True)
        assert done.status_code == 200 and "Event recorded." in done.text, done.text

        async def shown() -> Any:
            got = (await web.get(f"/app/matters/{mid}")).text
            return got if "(2026)沪0101民初88号" in got and "Record: Hearing" in got else None

        await eventually(shown)
        switched = await web.post("/app/language", data={"csrf_token": csrf_of(done.text), "to": "zh-CN"},
                                  follow_redirects=True)
        assert switched.status_code == 200
        chinese = (await web.get(f"/app/matters/{mid}")).text
        assert "诉讼与仲裁" in chinese and "立案" in chinese and "登记：开庭" in chinese and "证据材料" in chinese

        # The team does not post the firm's events; a partner of another firm finds nothing.
        await signed_in(stack, staff, "manager")
        staff_page = (await staff.get(f"/app/matters/{mid}")).text
        assert "Record: Hearing" not in staff_page and "Proceeding 1" in staff_page
        refused = await staff.post(url, data={"csrf_token": csrf_of(staff_page), "number": "1", "kind": "hearing",
                                              "on": today})
        assert refused.status_code == 403 and "You may not do this." in refused.text
        await signed_in(stack, other, "partner", firm=FIRM_B)
        assert (await other.get(f"/app/matters/{mid}")).status_code == 404
        other_csrf = csrf_of((await other.get("/app/")).text)
        foreign = await other.post(url, data={**filing, "csrf_token": other_csrf, "on": today, "body": "X",
                                              "case_number": "Y"})
        assert foreign.status_code == 404 and "Not found." in foreign.text


async def test_the_worklist_filters_by_risk_and_due_and_puts_what_is_due_first(stack: Stack) -> None:
    m = await stack.open("web-worklist")

    async def graded() -> Any:
        got = await stack.http.get(f"/matters/{m['id']}", headers=stack.auth("manager"))
        return got.json() if got.json().get("risk_grade") and got.json().get("next_step_at") else None

    d = await eventually(graded)
    grade = d["risk_grade"]
    other = "E" if grade != "E" else "A"
    async with browser(stack) as web:
        await signed_in(stack, web, "legal_team")
        page = await web.get("/app/")
        assert page.status_code == 200 and 'id="risk"' in page.text and 'id="due"' in page.text
        assert 'option value="due" selected' in page.text  # what is due first, by default
        same = await web.get("/app/", params={"risk": grade, "sort": "newest"})
        assert same.status_code == 200 and m["id"] in same.text
        assert f'<option value="{grade}" selected>' in same.text
        assert m["id"] not in (await web.get("/app/", params={"risk": other})).text
        week = (await web.get("/app/", params={"due": "week"})).text
        overdue = (await web.get("/app/", params={"due": "overdue"})).text
        assert (m["id"] in week) != (m["id"] in overdue)  # its next step is either ahead or past
        # The order: the rows' next-step times ascend (those without one last).
        rows = await stack.http.get("/matters", params={"sort": "next_step_due", "limit": 25},
                                    headers=stack.auth("legal_team"))
        ats = [x["next_step_at"] for x in rows.json()["data"] if x["next_step_at"]]
        assert ats == sorted(ats, key=datetime.fromisoformat)
        listed = (await web.get("/app/")).text  # the page in that order: the times shown ascend
        shown = re.findall(r"\((\d{4}-\d\d-\d\d \d\d:\d\d)\)</td>", listed)
        assert shown and shown == sorted(shown)
        junk = await web.get("/app/", params={"risk": "Z", "due": "someday", "sort": "sideways"})
        assert junk.status_code == 200  # unknown filter values are ignored, not errors


async def test_the_matter_page_shows_the_newest_lines_of_a_history_longer_than_a_page(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The history API pages oldest first: the page follows its cursor and keeps the newest lines (here with pages
    of 2 lines, as a long matter's would be with pages of 1,000)."""
    from api.web import forms
    from tests.factories import intake_data

    opened = await stack.http.post("/matters", headers=stack.auth("legal_team"), json=intake_data(
        external_ref=stack.ref("web-long-history"), policy="standard"))  # (its clock real: quiet once opened)
    assert opened.status_code == 201, opened.text
    m = opened.json()
    r = await stack.http.post(f"/matters/{m['id']}/payments", headers=stack.auth("legal_team"), json={
        "payment_id": "P-LAST", "amount": {"amount": "12.34", "currency": "CNY"}, "received_on": "2026-11-02"})
    assert r.status_code == 201, r.text

    async def every_line() -> list[dict[str, Any]] | None:
        got = await stack.http.get(f"/matters/{m['id']}/history", params={"limit": 1000},
                                   headers=stack.auth("manager"))
        lines = got.json()["data"]
        return lines if len(lines) > 4 and any("P-LAST" in x["what"] for x in lines) else None

    lines = await eventually(every_line)
    monkeypatch.setattr(forms, "TIMELINE_PAGE", 2)
    monkeypatch.setattr(forms, "TIMELINE_LINES", 3)
    async with browser(stack) as web:
        await signed_in(stack, web, "legal_team")
        page = (await web.get(f"/app/matters/{m['id']}")).text
    shown = [html.unescape(x) for x in re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>",
                                                   page.split('id="timeline"', 1)[1])]
    assert shown == [x["what"] for x in reversed(lines)][:3], (shown, [x["what"] for x in lines])
