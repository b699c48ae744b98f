"""Matters: intake, lists, detail, commands (payments, promises, legal review), documents, history.

Roles: `legal_team` and `manager` take matters in and record payments and promises; only a
`manager` decides a legal review; a `partner` reads the matters referred to its firm (and
nothing else: any other matter is a 404, exactly like an unknown one).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.deps import (
    AuthorisedRoute,
    CurrentKey,
    ManagerKey,
    Principal,
    SessionDep,
    SettingsDep,
    StaffKey,
    TemporalDep,
)
from api.history import HistoryNotFound, matter_history
from api.schemas import (
    DecisionCreate,
    DecisionPublic,
    DocumentPublic,
    DocumentsPublic,
    HistoryPublic,
    MatterCreate,
    MatterDetailPublic,
    MatterLinks,
    MatterPublic,
    MattersPublic,
    PaymentCreate,
    PaymentPublic,
    PromiseCreate,
    PromisePublic,
    PromiseStatePublic,
    field_error,
)
from api.workflow import MatterGone, closed, execute_command, live_snapshot, not_found, workflow_state
from domain.allocation import Allocation, Balance
from domain.dates import days_past_due
from domain.matter import MatterIntake, Stage
from domain.money import Money
from store import queries
from store.models import Document, Matter
from store.policies import UnknownPolicy, get_policy
from workers.client import open_matter
from workflows.contracts import (
    UPDATE_DECISION,
    UPDATE_PAYMENT,
    UPDATE_PROMISE,
    DecisionCommand,
    DecisionResult,
    MatterSnapshot,
    PaymentCommand,
    PaymentResult,
    PromiseCommand,
    PromiseResult,
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
def _money(amount: object, currency: str) -> Money:
    return Money(amount=amount, currency=currency)  # type: ignore[arg-type]


def matter_public(row: Matter) -> MatterPublic:
    c = row.currency
    return MatterPublic(
        id=row.id,
        external_ref=row.external_ref,
        workflow_id=row.workflow_id,
        stage=row.stage,  # type: ignore[arg-type]
        closure_reason=row.closure_reason,
        policy=row.policy_name,
        policy_version=row.policy_version,
        outstanding=_money(row.outstanding, c),
        balance=Balance(
            costs=_money(row.costs, c),
            fees=_money(row.fees, c),
            penalty=_money(row.penalty, c),
            interest=_money(row.interest, c),
            principal=_money(row.principal, c),
        ),
        paid_total=_money(row.paid_total, c),
        days_past_due=row.days_past_due,
        overdue_since=row.overdue_since,
        risk_grade=row.risk_grade,
        risk_score=row.risk_score,
        next_step=row.next_step,
        next_step_at=row.next_step_at,
        negotiation_ends_on=row.negotiation_ends_on,
        referred_firm=row.referred_firm,
        created_at=row.created_at,
        updated_at=row.updated_at,
        links=MatterLinks.for_matter(row.id),
    )


def _detail(row: Matter | None, snap: MatterSnapshot | None, matter_id: str) -> MatterDetailPublic:
    """The projection, overridden by the live snapshot where it answers (the workflow is the truth)."""
    base: dict[str, object]
    if row is not None:
        base = matter_public(row).model_dump()
    else:
        assert snap is not None
        base = {"id": matter_id, "external_ref": None, "workflow_id": workflow_id(matter_id),
                "links": MatterLinks.for_matter(matter_id)}  # fmt: skip
    if snap is None:
        return MatterDetailPublic(**base, source="projection")  # type: ignore[arg-type]
    base.update(
        stage=snap.stage,
        closure_reason=snap.closure_reason,
        policy=snap.policy,
        policy_version=snap.policy_version,
        outstanding=snap.outstanding,
        balance=snap.balance,
        paid_total=snap.paid_total,
        days_past_due=snap.days_past_due,
        risk_grade=snap.risk.grade if snap.risk else None,
        risk_score=snap.risk.score if snap.risk else None,
        next_step=snap.next_step.name if snap.next_step else None,
        next_step_at=snap.next_step.at if snap.next_step else None,
        negotiation_ends_on=snap.negotiation_ends_on,
    )
    return MatterDetailPublic(
        **base,  # type: ignore[arg-type]
        source="workflow",
        policy_today=snap.policy_today,
        next=snap.next_step,
        payments_count=snap.payments,
        documents_count=len(snap.documents),
        promises=[
            PromiseStatePublic(
                promise_id=p.promise_id,
                amount=p.amount,
                due_on=p.due_on,
                deadline=p.deadline,
                status=p.status,
                actor=p.actor,
                created_at=p.created_at,
                resolved_at=p.resolved_at,
            )
            for p in snap.promises
        ],
    )


def _from_intake(matter_id: str, intake: MatterIntake, policy_version: int, now: datetime) -> MatterPublic:
    """A just-opened matter, before the workflow has written anything: what the intake says."""
    balance = Balance.from_overdue(intake.overdue)
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
        days_past_due=days_past_due(intake.overdue.since, now.date()),
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
        policy = get_policy(body.policy)
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
        return matter_public(row)
    _, snap = await live_snapshot(temporal, matter_id)
    if snap is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"matter {matter_id} exists for this external_ref but its state cannot be read yet; retry",
        )
    found = _detail(None, snap, matter_id).model_dump(include=set(MatterPublic.model_fields))
    return MatterPublic(**{**found, "external_ref": intake.external_ref})


# ------------------------------------------------------------------ reads
@router.get("", response_model=MattersPublic)
async def list_matters(
    key: CurrentKey,
    session: SessionDep,
    stage: Stage | None = None,
    min_days_past_due: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> MattersPublic:
    """Matters, newest first. Partners see only the matters referred to their firm."""
    rows, count = await queries.list_matters(
        session, stage=stage, min_days_past_due=min_days_past_due, firm=key.firm_scope, limit=limit, offset=offset
    )
    return MattersPublic(data=[matter_public(r) for r in rows], count=count)


@router.get("/{matter_id}", response_model=MatterDetailPublic)
async def get_matter(matter_id: MatterId, row: VisibleMatter, temporal: TemporalDep) -> MatterDetailPublic:
    """One matter: the projection merged with the workflow's live snapshot (`source` says which answered)."""
    exists, snap = await live_snapshot(temporal, matter_id)
    if row is None and snap is None:
        if exists is False:
            raise not_found(matter_id)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"matter {matter_id} exists but cannot be read yet; retry"
        )
    return _detail(row, snap, matter_id)


