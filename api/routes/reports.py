"""The managers' reports: the portfolio dashboard's figures and the legal deadlines near (issue 11).

`GET /reports/portfolio` is for managers only (a legal team or partner key: 403): matters and amounts by stage,
aging, risk grades, recovery by month and each law firm's performance, with the definitions of each figure
(`api.schemas_reports.DEFINITIONS`). `GET /reports/deadlines` is for staff (legal team and managers; partners:
403): the limitation periods, guarantee periods and court measures ending within `within_days`, and those
already run out, soonest first. Both read the projection (`store/reports.py`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AuthorisedRoute, ManagerKey, SessionDep, StaffKey
from api.schemas_reports import (
    DEFINITIONS,
    DeadlinesNearPublic,
    FirmPublic,
    GroupPublic,
    MonthPublic,
    NearPublic,
    PortfolioPublic,
    amounts,
    percent,
)
from store import reports

router = APIRouter(prefix="/reports", tags=["reports"], route_class=AuthorisedRoute)

NOT_COVERED = ("each proceeding's appeal, performance and enforcement windows are kept by its workflow, not the "
               "projection: a matter's GET /matters/{id}/deadlines states them")


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/portfolio", response_model=PortfolioPublic)
async def portfolio(
    _: ManagerKey, session: SessionDep,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$", description="only the matters in this "
                                                                           "currency (ISO 4217)")] = None,
) -> PortfolioPublic:
    """The whole portfolio now (or its matters in `currency`): every amount exact and per currency, every rate
    with its definition."""
    now = _now()
    p = await reports.portfolio(session, now, currency)
    await session.commit()
    return PortfolioPublic(
        as_of=now.isoformat(timespec="seconds"), matters=sum(g.count for g in p.stages),
        stages=[GroupPublic.of(g) for g in p.stages], aging=[GroupPublic.of(g) for g in p.aging],
        risk=[GroupPublic.of(g) for g in p.risk], intake=amounts(p.intake), recovered=amounts(p.recovered),
        rates={c: percent(r) for c, r in reports.rates(p.recovered, p.intake).items()},
        months=[MonthPublic.of(m) for m in p.months], firms=[FirmPublic.of(f) for f in p.firms],
        definitions=DEFINITIONS,
    )


@router.get("/deadlines", response_model=DeadlinesNearPublic)
async def deadlines(
    _: StaffKey, session: SessionDep,
    within_days: Annotated[int, Query(ge=0, le=3660, description="how many days ahead (overdue ones always show)")]
    = 60,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> DeadlinesNearPublic:
    """Legal deadlines ending within `within_days` (and those run out), soonest first, with days left."""
    found = await reports.deadlines_near(session, _now(), within_days, limit)
    await session.commit()
    return DeadlinesNearPublic(data=[NearPublic.of(n) for n in found], count=len(found), within_days=within_days,
                               not_covered=NOT_COVERED)
