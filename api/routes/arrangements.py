"""Settlements, contract amendments and write-offs: proposals, decisions by authority, the signed copy,
and a queue of what awaits a decision.

Each is a Temporal update of the matter's workflow (`workflows/matter/arrangements.py`), through the
same helper as every command (`_run_command`): idempotent by its id (the `Idempotency-Key`), 201 new,
200 a replay, 409 for what the matter's state does not take, 422 naming the field, and 403 for a
decision by the proposer or by a role below the authority the proposal needs.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.deps import AuthorisedRoute, ManagerKey, SessionDep, StaffKey, TemporalDep
from api.mapping import status_of
from api.routes.commands import COMMAND_RESPONSES, _run_command, require_upload
from api.routes.matters import IdempotencyKey, MatterId
from api.schemas import MatterDate, PositiveMoney, _Input
from domain.arrangements import Decision, Instalment, InterestClause, ScheduleRow, Waivers
from domain.money import Money
from domain.status import ArrangementView
from domain.text import PlainText
from store.models import Matter
from workflows.contracts import (
    UPDATE_ACCELERATE,
    UPDATE_APPROVAL,
    UPDATE_PROPOSE,
    UPDATE_SERVED,
    UPDATE_SIGNED,
    AccelerateCommand,
    AccelerationResult,
    AccelerationView,
    ApprovalCommand,
    ApprovalResult,
    ProposeCommand,
    ProposeResult,
    ServedCommand,
    ServiceMethod,
    SignedCommand,
    SignedResult,
)

router = APIRouter(prefix="/matters", tags=["arrangements"], route_class=AuthorisedRoute)
queue_router = APIRouter(prefix="/approvals", tags=["arrangements"], route_class=AuthorisedRoute)

ProposalId = Annotated[str, Path(min_length=1, max_length=128, description="the proposal's id (its Idempotency-Key)")]
_Consents = Annotated[dict[Annotated[str, Field(min_length=1, max_length=200)], bool],
                      Field(default_factory=dict, max_length=20,
                            description="guarantor name -> has consented in writing (art. 695)")]


class SettlementCreate(_Input):
    waivers: Waivers = Field(default=Waivers(), description="amounts forgiven, by bucket (costs, fees, penalty, "
                                                            "interest)")
    principal_discount: PositiveMoney | None = None
    instalments: list[Instalment] = Field(min_length=1, max_length=60)
    waiver_lapses_on_default: bool = Field(default=True, description="a missed instalment ends the settlement and "
                                                                      "the whole balance is owed again")
    guarantor_consents: _Consents
    note: PlainText = Field(default="", max_length=2000)


class AmendmentCreate(_Input):
    restructured_principal: PositiveMoney
    clause: InterestClause
    rows: list[ScheduleRow] = Field(min_length=1, max_length=360)
    guarantor_consents: _Consents
    note: PlainText = Field(default="", max_length=2000)


class WriteOffCreate(_Input):
    amount: PositiveMoney
    reason: PlainText = Field(min_length=1, max_length=2000)
    note: PlainText = Field(default="", max_length=2000)


class ProposalPublic(BaseModel):
    proposal_id: str
    duplicate: bool
    arrangement: ArrangementView
    stage: str


class DecisionOnProposal(_Input):
    decision: Decision
    note: PlainText = Field(default="", max_length=2000)


class ApprovalPublic(BaseModel):
    approval_id: str
    duplicate: bool
    arrangement: ArrangementView
    stage: str
    closed: bool


class SignedCreate(_Input):
    upload_id: str = Field(min_length=1, max_length=64, description="the signed copy, uploaded first as evidence "
                                                                     "(POST /matters/{id}/evidence)")
    signed_on: MatterDate = Field(description="the day it was signed; not after the matter's date")


class SignedPublic(BaseModel):
    proposal_id: str
    duplicate: bool
    arrangement: ArrangementView
    stage: str


async def _propose(matter_id: str, kind: str, terms: dict[str, Any], key: Any, session: Any, temporal: Any,
                   response: Response, idempotency_key: str | None) -> ProposalPublic:
    proposal_id = idempotency_key or str(uuid.uuid4())
    cmd = ProposeCommand(proposal_id=proposal_id, kind=kind, terms=terms, actor=key.actor)  # type: ignore[arg-type]
    return ProposalPublic(**await _run_command(
        session, temporal, response, matter_id, kind="proposal", command_id=proposal_id, update=UPDATE_PROPOSE,
        command=cmd, result_type=ProposeResult, check_replay=False,
    ))


@router.post("/{matter_id}/settlements", response_model=ProposalPublic, status_code=201, responses=COMMAND_RESPONSES)
async def propose_settlement(
    matter_id: MatterId, body: SettlementCreate, key: StaffKey, session: SessionDep, temporal: TemporalDep,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> ProposalPublic:
    """Propose a settlement on today's balance: waivers and/or a principal discount, paid in instalments.
    The answer says the authority it needs (policy levels by amount and share waived) and any art. 695
    warning for guarantors who have not consented."""
    terms = body.model_dump(mode="json", exclude_none=True)
    return await _propose(matter_id, "settlement", terms, key, session, temporal, response, idempotency_key)


@router.post("/{matter_id}/amendments", response_model=ProposalPublic, status_code=201, responses=COMMAND_RESPONSES)
async def propose_amendment(
    matter_id: MatterId, body: AmendmentCreate, key: StaffKey, session: SessionDep, temporal: TemporalDep,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> ProposalPublic:
    """Propose a contract amendment (restructuring): a new schedule whose interest is checked, row by row,
    against the clause it states."""
    terms = body.model_dump(mode="json", exclude_none=True)
    return await _propose(matter_id, "amendment", terms, key, session, temporal, response, idempotency_key)


@router.post("/{matter_id}/write-off", response_model=ProposalPublic, status_code=201, responses=COMMAND_RESPONSES)
async def propose_write_off(
    matter_id: MatterId, body: WriteOffCreate, key: StaffKey, session: SessionDep, temporal: TemporalDep,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> ProposalPublic:
    """Propose writing the matter off; once approved it closes `written_off` and later payments are recorded
    as recoveries after write-off."""
    terms = body.model_dump(mode="json", exclude_none=True)
    return await _propose(matter_id, "write_off", terms, key, session, temporal, response, idempotency_key)


_DECISION_RESPONSES: dict[int | str, dict[str, object]] = {
    **COMMAND_RESPONSES,
    403: {"description": "the caller proposed it, has decided it already, or lacks the authority it needs"},
}


async def _decide(matter_id: str, proposal_id: str, body: DecisionOnProposal, key: Any, session: Any,
                  temporal: Any, response: Response, idempotency_key: str | None) -> ApprovalPublic:
    approval_id = idempotency_key or str(uuid.uuid4())
    cmd = ApprovalCommand(approval_id=approval_id, proposal_id=proposal_id, decision=body.decision, role=key.role,
                          note=body.note, actor=key.actor)
    return ApprovalPublic(**await _run_command(
        session, temporal, response, matter_id, kind="approval", command_id=approval_id, update=UPDATE_APPROVAL,
        command=cmd, result_type=ApprovalResult, check_replay=False,
    ))


for _path in ("settlements", "amendments", "write-off"):
    @router.post(f"/{{matter_id}}/{_path}/{{proposal_id}}/approvals", response_model=ApprovalPublic,
                 status_code=201, responses=_DECISION_RESPONSES, name=f"decide_{_path}")
    async def decide(
        matter_id: MatterId, proposal_id: ProposalId, body: DecisionOnProposal, key: StaffKey, session: SessionDep,
        temporal: TemporalDep, response: Response, idempotency_key: IdempotencyKey = None,
    ) -> ApprovalPublic:
        """Approve or reject a proposal. Never by its proposer; a role at or above the authority it needs;
        as many distinct approvers as that level says (e.g. two managers). Approved, a settlement or
        amendment agreement is rendered for signing; a write-off closes the matter."""
        return await _decide(matter_id, proposal_id, body, key, session, temporal, response, idempotency_key)


for _path in ("settlements", "amendments"):
    @router.post(f"/{{matter_id}}/{_path}/{{proposal_id}}/signed", response_model=SignedPublic, status_code=201,
                 responses=COMMAND_RESPONSES, name=f"signed_{_path}")
    async def signed(
        matter_id: MatterId, proposal_id: ProposalId, body: SignedCreate, key: StaffKey, session: SessionDep,
        temporal: TemporalDep, response: Response,
    ) -> SignedPublic:
        """The signed agreement, uploaded as evidence, makes an approved proposal effective: the matter goes to
        `amendment` and each instalment is checked at its due date plus the policy's grace."""
        await require_upload(session, matter_id, body.upload_id, " (upload the signed copy first)")
        cmd = SignedCommand(proposal_id=proposal_id, document_id=body.upload_id, signed_on=body.signed_on,
                            actor=key.actor)
        return SignedPublic(**await _run_command(
            session, temporal, response, matter_id, kind="signed", command_id=proposal_id, update=UPDATE_SIGNED,
            command=cmd, result_type=SignedResult, check_replay=False,
        ))


