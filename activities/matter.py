"""The matter's side effects: rendering and storing letters, writing the projection.

Each activity is idempotent by business identity: a letter's `document_id` names exactly
one S3 object and one database row, so a retry after a crash (even after the object was
stored but before the row was written) produces neither a second object nor a second row.
Blocking work (docxtpl, boto3) runs in a thread so the worker's event loop stays free.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.inputs import PROJECT, RENDER_LETTER, LetterRequest
from documents import contexts as ctx
from documents.renderer import RenderedDocument, render
from domain.evidence import DocumentRef
from store import projection, queries
from store.evidence import EvidenceConflict, EvidenceStore
from store.records import ProjectionUpdate

log = logging.getLogger(__name__)


def letter_context(req: LetterRequest) -> ctx.LetterBase:
    """Map the workflow's facts onto the template's declared context."""
    intake = req.intake
    base: dict[str, Any] = dict(
        reference=req.reference,
        letter_date=req.letter_date,
        locale=intake.borrower.locale,
        creditor=intake.creditor,
        borrower=intake.borrower,
        contract_number=intake.contract.number,
        contract_signed_on=intake.contract.signed_on,
    )
    if req.kind == "collection_notice":
        return ctx.CollectionNoticeContext(
            **base,
            overdue_since=intake.overdue.since,
            days_past_due=req.days_past_due,
            balance=req.balance,
            total=req.total,
            pay_by=req.pay_by or req.letter_date,
        )
    if req.kind == "reminder_letter":
        return ctx.ReminderLetterContext(
            **base,
            sequence=req.sequence,
            overdue_since=intake.overdue.since,
            days_past_due=req.days_past_due,
            balance=req.balance,
            total=req.total,
            paid_to_date=req.paid_total,
            pay_by=req.pay_by or req.letter_date,
        )
    if req.kind == "closure_letter":
        return ctx.ClosureLetterContext(
            **base,
            closed_on=req.closed_on or req.letter_date,
            original_total=req.original_total,
            total_paid=req.paid_total,
        )
    raise ApplicationError(f"kind: no letter template named {req.kind!r}", type="TemplateError", non_retryable=True)


def document_key(matter_id: str, document_id: str) -> str:
    return f"matters/{matter_id}/letters/{document_id}.docx"


class MatterActivities:
    """Activities with their clients injected (DB session factory, evidence store)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], evidence: EvidenceStore) -> None:
        self._sessions = sessions
        self._evidence = evidence

    @activity.defn(name=PROJECT)
    async def project(self, update: ProjectionUpdate) -> None:
        await projection.apply(self._sessions, update)

    @activity.defn(name=RENDER_LETTER)
    async def render_and_store_letter(self, req: LetterRequest) -> DocumentRef:
        async with self._sessions() as session:
            existing = await queries.get_document(session, req.document_id)
        if existing is not None:
            return _ref_from_row(existing)
        context = letter_context(req)
        rendered: RenderedDocument = await asyncio.to_thread(render, req.kind, context)
        key = document_key(req.matter_id, req.document_id)
        try:
            stored = await asyncio.to_thread(
                self._evidence.put_document,
                key,
                rendered.content,
                rendered.media_type,
                {
                    "matter-id": req.matter_id,
                    "document-id": req.document_id,
                    "kind": req.kind,
                    "template-version": rendered.template_version,
                },
            )
        except EvidenceConflict as exc:
            # Same identity, different bytes: rendering was not deterministic or data changed.
            raise ApplicationError(str(exc), type="EvidenceConflict", non_retryable=True) from exc
        ref = DocumentRef(
            document_id=req.document_id,
            matter_id=req.matter_id,
            kind=req.kind,
            locale=rendered.locale,
            template_version=rendered.template_version,
            bucket=stored.bucket,
            key=stored.key,
            version_id=stored.version_id,
            sha256=stored.sha256,
            size=stored.size,
            media_type=rendered.media_type,
            created_at=datetime.now(UTC),
        )
        await projection.apply(self._sessions, ProjectionUpdate(documents=(ref,)))
        # A racing attempt may have written its row first: the stored row is the truth.
        async with self._sessions() as session:
            row = await queries.get_document(session, req.document_id)
        log.info("letter stored", extra={"document_id": req.document_id, "sha256": ref.sha256})
        return _ref_from_row(row) if row is not None else ref


def _ref_from_row(row: Any) -> DocumentRef:
    return DocumentRef(
        document_id=row.id,
        matter_id=row.matter_id,
        kind=row.kind,
        locale=row.locale,
        template_version=row.template_version,
        bucket=row.bucket,
        key=row.key,
        version_id=row.version_id,
        sha256=row.sha256,
        size=row.size,
        media_type=row.media_type,
        created_at=row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC),
    )
