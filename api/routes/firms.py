"""Law firms: the records managers keep (`POST /firms`, `PATCH /firms/{id}`) and everyone reads.

Staff see every firm; a partner sees only its own (another firm's id is a 404, as for one that
does not exist). Partner keys are bound to a firm's id (`recovery keys create --role partner
--firm <id>`), and a referral names the firm by id (`POST /matters/{id}/legal-review`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError

from api.deps import AuthorisedRoute, CurrentKey, ManagerKey, SessionDep
from api.schemas import FirmCreate, FirmPartner, FirmPublic, FirmsPublic, FirmUpdate, field_error
from store import firms as store_firms
from store.db import write_session
from store.models import ApiKey, Firm

router = APIRouter(prefix="/firms", tags=["firms"], route_class=AuthorisedRoute)


def _public(row: Firm, partners: list[ApiKey]) -> FirmPublic:
    return FirmPublic(
        id=row.id, name=row.name, address=row.address, email=row.email, phone=row.phone,
        fee_arrangement=row.fee_arrangement,
        disabled=row.disabled_at is not None, created_at=row.created_at, updated_at=row.updated_at,
        partners=[FirmPartner(key_id=k.id, name=k.name, created_at=k.created_at) for k in partners],
    )


def _invalid(exc: store_firms.FirmError) -> RequestValidationError:
    return RequestValidationError([field_error(("body", exc.field), exc.reason)])


def _not_found(firm_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"firm {firm_id} not found")


@router.get("", response_model=FirmsPublic)
async def list_firms(
    key: CurrentKey, session: SessionDep,
    include_disabled: Annotated[bool, Query(description="also the disabled firms")] = True,
) -> FirmsPublic:
    """The law firms (a partner: its own only), by name, each with its active partners."""
    only = key.firm if key.role == "partner" else None
    if key.role == "partner" and only is None:
        return FirmsPublic(data=[], count=0)
    rows = await store_firms.list_firms(session, include_disabled=include_disabled, only=only)
    partners = await store_firms.partners_of(session, [r.id for r in rows])
    return FirmsPublic(data=[_public(r, partners.get(r.id, [])) for r in rows], count=len(rows))


@router.get("/{firm_id}", response_model=FirmPublic, responses={404: {"description": "no such firm (or not yours)"}})
async def get_firm(firm_id: str, key: CurrentKey, session: SessionDep) -> FirmPublic:
    if key.role == "partner" and key.firm != firm_id:
        raise _not_found(firm_id)
    row = await store_firms.get_firm(session, firm_id)
    if row is None:
        raise _not_found(firm_id)
    partners = await store_firms.partners_of(session, [row.id])
    return _public(row, partners.get(row.id, []))


@router.post("", response_model=FirmPublic, status_code=201,
             responses={422: {"description": "a field is missing or not acceptable (a name already used)"}})
async def create_firm(body: FirmCreate, key: ManagerKey, request: Request) -> FirmPublic:
    """Add a law firm (managers). Its id is generated; partners' keys are then bound to it."""
    try:
        # A write transaction from its start (SQLite: BEGIN IMMEDIATE, waiting its turn among writers).
        async with write_session(request.app.state.sessionmaker) as session:
            row = await store_firms.create_firm(session, name=body.name, address=body.address, email=body.email,
                                                phone=body.phone, fee_arrangement=body.fee_arrangement)
    except store_firms.FirmError as exc:
        raise _invalid(exc) from None
    return _public(row, [])


@router.patch("/{firm_id}", response_model=FirmPublic,
              responses={404: {"description": "no such firm"}, 422: {"description": "a field is not acceptable"}})
async def update_firm(firm_id: str, body: FirmUpdate, key: ManagerKey, request: Request) -> FirmPublic:
    """Change a firm's particulars, or disable it (no new referrals; what it holds stays until recalled).

    Referrals already made keep the particulars they were made with (their letters were written
    with them); new ones carry the new particulars.
    """
    try:
        async with write_session(request.app.state.sessionmaker) as session:
            row = await store_firms.update_firm(session, firm_id, name=body.name, address=body.address,
                                                email=body.email, phone=body.phone,
                                                fee_arrangement=body.fee_arrangement, disabled=body.disabled)
            partners = await store_firms.partners_of(session, [row.id]) if row is not None else {}
    except store_firms.FirmError as exc:
        raise _invalid(exc) from None
    if row is None:
        raise _not_found(firm_id)
    return _public(row, partners.get(row.id, []))
