"""A matter's page and its forms: what the current stage allows, each sent to the JSON API as the person.

Staff (the legal team, managers): payment, promise, contact log, settlement proposal, hold place / release.
A partner on its firm's referred matter: accept / decline the referral, start a suit or an arbitration, and
record its events (filing, hearing, decision, service, appeal, preservation, enforcement). Everyone who sees
the matter uploads evidence (a little JavaScript sends the file's bytes to the API with the session's CSRF
header: no multipart here) and previews or downloads its letters.

A form is shown only when the matter's state allows it (the workflow's own rules, `workflows.matter.
transitions`); the API decides all the same, and what it refuses is shown by field. Each command form carries
a fresh id (`web-<hex>`, sent as the Idempotency-Key), so a form sent twice records once.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import deque
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.web.common import (
    call_api,
    csrf_ok,
    history_lang,
    matter_path,
    read_form,
    render,
    signed_in,
    to_login,
)
from api.web.i18n import words
from api.web.refusals import refusals
from store.models import User, WebSession
from workflows.matter import transitions as tr
from workflows.matter.arrangements import OPEN as OPEN_ARRANGEMENT  # one arrangement at a time

router = APIRouter(prefix="/app", include_in_schema=False)

STAFF = ("payment", "promise", "contact", "settlement", "signed", "hold", "release")
PARTNER = ("accept", "decline", "proceeding", "event")
ACTIONS = (*STAFF, *PARTNER)
SIGNABLE = {"settlement": "settlements", "amendment": "amendments"}  # an arrangement's kind: its API path
DONE = (*ACTIONS, "evidence")
RUNNING = ("starting", "started", "filed", "decided")  # a proceeding still open: one case at a time
BUCKETS = ("costs", "fees", "penalty", "interest")
INSTALMENT_ROWS = 4
CHANNELS = ("phone", "visit", "sms", "email", "letter")
OUTCOMES = ("reached", "no_answer", "wrong_number", "refused_to_pay", "promised", "disputed")
CAUSES = ("job_loss", "illness", "business_downturn", "dispute", "fraud", "over_indebtedness", "unwilling", "unknown",
          "other")
HOLD_KINDS = ("dispute", "hardship", "bankruptcy_stay", "death")

# The events of a proceeding (`domain.proceedings`): each kind's fields as (name, type, required); a type
# "select:a,b" offers those values. The page shows the kinds a proceeding's status admits (EVENTS_NOW).
EVENTS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "preserved": (("on", "date", True), ("pre_suit", "bool", False), ("court", "text", True),
                  ("ruling_number", "text", True), ("amount", "money", True), ("measures", "text", True),
                  ("security", "select:given,excused", True), ("security_detail", "text", True)),
    "filed": (("on", "date", True), ("body", "text", True), ("case_number", "text", True),
              ("fees_paid", "money", False)),
    "hearing": (("on", "date", True), ("place", "text", False)),
    "decided": (("on", "date", True), ("decision", "select:judgment,ruling,award,mediation", True),
                ("amount", "money", False), ("costs", "money", False), ("performance_days", "int", False),
                ("performance_due_on", "date", False), ("proposal_id", "text", False)),
    "served": (("on", "date", True),),
    "appealed": (("on", "date", True), ("by", "select:creditor,debtor", True)),
    "enforcement_filed": (("on", "date", True), ("court", "text", True), ("case_number", "text", True)),
    "round_terminated": (("on", "date", True), ("ruling_number", "text", True)),
    "proceeds": (("on", "date", True), ("gross", "money", True), ("costs", "money", True),
                 ("to_creditor", "money", True), ("asset", "int", False)),
}
EVENTS_NOW: dict[str, tuple[str, ...]] = {
    "started": ("preserved", "filed"),
    "filed": ("preserved", "hearing", "decided"),
    "decided": ("served", "appealed", "preserved"),
    "effective": ("enforcement_filed", "round_terminated", "proceeds"),
}
_DECIDES = {"court": ("judgment", "ruling", "mediation"), "arbitration": ("award", "mediation")}
_OFFSET = re.compile(r"^[+-]\d\d:\d\d$")


def fresh() -> str:
    """A command id the API takes (letters, digits, '-'), new for each form rendered."""
    return f"web-{secrets.token_hex(12)}"


# ---------------------------------------------------------------- what the page offers
def offered(me: User, matter: dict[str, Any]) -> dict[str, bool]:
    """The forms the matter's state admits for this person (the API checks again)."""
    stage, staff = matter.get("stage"), me.role != "partner"
    live = stage != "closed"
    arrangement = matter.get("arrangement") or {}
    referral = matter.get("referral") or {}
    mine = referral.get("firm") == me.firm and me.firm is not None
    running = [p for p in matter.get("proceedings") or () if p.get("status") in RUNNING]
    return {
        "contact": staff and live,
        "hold": staff and live,
        # An approved settlement or amendment takes effect with its signed copy (uploaded as evidence first).
        "signed": staff and arrangement.get("status") == "approved" and arrangement.get("kind") in SIGNABLE,
        "settlement": staff and stage in tr.ARRANGEABLE and arrangement.get("status") not in OPEN_ARRANGEMENT,
        "proceeding": (not staff and live and mine and referral.get("status") == "accepted" and not running
                       and not matter.get("held") and tr.allowed(str(stage), "proceeding_started")),
        "evidence": True,
    }


