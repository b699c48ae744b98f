"""Suits and arbitrations: the firm starts one (`POST /matters/{id}/proceedings`), records its events
(`POST /matters/{id}/proceedings/{n}/events`), and everyone who may see the matter reads it
(`GET /matters/{id}/proceedings/{n}`: the events, the status, the running deadlines).

Firm-scoped like the rest: a partner of another firm (or of a firm the matter was recalled from) gets
404. The forum follows the contract's dispute clause; a suit against an arbitration clause needs a
manager's `override_reason` (403 for a partner who gives one).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status
from temporalio.service import RPCError

from api.deps import AuthorisedRoute, CurrentKey, Principal, ProjectedMatter, RecorderKey, TemporalDep, require_roles
from api.routes.commands import COMMAND_RESPONSES
from api.routes.matters import IdempotencyKey, MatterId
from api.schemas import FilingDraftCreate, PreservationDraftCreate, ProceedingCreate, ProceedingEventCreate
from api.schemas_firms import EnforcementDraftCreate
from api.workflow import answer_command, invalid_command, live_snapshot
from domain.money import Money
from domain.proceedings import Decided, ProceedsDistributed
from workflows.children import DraftEnforcementCommand, DraftEnforcementResult
from workflows.contracts import (
    QUERY_PROCEEDING,
    UPDATE_DRAFT_ENFORCEMENT,
    UPDATE_DRAFT_FILING,
    UPDATE_DRAFT_PRESERVATION,
    UPDATE_PROCEEDING_EVENT,
    UPDATE_START_PROCEEDING,
    DraftFilingCommand,
    DraftFilingResult,
    DraftPreservationCommand,
    DraftPreservationResult,
    ProceedingEventCommand,
    ProceedingEventResult,
    ProceedingSnapshot,
    StartProceedingCommand,
    StartProceedingResult,
    proceeding_workflow_id,
)

router = APIRouter(prefix="/matters", tags=["proceedings"], route_class=AuthorisedRoute)

FirmOrManager = Annotated[Principal, require_roles("partner", "manager")]
Number = Annotated[int, Path(ge=1, le=1000, description="the proceeding's number in the matter")]


def _not_found(matter_id: str, number: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"proceeding {number} of matter {matter_id} not found")


@router.post("/{matter_id}/proceedings", response_model=StartProceedingResult, status_code=201,
             responses={**COMMAND_RESPONSES,
                        403: {"description": "a partner may not take a matter to court against its arbitration clause"},
                        409: {"description": "no accepted referral, another case still open, on hold, or closed"}})
async def start_proceeding(
    matter_id: MatterId, body: ProceedingCreate, key: FirmOrManager, row: ProjectedMatter, temporal: TemporalDep,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> StartProceedingResult:
    """Start a suit or an arbitration (its own child workflow): the firm the matter is referred to, once it
    accepted, or a manager. The forum is the contract's dispute clause's (the court by law without one);
    `appeal_of` starts the second instance of an appealed proceeding. The matter moves to `litigation`."""
    proceeding_id = idempotency_key or str(uuid.uuid4())
    cmd = StartProceedingCommand(proceeding_id=proceeding_id, forum=body.forum, override_reason=body.override_reason,
                                 appeal_of=body.appeal_of, firm=key.firm if key.role == "partner" else None,
                                 actor=key.actor)
    return await answer_command(temporal, response, matter_id, UPDATE_START_PROCEEDING, cmd,
                                command_id=proceeding_id, result_type=StartProceedingResult)


@router.get("/{matter_id}/proceedings/{number}", response_model=ProceedingSnapshot,
            responses={404: {"description": "no such matter or proceeding (or not the caller's firm's)"}})
async def get_proceeding(matter_id: MatterId, number: Number, key: CurrentKey, row: ProjectedMatter,
                         temporal: TemporalDep) -> ProceedingSnapshot:
    """The proceeding as its workflow holds it: every event, its status, when the decision takes effect and
    the deadlines running now (after a pre-suit preservation the 30 days to file; the appeal window; then
    performance and the enforcement window)."""
    snap = await _snapshot(temporal, matter_id, number)
    if key.role == "partner" and snap.firm != key.firm:
        raise _not_found(matter_id, number)
    return snap


async def _snapshot(temporal: TemporalDep, matter_id: str, number: int) -> ProceedingSnapshot:
    handle = temporal.get_workflow_handle(proceeding_workflow_id(matter_id, number))
    try:
        return await handle.query(QUERY_PROCEEDING, result_type=ProceedingSnapshot)
    except RPCError:
        raise _not_found(matter_id, number) from None


@router.post("/{matter_id}/proceedings/{number}/events", response_model=ProceedingEventResult, status_code=201,
             responses={**COMMAND_RESPONSES,
                        404: {"description": "no such matter or proceeding (or not the caller's firm's)"},
                        422: {"description": "the event is not allowed now: `detail[].loc` names the field "
                                             "(its date, its order, what the forum decides by; a mediation's "
                                             "settlement)"},
                        503: {"description": "a mediation's settlement could not be checked: the matter's workflow "
                                             "did not answer; retry"}})
async def record_proceeding_event(
    matter_id: MatterId, number: Number, body: ProceedingEventCreate, key: RecorderKey, row: ProjectedMatter,
    temporal: TemporalDep, response: Response, idempotency_key: IdempotencyKey = None,
) -> ProceedingEventResult:
    """Record one event of the proceeding (`event.kind`): `preserved` (pre_suit, court, ruling_number, amount,
    measures, security `given` or `excused` with security_detail: pre-suit needs security, CPL art. 104, and
    starts the 30 days to file), `filed` (body, case_number, fees_paid), `hearing`
    (on, place; a reminder goes to the firm 3 days before), `decided` (decision: judgment, ruling, award or
    mediation; amount, costs, performance_days or performance_due_on), `served`, `appealed` (by).

    A mediation agreement settles the claim through the settlement path: it names (`proposal_id`) the
    settlement proposed and approved on the matter whose terms it records, and that settlement takes effect
    when the agreement does (signed for: `served`), is performed instalment by instalment, and closes the
    matter `settled` when kept; breached, the agreement is enforceable and the case goes on."""
    event_id = idempotency_key or str(uuid.uuid4())
    if isinstance(body.event, Decided) and body.event.decision == "mediation":
        await _check_mediation(temporal, matter_id, number, body.event)
    if isinstance(body.event, ProceedsDistributed) and body.event.asset is not None:
        await _check_asset(temporal, matter_id, body.event.asset)
    cmd = ProceedingEventCommand(event_id=event_id, event=body.event,
                                 firm=key.firm if key.role == "partner" else None, actor=key.actor)
    return await answer_command(temporal, response, matter_id, UPDATE_PROCEEDING_EVENT, cmd, command_id=event_id,
                                result_type=ProceedingEventResult, target=proceeding_workflow_id(matter_id, number),
                                gone=_not_found(matter_id, number))


async def _check_asset(temporal: TemporalDep, matter_id: str, number: int) -> None:
    """The asset a distribution names is one of the matter's register (422 naming `event.asset` otherwise)."""
    _, snap = await live_snapshot(temporal, matter_id)
    if snap is None or snap.status is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            detail=f"matter {matter_id} cannot be read now to check the asset; retry")
    known = [a.number for a in snap.status.assets or ()]
    if number not in known:
        raise invalid_command(f"event.asset: the register holds {len(known)} asset(s): asset {number} is not one")


