"""Evidence bundles: a matter's stored letters, verified, zipped with a manifest and a catalogue.

`POST /matters/{id}/bundles` fetches every stored document of the matter through the
evidence store (each one re-hashed against its recorded SHA-256: a tampered or missing
letter stops the request with a 409 naming it, and nothing is bundled), builds the
deterministic bundle (`documents.bundle`), stores the ZIP like any document (write-once,
checksummed, Object-Locked) and records it. Staff and the partner of the matter's firm may
make and read bundles; any other matter is a 404 for a partner.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from typing import Annotated

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import APIRouter, Body, HTTPException, Request, Response, status

from api.deps import AuthorisedRoute, EvidenceDep, Principal, ProjectedMatter, SessionDep, require_roles
from api.schemas_evidence import BundleCreate, BundleFilePublic, BundlePublic
from documents.bundle import BUNDLE_MEDIA_TYPE, build_bundle
from documents.bundle_items import NoParties, catalog_base, document_item, payments_item, upload_item
from documents.contexts import LOCALES
from store import queries
from store.db import write_session
from store.evidence import EvidenceError, EvidenceMissing, EvidenceStore, EvidenceTampered
from store.models import EvidenceBundle

log = logging.getLogger(__name__)

router = APIRouter(prefix="/matters", tags=["bundles"], route_class=AuthorisedRoute)

BundleKey = Annotated[Principal, require_roles("legal_team", "manager", "partner")]

def bundle_key(matter_id: str, bundle_id: str) -> str:
    return f"matters/{matter_id}/bundles/{bundle_id}.zip"


def _public(row: EvidenceBundle) -> BundlePublic:
    files = row.manifest.get("files", [])
    return BundlePublic(
        id=row.id,
        matter_id=row.matter_id,
        sha256=row.sha256,
        size=row.size,
        version_id=row.version_id,
        item_count=row.item_count,
        items=[BundleFilePublic.model_validate(entry) for entry in files],
        manifest=row.manifest,
        created_by=row.created_by,
        created_at=row.created_at,
        content_url=f"/matters/{row.matter_id}/bundles/{row.id}/content",
    )


def _integrity_failure(what: str, exc: EvidenceError | ClientError | BotoCoreError) -> HTTPException:
    if isinstance(exc, EvidenceTampered):
        return HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"{what} failed its integrity check (sha256 mismatch); it was not used and the incident was logged",
        )
    if isinstance(exc, EvidenceMissing):
        return HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"{what} is recorded but its stored version is missing; the incident was logged",
        )
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="the evidence store is unavailable")


async def _fetch(evidence: EvidenceStore, what: str, key: str, version_id: str | None, sha256: str) -> bytes:
    try:
        return await asyncio.to_thread(evidence.get_verified, key, version_id, sha256)
    except (EvidenceTampered, EvidenceMissing, ClientError, BotoCoreError) as exc:
        log.error("%s could not be read verified: %s", what, type(exc).__name__)
        raise _integrity_failure(what, exc) from None


@router.post(
    "/{matter_id}/bundles",
    status_code=status.HTTP_201_CREATED,
    responses={
        404: {"description": "no such matter (or not one of the partner's matters)"},
        409: {"description": "a stored document failed its integrity check, or there is nothing to bundle"},
    },
)
async def create_bundle(
    matter_id: str,
    key: BundleKey,
    matter: ProjectedMatter,  # 404 before the body is looked at
    session: SessionDep,
    evidence: EvidenceDep,
    request: Request,
    body: Annotated[BundleCreate | None, Body()] = None,
) -> BundlePublic:
    """Bundle the matter's stored letters and uploaded evidence (each re-verified against its
    SHA-256) and its payment records, and store the ZIP."""
    documents = await queries.list_documents(session, matter_id, firm=key.firm_scope)
    payments = await queries.list_payments(session, matter_id, firm=key.firm_scope)
    uploads = await queries.list_uploads(session, matter_id, firm=key.firm_scope)
    parties = await queries.get_parties(session, matter_id, firm=key.firm_scope)
    await session.commit()  # no transaction held open while S3 answers (rows stay loaded)
    if not documents and not uploads:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"matter {matter_id} has no stored documents to bundle")
    locale = (body.locale if body else None) or matter.borrower_locale
    locale = locale if locale in LOCALES else "zh-CN"
    items = []
    for doc in documents:
        content = await _fetch(evidence, f"document {doc.id}", doc.key, doc.version_id, doc.sha256)
        items.append(document_item(doc, content, locale))
    for upload in uploads:
        content = await _fetch(evidence, f"upload {upload.id}", upload.key, upload.version_id, upload.sha256)
        items.append(upload_item(upload, content))
    if payments:
        items.append(payments_item(payments, locale))

    bundle_id = uuid.uuid4().hex
    created_at = datetime.now(UTC).replace(microsecond=0)
    try:
        base = catalog_base(matter, parties, f"EB-{bundle_id}", locale)
    except NoParties as exc:  # the projection lags behind intake
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    bundle = await asyncio.to_thread(
        build_bundle, items, catalog_context_base=base, locale=locale, created_at=created_at
    )
    try:
        stored = await asyncio.to_thread(
            evidence.put_document,
            bundle_key(matter_id, bundle_id),
            bundle.content,
            BUNDLE_MEDIA_TYPE,
            {"bundle-id": bundle_id, "kind": "evidence-bundle"},
        )
    except (ClientError, BotoCoreError) as exc:
        log.warning("evidence store unavailable storing bundle %s: %s", bundle_id, type(exc).__name__)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="the evidence store is unavailable") from None
    row = EvidenceBundle(
        id=bundle_id,
        matter_id=matter_id,
        bucket=stored.bucket,
        key=stored.key,
        version_id=stored.version_id,
        sha256=stored.sha256,
        size=stored.size,
        item_count=bundle.item_count,
        manifest=bundle.manifest,
        created_by=key.actor,
        created_at=created_at,
    )
    async with write_session(request.app.state.sessionmaker) as writer:
        writer.add(row)
    log.info("evidence bundle stored", extra={"bundle_id": bundle_id, "sha256": stored.sha256})
    return _public(row)


async def _visible_bundle(session: SessionDep, key: Principal, matter_id: str, bundle_id: str) -> EvidenceBundle:
    row = await queries.get_bundle(session, matter_id, bundle_id, firm=key.firm_scope)
    await session.commit()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"bundle {bundle_id} of matter {matter_id} not found")
    return row


@router.get(
    "/{matter_id}/bundles/{bundle_id}",
    responses={404: {"description": "no such bundle (or not one of the partner's matters)"}},
)
async def get_bundle(matter_id: str, bundle_id: str, key: BundleKey, session: SessionDep) -> BundlePublic:
    """The bundle: its SHA-256, size, manifest and the files it holds."""
    return _public(await _visible_bundle(session, key, matter_id, bundle_id))


@router.get(
    "/{matter_id}/bundles/{bundle_id}/content",
    response_class=Response,
    responses={
        200: {"content": {BUNDLE_MEDIA_TYPE: {}}, "description": "the ZIP, verified against its SHA-256"},
        404: {"description": "no such bundle (or not one of the partner's matters)"},
        409: {"description": "the stored bytes fail their integrity check (or are missing): not served"},
    },
)
async def get_bundle_content(
    matter_id: str, bundle_id: str, key: BundleKey, session: SessionDep, evidence: EvidenceDep
) -> Response:
    """The bundle's ZIP. `ETag` and `X-Content-SHA256` carry the SHA-256 the bytes were checked against."""
    row = await _visible_bundle(session, key, matter_id, bundle_id)
    content = await _fetch(evidence, f"bundle {bundle_id}", row.key, row.version_id, row.sha256)
    return Response(
        content=content,
        media_type=BUNDLE_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="evidence-bundle-{row.id}.zip"',
            "ETag": f'"{row.sha256}"',
            "X-Content-SHA256": row.sha256,
            "Cache-Control": "private, no-store",  # letters carry personal data
        },
    )