def event_kinds(p: dict[str, Any]) -> list[str]:
    """The events a proceeding's status admits next (the proceeding's workflow has the last word)."""
    return list(EVENTS_NOW.get(p.get("status", ""), ()))


def options(kind: str, name: str, spec: str, forum: str) -> list[str]:
    values = spec.split(":", 1)[1].split(",")
    return [v for v in values if v in _DECIDES.get(forum, values)] if (kind, name) == ("decided", "decision") \
        else values


# ---------------------------------------------------------------- a matter
@router.get("/matters/{matter_id}", response_class=HTMLResponse)
async def matter_page(request: Request, matter_id: str, done: str = "") -> Response:
    """The matter as the API gives it to this person (404 when the API says so: not theirs, or none)."""
    found = await signed_in(request)
    if found is None:
        return to_login()
    return await _matter(request, *found, matter_id, done=done if done in DONE else "")


async def _matter(request: Request, me: User, web: WebSession, matter_id: str, code: int = 200,
                  problems: list[str] | None = None, done: str = "") -> Response:
    w = words(web.language)
    base = matter_path(matter_id)
    # Just after a form was saved, the matter is read from its running workflow (the projection's copy follows
    # a moment later): the page shows the payment it confirms.
    r = await call_api(request, "GET", f"{base}", params={"live": "true"} if done else None)
    if r.status_code != 200:
        status_code = r.status_code if r.status_code in (404, 503) else 502
        return render(request, "matter.html", me, web, status_code, matter=None,
                     error=w["not_found"] if status_code == 404 else w["unavailable"], documents=[], history=[])
    matter = r.json()
    # The rest at once: each is a read of its own (the API in-process, as the person).
    docs, lines, evidence, parties, proceedings = await asyncio.gather(
        call_api(request, "GET", f"{base}/documents"), _latest_lines(request, base, history_lang(web.language)),
        call_api(request, "GET", f"{base}/evidence"), call_api(request, "GET", f"{base}/parties"),
        _proceedings(request, me, base, matter))
    return render(request, "matter.html", me, web, code, matter=matter, error=None,
                 documents=docs.json().get("data", []) if docs.status_code == 200 else [],
                 history=lines, problems=problems or [], done=done,
                 command=fresh(), fresh=fresh, can=offered(me, matter),
                 uploads=evidence.json().get("data", []) if evidence.status_code == 200 else [],
                 parties=parties.json().get("data", []) if parties.status_code == 200 else [],
                 proceedings=proceedings,
                 holds=[h for h in matter.get("holds") or () if h.get("released_at") is None],
                 events=EVENTS, event_kinds=event_kinds, options=options, buckets=BUCKETS,
                 rows=range(1, INSTALMENT_ROWS + 1), channels=CHANNELS, outcomes=OUTCOMES, causes=CAUSES,
                 hold_kinds=[k for k in HOLD_KINDS if k != "bankruptcy_stay" or me.role == "manager"])


