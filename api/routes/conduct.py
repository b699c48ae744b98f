"""Lawful contact: the contact log, a cease-contact request, and holds (dispute, hardship (breathing
space), bankruptcy stay, death of the borrower).

The team logs each call, visit or message with its outcome and the cause of default where learnt;
the risk grade reads the log (ability and willingness to pay).

While a hold is active every clock of the matter's process stops; lifting the last one resumes
them, each pushed later by the time held (`workflows/matter/holds.py`). The team places and lifts
holds; a bankruptcy stay needs a manager (403 otherwise).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import AwareDatetime, BaseModel, Field, field_validator

from api.deps import AuthorisedRoute, SessionDep, StaffKey, TemporalDep
from api.routes.commands import COMMAND_RESPONSES, _run_command, require_upload
from api.routes.matters import IdempotencyKey, MatterId
from api.schemas import MatterDate, _Input
from domain.contact import ContactChannel, ContactOutcome, DefaultCause
from domain.deadlines import Deadline
from domain.holds import HoldKind
from domain.text import PlainText
from workflows.contracts import (
    UPDATE_CONTACT,
    UPDATE_DELIVERED,
    UPDATE_HOLD,
    UPDATE_RELEASE,
    ContactCommand,
    ContactResult,
    DeliveredCommand,
    DeliveredResult,
    HoldCommand,
    HoldResult,
    ReleaseCommand,
    ServiceMethod,
)

router = APIRouter(prefix="/matters", tags=["contact"], route_class=AuthorisedRoute)

HoldId = Annotated[str, Path(min_length=1, max_length=128, description="the hold's id (its Idempotency-Key)")]
_RESPONSES: dict[int | str, dict[str, object]] = {
    **COMMAND_RESPONSES, 403: {"description": "a bankruptcy stay is placed and lifted by a manager"}}


class HoldCreate(_Input):
    kind: HoldKind
    reason: PlainText = Field(min_length=1, max_length=2000)
    ends_on: date | None = Field(default=None, description="its last day (a policy date, included); omitted: "
                                                           "until released")


class HoldRelease(_Input):
    note: PlainText = Field(default="", max_length=2000)


class HoldPublic(BaseModel):
    hold_id: str
    duplicate: bool
    kind: str
    active: bool
    placed_at: datetime
    ends_on: date | None = None
    released_at: datetime | None = None
    held: bool = Field(description="any hold active on the matter now: its clocks are stopped")
    stage: str
    shifted_seconds: float = Field(description="how far the clocks moved when this release ended the last hold")


@router.post("/{matter_id}/holds", response_model=HoldPublic, status_code=201, responses=_RESPONSES)
async def place_hold(
    matter_id: MatterId, body: HoldCreate, key: StaffKey, session: SessionDep, temporal: TemporalDep,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> HoldPublic:
    """Place a hold: every clock stops and no contact is made but what the law requires."""
    hold_id = idempotency_key or str(uuid.uuid4())
    cmd = HoldCommand(hold_id=hold_id, kind=body.kind, reason=body.reason, ends_on=body.ends_on,
                      role=key.role, actor=key.actor)  # type: ignore[arg-type]
    return HoldPublic(**await _run_command(
        session, temporal, response, matter_id, kind="hold", command_id=hold_id, update=UPDATE_HOLD, command=cmd,
        result_type=HoldResult, check_replay=False,
    ))


@router.post("/{matter_id}/holds/{hold_id}/release", response_model=HoldPublic, status_code=201,
             responses=_RESPONSES)
async def release_hold(
    matter_id: MatterId, hold_id: HoldId, body: HoldRelease, key: StaffKey, session: SessionDep,
    temporal: TemporalDep, response: Response,
) -> HoldPublic:
    """Lift a hold; when it was the last active one the clocks resume, shifted by the time held."""
    cmd = ReleaseCommand(hold_id=hold_id, note=body.note, role=key.role, actor=key.actor)  # type: ignore[arg-type]
    return HoldPublic(**await _run_command(
        session, temporal, response, matter_id, kind="release", command_id=hold_id, update=UPDATE_RELEASE,
        command=cmd, result_type=HoldResult, check_replay=False,
    ))


class ContactCreate(_Input):
    channel: ContactChannel
    outcome: ContactOutcome
    at: AwareDatetime | None = Field(default=None, description="when it happened, with its offset; default now")
    cause: DefaultCause | None = Field(default=None, description="why the borrower defaulted, where learnt")
    cease_contact: bool = Field(default=False, description="the borrower asked to be contacted no more")
    note: PlainText = Field(default="", max_length=2000)

    @field_validator("at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > datetime.now(UTC):
            raise ValueError(f"{value.isoformat()} is in the future")
        return value


class ContactPublic(BaseModel):
    contact_id: str
    duplicate: bool
    ability: str = Field(description="able / unable / unknown, from the whole log")
    willingness: str = Field(description="willing / unwilling / unknown, from the whole log")
    risk_grade: str | None
    cease_contact: bool
    contacts_in_7_days: int = Field(description="attempts on this matter in the last 7 days (the team's and the "
                                                "system's messages)")


@router.post("/{matter_id}/contacts", response_model=ContactPublic, status_code=201, responses=COMMAND_RESPONSES)
async def log_contact(
    matter_id: MatterId, body: ContactCreate, key: StaffKey, session: SessionDep, temporal: TemporalDep,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> ContactPublic:
    """Log a contact with its outcome (and the cause of default where learnt); `cease_contact` records the
    borrower's request to be contacted no more (reminders stop; legally required notices still go)."""
    contact_id = idempotency_key or str(uuid.uuid4())
    cmd = ContactCommand(contact_id=contact_id, channel=body.channel, outcome=body.outcome, at=body.at,
                         cause=body.cause, cease_contact=body.cease_contact, note=body.note, actor=key.actor)
    return ContactPublic(**await _run_command(
        session, temporal, response, matter_id, kind="contact", command_id=contact_id, update=UPDATE_CONTACT,
        command=cmd, result_type=ContactResult, check_replay=False,
    ))


