"""Matters: intake, lists, detail, commands (payments, promises, legal review), documents, history.

Roles: `legal_team` and `manager` take matters in and record payments and promises; only a
`manager` decides a legal review; a `partner` reads the matters referred to its firm (and
nothing else: any other matter is a 404, exactly like an unknown one).
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import pydantic_core
from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.deps import (
    AuthorisedRoute,
    CurrentKey,
    ManagerKey,
    PartnerKey,
    Principal,
    ProjectedMatter,
    SessionDep,
    SettingsDep,
    StaffKey,
    TemporalDep,
)
from api.history import CURSOR_MAX_CHARS, HistoryNotFound, InvalidCursor, cursor_key, history_page
from api.mapping import list_item, matter_public, public_from_status, row_fields, status_of
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
    ReferralAcceptCreate,
    ReferralAnswerPublic,
    ReferralDeclineCreate,
    ReferralListItem,
    ReferralsPublic,
    RetryCreate,
    RetryPublic,
    field_error,
)
from api.workflow import MatterGone, closed, execute_command, live_snapshot, not_found, workflow_state
from domain.allocation import Allocation, Balance
from domain.dates import days_past_due
from domain.matter import MatterIntake, Stage
from domain.money import Money
from domain.status import ReferralView
from store import queries
from store.models import Document, Matter
from store.policies import UnknownPolicy, get_policy
from workers.client import open_matter
from workflows.contracts import (
    UPDATE_DECISION,
    UPDATE_PAYMENT,
    UPDATE_PROMISE,
    UPDATE_REFERRAL_ANSWER,
    UPDATE_RETRY,
    DecisionCommand,
    DecisionResult,
    MatterSnapshot,
    PaymentCommand,
    PaymentResult,
    PromiseCommand,
    PromiseResult,
    ReferralAnswerCommand,
    ReferralAnswerResult,
    RetryCommand,
    RetryResult,
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


def _detail(row: Matter | None, snap: MatterSnapshot | None, matter_id: str, now: datetime) -> MatterDetailPublic:
    """The projection, overridden by the live snapshot where it answers (the workflow is the truth)."""
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
    stage: Stage | None = None,
    min_days_past_due: Annotated[int | None, Query(ge=0, le=queries.MAX_DAYS_PAST_DUE)] = None,
    max_days_past_due: Annotated[int | None, Query(ge=0, le=queries.MAX_DAYS_PAST_DUE)] = None,
    needs_attention: Annotated[
        bool | None, Query(description="true: only matters waiting on a failed step; false: only the others")
    ] = None,
    referral_status: Literal["instructing", "instructed", "accepted"] | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    cursor: Annotated[
        str | None,
        Query(min_length=1, max_length=400, pattern=r"^[A-Za-z0-9_-]+$",
              description="`next_cursor` of the previous page: the next page, read from an index however deep"),
    ] = None,
) -> Response:
    """Matters, newest first. Partners see only the matters referred to their firm.

    Days past due are computed at the time of the request (in each borrower's time zone, or on
    the policy's compressed calendar), so `min_days_past_due`/`max_days_past_due` filter exactly.
    Page with `cursor` (each page's `next_cursor`); `offset` still works but reads what it skips.
    `count` is exact up to 10,000; beyond, it is 10,000 and `count_capped` is true.
    """
    now = _now()
    after = _decode_list_cursor(cursor) if cursor else None
    rows, count = await queries.list_matters(
        session, stage=stage, min_days_past_due=min_days_past_due, max_days_past_due=max_days_past_due,
        needs_attention=needs_attention, referral_status=referral_status, firm=key.firm_scope, now=now,
        limit=limit + 1, offset=offset, after=after, count_limit=COUNT_LIMIT,
    )  # one more than asked: whether a next page exists
    rows, more = rows[:limit], len(rows) > limit
    next_cursor = _encode_list_cursor(rows[-1]) if more else None
    # Written directly (`MattersPublic` is the documented shape; `api.mapping.list_item` says why).
    page = {"data": [list_item(r, now) for r in rows], "count": min(count, COUNT_LIMIT),
            "count_capped": count > COUNT_LIMIT, "next_cursor": next_cursor}
    return Response(pydantic_core.to_json(page), media_type="application/json")


COUNT_LIMIT = 10_000


def _encode_list_cursor(row: Matter) -> str:
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
) -> MatterDetailPublic:
    """One matter: from the projection, or (`live=true`, or before the projection has it) merged with the
    workflow's live snapshot; `source` says which answered."""
    if row is not None and not live:
        return _detail(row, None, matter_id, _now())
    exists, snap = await live_snapshot(temporal, matter_id)
    if row is None and snap is None:
        if exists is False:
            raise not_found(matter_id)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"matter {matter_id} exists but cannot be read yet; retry"
        )
    return _detail(row, snap, matter_id, _now())


@router.get("/{matter_id}/documents", response_model=DocumentsPublic)
async def list_documents(
    matter_id: MatterId, key: CurrentKey, _: VisibleMatter, session: SessionDep
) -> DocumentsPublic:
    """The matter's stored documents, oldest first, each with its SHA-256 and content URL."""
    rows = await queries.list_documents(session, matter_id, firm=key.firm_scope)
    return DocumentsPublic(data=[document_public(r) for r in rows], count=len(rows))


@router.get(
    "/{matter_id}/history",
    response_model=HistoryPublic,
    responses={422: {"description": "invalid query; a `cursor` that is malformed, altered or not from this "
                                    "matter's history is named in `detail[].loc`"}},
)
async def get_history(
    matter_id: MatterId,
    _: VisibleMatter,
    temporal: TemporalDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="entries in the page")] = 100,
    offset: Annotated[
        int, Query(ge=0, le=1_000_000_000, description="entries to skip first (from the cursor, or the start)")
    ] = 0,
    cursor: Annotated[
        str | None,
        Query(min_length=1, max_length=CURSOR_MAX_CHARS, pattern=r"^[A-Za-z0-9_-]+$",
              description="`next_cursor` of the previous page: resume exactly where it ended"),
    ] = None,
) -> HistoryPublic:
    """The matter's workflow history (every run), oldest first, in plain words: when, what, who.

    Paged: a request reads and decodes only the events of the page it returns. Follow `next_cursor`
    (null at the end); `offset` still works (it skips entries without decoding them).
    """
    key = cursor_key(settings.encryption_key_bytes())
    try:
        entries, next_cursor, runs = await history_page(
            temporal, workflow_id(matter_id), key=key, limit=limit, offset=offset, cursor=cursor
        )
    except InvalidCursor as exc:
        raise RequestValidationError([field_error(("query", "cursor"), str(exc), "invalid_cursor")]) from None
    except HistoryNotFound:
        raise not_found(matter_id) from None
    return HistoryPublic(data=entries, count=len(entries), runs=runs, next_cursor=next_cursor)


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
    elif kind == "retry":
        found = await queries.has_event(session, matter_id, f"retry-{command_id}")
    else:
        found = await queries.has_event(session, matter_id, f"decision-{command_id}")
    await session.commit()
    return found


