"""Uploaded evidence: contracts, vouchers, receipts a legal team or law firm adds to a matter.

`POST /matters/{id}/evidence` takes the file as the raw request body (its media type in
`Content-Type`) and what it is as query parameters. It is stored in S3 like a letter (checksum
verified by the server, never overwritten, Object Lock) and recorded in the projection; the
same bytes under the same name again are the same upload (200, nothing stored twice).
Evidence bundles carry every upload, re-verified.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import parse_qsl, quote

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.bodies import read_capped
from api.deps import AuthorisedRoute, EvidenceDep, Principal, ProjectedMatter, SessionDep, require_roles
from api.routes.documents import verified_bytes
from documents.bundle import safe_file_name
from domain.text import no_control_characters
from store import queries
from store.db import write_session
from store.evidence import EvidenceConflict
from store.models import Upload

log = logging.getLogger(__name__)

router = APIRouter(prefix="/matters", tags=["evidence"], route_class=AuthorisedRoute)

UploadKey = Annotated[Principal, require_roles("legal_team", "manager", "partner")]
MAX_UPLOAD_BYTES = 25 * 1024 * 1024


class UploadPublic(BaseModel):
    id: str
    matter_id: str
    file_name: str
    media_type: str
    description: str
    proves: str
    source: str
    sha256: str
    size: int
    version_id: str | None
    uploaded_by: str
    created_at: datetime


class UploadsPublic(BaseModel):
    data: list[UploadPublic]
    count: int


def _public(row: Upload) -> UploadPublic:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return UploadPublic(
        id=row.id, matter_id=row.matter_id, file_name=row.file_name, media_type=row.media_type,
        description=row.description, proves=row.proves, source=row.source, sha256=row.sha256, size=row.size,
        version_id=row.version_id, uploaded_by=row.uploaded_by, created_at=created,
    )  # fmt: skip


def _invalid(field: str, message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": ["query" if field != "body" else "body", field], "msg": message, "type": "value_error"}],
    )


def _text(field: str, value: str) -> str:
    try:
        return no_control_characters(value.strip())
    except ValueError as exc:
        raise _invalid(field, str(exc)) from None


def _strict_query(request: Request, fields: tuple[str, ...]) -> None:
    """Refuse percent-escapes that are not UTF-8 (the framework would store U+FFFD in their place)."""
    raw = request.scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(raw, keep_blank_values=True, errors="surrogateescape"):
        if name in fields and any("\udc80" <= ch <= "\udcff" for ch in value):
            raise _invalid(name, "percent-escapes that are not valid UTF-8")


async def _read_capped(request: Request, limit: int) -> bytes:
    """The body, refused (413) by its declared `Content-Length` or as soon as it passes `limit`."""
    too_large = HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=f"the file is larger than {limit // 2**20} MiB")
    declared = request.headers.get("content-length")
    if declared is not None and not declared.isdigit():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="Content-Length: not a number of bytes")
    body = await read_capped(request, limit)
    if body is None:
        raise too_large
    return body


@router.post(
    "/{matter_id}/evidence",
    response_model=UploadPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "the same file was already uploaded under this name: nothing changed"},
               404: {"description": "no such matter (or not one of the partner's matters)"},
               413: {"description": "the file is larger than 25 MiB"}},
)  # fmt: skip
async def upload_evidence(
    matter_id: str,
    request: Request,
    response: Response,
    key: UploadKey,
    _: ProjectedMatter,  # 404 before the query parameters and the file are looked at
    evidence: EvidenceDep,
    file_name: Annotated[str, Query(min_length=1, max_length=255)],
    description: Annotated[str, Query(min_length=1, max_length=2000)],
    proves: Annotated[str, Query(min_length=1, max_length=2000, description="what the file proves")],
    source: Annotated[str, Query(min_length=1, max_length=2000, description="where the file comes from")],
) -> UploadPublic:
    """Add a file to the matter's evidence (raw body; media type from Content-Type)."""
    _strict_query(request, ("file_name", "description", "proves", "source"))
    name = safe_file_name(_text("file_name", file_name))
    description, proves, source = (_text(f, v) for f, v in
                                   (("description", description), ("proves", proves), ("source", source)))
    media_type = (request.headers.get("content-type") or "application/octet-stream").split(";")[0].strip()
    content = await _read_capped(request, MAX_UPLOAD_BYTES)
    if not content:
        raise _invalid("body", "the file is empty")
    sha256 = hashlib.sha256(content).hexdigest()

    async with request.app.state.sessionmaker() as reader:
        existing = await queries.get_upload_by_content(reader, matter_id, sha256, name)
    if existing is not None:
        response.status_code = status.HTTP_200_OK
        return _public(existing)
    object_key = f"matters/{matter_id}/uploads/{sha256}/{name}"
    try:
        stored = await asyncio.to_thread(
            evidence.put_document, object_key, content, media_type, {"matter-id": matter_id, "kind": "upload"}
        )
    except EvidenceConflict as exc:  # cannot happen: the key names the hash
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    except (ClientError, BotoCoreError) as exc:
        log.warning("evidence store unavailable for an upload: %s", type(exc).__name__)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="the evidence store is unavailable") from None
    row = Upload(
        id=uuid.uuid4().hex, matter_id=matter_id, file_name=name, media_type=media_type, description=description,
        proves=proves, source=source, bucket=stored.bucket, key=stored.key, version_id=stored.version_id,
        sha256=stored.sha256, size=stored.size, uploaded_by=key.actor, created_at=datetime.now(UTC),
    )  # fmt: skip
    try:
        async with write_session(request.app.state.sessionmaker) as writer:
            writer.add(row)
    except IntegrityError:  # a racing identical upload won: its row is the upload
        async with request.app.state.sessionmaker() as reader:
            winner = await queries.get_upload_by_content(reader, matter_id, sha256, name)
        assert winner is not None  # the unique constraint that refused our row names it
        row = winner
        response.status_code = status.HTTP_200_OK
    log.info("evidence uploaded", extra={"upload_id": row.id, "sha256": sha256})
    return _public(row)