# ---- a letter's delivery ------------------------------------------------------------------------

DocumentId = Annotated[str, Path(min_length=1, max_length=300, description="the letter's document id")]


class DeliveryCreate(_Input):
    delivered_on: MatterDate = Field(description="the day the letter reached the borrower; not after the "
                                                  "matter's date")
    method: ServiceMethod
    upload_id: str | None = Field(default=None, min_length=1, max_length=64,
                                  description="the proof of delivery (a receipt), uploaded first as evidence")


class DeliveryPublic(BaseModel):
    document_id: str
    duplicate: bool
    limitation: Deadline | None = Field(description="the limitation period as it now runs")


@router.post("/{matter_id}/documents/{document_id}/delivery", response_model=DeliveryPublic, status_code=201,
             responses=COMMAND_RESPONSES)
async def letter_delivered(
    matter_id: MatterId, document_id: DocumentId, body: DeliveryCreate, key: StaffKey, session: SessionDep,
    temporal: TemporalDep, response: Response,
) -> DeliveryPublic:
    """Proof that a demand letter reached the borrower: a demand interrupts limitation from its arrival (Civil
    Code art. 195), so the period runs again from `delivered_on`. Once per letter (the same body again is a
    harmless replay; another is a 409)."""
    if body.upload_id is not None:
        await require_upload(session, matter_id, body.upload_id)
    cmd = DeliveredCommand(document_id=document_id, delivered_on=body.delivered_on, method=body.method,
                           upload_id=body.upload_id, actor=key.actor)
    return DeliveryPublic(**await _run_command(
        session, temporal, response, matter_id, kind="delivered", command_id=document_id, update=UPDATE_DELIVERED,
        command=cmd, result_type=DeliveredResult, check_replay=False,
    ))
