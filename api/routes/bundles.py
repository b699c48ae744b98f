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
import json
import logging
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import APIRouter, Body, HTTPException, Request, Response, status

from api.deps import AuthorisedRoute, EvidenceDep, Principal, ProjectedMatter, SessionDep, require_roles
from api.schemas import BundleCreate, BundleFilePublic, BundlePublic
from documents.bundle import BUNDLE_MEDIA_TYPE, BundleItem, build_bundle
from documents.contexts import LOCALES
from documents.renderer import DOCX_MEDIA_TYPE
from domain.parties import Borrower, Creditor
from store import queries
from store.db import write_session
from store.evidence import EvidenceError, EvidenceMissing, EvidenceStore, EvidenceTampered
from store.models import Document, EvidenceBundle, Matter, Party, Payment

log = logging.getLogger(__name__)

router = APIRouter(prefix="/matters", tags=["bundles"], route_class=AuthorisedRoute)

BundleKey = Annotated[Principal, require_roles("legal_team", "manager", "partner")]

# What each stored letter is and proves, per catalogue language.
_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "zh-CN": {"collection_notice": "催收通知书", "reminder_letter": "还款提醒函", "closure_letter": "结清证明"},
    "en": {"collection_notice": "Collection notice", "reminder_letter": "Reminder letter",
           "closure_letter": "Payoff and closure letter"},
}  # fmt: skip
_PROVES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "collection_notice": "债权人已向借款人书面催收，诉讼时效自送达之日起中断",
        "reminder_letter": "债权人再次向借款人书面催收，诉讼时效自送达之日起中断",
        "closure_letter": "借款合同项下债务已结清",
    },
    "en": {
        "collection_notice": "The creditor demanded payment in writing; the limitation period was interrupted",
        "reminder_letter": "The creditor demanded payment again in writing; the limitation period was interrupted",
        "closure_letter": "The debt under the loan contract was discharged",
    },
}
_OTHER = {"zh-CN": ("函件", "债权人与借款人之间的往来"), "en": ("Letter", "Correspondence between the parties")}
_SOURCE = {"zh-CN": "本系统生成并存证（{id}）", "en": "Generated and stored by the recovery system ({id})"}


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


def _catalog_base(matter: Matter, parties: list[Party], bundle_id: str, locale: str) -> dict[str, Any]:
    borrower_row = next((p for p in parties if p.role == "borrower"), None)
    creditor_row = next((p for p in parties if p.role == "creditor"), None)
    if borrower_row is None or creditor_row is None:  # the projection lags behind intake
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"matter {matter.id} has no parties recorded yet; retry")
    creditor = Creditor(
        name=creditor_row.name,
        address=creditor_row.address,
        phone=creditor_row.phone,
        registration_number=(creditor_row.details or {}).get("registration_number"),
    )
    borrower = Borrower.model_validate({
        "name": borrower_row.name,
        "id_number": borrower_row.id_number or "-",
        "phone": borrower_row.phone,
        "email": borrower_row.email,
        "address": borrower_row.address,
        "locale": borrower_row.locale or "zh-CN",
        "timezone": borrower_row.timezone or "Asia/Shanghai",
    })
    contract = matter.details.get("contract", {})
    if locale == "zh-CN":
        title = f"{creditor.name}诉{borrower.name}金融借款合同纠纷"
    else:
        title = f"{creditor.name} v. {borrower.name} (loan contract dispute)"
    return {
        "reference": f"EB-{bundle_id}",
        "creditor": creditor,
        "borrower": borrower,
        "contract_number": contract["number"],
        "contract_signed_on": contract["signed_on"],
        "case_title": title[:500],
        "matter_reference": (matter.external_ref or matter.id)[:128],
    }


_PAYMENTS = {
    "zh-CN": ("还款记录（含冲抵明细）", "借款人已还款项、到账日期及其按费用、罚息、利息、本金顺序冲抵的情况",
              "本系统还款台账（由流程引擎确认的还款指令记录）"),
    "en": ("Payment records (with allocation)",
           "Payments received, their dates and their allocation to costs, fees, penalty, interest and principal",
           "The recovery system's payments ledger (payments accepted by the matter's workflow)"),
}  # fmt: skip


def _payments_item(payments: list[Payment], locale: str) -> BundleItem:
    """The matter's payments as canonical JSON: the same payments always give the same bytes."""
    records = [
        {
            "payment_id": p.payment_id,
            "amount": {"amount": format(p.amount.quantize(Decimal("0.01")), "f"), "currency": p.currency},
            "received_on": p.received_on.isoformat(),
            "allocation": p.allocation,
            "recorded_by": p.actor,
            "recorded_at": _utc(p.recorded_at).isoformat(),
        }
        for p in payments
    ]
    content = json.dumps(records, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    description, proves, source = _PAYMENTS[locale]
    return BundleItem(
        file_name="payments.json",
        media_type="application/json",
        content=content,
        source=source,
        created_at=max(_utc(p.recorded_at) for p in payments),
        description=description,
        proves=proves,
    )


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _item(doc: Document, content: bytes, locale: str) -> BundleItem:
    other_description, other_proves = _OTHER[locale]
    extension = ".docx" if doc.media_type == DOCX_MEDIA_TYPE else ""
    return BundleItem(
        file_name=f"{doc.kind}-{doc.id}{extension}",
        media_type=doc.media_type,
        content=content,
        source=_SOURCE[locale].format(id=doc.id),
        created_at=doc.created_at,
        description=_DESCRIPTIONS[locale].get(doc.kind, other_description),
        proves=_PROVES[locale].get(doc.kind, other_proves),
    )


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
        items.append(_item(doc, content, locale))
    for upload in uploads:
        content = await _fetch(evidence, f"upload {upload.id}", upload.key, upload.version_id, upload.sha256)
        items.append(BundleItem(
            file_name=upload.file_name, media_type=upload.media_type, content=content, source=upload.source,
            created_at=_utc(upload.created_at), description=upload.description, proves=upload.proves,
        ))  # fmt: skip
    if payments:
        items.append(_payments_item(payments, locale))

    bundle_id = uuid.uuid4().hex
    created_at = datetime.now(UTC).replace(microsecond=0)
    base = _catalog_base(matter, parties, bundle_id, locale)
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
