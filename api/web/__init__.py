"""The web application for people (issue 11, first part): log in, the worklist (or a partner's referred
matters), the manager's users page, the language switch, log out. Server-rendered (Jinja2, autoescaped).

- People log in with a username and password (`store/users.py`: argon2id, a one-time password to start);
  the session is an HttpOnly, SameSite=Lax cookie (`rc_session`, Secure when the public URL is https).
- Every form that changes anything carries the session's CSRF token; the login form a token of its own
  (a double-submit cookie), so a forged login is refused too. Failed logins are rate-limited.
- Pages read and act through the JSON API in-process, with the person's session: every object rule of the
  API holds on every page (a partner sees only its firm's matters; anything else is a 404).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import CSRF_HEADER, SESSION_COOKIE
from api.web.i18n import LANGUAGES, words
from domain.matter import STAGES
from store import users
from store.db import write_session
from store.models import API_ROLES, User, WebSession

LOGIN_COOKIE = "rc_login"  # the login form's double-submit token
BUCKETS = {"1-30": (1, 30), "31-60": (31, 60), "61-90": (61, 90), "90+": (91, None)}
PAGE = 25

router = APIRouter(prefix="/app", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


async def _form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (the only kind these forms send), one value per field."""
    body = (await request.body())[:65536].decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _secure(request: Request) -> bool:
    return str(request.app.state.settings.api_url()).startswith("https://")


async def _me(request: Request) -> tuple[User, WebSession] | None:
    async with request.app.state.sessionmaker() as session:
        found = await users.current(session, request.cookies.get(SESSION_COOKIE))
        await session.commit()
        return found


def _page(request: Request, name: str, me: User | None, web: WebSession | None, status_code: int = 200,
          language: str | None = None, **context: Any) -> HTMLResponse:
    lang = web.language if web is not None else language or request.cookies.get("rc_lang", "zh-CN")
    lang = lang if lang in LANGUAGES else "zh-CN"
    return templates.TemplateResponse(request, name, {"me": me, "csrf": web.csrf_token if web else "", "lang": lang,
                                                      "w": words(lang), **context}, status_code=status_code)


def _to_login() -> RedirectResponse:
    return RedirectResponse("/app/login", status_code=303)


async def _api(request: Request, method: str, path: str, web: WebSession | None = None,
               **kw: Any) -> httpx.Response:
    """The JSON API, in-process, as the logged-in person (a change carries the session's CSRF token)."""
    headers = {**kw.pop("headers", {}), **({CSRF_HEADER: web.csrf_token} if web is not None else {})}
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://web.internal",
                                 cookies={SESSION_COOKIE: request.cookies.get(SESSION_COOKIE, "")}) as client:
        return await client.request(method, path, headers=headers, **kw)


