"""The manager's pages: the portfolio dashboard, the legal deadlines near, and a matter's full history.

Each reads the JSON API as the person signed in (`GET /reports/portfolio`, `GET /reports/deadlines`,
`GET /matters/{id}/history`), so the API's rules hold: the dashboard and the deadlines are a manager's (anyone
else: a 403 page); a matter's full history is a manager's and the legal team's (a partner: a 403 page; a matter
the API does not show: a 404 page). Charts are inline SVG drawn here (`api.web.charts`), each beside a table
of the same numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from api.web.charts import bar_chart, column_chart
from api.web.common import call_api, history_lang, manager_only, matter_path, render, signed_in, to_login
from api.web.i18n import words

router = APIRouter(prefix="/app", include_in_schema=False)

HISTORY_PAGE = 50
DEADLINE_WINDOWS = (30, 60, 90, 180, 365, 1095)


def _label(w: dict[str, str], prefix: str, key: str) -> str:
    return w.get(f"{prefix}{key}", key) if key else w["dash_ungraded"]


def _money(amounts: list[dict[str, str]]) -> str:
    return "; ".join(f"{a['currency']} {a['amount']}" for a in amounts) or "0"


def currencies(report: dict[str, Any]) -> list[str]:
    return sorted({a["currency"] for g in report["stages"] for a in g["amounts"]} |
                  {a["currency"] for a in report["intake"]})


def group_charts(w: dict[str, str], groups: list[dict[str, Any]], prefix: str, title: str,
                 cur: list[str]) -> list[Markup]:
    """A chart of the matters' count per group, then one of the amounts for each currency."""
    labels = [_label(w, prefix, g["key"]) for g in groups]
    charts = [bar_chart(f"{title}: {w['dash_matters']}", w["dash_chart_desc"].format(what=title),
                        [(label, g["count"], str(g["count"])) for label, g in zip(labels, groups, strict=True)])]
    for c in cur:
        items = []
        for label, g in zip(labels, groups, strict=True):
            amount = next((Decimal(a["amount"]) for a in g["amounts"] if a["currency"] == c), Decimal(0))
            items.append((label, amount, format(amount, "f")))
        charts.append(bar_chart(f"{title}: {w['outstanding']} ({c})", w["dash_chart_desc"].format(what=title), items))
    return charts


def month_charts(w: dict[str, str], months: list[dict[str, Any]], cur: list[str]) -> list[Markup]:
    """For each currency with payments: the amount recovered per month, then (where it has a base) the rate."""
    charts = []
    for c in cur:
        recovered = [(m["month"], next((Decimal(a["amount"]) for a in m["recovered"] if a["currency"] == c),
                                       Decimal(0))) for m in months]
        if any(v for _, v in recovered):
            charts.append(column_chart(f"{w['dash_recovered']} ({c})", w["def_recovered"],
                                       [(m, v, format(v, "f")) for m, v in recovered]))
        rates = [(m["month"], m["rates"].get(c)) for m in months]
        if any(r is not None for _, r in rates):
            charts.append(column_chart(f"{w['dash_recovery_by_month']} ({c})", w["def_recovery_rate_by_month"],
                                       [(m, Decimal(r or 0), f"{r}%" if r is not None else "—") for m, r in rates]))
    return charts


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request) -> Response:
    found = await manager_only(request)
    if isinstance(found, Response):
        return found
    me, web = found
    w = words(web.language)
    r = await call_api(request, "GET", "/reports/portfolio")
    if r.status_code != 200:
        return render(request, "dashboard.html", me, web, 403 if r.status_code == 403 else 502, report=None,
                      error=w["forbidden"] if r.status_code == 403 else w["dash_unavailable"])
    report = r.json()
    cur = currencies(report)
    charts = {
        "stages": group_charts(w, report["stages"], "stage_", w["dash_by_stage"], cur),
        "aging": group_charts(w, report["aging"], "dash_dpd_", w["dash_aging"], cur),
        "risk": group_charts(w, report["risk"], "grade_", w["dash_risk"], cur),
        "months": month_charts(w, report["months"], cur),
        "firms": [bar_chart(f"{w['dash_time_to_accept']} ({w['dash_mean_hours']})", w["def_time_to_accept"],
                            [(f["name"], f["mean_seconds_to_accept"] or 0, duration(f["mean_seconds_to_accept"], w))
                             for f in report["firms"]])] if report["firms"] else [],
    }
    return render(request, "dashboard.html", me, web, report=report, charts=charts, currencies=cur, error=None,
                  money=_money, duration=lambda s: duration(s, w))


def duration(seconds: int | None, w: dict[str, str]) -> str:
    """A time span in its two largest units (days and hours, hours and minutes, ...); '—' for none."""
    if seconds is None:
        return "—"
    parts: list[str] = []
    left = seconds
    for unit, size in (("dur_d", 86400), ("dur_h", 3600), ("dur_min", 60), ("dur_s", 1)):
        if left >= size or (size == 1 and not parts):
            parts.append(f"{left // size} {w[unit]}")
            left %= size
        elif parts:
            break
    return " ".join(parts[:2])


@router.get("/deadlines", response_class=HTMLResponse)
async def deadlines(request: Request, within_days: int = 60) -> Response:
    found = await manager_only(request)
    if isinstance(found, Response):
        return found
    me, web = found
    w = words(web.language)
    days = within_days if within_days in DEADLINE_WINDOWS else 60
    r = await call_api(request, "GET", "/reports/deadlines", params={"within_days": days, "limit": 500})
    if r.status_code != 200:
        return render(request, "deadlines.html", me, web, 403 if r.status_code == 403 else 502, items=[],
                      days=days, windows=DEADLINE_WINDOWS,
                      error=w["forbidden"] if r.status_code == 403 else w["dash_unavailable"])
    items = r.json()["data"]
    listed = await call_api(request, "GET", "/firms")
    firms = {f["id"]: f["name"] for f in listed.json().get("data", [])} if listed.status_code == 200 else {}
    for item in items:
        item["firm_name"] = firms.get(item["referred_firm"] or "", item["referred_firm"])
    return render(request, "deadlines.html", me, web, items=items, days=days, windows=DEADLINE_WINDOWS, error=None)


@router.get("/matters/{matter_id}/history", response_class=HTMLResponse)
async def history(request: Request, matter_id: str, cursor: str = "", page: int = 1) -> Response:
    """One page of the matter's whole history, oldest first; the next page by the API's cursor."""
    found = await signed_in(request)
    if found is None:
        return to_login()
    me, web = found
    w = words(web.language)
    context: dict[str, Any] = {"matter_id": matter_id, "entries": [], "next_cursor": None, "page": 1,
                               "runs": None}
    if me.role == "partner":
        return render(request, "history.html", me, web, 403, error=w["forbidden"], **context)
    params: dict[str, Any] = {"limit": HISTORY_PAGE, "lang": history_lang(web.language)}
    if cursor:
        params["cursor"] = cursor[:2000]
    r = await call_api(request, "GET", f"{matter_path(matter_id)}/history", params=params)
    if r.status_code != 200:
        code = r.status_code if r.status_code in (403, 404, 422) else 502
        error = {403: w["forbidden"], 404: w["not_found"], 422: w["hist_bad_cursor"]}.get(code, w["dash_unavailable"])
        return render(request, "history.html", me, web, code, error=error, **context)
    body = r.json()
    page = max(1, min(page, 1_000_000))
    return render(request, "history.html", me, web, error=None, **{
        **context, "entries": body["data"], "next_cursor": body["next_cursor"], "runs": body["runs"], "page": page,
        "first": (page - 1) * HISTORY_PAGE + 1})
