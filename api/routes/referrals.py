"""Referrals: the law firm's answer (accept or decline, checked by the referral child workflow),
a manager's recall (the firm loses the matter at once), and the firms' inbox (`GET /referrals`, a
partner's firm only).
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from temporalio.client import Client

from api.deps import (
    AuthorisedRoute,
    CurrentKey,
    ManagerKey,
    PartnerKey,
    Principal,
    ProjectedMatter,
    SessionDep,
    TemporalDep,
)
from api.mapping import status_of
from api.routes.commands import COMMAND_RESPONSES, created_or_replayed
from api.routes.matters import MAX_LIMIT, IdempotencyKey, MatterId
from api.schemas import (
    LawyersLetterCreate,
    LawyersLetterPublic,
    MatterLinks,
    RecallCreate,
    RecallPublic,
    ReferralAcceptCreate,
    ReferralAnswerPublic,
    ReferralDeclineCreate,
    ReferralListItem,
    ReferralsPublic,
)
from api.workflow import MatterGone, answer_command, execute_command, live_snapshot
from domain.money import Money
from domain.status import ReferralView
from store import projection, queries
from store.db import write_session
from store.models import Matter
from store.records import ProjectionUpdate, StatusRecord
from workflows.contracts import (
    UPDATE_LAWYERS_LETTER,
    UPDATE_RECALL_REFERRAL,
    UPDATE_REFERRAL_ANSWER,
    LawyersLetterCommand,
    LawyersLetterResult,
    RecallCommand,
    RecallResult,
    ReferralAnswerCommand,
    ReferralAnswerResult,
)

log = logging.getLogger(__name__)

router = APIRouter(prefix="/matters", tags=["matters"], route_class=AuthorisedRoute)


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
    created_or_replayed(response, result.duplicate)
    return ReferralAnswerPublic(**result.model_dump())


_ANSWER_RESPONSES: dict[int | str, dict[str, object]] = {
    **COMMAND_RESPONSES,
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


@router.post("/{matter_id}/referral/recall", response_model=RecallPublic, status_code=201,
             responses={**COMMAND_RESPONSES,
                        409: {"description": "the matter is not referred to a firm (or is closed), or the referral "
                                            "is still being instructed"}})
async def recall_referral(
    matter_id: MatterId, body: RecallCreate, key: ManagerKey, row: ProjectedMatter, request: Request,
    temporal: TemporalDep, response: Response, idempotency_key: IdempotencyKey = None,
) -> RecallPublic:
    """A manager takes the matter back from the firm it is referred to.

    The firm loses it at once: from this response on, its partners get 404 for the matter and
    everything under it. Its referral is cancelled and the matter returns to legal review, where
    the manager may refer it to another firm (which gets the full instruction). The history
    records the recall with who did it and why.
    """
    recall_id = idempotency_key or str(uuid.uuid4())
    cmd = RecallCommand(recall_id=recall_id, reason=body.reason, actor=key.actor)
    result = await answer_command(temporal, response, matter_id, UPDATE_RECALL_REFERRAL, cmd, command_id=recall_id,
                                  result_type=RecallResult)
    if result.status is not None and result.seq is not None:
        # Write the status through (seq-guarded: an older write still in flight cannot undo it).
        async with write_session(request.app.state.sessionmaker) as session:
            await projection.apply_in(session, ProjectionUpdate(status=StatusRecord(seq=result.seq,
                                                                                    status=result.status)))
    return RecallPublic(recall_id=result.recall_id, duplicate=result.duplicate, number=result.number,
                        firm=result.firm, stage=result.stage)


@router.post("/{matter_id}/referral/lawyers-letter", response_model=LawyersLetterPublic, status_code=201,
             responses={**_ANSWER_RESPONSES,
                        403: {"description": "only a partner of the firm the matter is referred to may order it"},
                        409: {"description": "the firm has not accepted the referral, already sent its letter, the "
                                            "matter is on hold or closed"}})
async def order_lawyers_letter(
    matter_id: MatterId, body: LawyersLetterCreate, key: PartnerKey, row: ProjectedMatter, temporal: TemporalDep,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> LawyersLetterPublic:
    """The firm's lawyer's letter (律师函) to the borrower, on the firm's letterhead, signed by the lawyer
    named, with its own time to pay (`respond_within_days` from its date; the history records when it
    ends). The debt is stated as the record has it on the letter's date; the creditor's earlier demands
    by the days they were sent. Its delivery, recorded like any letter's, interrupts the limitation."""
    letter_id = idempotency_key or str(uuid.uuid4())
    cmd = LawyersLetterCommand(letter_id=letter_id, firm=key.firm or "", lawyer_name=body.lawyer_name,
                               licence_number=body.licence_number, respond_within_days=body.respond_within_days,
                               actor=key.actor)
    result = await answer_command(temporal, response, matter_id, UPDATE_LAWYERS_LETTER, cmd, command_id=letter_id,
                                  result_type=LawyersLetterResult)
    return LawyersLetterPublic(**result.model_dump())


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
            firm_name=ref.firm_name if ref else None,
            status=row.referral_status or "", number=ref.number if ref else None, since=ref.since if ref else None,
            answer_by=ref.answer_by if ref else None,
            outstanding=Money(amount=row.outstanding, currency=row.currency),
            links=MatterLinks.for_matter(row.id),
        ))
    return ReferralsPublic(data=items, count=count)