_COMMAND_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "the same id was already applied: the original outcome, nothing changed"},
    404: {"description": "no such matter"},
    409: {"description": "the matter is closed, the command is not allowed in its current stage, or its id "
                        "(payment_id, Idempotency-Key) was already used with a different body"},
    422: {"description": "invalid command; `detail[].loc` names the field"},
    504: {"description": "Temporal did not confirm the command in time; retry with the same id"},
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
            temporal, matter_id, UPDATE_PAYMENT, cmd, update_id=_update_id("payment", body.payment_id),
            result_type=PaymentResult
        )
    except MatterGone:
        # The matter closed (e.g. paid in full by this very payment): a replay is answered
        # from the projection's record of it; a new payment is refused.
        replay_result = await _recorded_payment(session, matter_id, body)
        if replay_result is None:
            raise closed(matter_id) from None
        result = replay_result
    duplicate = result.duplicate or replay
    _created_or_replayed(response, duplicate)
    return PaymentPublic(**{**result.model_dump(), "duplicate": duplicate})


def _update_id(kind: str, command_id: str) -> str:
    """A fresh Temporal update id for each request: the workflow alone decides what is a repeat.

    With the command id as the update id, Temporal would hand every concurrent first request the
    same outcome ("created"), and a repeat with a different body would get the first one's result.
    """
    return f"{kind}-{command_id}-{uuid.uuid4().hex[:12]}"