TIMELINE_LINES = 50  # the newest lines of the history the matter page shows (the full history: its own page)
TIMELINE_PAGE = 1000  # the history API's largest page
TIMELINE_PAGES = 20  # read at most this many pages for it (a longer history: see the full history's page)


async def _latest_lines(request: Request, base: str, lang: str) -> list[dict[str, Any]]:
    """The history's newest lines, newest first. The API gives it oldest first, page by page: follow its cursor
    to the end, keeping the last lines (one page for all but the longest matters)."""
    kept: deque[dict[str, Any]] = deque(maxlen=TIMELINE_LINES)
    params: dict[str, Any] = {"limit": TIMELINE_PAGE, "lang": lang}
    for _ in range(TIMELINE_PAGES):
        r = await call_api(request, "GET", f"{base}/history", params=params)
        if r.status_code != 200:
            break
        page = r.json()
        kept.extend(page.get("data", []))
        if not page.get("next_cursor"):
            break
        params = {**params, "cursor": page["next_cursor"]}
    return list(reversed(kept))


async def _proceedings(request: Request, me: User, base: str, matter: dict[str, Any]) -> list[dict[str, Any]]:
    """Each proceeding this person may see, with its events and running deadlines (as its workflow holds them)."""
    mine = [p for p in matter.get("proceedings") or () if me.role != "partner" or p.get("firm") == me.firm]
    snaps = await asyncio.gather(*(call_api(request, "GET", f"{base}/proceedings/{int(p['number'])}") for p in mine))
    return [{**p, "snapshot": snap.json() if snap.status_code == 200 else None} for p, snap in zip(mine, snaps,
                                                                                                     strict=True)]


# ---------------------------------------------------------------- the forms' API calls
def _money(value: str, currency: str) -> dict[str, str]:
    return {"amount": value.strip(), "currency": currency}


def _contact(form: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"channel": form.get("channel", ""), "outcome": form.get("outcome", ""),
                            "cease_contact": form.get("cease_contact") in ("on", "true"), "note": form.get("note", "")}
    if form.get("at", "").strip():  # a datetime-local, in the offset the browser reports (else China's)
        offset = form.get("tz", "")
        at = form["at"].strip()
        body["at"] = f"{at}{':00' if len(at) == 16 else ''}{offset if _OFFSET.match(offset) else '+08:00'}"
    if form.get("cause"):
        body["cause"] = form["cause"]
    return body


def _settlement(form: dict[str, str], currency: str) -> dict[str, Any]:
    waivers = {b: _money(form[f"waive_{b}"], currency) for b in BUCKETS if form.get(f"waive_{b}", "").strip()}
    instalments: list[dict[str, Any]] = []
    for i in range(1, INSTALMENT_ROWS + 1):
        amount, due = form.get(f"amount_{i}", "").strip(), form.get(f"due_on_{i}", "").strip()
        if amount or due:
            instalments.append({"number": len(instalments) + 1, "due_on": due, "amount": _money(amount, currency)})
    body: dict[str, Any] = {"waivers": waivers, "instalments": instalments, "note": form.get("note", "")}
    if form.get("principal_discount", "").strip():
        body["principal_discount"] = _money(form["principal_discount"], currency)
    return body


def _event(kind: str, form: dict[str, str], currency: str) -> dict[str, Any]:
    event: dict[str, Any] = {"kind": kind}
    for name, typ, _ in EVENTS.get(kind, ()):
        raw = form.get(name, "").strip()
        if typ == "bool":
            event[name] = raw in ("on", "true")
        elif raw:
            event[name] = (_money(raw, currency) if typ == "money" else
                           int(raw) if typ == "int" and raw.isdigit() else raw)
    return {"event": event}


