"""The worklist (or a partner's referred matters) and the approvals queue (a matter's page and its forms: forms.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.web.common import (
    BUCKETS,
    PAGE,
    call_api,
    csrf_ok,
    matter_path,
    read_form,
    render,
    signed_in,
    to_login,
)
from api.web.forms import fresh
from api.web.i18n import words
from api.web.refusals import refusals
from domain.matter import STAGES
from store.models import User, WebSession

router = APIRouter(prefix="/app", include_in_schema=False)


# ---------------------------------------------------------------- the worklist
GRADES = ("A", "B", "C", "D", "E")
# When the next step falls due, from now: (at or after, before); overdue: before now; this week: in the next 7 days.
DUE: dict[str, tuple[timedelta | None, timedelta]] = {"overdue": (None, timedelta(0)),
                                                      "week": (timedelta(0), timedelta(days=7))}
SORTS = {"due": "next_step_due", "newest": "newest"}


@router.get("/", response_class=HTMLResponse)
async def worklist(request: Request, stage: str = "", dpd: str = "", attention: str = "", risk: str = "",
                   due: str = "", sort: str = "due", offset: int = 0) -> Response:
    """The matters this person may see, filtered, what is due first (or newest first), a page at a time."""
    found = await signed_in(request)
    if found is None:
        return to_login()
    me, web = found
    sort = sort if sort in SORTS else "due"
    query: dict[str, Any] = {"limit": PAGE, "offset": max(0, min(offset, 1_000_000)), "sort": SORTS[sort]}
    if stage in STAGES:
        query["stage"] = stage
    if dpd in BUCKETS:
        low, high = BUCKETS[dpd]
        query["min_days_past_due"] = low
        if high is not None:
            query["max_days_past_due"] = high
    if attention in ("true", "false"):
        query["needs_attention"] = attention
    if risk in GRADES:
        query["risk_grade"] = risk
    if due in DUE:
        now, (after, before) = datetime.now(UTC), DUE[due]
        query["next_step_due_before"] = (now + before).isoformat()
        if after is not None:
            query["next_step_due_after"] = (now + after).isoformat()
    r = await call_api(request, "GET", "/matters", params=query)
    error, matters, count = None, [], 0
    if r.status_code == 200:
        matters, count = r.json()["data"], r.json().get("count") or 0
    else:
        error = words(web.language)["unavailable"]
    q = {"stage": stage, "dpd": dpd, "attention": attention, "risk": risk, "due": due, "sort": sort}
    start = query["offset"]
    return render(request, "worklist.html", me, web, matters=matters, count=count, error=error, stages=STAGES,
                 buckets=list(BUCKETS), grades=GRADES, dues=list(DUE), q=q,
                 page_query=urlencode({k: v for k, v in q.items() if v}),
                 prev_offset=max(0, start - PAGE) if start > 0 else None,
                 next_offset=start + PAGE if start + PAGE < count else None)


# ---------------------------------------------------------------- the approvals queue
_PATHS = {"settlement": "settlements", "amendment": "amendments", "write_off": "write-off"}


async def _approvals(request: Request, me: User, web: WebSession, code: int = 200,
                     decided: tuple[str, str] | None = None, **context: Any) -> Response:
    r = await call_api(request, "GET", "/approvals", params={"limit": 200})
    items = r.json().get("data", []) if r.status_code == 200 else []
    # The queue is the projection's, a moment behind the workflow: what was just decided is not offered again.
    items = [it for it in items if (it.get("matter_id"), (it.get("arrangement") or {}).get("proposal_id")) != decided]
    error = None if r.status_code == 200 else words(web.language)["unavailable"]
    reviews: list[dict[str, Any]] = []
    firms: list[dict[str, Any]] = []
    if me.role == "manager":  # escalations: a manager's legal-review decision (refer to a firm, or negotiate on)
        listed = await call_api(request, "GET", "/matters", params={"stage": "legal_review", "limit": 100,
                                                                    "sort": "next_step_due"})
        reviews = [m for m in (listed.json().get("data", []) if listed.status_code == 200 else [])
                   if (m.get("id"), "legal_review") != decided]
        on_record = await call_api(request, "GET", "/firms", params={"include_disabled": "false"})
        firms = on_record.json().get("data", []) if on_record.status_code == 200 else []
    return render(request, "approvals.html", me, web, code, items=items, reviews=reviews, firms=firms,
                 command=fresh(),
                 **{"error": error, "problems": [], "done": False, **context})


@router.post("/approvals/legal-review/{matter_id}", response_class=HTMLResponse)
async def legal_review(request: Request, matter_id: str) -> Response:
    """A manager's legal-review decision from the queue: escalate to a firm, or extend the negotiation."""
    found = await signed_in(request)
    if found is None:
        return to_login()
    me, web = found
    form = await read_form(request)
    decision = form.get("decision")
    if me.role != "manager" or not csrf_ok(form, web) or decision not in ("escalate", "extend_negotiation"):
        return await _approvals(request, me, web, 403, error=words(web.language)["forbidden"])
    body: dict[str, Any] = {"decision": decision, "reason": form.get("reason", "")}
    if decision == "escalate":
        body["firm"] = form.get("firm", "")
        if form.get("attention", "").strip():
            body["attention"] = form["attention"]
    else:
        body["new_end_on"] = form.get("new_end_on", "")
    headers = {"Idempotency-Key": form["command"][:100]} if form.get("command") else {}
    r = await call_api(request, "POST", f"{matter_path(matter_id)}/legal-review", web,
                       json=body, headers=headers)
    if r.status_code in (200, 201):
        return await _approvals(request, me, web, done=True, decided=(matter_id, "legal_review"))
    return await _approvals(request, me, web, r.status_code if r.status_code < 500 else 502,
                            problems=refusals(r, web.language))


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
    path = f"{matter_path(matter_id)}/{_PATHS[kind]}/{quote(proposal_id[:128], safe='')}/approvals"
    headers = {"Idempotency-Key": form["command"][:100]} if form.get("command") else {}  # (a form sent twice)
    r = await call_api(request, "POST", path, web, json={"decision": form["decision"], "note": form.get("note", "")},
                       headers=headers)
    if r.status_code in (200, 201):
        return await _approvals(request, me, web, done=True, decided=(matter_id, proposal_id))
    return await _approvals(request, me, web, r.status_code if r.status_code < 500 else 502,
                            problems=refusals(r, web.language))