async def _recorded_payment(session: AsyncSession, matter_id: str, body: PaymentCreate) -> PaymentResult | None:
    payment_id = body.payment_id
    row = await queries.get_matter(session, matter_id)
    if row is None:
        return None
    payment = await queries.get_payment(session, matter_id, payment_id)
    if payment is None:
        return None
    if (payment.amount, payment.currency, payment.received_on) != (
        body.amount.amount, body.amount.currency, body.received_on
    ):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"payment_id: {payment_id!r} was already used for a different command; "
            "send the same body to repeat it, or use a new id",
        )
    return PaymentResult(
        payment_id=payment_id,
        duplicate=True,
        allocation=Allocation.model_validate(payment.allocation),
        outstanding=Money(amount=row.outstanding, currency=row.currency),
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
            temporal, matter_id, UPDATE_PROMISE, cmd, update_id=_update_id("promise", promise_id),
            result_type=PromiseResult
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
            temporal, matter_id, UPDATE_DECISION, cmd, update_id=_update_id("decision", decision_id),
            result_type=DecisionResult
        )
    except MatterGone:
        raise closed(matter_id) from None
    duplicate = result.duplicate or replay
    _created_or_replayed(response, duplicate)
    return DecisionPublic(**{**result.model_dump(), "duplicate": duplicate})



@router.post(
    "/{matter_id}/attention/retry", response_model=RetryPublic, status_code=201,
    responses={**_COMMAND_RESPONSES, 409: {"description": "the matter is closed or is not waiting on a failed step"}},
)
async def retry_attention(
    matter_id: MatterId, body: RetryCreate, key: ManagerKey, session: SessionDep, temporal: TemporalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> RetryPublic:
    """A manager retries the side effect a matter in `needs_attention` waits on, once its cause is fixed."""
    retry_id = idempotency_key or str(uuid.uuid4())
    cmd = RetryCommand(retry_id=retry_id, note=body.note, actor=key.actor)
    replay = idempotency_key is not None and await _recorded_before(session, matter_id, "retry", retry_id)
    try:
        result = await execute_command(
            temporal, matter_id, UPDATE_RETRY, cmd, update_id=_update_id("retry", retry_id),
            result_type=RetryResult
        )
    except MatterGone:
        raise closed(matter_id) from None
    duplicate = result.duplicate or replay
    _created_or_replayed(response, duplicate)
    return RetryPublic(**{**result.model_dump(), "duplicate": duplicate})


# ---------------------------------------------------------------- referral (the law firm's answer)
async def _open_referral(temporal: Client, row: Matter | None, matter_id: str) -> ReferralView:
    """The referral awaiting the firm's answer (from the live workflow, else the projection); 409 if none."""
    _, snap = await live_snapshot(temporal, matter_id)
    status_now = snap.status if snap is not None else (status_of(row) if row is not None else None)
    referral = status_now.referral if status_now is not None else None
    if referral is None:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"matter {matter_id} has no referral to answer")
    if referral.status == "instructing":
        raise HTTPException(status.HTTP_409_CONFLICT,
                            detail=f"the referral of matter {matter_id} is being instructed; retry in a moment")
    return referral