@router.get("/{matter_id}/evidence", response_model=UploadsPublic)
async def list_evidence(matter_id: str, key: UploadKey, _: ProjectedMatter, session: SessionDep) -> UploadsPublic:
    """The matter's uploaded evidence, oldest first."""
    rows = await queries.list_uploads(session, matter_id, firm=key.firm_scope)
    await session.commit()
    return UploadsPublic(data=[_public(r) for r in rows], count=len(rows))


@router.get(
    "/{matter_id}/evidence/{upload_id}/content",
    response_class=Response,
    responses={
        200: {"description": "the uploaded file, verified against its SHA-256"},
        404: {"description": "no such upload on this matter (or not one of the partner's matters)"},
        409: {"description": "the stored bytes fail their integrity check (or are missing): not served"},
    },
)
async def get_evidence_content(matter_id: str, upload_id: str, key: UploadKey, _: ProjectedMatter,
                               session: SessionDep, evidence: EvidenceDep) -> Response:
    """The uploaded file's bytes, re-verified against its SHA-256 on every download (`ETag`, `X-Content-SHA256`);
    a mismatch is never served (409, logged as an integrity incident)."""
    row = await session.scalar(select(Upload).where(Upload.id == upload_id[:64], Upload.matter_id == matter_id))
    await session.commit()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"upload {upload_id[:64]} not found on this matter")
    content = await verified_bytes(evidence, f"upload {row.id}", matter_id, row.key, row.version_id, row.sha256)
    ascii_name = row.file_name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return Response(content=content, media_type=row.media_type or "application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(row.file_name)}",
        "ETag": f'"{row.sha256}"',
        "X-Content-SHA256": row.sha256,
        "Cache-Control": "private, no-store",  # evidence carries personal data
        "X-Content-Type-Options": "nosniff",
    })
