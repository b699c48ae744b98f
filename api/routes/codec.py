"""Temporal's remote codec protocol: managers read a matter's history decrypted in Temporal's own Web UI.

Every payload in Temporal is encrypted (workers/codec.py), so Temporal's Web UI shows ciphertext. The UI (and
`temporal workflow show --codec-endpoint`) can send the payloads it shows to a "codec server":
`POST {endpoint}/decode` with the proto JSON of a `Payloads` message, `{"payloads": [{"metadata": {key:
base64}, "data": base64}]}`, and the header `X-Namespace`; the answer has the same shape, decoded. This is
that endpoint, at `/codec` (`/codec/decode`), with the API's own codec (the Temporal client's).

Who may decode: a manager only, by a manager API key (`Authorization: Bearer rk_...`, e.g. the CLI) or by the
session cookie of a manager logged in to the web application (`rc_session`: the browser sends it when the UI
is set to include credentials). Everyone else gets 401/403, and the UI then shows the payloads as they are.

The cookie is accepted here without the session's CSRF token (the UI cannot send one), because decoding
changes nothing and its answer can only be read where the Origin check and CORS allow it: a request with the
cookie must come from Temporal's Web UI (`Settings.temporal_ui()`) or the API itself, by its `Origin` header;
the body must be `application/json` (which, across origins, a browser sends only after a preflight, answered
for the UI's origin only). CORS is answered on these paths only, with credentials, never for `*`.

`/codec/encode` is not offered: encoding would let anyone who holds the key's endpoint write encrypted
payloads (signals, workflow starts) into matters past the API, which checks and records every change.
Changes go through the API. So it answers 401 without credentials and 403 to everyone else.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from temporalio.api.common.v1 import Payload

from api.bodies import read_capped
from api.deps import SESSION_COOKIE, Principal, SessionDep, SettingsDep, get_temporal
from api.errors import safe_text, validation_errors
from settings import Settings
from store import apikeys, users

log = logging.getLogger(__name__)
router = APIRouter(prefix="/codec", tags=["codec"])

# Temporal refuses a payload above 2 MB by default; base64 adds a third: one such payload fits, with room.
MAX_BODY = 4 * 1024 * 1024
MAX_PAYLOADS = 1000
# What the UI sends: its JSON body, the namespace, and (when it passes its access token) Authorization.
ALLOWED_HEADERS = "Content-Type, X-Namespace, Authorization"
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
_STALE = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def _base64(value: str) -> str:
    """Proto JSON bytes: standard or URL-safe base64, padding optional (what `json_format` reads)."""
    if not _BASE64.fullmatch(value) or len(value.rstrip("=")) % 4 == 1:
        raise ValueError("not base64")
    return value


class PayloadJSON(BaseModel):
    """One `temporal.api.common.v1.Payload` in proto JSON (other Payload fields pass through as they are)."""

    model_config = ConfigDict(extra="allow")

    metadata: dict[str, str] = Field(default_factory=dict, description="each value base64")
    data: str = Field(default="", description="base64")

    @field_validator("metadata")
    @classmethod
    def _metadata_is_base64(cls, value: dict[str, str]) -> dict[str, str]:
        for key, item in value.items():
            try:
                _base64(item)
            except ValueError:
                raise ValueError(f"metadata {key[:50]!r} is not base64") from None
        return value

    @field_validator("data")
    @classmethod
    def _data_is_base64(cls, value: str) -> str:
        return _base64(value)


class PayloadsJSON(BaseModel):
    """A `temporal.api.common.v1.Payloads` in proto JSON: the body and the answer of `/codec/decode`."""

    model_config = ConfigDict(extra="forbid")

    payloads: list[PayloadJSON] = Field(max_length=MAX_PAYLOADS)


def ui_origins(settings: Settings) -> frozenset[str]:
    """The origins of Temporal's Web UI (on this machine, both names of the loopback address)."""
    parts = urlsplit(settings.temporal_ui())
    scheme = parts.scheme.lower()
    origins = {f"{scheme}://{parts.netloc.lower()}"}
    if parts.hostname in ("127.0.0.1", "localhost"):
        port = f":{parts.port}" if parts.port else ""
        origins |= {f"{scheme}://127.0.0.1{port}", f"{scheme}://localhost{port}"}
    return frozenset(origins)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _cors(request: Request, settings: Settings) -> dict[str, str]:
    """The CORS answer for this request's Origin; a browser page of any other origin is refused (403)."""
    origin = request.headers.get("origin")
    if origin is None or origin == _origin(settings.api_url()):
        return {"Vary": "Origin"}  # not a browser, or the API's own pages: no CORS needed
    if origin in ui_origins(settings):
        return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true", "Vary": "Origin"}
    raise HTTPException(status.HTTP_403_FORBIDDEN, headers={"Vary": "Origin"},
                        detail=f"the codec answers pages of Temporal's Web UI only ({settings.temporal_ui()})")


def _refuse(code: int, detail: Any, cors: dict[str, str], **headers: str) -> HTTPException:
    return HTTPException(code, detail=detail, headers={**cors, **headers})