async def _answer_referral(
    matter_id: str, row: Matter | None, key: Principal, temporal: TemporalDep, response: Response,
    answer: str, reason: str, idempotency_key: str | None,
) -> ReferralAnswerPublic:
    referral = await _open_referral(temporal, row, matter_id)
    answer_id = idempotency_key or str(uuid.uuid4())
    cmd = ReferralAnswerCommand(answer_id=answer_id, answer=answer, firm=key.firm or "", reason=reason,  # type: ignore[arg-type]
                                actor=key.actor)
    try:
        # A fresh update id: the child recognises a repeated `answer_id` itself and says so
        # (`duplicate`), where Temporal would hand back the first outcome verbatim.
        result = await execute_command(
            temporal, matter_id, UPDATE_REFERRAL_ANSWER, cmd, update_id=f"answer-{answer_id}-{uuid.uuid4().hex[:8]}",
            result_type=ReferralAnswerResult, target=referral.workflow_id,
        )
    except MatterGone:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            detail=f"referral {referral.number} of matter {matter_id} is no longer open") from None
    _created_or_replayed(response, result.duplicate)
    return ReferralAnswerPublic(**result.model_dump())


_ANSWER_RESPONSES: dict[int | str, dict[str, object]] = {
    **_COMMAND_RESPONSES,
    403: {"description": "only a partner of the firm the matter is referred to may answer"},
    404: {"description": "no such matter, or not referred to the caller's firm"},
    409: {"description": "no referral awaiting an answer (already answered, lapsed, or still being instructed)"},
}


@router.post("/{matter_id}/referral/accept", response_model=ReferralAnswerPublic, status_code=201,
             responses=_ANSWER_RESPONSES)
async def accept_referral(
    matter_id: MatterId, body: ReferralAcceptCreate, key: PartnerKey, row: ProjectedMatter, temporal: TemporalDep,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> ReferralAnswerPublic:
    """A partner of the firm accepts the referral (within the policy's time to answer)."""
    return await _answer_referral(matter_id, row, key, temporal, response, "accept", body.note, idempotency_key)


@router.post("/{matter_id}/referral/decline", response_model=ReferralAnswerPublic, status_code=201,
             responses=_ANSWER_RESPONSES)
async def decline_referral(
    matter_id: MatterId, body: ReferralDeclineCreate, key: PartnerKey, row: ProjectedMatter, temporal: TemporalDep,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> ReferralAnswerPublic:
    """A partner of the firm declines the referral, with a reason: the matter goes back to the manager."""
    return await _answer_referral(matter_id, row, key, temporal, response, "decline", body.reason, idempotency_key)


referrals_router = APIRouter(prefix="/referrals", tags=["referrals"], route_class=AuthorisedRoute)


@referrals_router.get("", response_model=ReferralsPublic)
async def list_referrals(
    key: CurrentKey,
    session: SessionDep,
    status_filter: Annotated[
        Literal["instructing", "instructed", "accepted"] | None, Query(alias="status")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> ReferralsPublic:
    """Referrals held by law firms: a partner's inbox (its firm's only); staff see every firm's.

    `status=instructed`: awaiting the firm's answer (accept or decline by `answer_by`).
    """
    rows, count = await queries.list_matters(
        session, referral_status=status_filter, with_referral=True, firm=key.firm_scope, limit=limit, offset=offset
    )
    items = []
    for row in rows:
        st = status_of(row)
        ref = st.referral if st is not None else None
        items.append(ReferralListItem(
            matter_id=row.id, external_ref=row.external_ref, firm=row.referred_firm or "",
            status=row.referral_status or "", number=ref.number if ref else None, since=ref.since if ref else None,
            answer_by=ref.answer_by if ref else None,
            outstanding=Money(amount=row.outstanding, currency=row.currency),
            links=MatterLinks.for_matter(row.id),
        ))
    return ReferralsPublic(data=items, count=count)