class AccelerationCreate(_Input):
    clause: PlainText | None = Field(default=None, max_length=200, description="the contract's acceleration clause, "
                                                                               "e.g. 第十二条 / clause 12")


class ServiceCreate(_Input):
    delivered_on: MatterDate = Field(description="the day the borrower received the notice; not after the "
                                                  "matter's date")
    method: ServiceMethod
    upload_id: str | None = Field(default=None, min_length=1, max_length=64,
                                  description="the proof of service, uploaded first as evidence")
    note: PlainText = Field(default="", max_length=2000)


class AccelerationPublic(BaseModel):
    duplicate: bool
    acceleration: AccelerationView
    stage: str
    outstanding: Money


@router.post("/{matter_id}/acceleration", response_model=AccelerationPublic, status_code=201,
             responses={**COMMAND_RESPONSES, 403: {"description": "a manager declares acceleration"}})
async def accelerate(
    matter_id: MatterId, body: AccelerationCreate, key: ManagerKey, session: SessionDep, temporal: TemporalDep,
    response: Response,
) -> AccelerationPublic:
    """A manager declares the whole loan due: the acceleration notice is rendered and stored; it takes
    effect when its service is recorded. Declared once per matter (a repeat answers 200)."""
    cmd = AccelerateCommand(clause=body.clause, role=key.role, actor=key.actor)  # type: ignore[arg-type]
    return AccelerationPublic(**await _run_command(
        session, temporal, response, matter_id, kind="accelerate", command_id="acceleration",
        update=UPDATE_ACCELERATE, command=cmd, result_type=AccelerationResult, check_replay=False,
    ))