def _action_call(action: str, form: dict[str, str], currency: str) -> tuple[str, dict[str, Any]]:
    """The API path under the matter and the JSON body a form makes."""
    if action == "payment":
        return "/payments", {"payment_id": form.get("command", ""), "received_on": form.get("received_on", ""),
                             "amount": _money(form.get("amount", ""), currency)}
    if action == "promise":
        body: dict[str, Any] = {"amount": _money(form.get("amount", ""), currency), "due_on": form.get("due_on", "")}
        if form.get("note", "").strip():
            body["note"] = form["note"]
        return "/promises", body
    if action == "contact":
        return "/contacts", _contact(form)
    if action == "settlement":
        return "/settlements", _settlement(form, currency)
    if action == "signed":
        kind = SIGNABLE.get(form.get("kind", ""), "settlements")
        return (f"/{kind}/{quote(form.get('proposal_id', '')[:100], safe='')}/signed",
                {"upload_id": form.get("upload_id", ""), "signed_on": form.get("signed_on", "")})
    if action == "hold":
        hold = {"kind": form.get("kind", ""), "reason": form.get("reason", "")}
        return "/holds", {**hold, **({"ends_on": form["ends_on"]} if form.get("ends_on", "").strip() else {})}
    if action == "release":
        return f"/holds/{quote(form.get('hold_id', '')[:128], safe='')}/release", {"note": form.get("note", "")}
    if action == "proceeding":
        start: dict[str, Any] = {"forum": form["forum"]} if form.get("forum") in ("court", "arbitration") else {}
        if form.get("appeal_of", "").strip():
            start["appeal_of"] = form["appeal_of"].strip()
        return "/proceedings", start
    if action == "event":
        number = form.get("number", "")
        return f"/proceedings/{int(number) if number.isdigit() else 0}/events", _event(form.get("kind", ""), form,
                                                                                       currency)
    if action == "accept":
        return "/referral/accept", {"note": form.get("note", "")}
    return "/referral/decline", {"reason": form.get("reason", "")}


@router.post("/matters/{matter_id}/actions/{action}", response_class=HTMLResponse)
async def matter_action(request: Request, matter_id: str, action: str) -> Response:
    """One of the page's forms: checked for the session's token and the person's side (staff forms for staff,
    the firm's for partners), then sent to the API as the person; its refusals (the field and the reason) are
    shown on the page, nothing else changes."""
    found = await signed_in(request)
    if found is None:
        return to_login()
    me, web = found
    form = await read_form(request)
    side = PARTNER if me.role == "partner" else STAFF
    if action not in side or not csrf_ok(form, web):
        return await _matter(request, me, web, matter_id, 403, [words(web.language)["forbidden"]])
    path, body = _action_call(action, form, form.get("currency", "CNY")[:3])
    command = form.get("command", "")[:100]
    keyed = action not in ("payment", "release", "accept", "decline") and command
    headers = {"Idempotency-Key": command} if keyed else {}
    r = await call_api(request, "POST", f"{matter_path(matter_id)}{path}", web, json=body, headers=headers)
    if r.status_code in (200, 201):
        return RedirectResponse(f"/app{matter_path(matter_id)}?done={action}", status_code=303)
    return await _matter(request, me, web, matter_id, r.status_code if r.status_code < 500 else 502,
                         refusals(r, web.language))


# ---------------------------------------------------------------- a letter's preview
@router.get("/documents/{document_id}/preview.pdf", response_class=HTMLResponse)
async def document_preview(request: Request, document_id: str) -> Response:
    """The API's PDF preview of a letter, or a page saying why there is none (no LibreOffice on this server: 503;
    not this person's: 404) with the download link."""
    found = await signed_in(request)
    if found is None:
        return to_login()
    me, web = found
    safe = quote(document_id[:300], safe="")
    r = await call_api(request, "GET", f"/documents/{safe}/preview.pdf", timeout=120)
    if r.status_code == 200:
        return Response(r.content, media_type="application/pdf",
                        headers={"Content-Disposition": r.headers.get("content-disposition", "inline"),
                                 "Cache-Control": "private, no-store"})
    code = r.status_code if r.status_code in (404, 409, 415, 503) else 502
    reason = words(web.language)["not_found"] if code == 404 else "; ".join(refusals(r, web.language))
    headers = {"Retry-After": r.headers["retry-after"]} if "retry-after" in r.headers else {}
    page = render(request, "preview.html", me, web, code, reason=reason, document_id=document_id,
                  download=f"/documents/{safe}/content" if code != 404 else None)
    page.headers.update(headers)
    return page
