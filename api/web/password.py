"""A person's own password: chosen at the first login in place of the one-time password (no other page opens
until then), and changed whenever they like. Every other session of theirs ends when it changes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.web.common import csrf_ok, forbidden_page, read_form, render, signed_in, to_login
from api.web.i18n import words
from store import users
from store.db import write_session

router = APIRouter(prefix="/app", include_in_schema=False)


@router.get("/password", response_class=HTMLResponse)
async def password_page(request: Request) -> Response:
    found = await signed_in(request)
    if found is None:
        return to_login()
    return render(request, "password.html", *found, problems={}, done=request.query_params.get("done") == "1")


@router.post("/password", response_class=HTMLResponse)
async def change(request: Request) -> Response:
    found = await signed_in(request)
    if found is None:
        return to_login()
    me, web = found
    form = await read_form(request)
    if not csrf_ok(form, web):
        return forbidden_page(request, web)
    w = words(web.language)
    new = form.get("new_password", "")
    if new != form.get("confirm_password", ""):
        return render(request, "password.html", me, web, 422, problems={"confirm_password": w["pw_mismatch"]},
                      done=False)
    try:
        async with write_session(request.app.state.sessionmaker) as session:
            await users.change_password(session, me.id, web.id, form.get("current_password", ""), new)
    except users.UserError as exc:
        reason = {users.WRONG_PASSWORD: w["pw_wrong"], users.TOO_SHORT: w["pw_short"], users.TOO_LONG: w["pw_long"],
                  users.SAME_PASSWORD: w["pw_same"]}.get(exc.reason, exc.reason)
        return render(request, "password.html", me, web, 422, problems={exc.field: reason}, done=False)
    return RedirectResponse("/app/" if me.password_change_due else "/app/password?done=1",
                            status_code=303)