@router.get("/{matter_id}/documents", response_model=DocumentsPublic)
async def list_documents(
    matter_id: MatterId, key: CurrentKey, _: VisibleMatter, session: SessionDep
) -> DocumentsPublic:
    """The matter's stored documents, oldest first, each with its SHA-256 and content URL."""
    rows = await queries.list_documents(session, matter_id, firm=key.firm_scope)
    return DocumentsPublic(data=[document_public(r) for r in rows], count=len(rows))


@router.get("/{matter_id}/history", response_model=HistoryPublic)
async def get_history(
    matter_id: MatterId,
    _: VisibleMatter,
    temporal: TemporalDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HistoryPublic:
    """The matter's full workflow history (every run) in plain words: when, what, who."""
    try:
        entries, runs = await matter_history(temporal, workflow_id(matter_id))
    except HistoryNotFound:
        raise not_found(matter_id) from None
    return HistoryPublic(data=entries[offset : offset + limit], count=len(entries), runs=runs)


# --------------------------------------------------------------- commands
def _created_or_replayed(response: Response, duplicate: bool) -> None:
    response.status_code = status.HTTP_200_OK if duplicate else status.HTTP_201_CREATED


async def _recorded_before(session: AsyncSession, matter_id: str, kind: str, command_id: str) -> bool:
    """Was this command already recorded (in the projection) before this request?

    Temporal deduplicates by update id and answers a replay with the first outcome verbatim
    (`duplicate: false`), so the workflow's own flag only catches replays it sees itself. A
    replay is therefore also recognised by the projection's record of the first attempt. (A
    replay that races the first attempt's projection write is answered 201 with the same
    outcome: nothing is ever applied twice either way.)
    """
    if kind == "payment":
        found = await queries.get_payment(session, matter_id, command_id) is not None
    elif kind == "promise":
        found = await queries.has_promise(session, matter_id, command_id)
    else:
        found = await queries.has_event(session, matter_id, f"decision-{command_id}")
    await session.commit()
    return found


_COMMAND_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "the same id was already applied: the original outcome, nothing changed"},
    404: {"description": "no such matter"},
    409: {"description": "the matter is closed, or the command is not allowed in its current stage"},
    422: {"description": "invalid command; `detail[].loc` names the field"},
}


