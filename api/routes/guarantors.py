"""Claims against the guarantors: opened for every guarantor on record (`POST /matters/{id}/guarantor-claims`,
one child workflow each), listed and read (`GET /matters/{id}/guarantor-claims[/{n}]`: where each stands,
its guarantee period, what was recorded), and their events recorded (`POST .../guarantor-claims/{n}/events`:
a demand that reached the guarantor, its refusal, a release by the creditor).

Firm-scoped like the rest: the partners of the firm the matter is referred to, and the staff; a partner of
another firm gets 404. A guarantor is its number on the matter's record: no personal data here.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field
from temporalio.service import RPCError

from api.deps import AuthorisedRoute, CurrentKey, ProjectedMatter, RecorderKey, TemporalDep
from api.mapping import status_of
from api.routes.commands import COMMAND_RESPONSES
from api.routes.matters import IdempotencyKey, MatterId
from api.workflow import answer_command, live_snapshot
from domain.guarantor_claims import ClaimEvent
from domain.money import Money
from domain.text import PlainText
from workflows.contracts import (
    QUERY_GUARANTOR,
    UPDATE_DEMAND_GUARANTOR,
    UPDATE_GUARANTOR_EVENT,
    UPDATE_OPEN_CLAIMS,
    DemandGuarantorCommand,
    DemandGuarantorResult,
    GuarantorClaimSnapshot,
    GuarantorEventCommand,
    GuarantorEventResult,
    OpenClaimsCommand,
    OpenClaimsResult,
    guarantor_workflow_id,
)

router = APIRouter(prefix="/matters", tags=["guarantor claims"], route_class=AuthorisedRoute)

Number = Annotated[int, Path(ge=1, le=99, description="the guarantor's position on the matter's record, from 1")]


class GuarantorEventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event: ClaimEvent = Field(description="one event; `kind` says which: demanded (on, method, upload_id), refused "
                                          "(on, reason), released (on, reason)")


class ClaimsOpenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    note: PlainText = Field(default="", max_length=2000, description="why the claims are opened now (recorded; "
                                                                    "the history says a note was given)")


class DemandLetterCreate(BaseModel):
    """What the record does not hold: the guarantee contract; optionally how much and how soon."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    guarantee_contract_number: PlainText = Field(min_length=1, max_length=128)
    guarantee_signed_on: date
    amount_claimed: Money | None = Field(default=None, description="default: the whole debt, up to the "
                                                                   "guarantor's cap")
    pay_within_days: int = Field(default=10, ge=1, le=60)


class GuarantorClaimsPublic(BaseModel):
    data: list[GuarantorClaimSnapshot]
    count: int


def _not_found(matter_id: str, number: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND,
                         detail=f"no claim against guarantor {number} of matter {matter_id}")


async def _claim(temporal: TemporalDep, matter_id: str, number: int) -> GuarantorClaimSnapshot:
    try:
        return await temporal.get_workflow_handle(guarantor_workflow_id(matter_id, number)).query(
            QUERY_GUARANTOR, result_type=GuarantorClaimSnapshot)
    except RPCError:
        raise _not_found(matter_id, number) from None


@router.post("/{matter_id}/guarantor-claims", response_model=OpenClaimsResult, status_code=201,
             responses={**COMMAND_RESPONSES, 422: {"description": "the matter has no guarantor on record"}})
async def open_claims(matter_id: MatterId, key: RecorderKey, row: ProjectedMatter, temporal: TemporalDep,
                      response: Response, body: Annotated[ClaimsOpenCreate | None, Body()] = None,
                      idempotency_key: IdempotencyKey = None) -> OpenClaimsResult:
    """Open a claim against every guarantor on record that has none yet: each its own child workflow, with the
    guarantee period (Civil Code art. 692) from the main debt's due date (maturity, or a served acceleration)
    and what must be done within it (art. 693); `opened` lists the guarantors' numbers this call opened."""
    open_id = idempotency_key or str(uuid.uuid4())
    cmd = OpenClaimsCommand(open_id=open_id, note=body.note if body is not None else "", actor=key.actor)
    return await answer_command(temporal, response, matter_id, UPDATE_OPEN_CLAIMS, cmd, command_id=open_id,
                                result_type=OpenClaimsResult)


@router.get("/{matter_id}/guarantor-claims", response_model=GuarantorClaimsPublic,
            responses={503: {"description": "a claim's record cannot be read now; retry"}})
