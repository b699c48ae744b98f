"""Matters: intake, lists, detail, documents (history: `history.py`; commands: `commands.py`; referrals:
`referrals.py`).

Roles: `legal_team` and `manager` take matters in and record payments and promises; only a
`manager` decides a legal review; a `partner` reads the matters referred to its firm (and
nothing else: any other matter is a 404, exactly like an unknown one).
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import pydantic_core
from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.service import RPCError

from api.deps import (
    AuthorisedRoute,
    CurrentKey,
    Principal,
    SessionDep,
    SettingsDep,
    StaffKey,
    TemporalDep,
)
from api.list_filters import ListOrder, list_order
from api.mapping import (
    StatementUnavailable,
    limitation_interruptions,
    list_item,
    matter_public,
    public_from_status,
    row_fields,
    statement_fields,
    status_of,
)
from api.schemas import (
    DocumentPublic,
    DocumentsPublic,
    HoldStatePublic,
    MatterCreate,
    MatterDetailPublic,
    MatterLinks,
    MatterPublic,
    MattersPublic,
    PromiseStatePublic,
    field_error,
)
from api.workflow import live_snapshot, not_found, workflow_state
from domain.allocation import Balance
from domain.assets import AssetRecord
from domain.dates import days_past_due
from domain.deadlines import limitation
from domain.matter import MatterIntake, Stage
from domain.money import Money
from domain.parties import Asset
from store import queries
from store.models import Document, Matter
from store.policies import UnknownPolicy, get_policy
from workers.client import open_matter
from workflows.calendars import china
from workflows.contracts import (
    QUERY_PROCEEDING,
    MatterSnapshot,
    ProceedingSnapshot,
    workflow_id,
)

log = logging.getLogger(__name__)

router = APIRouter(prefix="/matters", tags=["matters"], route_class=AuthorisedRoute)

MAX_LIMIT = 200
# Any string: an id that names no matter is simply not found (404), never a validation error.
MatterId = str
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
        description="makes the command safe to retry: the same key is applied once",
    ),
]


# ---------------------------------------------------------------- mapping
def _now() -> datetime:
    return datetime.now(UTC)


def _detail(row: Matter | None, snap: MatterSnapshot | None, matter_id: str, now: datetime,
            as_of: date | None = None) -> MatterDetailPublic:
    """The projection, overridden by the live snapshot where it answers (the workflow is the truth).

    The money is the statement on `as_of` (default: the matter's policy date today) for matters that
    accrue; `as_of` on a matter that cannot state it is a 422 naming the field."""
    detail = _merged(row, snap, matter_id, now)
    status_ = snap.status if snap is not None and snap.status is not None else (
        status_of(row) if row is not None else None)
    if status_ is not None and status_.proceedings:
        detail = detail.model_copy(update={"proceedings": list(status_.proceedings)})
    if status_ is not None:  # its holds (the page shows the active ones) and the latest proposal
        detail = detail.model_copy(update={"holds": [HoldStatePublic.model_validate(h) for h in status_.holds or ()],
                                           "held": bool(status_.held), "arrangement": status_.arrangement})
    try:
        if status_ is None:
            if as_of is not None:
                raise StatementUnavailable("this matter was opened before balances accrued: its balance changes "
                                           "only with payments, so it cannot be stated for another date")
            return detail
        if as_of is None and status_.ledger is None:
            return detail
        fields = statement_fields(status_, as_of or status_.policy_today(now))
    except StatementUnavailable as exc:
        raise RequestValidationError([field_error(("query", "as_of"), str(exc), "as_of_unavailable")]) from None
    return detail.model_copy(update=fields)


def _merged(row: Matter | None, snap: MatterSnapshot | None, matter_id: str, now: datetime) -> MatterDetailPublic:
    base: dict[str, object]
    if row is not None:
        base = row_fields(row, now)
    else:
        assert snap is not None
        base = {"id": matter_id, "external_ref": None, "workflow_id": workflow_id(matter_id),
                "links": MatterLinks.for_matter(matter_id)}  # fmt: skip
    if snap is None:
        return MatterDetailPublic(**base, source="projection")  # type: ignore[arg-type]
    if snap.status is not None:
        base.update(public_from_status(snap.status, now, external_ref=base.get("external_ref"),  # type: ignore[arg-type]
                                       created_at=base.get("created_at")))  # type: ignore[arg-type]
        policy_today = snap.status.policy_today(now)
    else:  # a matter opened before workflow v2 that has not migrated yet
        base.update(
            stage=snap.stage, closure_reason=snap.closure_reason, policy=snap.policy,
            policy_version=snap.policy_version, outstanding=snap.outstanding, balance=snap.balance,
            paid_total=snap.paid_total, days_past_due=snap.days_past_due,
            risk_grade=snap.risk.grade if snap.risk else None, risk_score=snap.risk.score if snap.risk else None,
            next_step=snap.next_step.name if snap.next_step else None,
            next_step_at=snap.next_step.at if snap.next_step else None,
            negotiation_ends_on=snap.negotiation_ends_on,
        )
        policy_today = snap.policy_today
    return MatterDetailPublic(
        **base,  # type: ignore[arg-type]
        source="workflow",
        policy_today=policy_today,
        next=snap.next_step,
        payments_count=snap.payments,
        documents_count=len(snap.documents),
        promises=[
            PromiseStatePublic(
                promise_id=p.promise_id, amount=p.amount, due_on=p.due_on, deadline=p.deadline, status=p.status,
                actor=p.actor, created_at=p.created_at, resolved_at=p.resolved_at,
            )
            for p in snap.promises
        ],
    )


def _from_intake(matter_id: str, intake: MatterIntake, policy_version: int, now: datetime) -> MatterPublic:
    """A just-opened matter, before the workflow has written anything: what the intake says."""
    balance = Balance.from_overdue(intake.overdue)
    local_today = now.astimezone(ZoneInfo(intake.borrower.timezone)).date()
    return MatterPublic(
        id=matter_id,
        external_ref=intake.external_ref,
        workflow_id=workflow_id(matter_id),
        stage="intake",
        policy=intake.policy,
        policy_version=policy_version,
        outstanding=balance.total,
        balance=balance,
        paid_total=Money.zero(balance.currency),
        days_past_due=days_past_due(intake.overdue.since, local_today),
        overdue_since=intake.overdue.since,
        created_at=now,
        updated_at=now,
        links=MatterLinks.for_matter(matter_id),
    )


def document_public(row: Document) -> DocumentPublic:
    return DocumentPublic(
        id=row.id,
        matter_id=row.matter_id,
        kind=row.kind,
        locale=row.locale,
        template_version=row.template_version,
        media_type=row.media_type,
        sha256=row.sha256,
        size=row.size,
        version_id=row.version_id,
        created_at=row.created_at,
        content_url=f"/documents/{row.id}/content",
    )


async def visible_matter(session: AsyncSession, temporal: Client, key: Principal, matter_id: str) -> Matter | None:
    """The projection row if the caller may see the matter; 404 otherwise.

    Staff may also see a matter whose workflow exists but whose row is not written yet
    (returns None then). A partner only ever sees rows referred to its firm.
    """
    row = await queries.get_matter(session, matter_id, firm=key.firm_scope)
    await session.commit()  # end the read: no transaction held open while Temporal answers (rows stay loaded)
    if row is not None:
        return row
    if key.firm_scope is None and await workflow_state(temporal, matter_id) is not None:
        return None
    raise not_found(matter_id)


async def _visible(matter_id: MatterId, key: CurrentKey, session: SessionDep, temporal: TemporalDep) -> Matter | None:
    return await visible_matter(session, temporal, key, matter_id)


# The 404 as a dependency: it comes before the route's query parameters are validated.
VisibleMatter = Annotated[Matter | None, Depends(_visible)]


# ----------------------------------------------------------------- intake
@router.post(
    "",
    response_model=MatterPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": MatterPublic, "description": "a matter already exists for this external_ref"}},
)
async def create_matter(
    body: MatterCreate, key: StaffKey, session: SessionDep, temporal: TemporalDep, settings: SettingsDep,
    response: Response,
) -> MatterPublic:
    """Open a matter (start its workflow). The same `external_ref` again returns the existing matter (200)."""
    try:
        policy = get_policy(body.policy, settings.policy_dir)
    except UnknownPolicy as exc:
        raise RequestValidationError([field_error(("body", "policy"), str(exc), "unknown_policy")]) from None
    intake = MatterIntake.model_validate(body.model_dump())
    matter_id, created = await open_matter(temporal, settings.temporal_task_queue, intake, policy, key.actor)
    if created:
        log.info("matter %s opened by key %s", matter_id, key.key_id)
        return _from_intake(matter_id, intake, policy.version, datetime.now(UTC))
    response.status_code = status.HTTP_200_OK
    row = await queries.get_matter(session, matter_id)
    await session.commit()
    if row is not None:
        return matter_public(row, _now())
    _, snap = await live_snapshot(temporal, matter_id)
    if snap is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"matter {matter_id} exists for this external_ref but its state cannot be read yet; retry",
        )
    found = _detail(None, snap, matter_id, _now()).model_dump(include=set(MatterPublic.model_fields))
    return MatterPublic(**{**found, "external_ref": intake.external_ref})


# ------------------------------------------------------------------ reads
@router.get("", response_model=MattersPublic)
async def list_matters(
    key: CurrentKey,
    session: SessionDep,
    order: Annotated[ListOrder, Depends(list_order)],
    stage: Stage | None = None,
    min_days_past_due: Annotated[int | None, Query(ge=0, le=queries.MAX_DAYS_PAST_DUE)] = None,
    max_days_past_due: Annotated[int | None, Query(ge=0, le=queries.MAX_DAYS_PAST_DUE)] = None,
    needs_attention: Annotated[
        bool | None, Query(description="true: only matters waiting on a failed step; false: only the others")
    ] = None,
    referral_status: Literal["instructing", "instructed", "accepted"] | None = None,
    limitation_before: Annotated[date | None, Query(
        description="only matters whose limitation period's last day is on or before this date (YYYY-MM-DD): "
                    "the managers' view of matters near expiry")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    cursor: Annotated[
        str | None,
        Query(min_length=1, max_length=400, pattern=r"^[A-Za-z0-9_-]+$",
              description="`next_cursor` of the previous page: the next page, read from an index however deep"),
    ] = None,
) -> Response:
    """Matters, newest first (`sort=next_step_due`: what is due first). Partners see only their firm's referrals.

    Days past due are computed at the time of the request (in each borrower's time zone, or on
    the policy's compressed calendar), so `min_days_past_due`/`max_days_past_due` filter exactly.
    Page with `cursor` (each page's `next_cursor`); `offset` still works but reads what it skips.
    `count` is exact up to 10,000; beyond, it is 10,000 and `count_capped` is true.
    """
    now = _now()
    order.check_cursor(cursor)
    after = _decode_list_cursor(cursor) if cursor else None
    rows, legacy, count = await queries.list_matter_rows(
        session, stage=stage, min_days_past_due=min_days_past_due, max_days_past_due=max_days_past_due,
        needs_attention=needs_attention, referral_status=referral_status, limitation_before=limitation_before,
        firm=key.firm_scope, now=now, **order.query(),  # type: ignore[misc]
        limit=limit + 1, offset=offset, after=after, count_limit=COUNT_LIMIT,
    )  # one more than asked: whether a next page exists
    rows, more = rows[:limit], len(rows) > limit
    next_cursor = _encode_list_cursor(rows[-1]) if more and order.keyset else None
    # Written directly (`MattersPublic` is the documented shape; `api.mapping.list_item` says why).
    today_in: dict[str, date] = {}
    page = {"data": [list_item(legacy.get(r.id, r), now, today_in) for r in rows], "count": min(count, COUNT_LIMIT),
            "count_capped": count > COUNT_LIMIT, "next_cursor": next_cursor}
    return Response(pydantic_core.to_json(page), media_type="application/json")


COUNT_LIMIT = 10_000


def _encode_list_cursor(row: queries.ListedMatter) -> str:
    raw = json.dumps([row.created_at.isoformat(), row.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_list_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, matter_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        at = datetime.fromisoformat(created)
        if at.tzinfo is None or not isinstance(matter_id, str):
            raise ValueError
    except (ValueError, TypeError):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[{"type": "value_error", "loc": ["query", "cursor"],
                     "msg": "not a cursor this API gave (pass a page's next_cursor unchanged)"}],
        ) from None
    return at, matter_id


@router.get("/{matter_id}", response_model=MatterDetailPublic)
async def get_matter(
    matter_id: MatterId, row: VisibleMatter, temporal: TemporalDep,
    live: Annotated[bool, Query(description="true: ask the running workflow for its state now (slower; `source` "
                                            "is then `workflow`); by default the projection answers")] = False,
    as_of: Annotated[date | None, Query(description="the balance on this date (YYYY-MM-DD), exact to the cent: "
                                                    "interest and penalties accrued to it, payments dated after "
                                                    "it left out; default: the matter's date today")] = None,
) -> MatterDetailPublic:
    """One matter: from the projection, or (`live=true`, or before the projection has it) merged with the
    workflow's live snapshot; `source` says which answered."""
    if row is not None and not live:
        return _detail(row, None, matter_id, _now(), as_of)
    exists, snap = await live_snapshot(temporal, matter_id)
    if row is None and snap is None:
        if exists is False:
            raise not_found(matter_id)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"matter {matter_id} exists but cannot be read yet; retry"
        )
    return _detail(row, snap, matter_id, _now(), as_of)


@router.get("/{matter_id}/documents", response_model=DocumentsPublic)
async def list_documents(
    matter_id: MatterId, key: CurrentKey, _: VisibleMatter, session: SessionDep
) -> DocumentsPublic:
    """The matter's stored documents, oldest first, each with its SHA-256 and content URL."""
    rows = await queries.list_documents(session, matter_id, firm=key.firm_scope)
    return DocumentsPublic(data=[document_public(r) for r in rows], count=len(rows))


class DeadlinePublic(BaseModel):
    name: str = Field(description="what must be done by then, e.g. 'limitation'")
    rule: str = Field(description="the rule and its source in law")
    source: str = Field(description="what started (or last restarted) it, with its date")
    runs_from: date = Field(description="the day it runs from (not counted)")
    last_day: date = Field(description="its last day by counting")
    ends_on: date | None = Field(description="its last day moved off a rest day (public holiday or weekend) to "
                                             "the next working day; null when the holiday calendar does not "
                                             "cover that year yet (`calendar_gap`): `last_day` is then the safe date")
    moved: bool
    calendar_gap: str | None = None


class DeadlinesPublic(BaseModel):
    data: list[DeadlinePublic]
    count: int
    calendar: str = Field(description="the rest-day data the deadlines were counted with")


@router.get("/{matter_id}/deadlines", response_model=DeadlinesPublic)
async def list_deadlines(matter_id: MatterId, key: CurrentKey, row: VisibleMatter, session: SessionDep,
                         temporal: TemporalDep) -> DeadlinesPublic:
    """Every running legal deadline of the matter with its rule and what started it.

    The limitation period (3 years, Civil Code art. 188, from the day the loan fell overdue),
    started again by what the record shows interrupted it (art. 195): payments, promises to pay (and
    contacts in which the borrower promised), signed agreements, a served acceleration notice. It stops
    running once the debt is discharged (closed paid, cured, settled or withdrawn); a written-off
    matter's still runs. The workflow states it for the matters it tracks it for; older ones are
    computed here from the projection. Then each guarantor's guarantee period (Civil Code art. 692, from
    the main debt's due date: maturity, or a served acceleration; what must be done within it by the
    guarantee's type, art. 693) while it runs, for matters that track them; each court measure on an asset
    while it holds (art. 485 of the SPC Interpretation of the Civil Procedure Law). Then each open proceeding's:
    its appeal window while it runs, then the performance period and the enforcement window (CPL art.
    250) once its decision is effective."""
    status_ = status_of(row) if row is not None else None
    if status_ is None:
        exists, snap = await live_snapshot(temporal, matter_id)
        status_ = snap.status if snap is not None else None
    if status_ is None:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            detail=f"matter {matter_id} was opened before workflow v2 and has not migrated yet: "
                                   "its deadlines cannot be stated")
    rest = china()
    data: list[DeadlinePublic] = []
    if status_.limitation is not None:  # the workflow tracks it (matters opened since it does)
        data.append(DeadlinePublic(**status_.limitation.model_dump(), moved=status_.limitation.moved))
    elif not (status_.stage == "closed" and status_.closure_reason in ("paid", "cured", "settled", "withdrawn")):
        # Matters opened before the workflow tracked it: from the projection's record.
        promises = [(p.promise_id, p.created_at)
                    for p in await queries.list_promises(session, matter_id, firm=key.firm_scope)]
        payments = [(p.payment_id, p.received_on)
                    for p in await queries.list_payments(session, matter_id, firm=key.firm_scope)]
        await session.commit()
        knew_on = status_.overdue.overdue_since
        d = limitation(knew_on, limitation_interruptions(status_, payments, promises), rest)
        data.append(DeadlinePublic(**d.model_dump(), moved=d.moved))
    today = status_.policy_today(_now())  # (the status is as of the workflow's last task)
    for d in status_.guarantees or ():  # each guarantor's guarantee period still running (matters that track them)
        if d.last_day >= today:
            data.append(DeadlinePublic(**d.model_dump(), moved=d.moved))
    for view in status_.assets or ():  # each court measure holding on an asset
        record = AssetRecord(number=view.number, asset=Asset(kind=view.kind, description=view.description),  # type: ignore[arg-type]
                             events=view.events)
        measure = record.measure_deadline(today)
        if measure is not None and view.lift_applied_on is not None:  # closed: the lift is applied for, not renewal
            measure = measure.model_copy(update={"rule": f"its lift was applied for on {view.lift_applied_on} (the "
                                                         "matter closed): it holds until the court releases it, at "
                                                         "the latest to this day; record the release"})
        if measure is not None:
            data.append(DeadlinePublic(**measure.model_dump(), moved=measure.moved))
    for proceeding in status_.proceedings or ():
        if proceeding.status in ("closed", "starting"):
            continue
        if key.role == "partner" and proceeding.firm != key.firm:
            continue
        try:
            snap = await temporal.get_workflow_handle(proceeding.workflow_id).query(
                QUERY_PROCEEDING, result_type=ProceedingSnapshot)
        except RPCError:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                                detail=f"proceeding {proceeding.number} cannot be read now; retry") from None
        for d in snap.deadlines:
            what = f"proceeding {proceeding.number}" + (f" ({snap.proceeding.filed.case_number})"
                                                         if snap.proceeding.filed else "")
            data.append(DeadlinePublic(**{**d.model_dump(), "name": f"{d.name}: {what}"}, moved=d.moved))
    return DeadlinesPublic(data=data, count=len(data), calendar=rest.source)
