"""The bulk import page (legal team and managers; a partner gets a 403 page).

- A file (CSV or XLSX) is sent by a little plain JavaScript (`/app/import.js`) as the request's raw body
  (python-multipart is not installed): the session's CSRF token in `X-CSRF-Token`, the file's name in
  `X-File-Name` (URL-encoded). Without JavaScript, CSV text pasted in a textarea is posted as a form.
- The whole file is checked first (`api.web.import_files`). If any row has a problem, nothing is imported and
  every problem is listed as "line N, column X: reason". Why all or nothing: a person fixing a file wants
  to upload the file they fixed, whole; importing part of it leaves them to work out which rows are in and
  to cut the rest out, and a second upload of a partly imported file is where mistakes happen. Nothing is
  lost either way: a matter opens once per external_ref, so uploading the same file again opens only the
  rows not yet open (the others count as "already open").
- A good file becomes an import job (`store.imports`): this process opens its rows one by one through the
  JSON API in-process, as the person (POST /matters, the same rules and audit as any API call), and counts
  them as it goes. The job's page shows a `<progress>`; its script polls `GET /app/import/{id}/status`
  every second; without JavaScript the page refreshes itself while the job runs. A job whose process ended
  (a restart) reads as interrupted; uploading the file again finishes it safely.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api.bodies import read_capped
from api.deps import CSRF_HEADER, SESSION_COOKIE
from api.schemas import latest_today
from api.web.common import parse_form, render, signed_in, to_login, token_ok
from api.web.i18n import words
from api.web.import_files import MAX_BYTES, MAX_ROWS, Checked, UploadError, check_upload, size
from api.web.refusals import refusals
from domain.intake_csv import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from domain.matter import MatterIntake
from store import imports
from store.db import write_session
from store.models import ImportJob, User, WebSession

log = logging.getLogger(__name__)
router = APIRouter(prefix="/app", include_in_schema=False)

RUNNER = uuid.uuid4().hex  # this process: the jobs it runs carry it
_RUNNING: dict[str, asyncio.Task[None]] = {}  # job id -> its task (a reference keeps the task alive)
_SCRIPT = (Path(__file__).parent / "templates" / "import.js").read_text(encoding="utf-8")


def _now() -> datetime:
    return datetime.now(UTC)


async def _person(request: Request) -> tuple[User, WebSession] | Response:
    """The person, if they may import (legal team, managers); else the login page or a 403 page."""
    found = await signed_in(request)
    if found is None:
        return to_login()
    if found[0].role == "partner":
        return render(request, "import.html", *found, 403, error=words(found[1].language)["forbidden"],
                      jobs=[], job=None, problems=[])
    return found


def _status(job: ImportJob, running: set[str]) -> str:
    """`running`: the jobs this process ran when the row was read, taken BEFORE the read. A job leaves
    `_RUNNING` only after its end is committed, so one read as running while absent from that set is truly
    interrupted (taken after the read, a job ending in between would look interrupted)."""
    return imports.status_of(job, RUNNER, job.id in running, _now())


def _lines(w: dict[str, str], problems: list[tuple[int, str, str]]) -> list[str]:
    return [w["imp_line"].format(line=line, column=column, reason=reason) for line, column, reason in problems]


async def _page(request: Request, me: User, web: WebSession, code: int = 200, job: ImportJob | None = None,
                problems: list[str] | None = None, running: set[str] | None = None) -> Response:
    running = set(_RUNNING) if running is None else running
    async with request.app.state.sessionmaker() as session:
        jobs = await imports.recent_jobs(session, None if me.role == "manager" else me.id)
        await session.commit()
    w = words(web.language)
    return render(request, "import.html", me, web, code, error=None, problems=problems or [],
                  jobs=[(j, _status(j, running)) for j in jobs], job=job, status=_status(job, running) if job else "",
                  job_problems=_lines(w, imports.problems_of(job)) if job else [],
                  required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS,
                  file_label=w["imp_file"].format(mb=MAX_BYTES // (1024 * 1024), rows=MAX_ROWS))


@router.get("/import", response_class=HTMLResponse)
async def import_page(request: Request) -> Response:
    found = await _person(request)
    return found if isinstance(found, Response) else await _page(request, *found)


@router.get("/import.js")
async def import_script() -> Response:
    """The page's script, served by the app itself (no inline script, nothing from elsewhere)."""
    return Response(_SCRIPT, media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.post("/import", response_class=HTMLResponse)
async def upload(request: Request) -> Response:
    """A file (raw body, from the page's script: answered in JSON) or pasted CSV (a form: answered in HTML).
    Checked whole; a good file starts its job (201 with its page's location, or a redirect to it)."""
    found = await _person(request)
    if isinstance(found, Response):
        return found
    me, web = found
    w = words(web.language)
    is_form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")

    async def refuse(code: int, problems: list[str]) -> Response:
        if is_form:
            return await _page(request, me, web, code, problems=problems)
        return JSONResponse({"problems": problems}, status_code=code)

    # Pasted text is percent-encoded in the form: up to 3 bytes for each byte of text (and 9 for CJK text).
    raw = await read_capped(request, MAX_BYTES * 3 if is_form else MAX_BYTES)
    if is_form:
        form = parse_form(raw or b"")
        token, name, data = form.get("csrf_token", ""), "pasted.csv", form.get("csv", "").encode("utf-8")
    else:
        token, name, data = request.headers.get(CSRF_HEADER, ""), unquote(
            request.headers.get("x-file-name", "upload"))[:200], raw or b""
    if raw is None or len(data) > MAX_BYTES:  # (nothing read, nothing done: no token needed to say so)
        problem = w["imp_file_problem"].format(reason=f"larger than {size(MAX_BYTES)}")
        return await refuse(413, [problem])
    if not token_ok(token, web):
        return await refuse(403, [w["forbidden"]])
    settings = request.app.state.settings
    try:
        checked: Checked = await asyncio.to_thread(check_upload, data, policy_dir=settings.policy_dir,
                                                   latest=latest_today())
    except UploadError as exc:
        problems = [w["imp_file_problem"].format(reason=p) for p in exc.problems]
        return await refuse(422, problems)
    if checked.problems:
        problems = _lines(w, sorted(checked.problems, key=lambda p: p[0]))
        return await refuse(422, problems)
    async with write_session(request.app.state.sessionmaker) as session:
        job = await imports.create_job(session, user_id=me.id, file_name=name or "upload", total=len(checked.rows),
                                       runner=RUNNER, now=_now())
    start(request.app, job.id, checked.rows, request.cookies.get(SESSION_COOKIE, ""), web.csrf_token)
    location = f"/app/import/{job.id}"
    if is_form:
        return RedirectResponse(location, status_code=303)
    return JSONResponse({"job": job.id, "location": location}, status_code=201)


def start(app: FastAPI, job_id: str, rows: list[tuple[int, MatterIntake]], cookie: str, csrf: str) -> None:
    """Run the job in this process (its task kept in `_RUNNING` until it ends)."""
    task = asyncio.create_task(_run(app, job_id, rows, cookie, csrf), name=f"import-{job_id}")
    _RUNNING[job_id] = task
    task.add_done_callback(lambda _: _RUNNING.pop(job_id, None))


async def _run(app: FastAPI, job_id: str, rows: list[tuple[int, MatterIntake]], cookie: str, csrf: str) -> None:
    """Open the rows one by one as the person, through the JSON API; count each (the last row's count finishes the
    job, in the same transaction: store.imports.record_row).
    Should this fail half-way, the job is left running by a runner that no longer has it: interrupted."""
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://web.internal", timeout=60,
                                     cookies={SESSION_COOKIE: cookie}, headers={CSRF_HEADER: csrf}) as client:
            for line, intake in rows:
                outcome, problem = await _open_one(client, line, intake)
                async with write_session(app.state.sessionmaker) as session:
                    if outcome == "stop":  # not the row's fault: the rest would fail alike
                        assert problem is not None
                        await imports.stop_job(session, job_id, problem, _now())
                        return
                    await imports.record_row(session, job_id, outcome, _now(), problem)
    except Exception:
        log.exception("import job %s stopped", job_id)


