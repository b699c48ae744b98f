"""Dependencies: the database session, the Temporal client, the evidence store, and auth.

Auth is a Bearer API key (`Authorization: Bearer rk_...`), looked up by its SHA-256 in the
projection database. A missing or unknown key is a 401 with `WWW-Authenticate: Bearer`; a
known key of the wrong role is a 403. A partner key is bound to one firm: `Principal.firm_scope`
is passed to every query, so a matter not referred to that firm simply does not exist for it
(404), exactly like an unknown one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from settings import Settings
from store import apikeys
from store.evidence import EvidenceStore

Role = str  # legal_team | manager | partner


@dataclass(frozen=True)
class Principal:
    """The caller, as authenticated by its API key (a plain value, not the ORM row)."""

    key_id: str
    name: str
    role: Role
    firm: str | None

    @property
    def actor(self) -> str:
        """Who did it, as recorded with every command: the key's name and a short id."""
        return f"{self.name[:150]} ({self.key_id[:8]})" if self.name else self.key_id

    @property
    def firm_scope(self) -> str | None:
        """The firm a partner is confined to; None (everything) for staff."""
        return self.firm if self.role == "partner" else None


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


def get_temporal(request: Request) -> Client:
    return request.app.state.temporal  # type: ignore[no-any-return]


def get_evidence(request: Request) -> EvidenceStore:
    return request.app.state.evidence  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
EvidenceDep = Annotated[EvidenceStore, Depends(get_evidence)]

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer rk_...`")


def _unauthorized(detail: str, error: str | None = None) -> HTTPException:
    challenge = "Bearer" if error is None else f'Bearer error="{error}"'
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": challenge})


async def get_current_key(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise _unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    row = await apikeys.authenticate(session, credentials.credentials)
    if row is None:
        raise _unauthorized("invalid or revoked API key", error="invalid_token")
    principal = Principal(key_id=row.id, name=row.name or "", role=row.role, firm=row.firm)
    # End the read transaction now (commit keeps loaded rows; rollback would expire them):
    # the rest of the request may wait on Temporal for a while.
    await session.commit()
    return principal


CurrentKey = Annotated[Principal, Depends(get_current_key)]


def require_roles(*roles: Role) -> Any:
    """A dependency admitting only keys of `roles` (403 for the others)."""

    async def guard(key: CurrentKey) -> Principal:
        if key.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {key.role!r} may not do this; allowed: {', '.join(roles)}",
            )
        return key

    return Depends(guard)


StaffKey = Annotated[Principal, require_roles("legal_team", "manager")]
ManagerKey = Annotated[Principal, require_roles("manager")]
