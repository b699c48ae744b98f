"""The bulk import page on the real stack (issue 11): a CSV or an XLSX file checked whole, then opened row by
row through the API as the person (a job with a progress bar and a status endpoint), a bad file listed line by
line with nothing imported, a second upload opening nothing twice; partners, forged requests, oversized files
and other people's jobs refused; a job cut short by a restart shown as interrupted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from api.web import imports as web_imports
from api.web.import_files import MAX_BYTES
from domain.matter import MatterIntake
from store import imports
from store.db import write_session
from store.models import User
from tests.api.conftest import FIRM_A, Stack, eventually
from tests.api.test_web import browser, csrf_of, log_in, person
from tests.api.test_web_import_files import csv_bytes, row, xlsx_bytes
from workers.client import matter_id_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@asynccontextmanager
async def signed_in(stack: Stack, role: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A browser logged in as a new person of `role`, and its session's CSRF token."""
    async with browser(stack) as web:
        assert (await log_in(web, *await person(stack, role, FIRM_A if role == "partner" else None))).status_code == 303
        page = await web.get("/app/")
        yield web, csrf_of(page.text)


async def send(web: httpx.AsyncClient, csrf: str | None, data: bytes, name: str = "matters.csv",
               kind: str = "text/csv") -> httpx.Response:
    """What the page's script sends: the file's raw bytes, the token and the name in headers."""
    headers = {"Content-Type": kind, "X-File-Name": name, "Accept": "application/json"}
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    return await web.post("/app/import", content=data, headers=headers)


async def finished(web: httpx.AsyncClient, job: str) -> dict[str, Any]:
    async def done() -> Any:
        s = (await web.get(f"/app/import/{job}/status")).json()
        return s if s["status"] != "running" else None

    return await eventually(done, timeout=60)  # type: ignore[no-any-return]


async def test_a_csv_imports_its_rows_and_a_second_upload_opens_nothing_twice(any_stack: Stack) -> None:
    stack = any_stack  # both databases
    refs = [stack.ref(f"imp{i}") for i in range(3)]
    data = b"\xef\xbb\xbf" + csv_bytes(*(row(r) for r in refs))
    async with signed_in(stack, "legal_team") as (web, csrf):
        page = await web.get("/app/import")
        assert page.status_code == 200 and "<h1>Bulk import</h1>" in page.text and 'src="/app/import.js"' in page.text
        assert 'id="import-file"' in page.text and 'name="csv"' in page.text  # the file, and the no-JS textarea
        r = await send(web, csrf, data)
        assert r.status_code == 201, r.text
        job = r.json()["job"]
        assert r.json()["location"] == f"/app/import/{job}"
        running = await web.get(f"/app/import/{job}")
        assert running.status_code == 200 and "<progress" in running.text and "matters.csv" in running.text
        status = await finished(web, job)
        assert status | {"label": None, "counts": None} == {
            "id": job, "status": "finished", "total": 3, "done": 3, "already": 0, "failed": 0, "label": None,
            "counts": None}
        assert status["counts"] == "3 of 3 done, 0 failed"
        done_page = await web.get(f"/app/import/{job}")
        assert 'value="3"' in done_page.text and "Finished" in done_page.text and "refresh" not in done_page.text

        async def listed() -> bool:
            worklist = (await web.get("/app/")).text
            return all(ref in worklist for ref in refs)

        await eventually(listed, timeout=30)
        # The same file again: every row is already open, none twice.
        again = await send(web, csrf, data)
        assert again.status_code == 201, again.text
        status = await finished(web, again.json()["job"])
        assert (status["status"], status["done"], status["already"], status["failed"]) == ("finished", 3, 3, 0)
        listing = await stack.http.get("/matters", params={"limit": 200}, headers=stack.auth("manager"))
        ids = [m["id"] for m in listing.json()["data"]]
        assert all(ids.count(matter_id_for(ref)) == 1 for ref in refs)
        mine = await web.get("/app/import")
        assert mine.text.count(f"/app/import/{job}") == 1 and "Recent imports" in mine.text