def _stopped(line: int, why: str) -> tuple[str, tuple[int, str, str]]:
    return "stop", (line, "row", f"the import stopped here: {why}; the rows from this one on were not opened: upload "
                                 "the file again (what is open already is not opened twice)")


async def _open_one(client: httpx.AsyncClient, line: int, intake: MatterIntake
                    ) -> tuple[str, tuple[int, str, str] | None]:
    """`opened`, `already`, `failed` (the API refused this row: 422) or `stop` (a failure that is not the row's:
    the session ended, the system is down)."""
    try:
        r = await client.post("/matters", json=intake.model_dump(mode="json"))
    except Exception as exc:  # (the API's own failure, raised through the in-process transport)
        return _stopped(line, f"the matter could not be opened ({type(exc).__name__})")
    if r.status_code == 201:
        return "opened", None
    if r.status_code == 200:
        return "already", None
    if r.status_code == 422:
        return "failed", (line, "row", "; ".join(refusals(r)))
    if r.status_code in (401, 403):
        return _stopped(line, f"the session that ran it ended or may not open matters (HTTP {r.status_code})")
    return _stopped(line, f"the matter could not be opened (HTTP {r.status_code})")


async def _job(request: Request, me: User, job_id: str) -> tuple[ImportJob, set[str]] | None:
    """The job if it is this person's (a manager may see everyone's), with the jobs this process ran just
    before it was read (see `_status`); None (a 404) otherwise."""
    running = set(_RUNNING)
    async with request.app.state.sessionmaker() as session:
        job = await imports.get_job(session, job_id)
        await session.commit()
    return (job, running) if job is not None and (job.user_id == me.id or me.role == "manager") else None


@router.get("/import/{job_id}", response_class=HTMLResponse)
async def job_page(request: Request, job_id: str) -> Response:
    found = await _person(request)
    if isinstance(found, Response):
        return found
    me, web = found
    found_job = await _job(request, me, job_id)
    if found_job is None:
        return render(request, "import.html", me, web, 404, error=words(web.language)["not_found"], jobs=[],
                      job=None, problems=[])
    return await _page(request, me, web, job=found_job[0], running=found_job[1])


@router.get("/import/{job_id}/status")
async def job_status(request: Request, job_id: str) -> Response:
    """The job's counts, for the page's progress bar (the person's own jobs; a manager's, anyone's)."""
    found = await signed_in(request)
    if found is None:
        return JSONResponse({"detail": "not signed in"}, status_code=401)
    me, web = found
    if me.role == "partner":
        return JSONResponse({"detail": "forbidden"}, status_code=403)
    found_job = await _job(request, me, job_id)
    if found_job is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    job, running = found_job
    status = _status(job, running)
    w = words(web.language)
    body: dict[str, Any] = {"id": job.id, "status": status, "label": w[f"imp_status_{status}"], "total": job.total,
                            "done": job.done, "already": job.already, "failed": job.failed,
                            "counts": w["imp_counts"].format(done=job.done, total=job.total, failed=job.failed)}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
