"""Dependencies: the database session, the Temporal client, the evidence store, and auth.

Auth is a Bearer API key (`Authorization: Bearer rk_...`), looked up by its SHA-256 in the
projection database. A missing or unknown key is a 401 with `WWW-Authenticate: Bearer`; a
known key of the wrong role is a 403. A partner key is bound to one firm: `Principal.firm_scope`
is passed to every query, so a matter not referred to that firm simply does not exist for it
(404), exactly like an unknown one.

Authorise first: who is calling (401), may their role do this (403), may they see this object
(404), and only then anything else (input 422, state 409, a dependency that is down 503), so
an answer never tells an outsider that something exists. Object checks are dependencies
(FastAPI runs them before it validates the query and the body), and `AuthorisedRoute` holds a
malformed JSON body back until they have run.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.errors import BODY_RESPONSES, COMMON_RESPONSES, has_lone_surrogate, lone_surrogate_position, parse_failure
from settings import Settings
from store import apikeys, queries, users
from store.evidence import EvidenceStore
from store.models import Matter

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


SESSION_COOKIE = "rc_session"  # a person's session in the web application (store/users.py)
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def _session_principal(request: Request, session: AsyncSession, token: str) -> Principal:
    """A person logged in to the web application, by the session cookie; a request that changes anything must
    carry the session's CSRF token in `X-CSRF-Token` (a cookie alone never authorises a change)."""
    found = await users.current(session, token)
    if found is None:
        raise _unauthorized("the session has ended: log in again", error="invalid_token")
    user, web = found
    if user.password_change_due:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=users.ONE_TIME_PASSWORD)
    if request.method not in _SAFE_METHODS and not secrets.compare_digest(
            request.headers.get(CSRF_HEADER, "").encode("utf-8"), web.csrf_token.encode("utf-8")):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="missing or wrong CSRF token: a change made with the "
                                                              "session cookie sends the session's token in "
                                                              "X-CSRF-Token")
    principal = Principal(key_id=f"user-{user.id}", name=user.display_name, role=user.role, firm=user.firm)
    await session.commit()
    return principal


async def get_current_key(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            return await _session_principal(request, session, token)
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
PartnerKey = Annotated[Principal, require_roles("partner")]
# Who records what happens in a matter's case, claims and assets: the staff, or the firm's partners (the
# matter's firm scoping, `ProjectedMatter`, keeps other firms out).
RecorderKey = Annotated[Principal, require_roles("partner", "manager", "legal_team")]


async def get_projected_matter(matter_id: str, key: CurrentKey, session: SessionDep) -> Matter:
    """The matter's projection row if the caller may see it; 404 (as for an unknown one) otherwise.

    A dependency, so the 404 comes before the route's query and body are validated. List the
    route's role-checked key before it, so a refused role is a 403 first.
    """
    row = await queries.get_matter(session, matter_id, firm=key.firm_scope)
    await session.commit()  # end the read: nothing held open while S3 or Temporal answer (rows stay loaded)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"matter {matter_id} not found")
    return row


ProjectedMatter = Annotated[Matter, Depends(get_projected_matter)]


# What `json()` returns for a body it could not parse: a bare object, which no model, dict, list or
# scalar type accepts (`AuthorisedRoute` refuses, when it is built, a body type that would).
_UNPARSED = object()


class _DeferredJSONRequest(Request):
    """A request whose `json()` records a parse error instead of raising it."""

    body_error: ValueError | None = None

    async def json(self) -> Any:
        try:
            value = await super().json()
        except ValueError as exc:  # JSONDecodeError, or UnicodeDecodeError for bytes that are not UTF-8
            self.body_error = exc
            return _UNPARSED
        if has_lone_surrogate(value):  # "\ud800" parses, but is not text: no field may hold it
            body = (await self.body()).decode("utf-8", "replace")
            self.body_error = json.JSONDecodeError("a lone UTF-16 surrogate escape is not text", body,
                                                   lone_surrogate_position(body))
            return _UNPARSED
        return value


class AuthorisedRoute(APIRoute):
    """A route that reports a malformed JSON body only to a caller its dependencies admit.

    FastAPI parses a JSON body before it runs any dependency, so a request with broken JSON
    would get a 422 before its key, role or object is checked. Here the parse error is held
    back: the dependencies run first (401, 403, 404), then the stand-in body fails validation
    and the caller gets the error FastAPI itself would have given.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # Document what every route behind a key really answers (401, 403, 404, 500, 503; 400 with a body).
        responses = dict(kwargs.get("responses") or {})
        extra = {**COMMON_RESPONSES, **(BODY_RESPONSES if set(kwargs.get("methods") or ()) - {"GET"} else {})}
        for code, doc in extra.items():
            responses.setdefault(code, doc)
        kwargs["responses"] = responses
        super().__init__(path, endpoint, **kwargs)
        if self.body_field is not None and not self.body_field.validate(_UNPARSED, {}, loc=("body",))[1]:
            # The endpoint would run with the stand-in for a body it never received.
            raise TypeError(f"{path}: AuthorisedRoute needs a typed body (a model), not one that accepts anything")

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def authorise_then_parse(request: Request) -> Response:
            deferred = _DeferredJSONRequest(request.scope, request.receive)
            try:
                return await handler(deferred)
            except RequestValidationError:
                exc = deferred.body_error
                if exc is None:
                    raise
                if isinstance(exc, json.JSONDecodeError):
                    raise RequestValidationError(
                        [
                            {
                                "type": "json_invalid",
                                "loc": ("body", exc.pos),
                                "msg": "JSON decode error",
                                "input": {},
                                "ctx": {"error": exc.msg},
                            }
                        ],
                        body=exc.doc,
                    ) from None
                raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=parse_failure(exc)) from None

        return authorise_then_parse