async def _manager(request: Request, session: SessionDep, settings: Settings, cors: dict[str, str]) -> Principal:
    """The caller, if a manager: by API key, or by a web session from the UI's (or the API's) origin."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, key = header.partition(" ")
        row = await apikeys.authenticate(session, key.strip()) if scheme.lower() == "bearer" else None
        await session.commit()
        if row is None:
            raise _refuse(401, "invalid or revoked API key", cors, **_STALE)
        principal = Principal(key_id=row.id, name=row.name or "", role=row.role, firm=row.firm)
    else:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise _refuse(401, "log in to the web application as a manager (or send 'Authorization: Bearer "
                               "<manager key>'); set Temporal's Web UI to include credentials", cors,
                          **{"WWW-Authenticate": "Bearer"})
        origin = request.headers.get("origin")
        if origin not in ui_origins(settings) | {_origin(settings.api_url())}:
            raise _refuse(403, f"a session cookie is accepted only from Temporal's Web UI ({settings.temporal_ui()})"
                               ", by the request's Origin header", cors)
        found = await users.current(session, token)
        await session.commit()
        if found is None:
            raise _refuse(401, "the session has ended: log in again", cors, **_STALE)
        user, _ = found
        if user.password_change_due:  # (as the JSON API: nothing but the password page until it is their own)
            raise _refuse(403, users.ONE_TIME_PASSWORD, cors)
        principal = Principal(key_id=f"user-{user.id}", name=user.display_name, role=user.role, firm=user.firm)
    if principal.role != "manager":
        raise _refuse(403, f"role {principal.role!r} may not read decrypted payloads; allowed: manager", cors)
    return principal


async def _body(request: Request, cors: dict[str, str]) -> Any:
    """The JSON body, at most MAX_BODY bytes (413 beyond, 415 for another media type, 422 if not JSON)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise _refuse(415, "the body must be application/json: {\"payloads\": [...]}", cors)
    body = await read_capped(request, MAX_BODY)
    if body is None:
        raise _refuse(413, f"the body is over {MAX_BODY} bytes: send fewer payloads at a time", cors)
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than the parser goes
        where = exc.pos if isinstance(exc, json.JSONDecodeError) else 0
        raise _refuse(422, [{"type": "json_invalid", "loc": ["body", where], "msg": "JSON decode error"}],
                      cors) from None


def _payloads(raw: Any, cors: dict[str, str]) -> list[Payload]:
    """The body as Payload messages; a 422 names the field (`body.payloads.0.data`) and the reason."""
    try:
        PayloadsJSON.model_validate(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise _refuse(422, validation_errors(errors), cors) from None
    out = []
    for n, item in enumerate(raw["payloads"]):
        try:
            out.append(json_format.ParseDict(item, Payload()))
        except (json_format.ParseError, ValueError, TypeError) as exc:
            raise _refuse(422, [{"type": "value_error", "loc": ["body", "payloads", n],
                                 "msg": safe_text(str(exc), 300)}], cors) from None
    return out


@router.options("/decode", include_in_schema=False)
@router.options("/encode", include_in_schema=False)
async def preflight(request: Request, settings: SettingsDep) -> Response:
    """The browser's CORS preflight: allowed for Temporal's Web UI only, with credentials."""
    origin = request.headers.get("origin", "")
    wanted = request.headers.get("access-control-request-method", "POST").upper()
    if origin not in ui_origins(settings) or wanted != "POST":
        return JSONResponse({"detail": f"the codec answers pages of Temporal's Web UI only ({settings.temporal_ui()}"
                                       "), by POST"}, status_code=403, headers={"Vary": "Origin"})
    return Response(status_code=204, headers={
        "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": "600", "Vary": "Origin"})


_DOCUMENTED: dict[int | str, dict[str, Any]] = {
    200: {"model": PayloadsJSON, "description": "the payloads, decoded (others returned as they came)"},
    401: {"description": "no credentials, or an unknown key or ended session"},
    403: {"description": "not a manager; a page of another origin; a cookie without the UI's Origin; another "
                         "namespace"},
    413: {"description": f"a body over {MAX_BODY} bytes"},
    415: {"description": "a body that is not application/json"},
    422: {"description": "not a Payloads message (the field and the reason), or a payload that cannot be "
                         "decrypted"},
}


_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/PayloadsJSON"}}}}}


@router.post("/decode", responses=_DOCUMENTED, response_model=None, openapi_extra=_BODY)
async def decode(request: Request, settings: SettingsDep, session: SessionDep) -> JSONResponse:
    """Decrypt payloads for a manager (Temporal's remote codec protocol: `Payloads` in proto JSON, both ways)."""
    cors = _cors(request, settings)
    who = await _manager(request, session, settings, cors)
    namespace = request.headers.get("x-namespace")
    if namespace is not None and namespace != settings.temporal_namespace:
        raise _refuse(403, f"this codec serves the namespace {settings.temporal_namespace!r} only", cors)
    payloads = _payloads(await _body(request, cors), cors)
    codec = get_temporal(request).data_converter.payload_codec
    decoded: list[Payload] = []
    for n, payload in enumerate(payloads):
        try:
            decoded += await codec.decode([payload]) if codec is not None else [payload]
        except (ValueError, InvalidTag, DecodeError):
            raise _refuse(422, [{"type": "value_error", "loc": ["body", "payloads", n, "data"],
                                 "msg": "cannot be decrypted with the configured keys"}], cors) from None
    log.info("codec: %s read %d decrypted payload(s) of namespace %s", who.actor, len(decoded),
             settings.temporal_namespace)
    return JSONResponse({"payloads": [json_format.MessageToDict(p) for p in decoded]}, headers=cors)


@router.post("/encode", responses={401: _DOCUMENTED[401], 403: {"description": "encoding is not offered"}},
             response_model=None)
async def encode(request: Request, settings: SettingsDep, session: SessionDep) -> JSONResponse:
    """Not offered: changes to a matter go through the API, which checks them and records who made them."""
    cors = _cors(request, settings)
    await _manager(request, session, settings, cors)
    raise _refuse(403, "encoding is not offered: signal or change a matter through the recovery API, which "
                       "checks and records every change", cors)