async def list_claims(matter_id: MatterId, key: CurrentKey, row: ProjectedMatter,
                      temporal: TemporalDep) -> GuarantorClaimsPublic:
    """Every claim of the matter, by guarantor: where it stands (open, held, refused, released) and why, its
    guarantee period, the day the guarantor was held, the events recorded, and what the guarantor paid into
    the matter's ledger (`POST /matters/{id}/payments` with `guarantor`)."""
    status_ = status_of(row)
    if status_ is None:
        _, snap = await live_snapshot(temporal, matter_id)
        status_ = snap.status if snap is not None else None
    data = []
    for c in (status_.guarantor_claims or ()) if status_ is not None else ():
        try:
            snap_ = await temporal.get_workflow_handle(c.workflow_id).query(QUERY_GUARANTOR,
                                                                            result_type=GuarantorClaimSnapshot)
            data.append(snap_.model_copy(update={"paid": c.paid}))
        except RPCError:
            if c.standing == "starting":
                continue  # (not started yet: listed once it is)
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                                detail=f"the claim against guarantor {c.number} cannot be read now; retry") from None
    return GuarantorClaimsPublic(data=data, count=len(data))


@router.get("/{matter_id}/guarantor-claims/{number}", response_model=GuarantorClaimSnapshot,
            responses={404: {"description": "no such matter or claim (or not the caller's firm's)"}})
async def get_claim(matter_id: MatterId, number: Number, key: CurrentKey, row: ProjectedMatter,
                    temporal: TemporalDep) -> GuarantorClaimSnapshot:
    """One claim: where it stands and why, its guarantee period, the events recorded."""
    return await _claim(temporal, matter_id, number)


@router.post("/{matter_id}/guarantor-claims/{number}/demand-letter", response_model=DemandGuarantorResult,
             status_code=201, responses={**COMMAND_RESPONSES,
                                         409: {"description": "no due date of the main debt on record, the guarantor "
                                                              "released, or the matter closed"},
                                         422: {"description": "no claim against this guarantor; a field is wrong: "
                                                              "`detail[].loc` names it"}})
async def demand_letter(
    matter_id: MatterId, number: Number, body: DemandLetterCreate, key: RecorderKey, row: ProjectedMatter,
    temporal: TemporalDep, response: Response, idempotency_key: IdempotencyKey = None,
) -> DemandGuarantorResult:
    """The demand for performance to the guarantor (担保责任履行通知书), drafted from the record: the debt as of
    its date, the guarantee's type, cap and period (Civil Code art. 692), the debtor shown by name and masked
    ID only. Listed with the matter's documents; when it reaches the guarantor, record it as the claim's
    `demanded` event."""
    demand_id = idempotency_key or str(uuid.uuid4())
    cmd = DemandGuarantorCommand(demand_id=demand_id, number=number, actor=key.actor, **body.model_dump())
    return await answer_command(temporal, response, matter_id, UPDATE_DEMAND_GUARANTOR, cmd, command_id=demand_id,
                                result_type=DemandGuarantorResult)


@router.post("/{matter_id}/guarantor-claims/{number}/events", response_model=GuarantorEventResult,
             status_code=201,
             responses={**COMMAND_RESPONSES,
                        404: {"description": "no such matter or claim (or not the caller's firm's)"},
                        422: {"description": "the event is not allowed now: `detail[].loc` names the field"}})
async def record_claim_event(
    matter_id: MatterId, number: Number, body: GuarantorEventCreate, key: RecorderKey, row: ProjectedMatter,
    temporal: TemporalDep, response: Response, idempotency_key: IdempotencyKey = None,
) -> GuarantorEventResult:
    """Record one event of the claim (`event.kind`): `demanded` (the day a demand for performance reached the
    guarantor, `method`, the proof's `upload_id`: within the guarantee period it holds a joint-and-several
    guarantor, Civil Code art. 693), `refused` (once held: then the guarantor is to be sued), `released`
    (by the creditor, with the reason). Once released, nothing more is recorded."""
    event_id = idempotency_key or str(uuid.uuid4())
    cmd = GuarantorEventCommand(event_id=event_id, event=body.event, actor=key.actor)
    return await answer_command(temporal, response, matter_id, UPDATE_GUARANTOR_EVENT, cmd, command_id=event_id,
                                result_type=GuarantorEventResult, target=guarantor_workflow_id(matter_id, number),
                                gone=_not_found(matter_id, number))