async def test_an_xlsx_workbook_imports(stack: Stack) -> None:
    refs = [stack.ref("xl1"), stack.ref("xl2")]
    data = xlsx_bytes(row(refs[0], contract_principal=200000.5, annual_rate=0.0435,
                          contract_signed_on=datetime(2024, 3, 15)), None, row(refs[1], overdue_principal=16666.67))
    async with signed_in(stack, "manager") as (web, csrf):
        r = await send(web, csrf, data, name="%E5%AF%BC%E5%85%A5.xlsx", kind=XLSX)  # "导入.xlsx", URL-encoded
        assert r.status_code == 201, r.text
        status = await finished(web, r.json()["job"])
        assert (status["status"], status["total"], status["done"], status["failed"]) == ("finished", 2, 2, 0)
        assert "导入.xlsx" in (await web.get(r.json()["location"])).text
    opened = await stack.detail(matter_id_for(refs[0]))
    assert opened["external_ref"] == refs[0]


async def test_a_bad_date_on_line_3_is_named_and_nothing_is_imported(stack: Stack) -> None:
    good, bad = stack.ref("ok"), stack.ref("bad")
    data = csv_bytes(row(good), row(bad, contract_signed_on="2024-02-30"), row(stack.ref("x"), currency=""))
    async with signed_in(stack, "legal_team") as (web, csrf):
        r = await send(web, csrf, data)
        assert r.status_code == 422, r.text
        problems = r.json()["problems"]
        assert problems[0].startswith("line 3, column contract_signed_on: ") and len(problems) == 2
        assert problems[1] == "line 4, column currency: is required but empty"
        # The same text pasted in the form (no JavaScript): the page lists the same lines.
        form = await web.post("/app/import", data={"csrf_token": csrf, "csv": data.decode()})
        assert form.status_code == 422 and "Nothing was imported" in form.text
        assert "line 3, column contract_signed_on: " in form.text and 'role="alert"' in form.text
        # A header that is wrong is the file's problem.
        header = await send(web, csrf, b"external_ref,colour\nx,y\n")
        assert header.status_code == 422 and header.json()["problems"][0].startswith("the file: unknown column")
        # In Chinese, the surrounding words are Chinese.
        await web.post("/app/language", data={"csrf_token": csrf, "to": "zh-CN"})
        zh = await send(web, csrf, data)
        assert zh.json()["problems"][0].startswith("第3行，contract_signed_on列：")
    checked = await stack.http.get(f"/matters/{matter_id_for(good)}", headers=stack.auth("manager"))
    assert checked.status_code == 404  # the good line 2 was not imported either


async def test_the_pasted_text_imports_without_javascript(stack: Stack) -> None:
    ref = stack.ref("paste")
    async with signed_in(stack, "legal_team") as (web, csrf):
        r = await web.post("/app/import", data={"csrf_token": csrf, "csv": csv_bytes(row(ref)).decode()})
        assert r.status_code == 303 and r.headers["location"].startswith("/app/import/")
        job = r.headers["location"].rsplit("/", 1)[1]
        page = await web.get(r.headers["location"])
        if "Importing" in page.text:  # while it runs, the page refreshes itself (without JavaScript)
            assert '<noscript><meta http-equiv="refresh"' in page.text
        assert (await finished(web, job))["done"] == 1


async def test_partners_forged_and_oversized_uploads_are_refused(stack: Stack) -> None:
    async with signed_in(stack, "partner") as (partner, token):
        page = await partner.get("/app/import")
        assert page.status_code == 403 and "You may not do this" in page.text
        assert (await send(partner, token, csv_bytes())).status_code == 403
    async with signed_in(stack, "legal_team") as (web, csrf):
        ref = stack.ref()  # a reference no other test uses (test_documents opens "forged")
        assert (await send(web, None, csv_bytes(row(ref)))).status_code == 403
        assert (await send(web, "not-the-token", csv_bytes(row(ref)))).status_code == 403
        form = await web.post("/app/import", data={"csv": csv_bytes(row(ref)).decode()})
        assert form.status_code == 403
        big = await send(web, csrf, b"x" * (MAX_BYTES + 1))
        assert big.status_code == 413 and big.json()["problems"] == ["the file: larger than 5 MB"]
        gbk = await send(web, csrf, "张伟".encode("gbk"))
        assert gbk.status_code == 422 and "neither UTF-8 CSV nor an XLSX" in gbk.json()["problems"][0]
    unknown = await stack.http.get(f"/matters/{matter_id_for(ref)}", headers=stack.auth("manager"))
    assert unknown.status_code == 404


