"""The asset register: the debtor's assets known at intake and those discovered later, and what the courts
did with each. `GET /matters/{id}/assets` lists them (where each stands, until when its measure holds, its
events); `POST /matters/{id}/assets` adds one discovered; `POST /matters/{id}/assets/{n}/events` records
`preserved`, `renewed`, `valued`, `auctioned`, `transferred` or `released`, each refused by name (422)
when the law or the record does not allow it; `GET /matters/{id}/unwinding` shows how a matter that closed
with measures running undoes them. Firm-scoped like the rest.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AuthorisedRoute, CurrentKey, ProjectedMatter, RecorderKey, TemporalDep
from api.mapping import status_of
from api.routes.commands import COMMAND_RESPONSES
from api.routes.matters import IdempotencyKey, MatterId
from api.workflow import answer_command, live_snapshot
from domain.assets import AssetEvent
from domain.parties import Asset
from domain.status import AssetView, UnwindingView
from workflows.contracts import (
    UPDATE_ADD_ASSET,
    UPDATE_ASSET_EVENT,
    AddAssetCommand,
    AddAssetResult,
    AssetEventCommand,
    AssetEventResult,
)

router = APIRouter(prefix="/matters", tags=["assets"], route_class=AuthorisedRoute)

Number = Annotated[int, Path(ge=1, le=999, description="the asset's number in the register, from 1")]


class AssetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    asset: Asset = Field(description="kind (real_estate, vehicle, deposit, equity, receivable, other), description, "
                                     "estimated_value, pledged")
    discovered_on: date = Field(description="the day it came to light")


class AssetEventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event: AssetEvent = Field(description="one event; `kind` says which: preserved, renewed, valued, auctioned, "
                                          "transferred, released")


class AssetsPublic(BaseModel):
    data: list[AssetView]
    count: int


@router.get("/{matter_id}/assets", response_model=AssetsPublic,
            responses={503: {"description": "the matter cannot be read now; retry"}})
async def list_assets(matter_id: MatterId, key: CurrentKey, row: ProjectedMatter,
                      temporal: TemporalDep) -> AssetsPublic:
    """The register: each asset, where it stands (known, preserved, lapsed, valued, auctioned, sold,
    transferred, released), until when its measure holds, and its events. Matters opened before the
    register list their intake's assets until something is recorded."""
    status_ = status_of(row)
    if status_ is None or status_.assets is None:
        _, snap = await live_snapshot(temporal, matter_id)
        if snap is None or snap.status is None:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"matter {matter_id} cannot be read now")
        status_ = snap.status
    data = list(status_.assets or ())
    if status_.assets is None:  # (a matter from before the register, nothing recorded: its intake's assets)
        details = row.details or {}
        data = [AssetView(number=i, standing="known", **Asset.model_validate(a).model_dump())
                for i, a in enumerate(details.get("assets") or (), start=1)]
    return AssetsPublic(data=data, count=len(data))


@router.get("/{matter_id}/unwinding", response_model=UnwindingView,
            responses={404: {"description": "no such matter, or it has no unwinding"},
                       503: {"description": "the matter cannot be read now; retry"}})
async def get_unwinding(matter_id: MatterId, key: CurrentKey, row: ProjectedMatter,
                        temporal: TemporalDep) -> UnwindingView:
    """A matter that closed (paid, settled, cured, withdrawn) with a case or a measure running: each step
    that undoes it, in order (withdraw the enforcement or the case, apply to lift each preservation ruling,
    release the security, tell the firm, close the children), with its document once made, and the assets a
    measure still holds until the court's release is recorded (`POST .../assets/{n}/events`, `released`)."""
    status_ = status_of(row)
    if status_ is None or (status_.stage == "closed" and status_.unwinding is None):
        _, snap = await live_snapshot(temporal, matter_id)
        if snap is None or snap.status is None:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"matter {matter_id} cannot be read now")
        status_ = snap.status
    if status_.unwinding is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail="the matter has no unwinding: it has not closed with a case or a measure running")
    return status_.unwinding


@router.post("/{matter_id}/assets", response_model=AddAssetResult, status_code=201, responses=COMMAND_RESPONSES)
async def add_asset(matter_id: MatterId, body: AssetCreate, key: RecorderKey, row: ProjectedMatter,
                    temporal: TemporalDep, response: Response,
                    idempotency_key: IdempotencyKey = None) -> AddAssetResult:
    """Add an asset of the debtor discovered after intake (its number follows the register's last)."""
    asset_id = idempotency_key or str(uuid.uuid4())
    cmd = AddAssetCommand(asset_id=asset_id, asset=body.asset, discovered_on=body.discovered_on, actor=key.actor)
    return await answer_command(temporal, response, matter_id, UPDATE_ADD_ASSET, cmd, command_id=asset_id,
                                result_type=AddAssetResult)


@router.post("/{matter_id}/assets/{number}/events", response_model=AssetEventResult, status_code=201,
             responses={**COMMAND_RESPONSES,
                        422: {"description": "the event is not allowed now: `detail[].loc` names the field"}})
async def record_asset_event(
    matter_id: MatterId, number: Number, body: AssetEventCreate, key: RecorderKey, row: ProjectedMatter,
    temporal: TemporalDep, response: Response, idempotency_key: IdempotencyKey = None,
) -> AssetEventResult:
    """Record what a court did with the asset (`event.kind`): `preserved` (measure freeze, seize or seal;
    court, ruling_number, ends_on: at most 1 year for a deposit, 2 for a vehicle, 3 for real estate and
    property rights, SPC Interpretation of the Civil Procedure Law art. 485), `renewed` (before it ends, for
    at most the same term again), `valued` (value, by), `auctioned` (round, reserve lower than the round
    before, outcome sold at price or unsold), `transferred` (in lieu of payment, after an unsold auction),
    `released` (reason). The team is warned before each measure ends."""
    event_id = idempotency_key or str(uuid.uuid4())
    cmd = AssetEventCommand(event_id=event_id, number=number, event=body.event, actor=key.actor)
    return await answer_command(temporal, response, matter_id, UPDATE_ASSET_EVENT, cmd, command_id=event_id,
                                result_type=AssetEventResult)