def _problems(r: httpx.Response) -> list[str]:
    """What the API refused, as lines: each field (its path in the body) and the reason."""
    detail = r.json().get("detail") if r.headers.get("content-type", "").startswith("application/json") else None
    if isinstance(detail, list):
        return [f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg', '')}" for d in detail]
    return [str(detail or r.status_code)]


def _csrf_ok(form: dict[str, str], web: WebSession) -> bool:
    return secrets.compare_digest(form.get("csrf_token", ""), web.csrf_token)


# ---------------------------------------------------------------- logging in and out
@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, lang: str = "") -> Response:
    if await _me(request) is not None:
        return RedirectResponse("/app/", status_code=303)
    token = secrets.token_urlsafe(24)
    chosen = lang if lang in LANGUAGES else None
    page = _page(request, "login.html", None, None, language=chosen, login_token=token, username="", error=None)
    page.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/app")
    if chosen:
        page.set_cookie("rc_lang", chosen, httponly=True, samesite="lax", secure=_secure(request), path="/app")
    return page


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await _form(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    lang = request.cookies.get("rc_lang", "zh-CN")
    w = words(lang)
    token = secrets.token_urlsafe(24)

    def again(error: str, code: int) -> Response:
        page = _page(request, "login.html", None, None, code, login_token=token,
                     username=form.get("username", "")[:64], error=error)
        page.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/app")
        return page

    if not expected or not secrets.compare_digest(form.get("login_token", ""), expected):
        return again(w["session_ended"], 403)
    address = request.client.host if request.client else "-"
    try:
        async with write_session(request.app.state.sessionmaker) as session:
            done = await users.log_in(session, form.get("username", ""), form.get("password", ""), address)
    except users.LoginRefused as exc:
        response = again(w["too_many"], 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if done is None:
        return again(w["bad_login"], 401)
    response = RedirectResponse("/app/", status_code=303)
    response.set_cookie(SESSION_COOKIE, done.token, max_age=users.SESSION_HOURS * 3600, httponly=True,
                        samesite="lax", secure=_secure(request), path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/app")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    found = await _me(request)
    if found is None:
        return _to_login()
    if not _csrf_ok(await _form(request), found[1]):
        return _page(request, "login.html", None, None, 403, login_token="", username="",
                     error=words(found[1].language)["forbidden"])
    async with write_session(request.app.state.sessionmaker) as session:
        await users.log_out(session, request.cookies.get(SESSION_COOKIE))
    response = _to_login()
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
async def language(request: Request) -> Response:
    found = await _me(request)
    if found is None:
        return _to_login()
    form = await _form(request)
    if not _csrf_ok(form, found[1]) or form.get("to") not in LANGUAGES:
        return _page(request, "login.html", None, None, 403, login_token="", username="",
                     error=words(found[1].language)["forbidden"])
    async with write_session(request.app.state.sessionmaker) as session:
        web = await session.get(WebSession, found[1].id)
        if web is not None:
            web.language = form["to"]
    response = RedirectResponse(request.headers.get("referer") or "/app/", status_code=303)
    response.set_cookie("rc_lang", form["to"], httponly=True, samesite="lax", secure=_secure(request), path="/app")
    return response


# ---------------------------------------------------------------- the worklist
@router.get("/", response_class=HTMLResponse)
async def worklist(request: Request, stage: str = "", dpd: str = "", attention: str = "", offset: int = 0) -> Response:
    found = await _me(request)
    if found is None:
        return _to_login()
    me, web = found
    query: dict[str, Any] = {"limit": PAGE, "offset": max(0, min(offset, 1_000_000))}
    if stage in STAGES:
        query["stage"] = stage
    if dpd in BUCKETS:
        low, high = BUCKETS[dpd]
        query["min_days_past_due"] = low
        if high is not None:
            query["max_days_past_due"] = high
    if attention in ("true", "false"):
        query["needs_attention"] = attention
    r = await _api(request, "GET", "/matters", params=query)
    error, matters, count = None, [], 0
    if r.status_code == 200:
        matters, count = r.json()["data"], r.json().get("count") or 0
    else:
        error = words(web.language)["unavailable"]
    kept = {k: v for k, v in (("stage", stage), ("dpd", dpd), ("attention", attention)) if v}
    start = query["offset"]
    return _page(request, "worklist.html", me, web, matters=matters, count=count, error=error, stages=STAGES,
                 buckets=list(BUCKETS), q={"stage": stage, "dpd": dpd, "attention": attention},
                 page_query=urlencode(kept), prev_offset=max(0, start - PAGE) if start > 0 else None,
                 next_offset=start + PAGE if start + PAGE < count else None)


# ---------------------------------------------------------------- a matter
@router.get("/matters/{matter_id}", response_class=HTMLResponse)
async def matter_page(request: Request, matter_id: str, done: str = "") -> Response:
    """The matter as the API gives it to this person (404 when the API says so: not theirs, or none)."""
    found = await _me(request)
    if found is None:
        return _to_login()
    return await _matter(request, *found, matter_id, done=done if done in ACTIONS else "")


async def _matter(request: Request, me: User, web: WebSession, matter_id: str, code: int = 200,
                  problems: list[str] | None = None, done: str = "") -> Response:
    w = words(web.language)
    safe = quote(matter_id[:100], safe="")
    r = await _api(request, "GET", f"/matters/{safe}")
    if r.status_code != 200:
        status_code = r.status_code if r.status_code in (404, 503) else 502
        return _page(request, "matter.html", me, web, status_code, matter=None,
                     error=w["not_found"] if status_code == 404 else w["unavailable"], documents=[], history=[])
    docs = await _api(request, "GET", f"/matters/{safe}/documents")
    history = await _api(request, "GET", f"/matters/{safe}/history", params={"limit": 200})
    lines = history.json().get("data", []) if history.status_code == 200 else []
    return _page(request, "matter.html", me, web, code, matter=r.json(), error=None,
                 documents=docs.json().get("data", []) if docs.status_code == 200 else [],
                 history=list(reversed(lines))[:50], problems=problems or [], done=done,
                 command=secrets.token_urlsafe(12))


# What a matter page's forms do: the API call each makes (its path under the matter, its body from the form).
ACTIONS = ("payment", "promise", "accept", "decline")


def _action_call(action: str, form: dict[str, str], currency: str) -> tuple[str, dict[str, Any]]:
    if action == "payment":
        return "/payments", {"payment_id": form.get("command", ""), "received_on": form.get("received_on", ""),
                             "amount": {"amount": form.get("amount", ""), "currency": currency}}
    if action == "promise":
        body: dict[str, Any] = {"amount": {"amount": form.get("amount", ""), "currency": currency},
                                "due_on": form.get("due_on", "")}
        if form.get("note", "").strip():
            body["note"] = form["note"]
        return "/promises", body
    if action == "accept":
        return "/referral/accept", {"note": form.get("note", "")}
    return "/referral/decline", {"reason": form.get("reason", "")}


@router.post("/matters/{matter_id}/actions/{action}", response_class=HTMLResponse)
async def matter_action(request: Request, matter_id: str, action: str) -> Response:
    """One of the page's forms: checked for the session's token, then sent to the API as the person; its
    refusals (the field and the reason) are shown on the page, nothing else changes."""
    found = await _me(request)
    if found is None:
        return _to_login()
    me, web = found
    form = await _form(request)
    if action not in ACTIONS or not _csrf_ok(form, web):
        return await _matter(request, me, web, matter_id, 403, [words(web.language)["forbidden"]])
    safe = quote(matter_id[:100], safe="")
    path, body = _action_call(action, form, form.get("currency", "CNY")[:3])
    headers = {"Idempotency-Key": form["command"][:100]} if action == "promise" and form.get("command") else {}
    r = await _api(request, "POST", f"/matters/{safe}{path}", web, json=body, headers=headers)
    if r.status_code in (200, 201):
        return RedirectResponse(f"/app/matters/{safe}?done={action}", status_code=303)
    return await _matter(request, me, web, matter_id, r.status_code if r.status_code < 500 else 502, _problems(r))


# ---------------------------------------------------------------- the approvals queue
_PATHS = {"settlement": "settlements", "amendment": "amendments", "write_off": "write-off"}


async def _approvals(request: Request, me: User, web: WebSession, code: int = 200, **context: Any) -> Response:
    r = await _api(request, "GET", "/approvals", params={"limit": 200})
    items = r.json().get("data", []) if r.status_code == 200 else []
    error = None if r.status_code == 200 else words(web.language)["unavailable"]
    return _page(request, "approvals.html", me, web, code, items=items,
                 **{"error": error, "problems": [], "done": False, **context})


@router.get("/approvals", response_class=HTMLResponse)
async def approvals(request: Request) -> Response:
    """What awaits a decision, oldest first, with its facts: a manager sees all, the legal team its own level."""
    found = await _me(request)
    if found is None:
        return _to_login()
    if found[0].role == "partner":
        return _page(request, "approvals.html", found[0], found[1], 403, items=[], problems=[], done=False,
                     error=words(found[1].language)["forbidden"])
    return await _approvals(request, *found)


@router.post("/approvals/{matter_id}/{kind}/{proposal_id}", response_class=HTMLResponse)
async def decide(request: Request, matter_id: str, kind: str, proposal_id: str) -> Response:
    found = await _me(request)
    if found is None:
        return _to_login()
    me, web = found
    form = await _form(request)
    if kind not in _PATHS or not _csrf_ok(form, web) or form.get("decision") not in ("approve", "reject"):
        return await _approvals(request, me, web, 403, error=words(web.language)["forbidden"])
    path = f"/matters/{quote(matter_id[:100], safe='')}/{_PATHS[kind]}/{quote(proposal_id[:128], safe='')}/approvals"
    r = await _api(request, "POST", path, web, json={"decision": form["decision"], "note": form.get("note", "")})
    if r.status_code in (200, 201):
        return await _approvals(request, me, web, done=True)
    return await _approvals(request, me, web, r.status_code if r.status_code < 500 else 502, problems=_problems(r))


# ---------------------------------------------------------------- the manager's users page
async def _manager(request: Request) -> tuple[User, WebSession] | Response:
    found = await _me(request)
    if found is None:
        return _to_login()
    if found[0].role != "manager":
        return _page(request, "worklist.html", found[0], found[1], 403, matters=[], count=0,
                     error=words(found[1].language)["forbidden"], stages=STAGES, buckets=list(BUCKETS),
                     q={"stage": "", "dpd": "", "attention": ""}, page_query="", prev_offset=None, next_offset=None)
    return found


async def _users_page(request: Request, me: User, web: WebSession, code: int = 200, **context: Any) -> Response:
    async with request.app.state.sessionmaker() as session:
        people = await users.list_users(session)
        await session.commit()
    return _page(request, "users.html", me, web, code, people=people, roles=API_ROLES,
                 **{"created": None, "error": None, **context})


@router.get("/users", response_class=HTMLResponse)
async def users_page(request: Request) -> Response:
    found = await _manager(request)
    if isinstance(found, Response):
        return found
    return await _users_page(request, *found)


@router.post("/users", response_class=HTMLResponse)
async def add_user(request: Request) -> Response:
    found = await _manager(request)
    if isinstance(found, Response):
        return found
    me, web = found
    form = await _form(request)
    w = words(web.language)
    if not _csrf_ok(form, web):
        return await _users_page(request, me, web, 403, error=w["forbidden"])
    try:
        async with write_session(request.app.state.sessionmaker) as session:
            password, row = await users.create_user(
                session, username=form.get("username", ""), display_name=form.get("display_name", ""),
                role=form.get("role", ""), firm=form.get("firm", "").strip() or None,
                language=form.get("language", "zh-CN"))
            name = row.username
    except users.UserError as exc:
        return await _users_page(request, me, web, 422, error=str(exc))
    return await _users_page(request, me, web, 201, created=w["one_time"].format(user=name, password=password))


@router.post("/users/{user_id}/disable", response_class=HTMLResponse)
async def disable(request: Request, user_id: str) -> Response:
    found = await _manager(request)
    if isinstance(found, Response):
        return found
    me, web = found
    if not _csrf_ok(await _form(request), web):
        return await _users_page(request, me, web, 403, error=words(web.language)["forbidden"])
    if user_id == me.id:
        return await _users_page(request, me, web, 422, error=words(web.language)["forbidden"])
    async with write_session(request.app.state.sessionmaker) as session:
        row = await users.disable_user(session, user_id[:32])
    if row is None:
        return await _users_page(request, me, web, 404, error=words(web.language)["not_found"])
    return RedirectResponse("/app/users", status_code=303)


__all__ = ["LOGIN_COOKIE", "router"]