@router.post("/{matter_id}/payments", response_model=PaymentPublic, status_code=201, responses=_COMMAND_RESPONSES)
async def record_payment(
    matter_id: MatterId, body: PaymentCreate, key: StaffKey, session: SessionDep, temporal: TemporalDep,
    response: Response,
) -> PaymentPublic:
    """Record a payment; it is allocated costs -> fees -> penalty -> interest -> principal.

    201 for a new payment, 200 (with `duplicate: true` and the original allocation) when this
    `payment_id` was already recorded.
    """
    cmd = PaymentCommand(payment_id=body.payment_id, amount=body.amount, received_on=body.received_on, actor=key.actor)
    replay = await _recorded_before(session, matter_id, "payment", body.payment_id)
    try:
        result = await execute_command(
            temporal, matter_id, UPDATE_PAYMENT, cmd, update_id=f"payment-{body.payment_id}", result_type=PaymentResult
        )
    except MatterGone:
        # The matter closed (e.g. paid in full by this very payment): a replay is answered
        # from the projection's record of it; a new payment is refused.
        replay_result = await _recorded_payment(session, matter_id, body.payment_id)
        if replay_result is None:
            raise closed(matter_id) from None
        result = replay_result
    duplicate = result.duplicate or replay
    _created_or_replayed(response, duplicate)
    return PaymentPublic(**{**result.model_dump(), "duplicate": duplicate})


async def _recorded_payment(session: AsyncSession, matter_id: str, payment_id: str) -> PaymentResult | None:
    row = await queries.get_matter(session, matter_id)
    if row is None:
        return None
    payment = await queries.get_payment(session, matter_id, payment_id)
    if payment is None:
        return None
    return PaymentResult(
        payment_id=payment_id,
        duplicate=True,
        allocation=Allocation.model_validate(payment.allocation),
        outstanding=_money(row.outstanding, row.currency),
        stage=row.stage,
        closed=row.stage == "closed",
    )


@router.post("/{matter_id}/promises", response_model=PromisePublic, status_code=201, responses=_COMMAND_RESPONSES)
async def record_promise(
    matter_id: MatterId, body: PromiseCreate, key: StaffKey, session: SessionDep, temporal: TemporalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> PromisePublic:
    """Record a promise to pay (reminders pause until it falls due). `Idempotency-Key` = promise id."""
    promise_id = idempotency_key or str(uuid.uuid4())
    cmd = PromiseCommand(promise_id=promise_id, amount=body.amount, due_on=body.due_on, note=body.note, actor=key.actor)
    replay = idempotency_key is not None and await _recorded_before(session, matter_id, "promise", promise_id)
    try:
        result = await execute_command(
            temporal, matter_id, UPDATE_PROMISE, cmd, update_id=f"promise-{promise_id}", result_type=PromiseResult
        )
    except MatterGone:
        raise closed(matter_id) from None
    duplicate = result.duplicate or replay
    _created_or_replayed(response, duplicate)
    return PromisePublic(**{**result.model_dump(), "duplicate": duplicate})


@router.post(
    "/{matter_id}/legal-review", response_model=DecisionPublic, status_code=201, responses=_COMMAND_RESPONSES
)
async def decide_legal_review(
    matter_id: MatterId, body: DecisionCreate, key: ManagerKey, session: SessionDep, temporal: TemporalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> DecisionPublic:
    """A manager's decision on a matter in `legal_review`: escalate (-> referral) or extend negotiation."""
    decision_id = idempotency_key or str(uuid.uuid4())
    cmd = DecisionCommand(
        decision_id=decision_id, decision=body.decision, new_end_on=body.new_end_on, firm=body.firm,
        reason=body.reason, actor=key.actor,
    )  # fmt: skip
    replay = idempotency_key is not None and await _recorded_before(session, matter_id, "decision", decision_id)
    try:
        result = await execute_command(
            temporal, matter_id, UPDATE_DECISION, cmd, update_id=f"decision-{decision_id}", result_type=DecisionResult
        )
    except MatterGone:
        raise closed(matter_id) from None
    duplicate = result.duplicate or replay
    _created_or_replayed(response, duplicate)
    return DecisionPublic(**{**result.model_dump(), "duplicate": duplicate})

