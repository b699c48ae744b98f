"""`GET /matters/{id}/parties`: who the matter is about, for the people working it: the borrower, each
guarantor (with its guarantee's type, cap and agreed period) and the creditor, from the projection.

ID numbers are shown masked (all but the last four characters: enough to tell two people apart on a
call); the full number stays in the intake and the letters that must carry it. Firm-scoped like the rest:
a partner reads the parties of its firm's referred matters only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import AuthorisedRoute, CurrentKey, ProjectedMatter, SessionDep
from api.routes.matters import MatterId
from documents.kinds.demands import mask_id
from store import queries

router = APIRouter(prefix="/matters", tags=["matters"], route_class=AuthorisedRoute)

# What a party's role-specific record may show (never anything else kept there).
_SHOWN = ("guarantee_type", "cap", "period_ends_on", "registration_number")


class PartyPublic(BaseModel):
    role: str = Field(description="borrower, guarantor or creditor")
    position: int = Field(description="0 for the borrower and the creditor; guarantors 0, 1, ... in intake order")
    name: str
    id_number_masked: str | None = Field(default=None, description="all but the last four characters hidden")
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    locale: str | None = None
    details: dict[str, Any] = Field(default={}, description="guarantee_type, cap, period_ends_on (guarantors); "
                                                            "registration_number (creditor)")


class PartiesPublic(BaseModel):
    data: list[PartyPublic]
    count: int


@router.get("/{matter_id}/parties", response_model=PartiesPublic)
async def list_parties(matter_id: MatterId, key: CurrentKey, _: ProjectedMatter, session: SessionDep) -> PartiesPublic:
    """The borrower, the guarantors in intake order, then the creditor (404 when the matter is not visible)."""
    rows = await queries.get_parties(session, matter_id, firm=key.firm_scope)
    data = [PartyPublic(role=p.role, position=p.position, name=p.name,
                        id_number_masked=mask_id(p.id_number) if p.id_number else None, phone=p.phone,
                        email=p.email, address=p.address, locale=p.locale,
                        details={k: v for k, v in (p.details or {}).items() if k in _SHOWN and v is not None})
            for p in rows]
    return PartiesPublic(data=data, count=len(data))
