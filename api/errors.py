"""Error responses that name the field and the reason, never echo the input, and never crash.

- 422: each error is `{"type", "loc", "msg"}` (plus `ctx` for the few types whose context is the
  rule, e.g. the allowed values). The caller's value (`input`) is never returned: it may be a
  borrower's data or ten megabytes. Messages are capped, and at most `MAX_ERRORS` are listed.
- Any text that cannot be encoded as UTF-8 (a lone UTF-16 surrogate such as `"\\ud800"`) is
  replaced, so building an error can never fail.
- 400 for a body that could not be parsed says where, when the parser knows (byte offset).
- 500: the log gets the route, the exception's type and the code locations (file, line,
  function) only, never the exception's message or arguments, which may carry the input.
"""

from __future__ import annotations

import logging
import re
import traceback
import uuid
from typing import Any

from botocore.exceptions import BotoCoreError
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store.db import DatabaseTimeout

log = logging.getLogger("api.errors")


class ErrorPublic(BaseModel):
    """Every error answer: `detail` says what and why (a 422 lists `{type, loc, msg}` per field)."""

    detail: str | list[dict[str, Any]]
    error_id: str | None = Field(default=None, description="a 500's id, also in the server's log line")


# What any route behind an API key may answer besides its own outcomes.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "no API key, or an unknown or revoked one"},
    403: {"model": ErrorPublic, "description": "the key's role may not do this"},
    404: {"model": ErrorPublic, "description": "no such object, or not one the caller may see"},
    500: {"model": ErrorPublic, "description": "an unexpected error; `error_id` names its log line"},
    503: {"model": ErrorPublic, "description": "a dependency (Temporal, S3, the database) is unavailable; retry"},
}
BODY_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "the body could not be read (e.g. not UTF-8: the byte is named)"},
}

MAX_ERRORS = 20
MAX_MSG = 300
MAX_LOC_PART = 100
PARSE_FAILED = "There was an error parsing the body"
# Context keys that describe the rule, not the input (pydantic's `ctx`).
_RULE_CTX = frozenset({"expected", "pattern", "min_length", "max_length", "ge", "gt", "le", "lt", "max_digits",
                       "decimal_places", "multiple_of", "allowed_schemes", "max_length_bytes"})


def safe_text(value: object, limit: int = MAX_MSG) -> str:
    """`value` as text that is valid UTF-8 and at most `limit` characters (with an ellipsis)."""
    text = value if isinstance(value, str) else str(value)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become '?'
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _loc_part(part: Any) -> str | int:
    return part if isinstance(part, int) else safe_text(part, MAX_LOC_PART)


def _ctx(error: dict[str, Any]) -> dict[str, Any] | None:
    ctx = error.get("ctx") or {}
    kept = {k: (v if isinstance(v, (int, float, bool)) else safe_text(v)) for k, v in ctx.items() if k in _RULE_CTX}
    if error.get("type") == "json_invalid" and "error" in ctx:
        kept["error"] = safe_text(ctx["error"])
    return kept or None


def validation_errors(errors: list[Any]) -> list[dict[str, Any]]:
    """pydantic/FastAPI errors as the API returns them: field and reason, no input."""
    out: list[dict[str, Any]] = []
    for error in errors[:MAX_ERRORS]:
        item: dict[str, Any] = {
            "type": safe_text(error.get("type", "value_error"), 60),
            "loc": [_loc_part(p) for p in error.get("loc", ())][:10],
            "msg": safe_text(error.get("msg", "invalid")),
        }
        ctx = _ctx(error)
        if ctx:
            item["ctx"] = ctx
        out.append(item)
    if len(errors) > MAX_ERRORS:
        out.append({"type": "too_many_errors", "loc": [], "msg": f"{len(errors) - MAX_ERRORS} more errors not shown"})
    return out


_SURROGATE = re.compile(r"[\ud800-\udfff]")
# An escape of a surrogate: a backslash preceded by an even number of backslashes, then uD800-uDFFF.
_SURROGATE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u([dD][89a-fA-F][0-9a-fA-F]{2})")


def has_lone_surrogate(value: Any) -> bool:
    """True if any string (or key) in a parsed JSON value holds a UTF-16 surrogate code point.

    `json.loads` joins a valid escaped pair into one character, so what is left is a lone half.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def lone_surrogate_position(doc: str) -> int:
    """The offset of the first surrogate escape in `doc` that is not half of a valid pair (else 0)."""
    matches = list(_SURROGATE_ESCAPE.finditer(doc))
    for i, m in enumerate(matches):
        unit = int(m.group(1), 16)
        if unit < 0xDC00:  # high half: valid only if a low half's escape follows at once
            nxt = matches[i + 1] if i + 1 < len(matches) else None
            if nxt is None or nxt.start() != m.end() or int(nxt.group(1), 16) < 0xDC00:
                return m.start() + m.group(0).index("\\u")
        else:  # low half: valid only right after a high half
            prev = matches[i - 1] if i > 0 else None
            if prev is None or prev.end() != m.start() or int(prev.group(1), 16) >= 0xDC00:
                return m.start() + m.group(0).index("\\u")
    return 0


def parse_failure(exc: BaseException | None) -> str:
    """Where a body failed to parse, in words, when the parser says (never the bytes themselves)."""
    if isinstance(exc, UnicodeDecodeError):
        return f"{PARSE_FAILED}: not valid UTF-8 at byte {exc.start}"
    if exc is not None:
        name = type(exc).__name__
        return f"{PARSE_FAILED} ({name})"
    return PARSE_FAILED


def _locations(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)[-8:]
    return " <- ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno} {f.name}" for f in reversed(frames))


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_errors(list(exc.errors()))},
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail: Any = exc.detail
        if exc.status_code == status.HTTP_400_BAD_REQUEST and detail == PARSE_FAILED:
            detail = parse_failure(exc.__cause__)
        elif isinstance(detail, str):
            detail = safe_text(detail, 2000)
        if exc.status_code in (204, 304) or exc.status_code < 200:
            return Response(status_code=exc.status_code, headers=getattr(exc, "headers", None))
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(SQLAlchemyTimeout)
    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return JSONResponse({"detail": "the database is unavailable; retry"}, status_code=503,
                            headers={"Retry-After": "5"})

    @app.exception_handler(DatabaseTimeout)
    async def _database_hung(request: Request, exc: DatabaseTimeout) -> JSONResponse:
        log.warning("database did not answer on %s %s within %g s", request.method, request.url.path, exc.seconds)
        return JSONResponse({"detail": f"the database did not answer within {exc.seconds:g} s; retry"},
                            status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(BotoCoreError)
    async def _s3_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("evidence store unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return JSONResponse({"detail": "the evidence store (S3) is unavailable; retry"}, status_code=503,
                            headers={"Retry-After": "5"})

    app.add_middleware(CrashBarrier)


class CrashBarrier:
    """Answers 500 for an exception no handler took, and logs it without its message.

    Starlette's own error middleware re-raises after answering, so the server would log the
    traceback with the exception's message (which may quote a borrower's data). Here the
    exception ends: the log gets an error id, the route, the type and the code locations.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            error_id = uuid.uuid4().hex[:12]
            log.error("error %s on %s %s: %s at %s", error_id, scope.get("method"), scope.get("path"),
                      type(exc).__name__, _locations(exc))
            if started:  # too late for a status: end the response
                return
            response = JSONResponse({"detail": "internal error", "error_id": error_id},
                                    status_code=status.HTTP_500_INTERNAL_SERVER_ERROR)
            await response(scope, receive, send)