async def _check_mediation(temporal: TemporalDep, matter_id: str, number: int, event: Decided) -> None:
    """A mediation agreement must record the matter's approved settlement: named, approved, the same amount,
    the mediation made before its first instalment falls due (422 naming the field otherwise)."""
    pid = event.proposal_id
    if pid is None:
        raise invalid_command("event.proposal_id: a mediation agreement settles the claim through the settlement "
                              "path: propose the settlement on the matter (POST /matters/{id}/settlements), have it "
                              "approved, and name it here")
    _, snap = await live_snapshot(temporal, matter_id)
    if snap is None or snap.status is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            detail=f"matter {matter_id} cannot be read now to check the settlement; retry")
    a = snap.status.arrangement
    if a is None or a.proposal_id != pid or a.kind != "settlement":
        raise invalid_command(f"event.proposal_id: the matter has no settlement proposal {pid!r} open")
    if a.status != "approved":
        decided = (await _snapshot(temporal, matter_id, number)).proceeding.decided
        if decided is not None and decided.proposal_id == pid:
            return  # this agreement is recorded already: the proceeding answers a repeat itself
        raise invalid_command(f"event.proposal_id: settlement {pid} is {a.status}: a mediation agreement records an "
                              "approved settlement")
    payable = sum((Money.model_validate(i["amount"]) for i in a.instalments), Money.zero(a.balance.currency))
    if event.amount is not None and event.amount != payable:
        raise invalid_command(f"event.amount: {event.amount} is not what settlement {pid} makes payable ({payable})")
    first_due = min((date.fromisoformat(str(i["due_on"])) for i in a.instalments), default=None)
    if first_due is not None and event.on > first_due:
        raise invalid_command(f"event.on: the mediation of {event.on.isoformat()} is after settlement {pid}'s first "
                              f"instalment fell due ({first_due.isoformat()}): propose a new schedule")


@router.post("/{matter_id}/proceedings/{number}/drafts", response_model=DraftFilingResult, status_code=201,
             responses={**COMMAND_RESPONSES,
                        404: {"description": "no such matter or proceeding (or not the caller's firm's)"},
                        409: {"description": "the proceeding is already filed, or an appeal; on hold; closed"},
                        422: {"description": "what the filing needs and the record lacks: `detail[].loc` names it"}})
