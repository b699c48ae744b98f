"""Document content: the stored DOCX, re-verified against its recorded SHA-256 on every download.

Also a PDF preview of it (`/preview.pdf`), made on demand from the verified bytes with headless
LibreOffice. The PDF is derived, not evidence: it is never stored, and a document that fails its
integrity check is never converted.
"""

from __future__ import annotations

import asyncio
import logging

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import AuthorisedRoute, CurrentKey, EvidenceDep, Principal, SessionDep
from documents import preview
from store import queries
from store.evidence import EvidenceMissing, EvidenceStore, EvidenceTampered
from store.models import Document

log = logging.getLogger(__name__)

router = APIRouter(prefix="/documents", tags=["documents"], route_class=AuthorisedRoute)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"

# A conversion takes ~1-1.5 s and a whole CPU: at most this many at once per API process;
# the others wait their turn, up to PREVIEW_QUEUE_TIMEOUT seconds, then get a 503.
PREVIEW_CONCURRENCY = 2
PREVIEW_QUEUE_TIMEOUT = 30.0
PREVIEW_TIMEOUT = 60.0


async def verified_bytes(evidence: EvidenceStore, what: str, matter_id: str, key: str, version_id: str | None,
                         sha256: str) -> bytes:
    """Stored bytes, verified against the recorded SHA-256 (`what`: "document X", "upload Y", for the messages).

    409 (logged as an integrity incident) when they are tampered with or missing; 503 when the store is down."""
    try:
        return await asyncio.to_thread(evidence.get_verified, key, version_id, sha256)
    except EvidenceTampered:
        log.error("%s of matter %s failed its integrity check: not served", what, matter_id)
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"{what} failed its integrity check (sha256 mismatch); it was not served and the incident was "
            "logged",
        ) from None
    except EvidenceMissing:
        log.error("%s of matter %s is missing from the evidence store", what, matter_id)
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"{what} is recorded but its stored version is missing; the incident was logged",
        ) from None
    except (ClientError, BotoCoreError) as exc:
        log.warning("evidence store unavailable reading %s: %s", what, type(exc).__name__)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="the evidence store is unavailable") from None


async def _verified_content(
    document_id: str, key: Principal, session: AsyncSession, evidence: EvidenceStore
) -> tuple[Document, bytes]:
    """The document's row and its bytes, verified against the recorded SHA-256 (404 for a document the caller
    may not see; see `verified_bytes`)."""
    row = await queries.get_document(session, document_id, firm=key.firm_scope)
    await session.commit()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"document {document_id} not found")
    content = await verified_bytes(evidence, f"document {document_id}", row.matter_id, row.key, row.version_id,
                                   row.sha256)
    return row, content


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
    row, content = await _verified_content(document_id, key, session, evidence)
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


def _preview_slots(request: Request) -> asyncio.Semaphore:
    """The app's conversion slots, made on first use (inside the app's event loop, no await: no race)."""
    slots: asyncio.Semaphore | None = getattr(request.app.state, "preview_slots", None)
    if slots is None:
        slots = request.app.state.preview_slots = asyncio.Semaphore(PREVIEW_CONCURRENCY)
    return slots


@router.get(
    "/{document_id}/preview.pdf",
    response_class=Response,
    responses={
        200: {"content": {PDF: {}}, "description": "a PDF rendering of the verified document (derived, not evidence)"},
        404: {"description": "no such document (or not one of the partner's matters)"},
        409: {"description": "the stored bytes fail their integrity check (or are missing): not converted"},
        500: {"description": "the conversion failed"},
        503: {"description": "previews are unavailable on this server (no LibreOffice), or it is busy"},
    },
)
async def get_document_preview(
    document_id: str, request: Request, key: CurrentKey, session: SessionDep, evidence: EvidenceDep
) -> Response:
    """A PDF preview of the document, converted from the verified DOCX on every request.

    Same access and integrity rules as `/content`: a tampered document is refused (409) and never
    converted. `X-Source-SHA256` is the SHA-256 of the DOCX the PDF was made from; the PDF itself
    is not byte-stable and is not stored.
    """
    row, content = await _verified_content(document_id, key, session, evidence)
    if (row.media_type or DOCX) != DOCX:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail=f"no preview for {row.media_type}")
    if not preview.available():
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="PDF previews are unavailable on this server (LibreOffice is not installed); "
            "download the DOCX from the content URL instead",
        )
    slots = _preview_slots(request)
    try:
        async with asyncio.timeout(PREVIEW_QUEUE_TIMEOUT):
            await slots.acquire()
    except TimeoutError:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="too many previews are being made; retry shortly",
            headers={"Retry-After": "5"},
        ) from None
    try:
        pdf = await asyncio.to_thread(preview.docx_to_pdf, content, timeout=PREVIEW_TIMEOUT)
    except preview.PreviewUnavailable:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="PDF previews are unavailable on this server (LibreOffice is not installed); "
            "download the DOCX from the content URL instead",
        ) from None
    except preview.PreviewFailed as exc:
        # The message carries the converter's exit status and stderr, never document text.
        log.warning("preview of document %s failed: %s", row.id, exc)
        raise HTTPException(
            status.HTTP_500_INTERNAL_SERVER_ERROR,
            detail=f"the preview of document {document_id} could not be made; download the DOCX instead",
        ) from None
    finally:
        slots.release()
    return Response(
        content=pdf,
        media_type=PDF,
        headers={
            "Content-Disposition": f'inline; filename="{row.id}.pdf"',
            "X-Source-SHA256": row.sha256,
            "Cache-Control": "private, no-store",  # letters carry personal data
        },
    )
