"""The worklist (or a partner's referred matters), a matter's page and its forms, the approvals queue."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.web.common import (
    BUCKETS,
    PAGE,
    call_api,
    csrf_ok,
    read_form,
    refusals,
    render,
    signed_in,
    to_login,
)
from api.web.i18n import words
from domain.matter import STAGES
from store.models import User, WebSession

router = APIRouter(prefix="/app", include_in_schema=False)


# ---------------------------------------------------------------- the worklist
@router.get("/", response_class=HTMLResponse)
async def worklist(request: Request, stage: str = "", dpd: str = "", attention: str = "", offset: int = 0) -> Response:
    found = await signed_in(request)
    if found is None:
        return to_login()
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
    r = await call_api(request, "GET", "/matters", params=query)
    error, matters, count = None, [], 0
    if r.status_code == 200:
        matters, count = r.json()["data"], r.json().get("count") or 0
    else:
        error = words(web.language)["unavailable"]
    kept = {k: v for k, v in (("stage", stage), ("dpd", dpd), ("attention", attention)) if v}
    start = query["offset"]
    return render(request, "worklist.html", me, web, matters=matters, count=count, error=error, stages=STAGES,
                 buckets=list(BUCKETS), q={"stage": stage, "dpd": dpd, "attention": attention},
                 page_query=urlencode(kept), prev_offset=max(0, start - PAGE) if start > 0 else None,
                 next_offset=start + PAGE if start + PAGE < count else None)


# ---------------------------------------------------------------- a matter
@router.get("/matters/{matter_id}", response_class=HTMLResponse)
async def matter_page(request: Request, matter_id: str, done: str = "") -> Response:
    """The matter as the API gives it to this person (404 when the API says so: not theirs, or none)."""
    found = await signed_in(request)
    if found is None:
        return to_login()
    return await _matter(request, *found, matter_id, done=done if done in ACTIONS else "")


async def _matter(request: Request, me: User, web: WebSession, matter_id: str, code: int = 200,
                  problems: list[str] | None = None, done: str = "") -> Response:
    w = words(web.language)
    safe = quote(matter_id[:100], safe="")
    r = await call_api(request, "GET", f"/matters/{safe}")
    if r.status_code != 200:
        status_code = r.status_code if r.status_code in (404, 503) else 502
        return render(request, "matter.html", me, web, status_code, matter=None,
                     error=w["not_found"] if status_code == 404 else w["unavailable"], documents=[], history=[])
    docs = await call_api(request, "GET", f"/matters/{safe}/documents")
    history = await call_api(request, "GET", f"/matters/{safe}/history", params={"limit": 200})
    lines = history.json().get("data", []) if history.status_code == 200 else []
    return render(request, "matter.html", me, web, code, matter=r.json(), error=None,
                 documents=docs.json().get("data", []) if docs.status_code == 200 else [],
                 history=list(reversed(lines))[:50], problems=problems or [], done=done,
                 command=f"web-{secrets.token_hex(12)}")  # a command id the API takes (letters, digits, '-')


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
    found = await signed_in(request)
    if found is None:
        return to_login()
    me, web = found
    form = await read_form(request)
    if action not in ACTIONS or not csrf_ok(form, web):
        return await _matter(request, me, web, matter_id, 403, [words(web.language)["forbidden"]])
    safe = quote(matter_id[:100], safe="")
    path, body = _action_call(action, form, form.get("currency", "CNY")[:3])
    headers = {"Idempotency-Key": form["command"][:100]} if action == "promise" and form.get("command") else {}
    r = await call_api(request, "POST", f"/matters/{safe}{path}", web, json=body, headers=headers)
    if r.status_code in (200, 201):
        return RedirectResponse(f"/app/matters/{safe}?done={action}", status_code=303)
    return await _matter(request, me, web, matter_id, r.status_code if r.status_code < 500 else 502, refusals(r))


# ---------------------------------------------------------------- the approvals queue
_PATHS = {"settlement": "settlements", "amendment": "amendments", "write_off": "write-off"}


async def _approvals(request: Request, me: User, web: WebSession, code: int = 200, **context: Any) -> Response:
    r = await call_api(request, "GET", "/approvals", params={"limit": 200})
    items = r.json().get("data", []) if r.status_code == 200 else []
    error = None if r.status_code == 200 else words(web.language)["unavailable"]
    return render(request, "approvals.html", me, web, code, items=items,
                 **{"error": error, "problems": [], "done": False, **context})


@router.get("/approvals", response_class=HTMLResponse)
async def approvals(request: Request) -> Response:
    """What awaits a decision, oldest first, with its facts: a manager sees all, the legal team its own level."""
    found = await signed_in(request)
    if found is None:
        return to_login()
    if found[0].role == "partner":
        return render(request, "approvals.html", found[0], found[1], 403, items=[], problems=[], done=False,
                     error=words(found[1].language)["forbidden"])
    return await _approvals(request, *found)


@router.post("/approvals/{matter_id}/{kind}/{proposal_id}", response_class=HTMLResponse)
async def decide(request: Request, matter_id: str, kind: str, proposal_id: str) -> Response:
    found = await signed_in(request)
    if found is None:
        return to_login()
    me, web = found
    form = await read_form(request)
    if kind not in _PATHS or not csrf_ok(form, web) or form.get("decision") not in ("approve", "reject"):
        return await _approvals(request, me, web, 403, error=words(web.language)["forbidden"])
    path = f"/matters/{quote(matter_id[:100], safe='')}/{_PATHS[kind]}/{quote(proposal_id[:128], safe='')}/approvals"
    r = await call_api(request, "POST", path, web, json={"decision": form["decision"], "note": form.get("note", "")})
    if r.status_code in (200, 201):
        return await _approvals(request, me, web, done=True)
    return await _approvals(request, me, web, r.status_code if r.status_code < 500 else 502, problems=refusals(r))