async def draft_filing(
    matter_id: MatterId, number: Number, body: FilingDraftCreate, key: FirmOrManager, row: ProjectedMatter,
    temporal: TemporalDep, response: Response, idempotency_key: IdempotencyKey = None,
) -> DraftFilingResult:
    """Draft the proceeding's filing from the record, before it is filed: the evidence bundle made for it
    (its catalogue), then the civil complaint (a suit: the borrower and the guarantors on record as
    defendants, the court the contract agrees or the one named) or the arbitration application (before the
    commission the contract's clause names, quoting it), and for a suit the power of attorney. The claims
    are the record's balance on the day they are made, every payment received deducted, penalty interest at
    the contract's rate from the next day until paid. The documents appear under
    `GET /matters/{id}/documents` with the ids returned."""
    draft_id = idempotency_key or str(uuid.uuid4())
    cmd = DraftFilingCommand.model_validate({
        **body.model_dump(mode="json"), "draft_id": draft_id, "number": number,
        "firm": key.firm if key.role == "partner" else None, "actor": key.actor})
    return await answer_command(temporal, response, matter_id, UPDATE_DRAFT_FILING, cmd, command_id=draft_id,
                                result_type=DraftFilingResult)


@router.post("/{matter_id}/proceedings/{number}/preservation-drafts", response_model=DraftPreservationResult,
             status_code=201,
             responses={**COMMAND_RESPONSES,
                        404: {"description": "no such matter or proceeding (or not the caller's firm's)"},
                        409: {"description": "the decision is effective (enforcement preserves now); closed"},
                        422: {"description": "an asset not on record or without a value, an amount beyond the claim, "
                                             "pre-suit security short of the amount: `detail[].loc` names it"}})
async def draft_preservation(
    matter_id: MatterId, number: Number, body: PreservationDraftCreate, key: FirmOrManager, row: ProjectedMatter,
    temporal: TemporalDep, response: Response, idempotency_key: IdempotencyKey = None,
) -> DraftPreservationResult:
    """Draft the application for property preservation (财产保全申请书) from the record: pre-suit while the case
    is not filed (CPL art. 104: security of the full amount; the 30 days to file run once the court acts,
    recorded as the event `preserved`), else in the case (art. 103, its case number). The claim is the record's
    balance on the day; the assets are the record's, valued as it values them, where `assets` says they are.
    In the case, `excused` instead of `security` asks the court not to require security (SPC Provisions on
    Property Preservation art. 9): `financial_institution` with the financial licence's institution code
    (`licence`), or `clear_facts` with the facts (`reason`). Then recorded like any letter
    (`GET /matters/{id}/documents`)."""
    draft_id = idempotency_key or str(uuid.uuid4())
    cmd = DraftPreservationCommand.model_validate({
        **body.model_dump(mode="json"), "draft_id": draft_id, "number": number,
        "firm": key.firm if key.role == "partner" else None, "actor": key.actor})
    return await answer_command(temporal, response, matter_id, UPDATE_DRAFT_PRESERVATION, cmd, command_id=draft_id,
                                result_type=DraftPreservationResult)


@router.post("/{matter_id}/proceedings/{number}/enforcement-drafts", response_model=DraftEnforcementResult,
             status_code=201,
             responses={**COMMAND_RESPONSES,
                        404: {"description": "no such matter or proceeding (or not the caller's firm's)"},
                        409: {"description": "the decision is not in effect, the time to perform has not run out, "
                                             "nothing remains to enforce; closed"},
                        422: {"description": "an asset not in the register or without a value: `detail[].loc` "
                                             "names it"}})
async def draft_enforcement(
    matter_id: MatterId, number: Number, body: EnforcementDraftCreate, key: FirmOrManager, row: ProjectedMatter,
    temporal: TemporalDep, response: Response, idempotency_key: IdempotencyKey = None,
) -> DraftEnforcementResult:
    """Draft the application for compulsory enforcement (强制执行申请书) of the proceeding's effective decision from
    the record: the decision's court, case, day and amounts, the day it took effect and the time to perform, what
    was paid since, and the doubled interest for the delay to today (CPL art. 264; 0.0175% a day on what was
    unpaid each day). After the two years of CPL art. 250 (from the end of performance, started again by the
    debtor's part payment) it is drafted and said `late`, not refused. Recorded like any letter
    (`GET /matters/{id}/documents`); file it, then record `enforcement_filed` on the proceeding."""
    draft_id = idempotency_key or str(uuid.uuid4())
    cmd = DraftEnforcementCommand.model_validate({
        **body.model_dump(mode="json"), "draft_id": draft_id, "number": number,
        "firm": key.firm if key.role == "partner" else None, "actor": key.actor})
    return await answer_command(temporal, response, matter_id, UPDATE_DRAFT_ENFORCEMENT, cmd, command_id=draft_id,
                                result_type=DraftEnforcementResult)