@router.post("/{matter_id}/acceleration/service", response_model=AccelerationPublic, status_code=201,
             responses=COMMAND_RESPONSES)
async def acceleration_served(
    matter_id: MatterId, body: ServiceCreate, key: StaffKey, session: SessionDep, temporal: TemporalDep,
    response: Response,
) -> AccelerationPublic:
    """Proof of service of the acceleration notice: from `delivered_on` the whole balance is due (it accrues
    from that day) and every later statement and letter uses it."""
    if body.upload_id is not None:
        await require_upload(session, matter_id, body.upload_id)
    cmd = ServedCommand(delivered_on=body.delivered_on, method=body.method, upload_id=body.upload_id,
                        note=body.note, actor=key.actor)
    return AccelerationPublic(**await _run_command(
        session, temporal, response, matter_id, kind="served", command_id="acceleration-served",
        update=UPDATE_SERVED, command=cmd, result_type=AccelerationResult, check_replay=False,
    ))


class AwaitingPublic(BaseModel):
    matter_id: str
    external_ref: str | None
    stage: str
    outstanding: Money
    arrangement: ArrangementView


class AwaitingPagePublic(BaseModel):
    data: list[AwaitingPublic]
    count: int


@queue_router.get("", response_model=AwaitingPagePublic)
async def approvals_queue(
    key: StaffKey, session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AwaitingPagePublic:
    """What awaits a decision: a manager sees every pending proposal, the legal team those within its own
    authority. Oldest first."""
    roles = ("legal_team", "manager") if key.role == "manager" else ("legal_team",)
    rows = (await session.scalars(
        select(Matter).where(Matter.awaiting_approval.in_(roles)).order_by(Matter.updated_at, Matter.id)
        .limit(limit))).all()
    await session.commit()
    data: list[AwaitingPublic] = []
    for row in rows:
        st = status_of(row)
        if st is None or st.arrangement is None:
            continue
        data.append(AwaitingPublic(matter_id=row.id, external_ref=row.external_ref, stage=st.stage,
                                   outstanding=st.outstanding, arrangement=st.arrangement))
    return AwaitingPagePublic(data=data, count=len(data))


__all__ = ["queue_router", "router"]