async def test_a_job_is_its_owners_and_managers_and_an_interrupted_one_says_so(stack: Stack) -> None:
    async with signed_in(stack, "legal_team") as (owner, csrf), signed_in(stack, "legal_team") as (other, _), \
            signed_in(stack, "manager") as (manager, _), signed_in(stack, "partner") as (partner, _):
        r = await send(owner, csrf, csv_bytes(row(stack.ref("own"))))
        job = r.json()["job"]
        assert (await finished(owner, job))["done"] == 1
        assert (await other.get(f"/app/import/{job}/status")).status_code == 404
        assert (await other.get(f"/app/import/{job}")).status_code == 404
        assert (await partner.get(f"/app/import/{job}/status")).status_code == 403
        assert (await manager.get(f"/app/import/{job}/status")).json()["done"] == 1
        assert (await owner.get("/app/import/nonesuch/status")).status_code == 404
        assert (await httpx_anonymous(stack).get(f"/app/import/{job}/status")).status_code == 401
        # Jobs left running by a process that is gone (a restart): another runner silent for long, or this
        # process that no longer runs it.
        async with write_session(stack.sessions) as session:
            me = (await session.get(User, (await session.get(imports.ImportJob, job)).user_id))  # type: ignore[union-attr]
            assert me is not None
            old = datetime.now(UTC) - timedelta(minutes=10)
            gone = await imports.create_job(session, user_id=me.id, file_name="cut.csv", total=5, runner="gone",
                                            now=old)
            here = await imports.create_job(session, user_id=me.id, file_name="cut2.csv", total=5,
                                            runner=web_imports.RUNNER, now=datetime.now(UTC))
            fresh = await imports.create_job(session, user_id=me.id, file_name="busy.csv", total=5,
                                             runner="elsewhere", now=datetime.now(UTC))
        for cut in (gone.id, here.id):
            status = (await owner.get(f"/app/import/{cut}/status")).json()
            assert (status["status"], status["label"]) == ("interrupted", "Interrupted")
        page = await owner.get(f"/app/import/{gone.id}")
        assert "Upload the same file again" in page.text and "refresh" not in page.text
        assert (await owner.get(f"/app/import/{fresh.id}/status")).json()["status"] == "running"
        assert '<noscript><meta http-equiv="refresh"' in (await owner.get(f"/app/import/{fresh.id}")).text


def httpx_anonymous(stack: Stack) -> httpx.AsyncClient:
    return browser(stack)


async def test_a_job_whose_session_ended_stops_at_once_saying_where(stack: Stack) -> None:
    """A failure that is not a row's (here the person logged out before the job ran: every call would be a 401)
    stops the job at that row with one problem, instead of failing every row after it."""
    from tests.factories import intake_data

    async with signed_in(stack, "legal_team") as (web, csrf):
        async with write_session(stack.sessions) as session:
            me = await session.scalar(select(User).order_by(User.created_at.desc()).limit(1))
            assert me is not None
            job = await imports.create_job(session, user_id=me.id, file_name="late.csv", total=3,
                                           runner=web_imports.RUNNER, now=datetime.now(UTC))
        rows = [(line, MatterIntake.model_validate(intake_data(external_ref=stack.ref(f"late{line}"), policy="demo")))
                for line in (2, 3, 4)]
        await web_imports._run(stack.app, job.id, rows, "no-such-session", csrf)
        async with write_session(stack.sessions) as session:
            done = await imports.get_job(session, job.id)
            assert done is not None
            assert (done.status, done.done, done.failed) == ("finished", 0, 0)
            [(line, column, reason)] = imports.problems_of(done)
        assert (line, column) == (2, "row") and "stopped here" in reason and "HTTP 401" in reason, reason
        listed = await stack.http.get("/matters", params={"q": stack.ref("late2")}, headers=stack.auth("manager"))
        assert stack.ref("late2") not in listed.text
