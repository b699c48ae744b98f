"""Document content: the stored DOCX, re-verified against its recorded SHA-256 on every download."""

from __future__ import annotations

import asyncio
import logging

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import APIRouter, HTTPException, Response, status

from api.deps import CurrentKey, EvidenceDep, SessionDep
from store import queries
from store.evidence import EvidenceMissing, EvidenceTampered

log = logging.getLogger(__name__)

router = APIRouter(prefix="/documents", tags=["documents"])

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get(
    "/{document_id}/content",
    response_class=Response,
    responses={
        200: {"content": {DOCX: {}}, "description": "the document, verified against its SHA-256"},
        404: {"description": "no such document (or not one of the partner's matters)"},
        409: {"description": "the stored bytes fail their integrity check (or are missing): not served"},
    },
)
async def get_document_content(
    document_id: str, key: CurrentKey, session: SessionDep, evidence: EvidenceDep
) -> Response:
    """The document's bytes. `ETag` and `X-Content-SHA256` carry the SHA-256 the bytes were checked against.

    A mismatch is never served: it answers 409 (the stored evidence conflicts with its record;
    retrying cannot help) and is logged as an integrity incident.
    """
    row = await queries.get_document(session, document_id, firm=key.firm_scope)
    await session.commit()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"document {document_id} not found")
    try:
        content = await asyncio.to_thread(evidence.get_verified, row.key, row.version_id, row.sha256)
    except EvidenceTampered:
        log.error("document %s of matter %s failed its integrity check: not served", row.id, row.matter_id)
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"document {document_id} failed its integrity check (sha256 mismatch); it was not served "
            "and the incident was logged",
        ) from None
    except EvidenceMissing:
        log.error("document %s of matter %s is missing from the evidence store", row.id, row.matter_id)
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"document {document_id} is recorded but its stored version is missing; the incident was logged",
        ) from None
    except (ClientError, BotoCoreError) as exc:
        log.warning("evidence store unavailable reading %s: %s", row.id, type(exc).__name__)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="the evidence store is unavailable") from None
    filename = f"{row.id}.docx" if row.media_type == DOCX else row.id
    return Response(
        content=content,
        media_type=row.media_type or DOCX,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "ETag": f'"{row.sha256}"',
            "X-Content-SHA256": row.sha256,
            "Cache-Control": "private, no-store",  # letters carry personal data
        },
    )
