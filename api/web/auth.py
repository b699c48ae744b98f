"""Logging in and out, the language switch, and the manager's users page."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SESSION_COOKIE
from api.web.common import (
    LOGIN_COOKIE,
    csrf_ok,
    forbidden_page,
    is_secure,
    manager_only,
    read_form,
    render,
    signed_in,
    to_login,
)
from api.web.i18n import LANGUAGES, words
from store import users
from store.db import write_session
from store.models import API_ROLES, User, WebSession

router = APIRouter(prefix="/app", include_in_schema=False)


# ---------------------------------------------------------------- logging in and out
@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, lang: str = "") -> Response:
    if await signed_in(request) is not None:
        return RedirectResponse("/app/", status_code=303)
    token = secrets.token_urlsafe(24)
    chosen = lang if lang in LANGUAGES else None
    page = render(request, "login.html", None, None, language=chosen, login_token=token, username="", error=None)
    page.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=is_secure(request), path="/app")
    if chosen:
        page.set_cookie("rc_lang", chosen, httponly=True, samesite="lax", secure=is_secure(request), path="/app")
    return page


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await read_form(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    lang = request.cookies.get("rc_lang", "zh-CN")
    w = words(lang)
    token = secrets.token_urlsafe(24)

    def again(error: str, code: int) -> Response:
        page = render(request, "login.html", None, None, code, login_token=token,
                     username=form.get("username", "")[:64], error=error)
        page.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=is_secure(request), path="/app")
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
                        samesite="lax", secure=is_secure(request), path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/app")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    found = await signed_in(request)
    if found is None:
        return to_login()
    if not csrf_ok(await read_form(request), found[1]):
        return forbidden_page(request, found[1])
    async with write_session(request.app.state.sessionmaker) as session:
        await users.log_out(session, request.cookies.get(SESSION_COOKIE))
    response = to_login()
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
async def language(request: Request) -> Response:
    found = await signed_in(request)
    if found is None:
        return to_login()
    form = await read_form(request)
    if not csrf_ok(form, found[1]) or form.get("to") not in LANGUAGES:
        return forbidden_page(request, found[1])
    async with write_session(request.app.state.sessionmaker) as session:
        web = await session.get(WebSession, found[1].id)
        if web is not None:
            web.language = form["to"]
    response = RedirectResponse(request.headers.get("referer") or "/app/", status_code=303)
    response.set_cookie("rc_lang", form["to"], httponly=True, samesite="lax", secure=is_secure(request), path="/app")
    return response


# ---------------------------------------------------------------- the manager's users page
async def _users_page(request: Request, me: User, web: WebSession, code: int = 200, **context: Any) -> Response:
    async with request.app.state.sessionmaker() as session:
        people = await users.list_users(session)
        await session.commit()
    return render(request, "users.html", me, web, code, people=people, roles=API_ROLES,
                 **{"created": None, "error": None, **context})


@router.get("/users", response_class=HTMLResponse)
async def users_page(request: Request) -> Response:
    found = await manager_only(request)
    if isinstance(found, Response):
        return found
    return await _users_page(request, *found)


@router.post("/users", response_class=HTMLResponse)
async def add_user(request: Request) -> Response:
    found = await manager_only(request)
    if isinstance(found, Response):
        return found
    me, web = found
    form = await read_form(request)
    w = words(web.language)
    if not csrf_ok(form, web):
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
    found = await manager_only(request)
    if isinstance(found, Response):
        return found
    me, web = found
    if not csrf_ok(await read_form(request), web):
        return await _users_page(request, me, web, 403, error=words(web.language)["forbidden"])
    if user_id == me.id:
        return await _users_page(request, me, web, 422, error=words(web.language)["forbidden"])
    async with write_session(request.app.state.sessionmaker) as session:
        row = await users.disable_user(session, user_id[:32])
    if row is None:
        return await _users_page(request, me, web, 404, error=words(web.language)["not_found"])
    return RedirectResponse("/app/users", status_code=303)


