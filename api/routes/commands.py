"""Commands to a matter's workflow: payments, promises, a manager's legal-review decision, retries.

Each is a Temporal update through one helper (`_run_command`): a fresh update id per request, a
replay recognised by the workflow or by the projection, 201 for a new command and 200 for a repeat.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import APIRouter, HTTPException, Path, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.deps import (
    AuthorisedRoute,
    ManagerKey,
    SessionDep,
    StaffKey,
    TemporalDep,
)
from api.routes.matters import IdempotencyKey, MatterId
from api.schemas import (
    DecisionCreate,
    DecisionPublic,
    PaymentCreate,
    PaymentPublic,
    PromiseCreate,
    PromisePublic,
    RetryCreate,
    RetryPublic,
    ReversalCreate,
    ReversalPublic,
    field_error,
)
from api.workflow import MatterGone, closed, execute_command, not_found, workflow_state
from domain.allocation import Allocation
from domain.money import Money
from store import firms as store_firms
from store import queries
from store.models import Upload
from workflows.contracts import (
    UPDATE_DECISION,
    UPDATE_PAYMENT,
    UPDATE_PROMISE,
    UPDATE_RETRY,
    UPDATE_REVERSAL,
    DecisionCommand,
    DecisionResult,
    PaymentCommand,
    PaymentResult,
    PromiseCommand,
    PromiseResult,
    RetryCommand,
    RetryResult,
    ReversalCommand,
    ReversalResult,
)

log = logging.getLogger(__name__)

router = APIRouter(prefix="/matters", tags=["matters"], route_class=AuthorisedRoute)


# --------------------------------------------------------------- commands
def created_or_replayed(response: Response, duplicate: bool) -> None:
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
    elif kind == "reversal":
        found = await queries.has_event(session, matter_id, f"reversal-{command_id}")
    else:
        found = await queries.has_event(session, matter_id, f"decision-{command_id}")
    await session.commit()
    return found


COMMAND_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "the same id was already applied: the original outcome, nothing changed"},
    404: {"description": "no such matter"},
    409: {"description": "the matter is closed, the command is not allowed in its current stage, or its id "
                        "(payment_id, Idempotency-Key) was already used with a different body"},
    422: {"description": "invalid command; `detail[].loc` names the field"},
    504: {"description": "Temporal did not confirm the command in time; retry with the same id"},
}


class _Outcome(Protocol):
    duplicate: bool

    def model_dump(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=_Outcome)


async def _run_command(
    session: AsyncSession, temporal: Client, response: Response, matter_id: str, *, kind: str, command_id: str,
    update: str, command: BaseModel, result_type: type[R], check_replay: bool = True,
    when_closed: Callable[[], Awaitable[R | None]] | None = None,
) -> dict[str, Any]:
    """One command to a matter's workflow, the same way for every command route.

    A fresh update id per request (`_update_id`); a replay recognised by the workflow or by the
    projection's record of the first attempt (`_recorded_before`, when the caller named its id:
    `check_replay`); a closed matter answered by `when_closed` (e.g. a replayed payment that closed
    it) or refused with 409. Sets 201 or 200 and returns the outcome's fields with `duplicate`.
    """
    replay = check_replay and await _recorded_before(session, matter_id, kind, command_id)
    try:
        result = await execute_command(
            temporal, matter_id, update, command, update_id=_update_id(kind, command_id), result_type=result_type
        )
    except MatterGone:
        answer = await when_closed() if when_closed is not None else None
        if answer is None:
            raise closed(matter_id) from None
        result = answer
    duplicate = result.duplicate or replay
    created_or_replayed(response, duplicate)
    return {**result.model_dump(), "duplicate": duplicate}


async def require_upload(session: AsyncSession, matter_id: str, upload_id: str, hint: str = "") -> None:
    """A 422 naming `upload_id` unless that evidence was uploaded for this matter (the proof a command cites)."""
    upload = await session.scalar(select(Upload).where(Upload.id == upload_id, Upload.matter_id == matter_id))
    await session.commit()
    if upload is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[{
            "type": "value_error", "loc": ["body", "upload_id"],
            "msg": f"no evidence {upload_id!r} was uploaded for this matter{hint}"}])


@router.post("/{matter_id}/payments", response_model=PaymentPublic, status_code=201, responses=COMMAND_RESPONSES)
async def record_payment(
    matter_id: MatterId, body: PaymentCreate, key: StaffKey, session: SessionDep, temporal: TemporalDep,
    response: Response,
) -> PaymentPublic:
    """Record a payment; it is allocated costs -> fees -> penalty -> interest -> principal.

    201 for a new payment, 200 (with `duplicate: true` and the original allocation) when this
    `payment_id` was already recorded.
    """
    cmd = PaymentCommand(payment_id=body.payment_id, amount=body.amount, received_on=body.received_on, actor=key.actor,
                         guarantor=body.guarantor)
    outcome = await _run_command(
        session, temporal, response, matter_id, kind="payment", command_id=body.payment_id, update=UPDATE_PAYMENT,
        command=cmd, result_type=PaymentResult,
        # The matter closed (e.g. paid in full by this very payment): a replay is answered from the
        # projection's record of it; a new payment is refused.
        when_closed=lambda: _recorded_payment(session, matter_id, body),
    )
    return PaymentPublic(**outcome)


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


PaymentId = Annotated[str, Path(min_length=1, max_length=128, description="the payment_id it was recorded with")]


@router.post(
    "/{matter_id}/payments/{payment_id}/reversal", response_model=ReversalPublic, status_code=201,
    responses={**COMMAND_RESPONSES, 409: {"description": "the matter is closed (and its window for reversals has "
                                                          "passed), or the id was used with a different body"}},
)
async def reverse_payment(
    matter_id: MatterId, payment_id: PaymentId, body: ReversalCreate, key: StaffKey, session: SessionDep,
    temporal: TemporalDep, response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ReversalPublic:
    """A payment that did not hold (a bounced transfer): its allocation is undone to the cent, the
    charges it had stopped accrue again from its date, and a matter that had closed on it re-opens
    (within the policy's window after closing). A payment is reversed once: by default the
    reversal's id is the payment's, so sending the same request again is a harmless replay."""
    reversal_id = idempotency_key or payment_id
    cmd = ReversalCommand(reversal_id=reversal_id, payment_id=payment_id, reversed_on=body.reversed_on,
                          reason=body.reason, actor=key.actor)
    return ReversalPublic(**await _run_command(
        session, temporal, response, matter_id, kind="reversal", command_id=reversal_id, update=UPDATE_REVERSAL,
        command=cmd, result_type=ReversalResult,
    ))


@router.post("/{matter_id}/promises", response_model=PromisePublic, status_code=201, responses=COMMAND_RESPONSES)
async def record_promise(
    matter_id: MatterId, body: PromiseCreate, key: StaffKey, session: SessionDep, temporal: TemporalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> PromisePublic:
    """Record a promise to pay (reminders pause until it falls due). `Idempotency-Key` = promise id."""
    promise_id = idempotency_key or str(uuid.uuid4())
    cmd = PromiseCommand(promise_id=promise_id, amount=body.amount, due_on=body.due_on, note=body.note, actor=key.actor)
    return PromisePublic(**await _run_command(
        session, temporal, response, matter_id, kind="promise", command_id=promise_id, update=UPDATE_PROMISE,
        command=cmd, result_type=PromiseResult, check_replay=idempotency_key is not None,
    ))


@router.post(
    "/{matter_id}/legal-review", response_model=DecisionPublic, status_code=201, responses=COMMAND_RESPONSES
)
async def decide_legal_review(
    matter_id: MatterId, body: DecisionCreate, key: ManagerKey, session: SessionDep, temporal: TemporalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> DecisionPublic:
    """A manager's decision on a matter in `legal_review`: escalate (-> referral) or extend negotiation."""
    decision_id = idempotency_key or str(uuid.uuid4())
    details = None
    if body.decision == "escalate" and body.firm is not None:
        firm = await store_firms.get_firm(session, body.firm)
        await session.commit()
        why = (f"no firm with id {body.firm!r} (GET /firms lists the firms)" if firm is None
               else store_firms.not_instructable(firm))
        if why is not None:
            if await workflow_state(temporal, matter_id) is None:
                raise not_found(matter_id)  # an unknown matter is a 404 whatever the body says
            raise RequestValidationError([field_error(("body", "firm"), why)])
        assert firm is not None
        details = store_firms.snapshot(firm)
    cmd = DecisionCommand(
        decision_id=decision_id, decision=body.decision, new_end_on=body.new_end_on, firm=body.firm,
        reason=body.reason, actor=key.actor, firm_details=details, attention=body.attention,
    )  # fmt: skip
    return DecisionPublic(**await _run_command(
        session, temporal, response, matter_id, kind="decision", command_id=decision_id, update=UPDATE_DECISION,
        command=cmd, result_type=DecisionResult, check_replay=idempotency_key is not None,
    ))



@router.post(
    "/{matter_id}/attention/retry", response_model=RetryPublic, status_code=201,
    responses={**COMMAND_RESPONSES, 409: {"description": "the matter is closed or is not waiting on a failed step"}},
)
async def retry_attention(
    matter_id: MatterId, body: RetryCreate, key: ManagerKey, session: SessionDep, temporal: TemporalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> RetryPublic:
    """A manager retries the side effect a matter in `needs_attention` waits on, once its cause is fixed."""
    retry_id = idempotency_key or str(uuid.uuid4())
    cmd = RetryCommand(retry_id=retry_id, note=body.note, actor=key.actor)
    return RetryPublic(**await _run_command(
        session, temporal, response, matter_id, kind="retry", command_id=retry_id, update=UPDATE_RETRY,
        command=cmd, result_type=RetryResult, check_replay=idempotency_key is not None,
    ))
