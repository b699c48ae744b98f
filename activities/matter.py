"""The matter's side effects: rendering and storing letters, writing the projection.

- `store_letter` (workflow v2, on the `<task queue>-letters` queue): render the typed context
  the workflow built and store it in S3 under the letter's business identity; the workflow
  records the returned reference in the projection. Rendering runs in a `RenderPool` (other
  processes) when one is given, so letters never hold the GIL of the process that runs workflow
  tasks; the S3 put runs in a thread.
- `project` (a local activity of workflow v2; a regular activity of v1): write one
  `ProjectionUpdate` in one transaction, idempotently.
- `render_and_store_letter`: v1's letter activity, kept for matters opened before v2 until
  they migrate (it also writes the document row).
- `make_instruction_bundle`: the evidence bundle a law firm receives with its instruction:
  every stored letter, upload and payment of the matter (each re-verified against its SHA-256),
  zipped with its manifest and catalogue (`documents.bundle`), stored and recorded. Its id is
  derived from its bytes (`R<n>-<sha256 prefix>`), so a retry of the same evidence finds the same
  bundle and one after more evidence arrived makes a new one; nothing is ever overwritten.

Each activity is idempotent by business identity: a letter's `document_id` names exactly
one S3 object (and one database row), so a retry after a crash (even after the object was
stored) produces neither a second object nor a second row. Failures that retrying cannot fix
(a template missing or failing, another object under the letter's key, a context that is
not valid) are raised non-retryable, so the workflow puts the matter in `needs_attention`
instead of retrying for ever.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.inputs import (
    MAKE_INSTRUCTION_BUNDLE,
    PROJECT,
    RENDER_LETTER,
    STORE_LETTER,
    BundleJob,
    BundleRef,
    LetterJob,
    LetterRequest,
)
from activities.render_pool import RenderPool
from documents import contexts as ctx
from documents.bundle import BUNDLE_MEDIA_TYPE, BundleItem, build_bundle
from documents.bundle_items import NoParties, catalog_base, document_item, payments_item, upload_item
from documents.registry import describe_errors
from documents.renderer import RenderedDocument, RenderError, render
from domain.evidence import DocumentRef
from store import projection, queries
from store.db import write_session
from store.evidence import EvidenceConflict, EvidenceMissing, EvidenceStore, EvidenceTampered, StoredObject
from store.models import EvidenceBundle
from store.records import ProjectionUpdate

log = logging.getLogger(__name__)

V1_PAY_WITHIN_DAYS = 7


def letter_context(req: LetterRequest) -> ctx.LetterBase:
    """Map a v1 letter request onto the template's declared context.

    v1 took a letter's pay-by date and its letter date at two different instants; under load the
    pay-by date could fall before the letter date and the letter was refused for ever (issue 6,
    defect 1). The pay-by date is then the letter date plus the days v1 meant to give, so such a
    matter's letter goes out and the matter moves on (and migrates to v2).
    """
    intake = req.intake
    if req.pay_by is not None and req.pay_by < req.letter_date:
        req = req.model_copy(update={"pay_by": req.letter_date + timedelta(days=V1_PAY_WITHIN_DAYS)})
    base: dict[str, Any] = dict(
        reference=req.reference,
        letter_date=req.letter_date,
        locale=intake.borrower.locale,
        creditor=intake.creditor,
        borrower=intake.borrower,
        contract_number=intake.contract.number,
        contract_signed_on=intake.contract.signed_on,
    )
    secured, guaranteed = any(a.pledged for a in intake.assets), len(intake.guarantors)
    if req.kind == "collection_notice":
        return ctx.CollectionNoticeContext(
            **base,
            secured=secured,
            guaranteed=guaranteed,
            overdue_since=intake.overdue.since,
            days_past_due=req.days_past_due,
            balance=req.balance,
            total=req.total,
            pay_by=req.pay_by or req.letter_date,
        )
    if req.kind == "reminder_letter":
        return ctx.ReminderLetterContext(
            **base,
            secured=secured,
            guaranteed=guaranteed,
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


class ProjectionWriter:
    """Writes the projection updates of one process in batches: one transaction for all that wait.

    Each matter writes its projection from its workflow task (a local activity), so a burst of
    matters is a burst of small transactions; on SQLite, whose writers take turns, they queued for
    seconds and held their workflow tasks open. Updates that arrive while a batch is being written
    wait for the next one (group commit); if a batch is refused as a whole, its updates are written
    one by one, so one bad update fails only its own activity.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], max_batch: int = 200) -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self._waiting: list[tuple[ProjectionUpdate, asyncio.Future[None]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self.batches = 0

    async def write(self, update: ProjectionUpdate) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((update, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
            self.batches += 1
            try:
                await projection.apply_many(self._sessions, [u for u, _ in batch])
                outcomes: list[BaseException | None] = [None] * len(batch)
            except Exception:
                outcomes = []
                for update, _ in batch:
                    try:
                        await projection.apply(self._sessions, update)
                        outcomes.append(None)
                    except Exception as exc:  # this update's own failure, for its own activity
                        outcomes.append(exc)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if outcome is None:
                    future.set_result(None)
                else:
                    future.set_exception(outcome)


class MatterActivities:
    """Activities with their clients injected (DB session factory, evidence store)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        evidence: EvidenceStore,
        render_pool: RenderPool | None = None,
    ) -> None:
        self._sessions = sessions
        self._evidence = evidence
        self._pool = render_pool
        self._writer = ProjectionWriter(sessions)

    async def _render(self, kind: str, context: ctx.LetterBase) -> RenderedDocument:
        try:
            if self._pool is not None:
                return await self._pool.render(kind, context)
            return await asyncio.to_thread(render, kind, context)
        except RenderError as exc:
            # A missing or failing template: retrying the same input cannot help.
            raise ApplicationError(f"{type(exc).__name__}: {exc}", type="TemplateError", non_retryable=True) from exc

    def _put(self, key: str, rendered: RenderedDocument, matter_id: str, document_id: str) -> StoredObject:
        return self._evidence.put_document(
            key,
            rendered.content,
            rendered.media_type,
            {
                "matter-id": matter_id,
                "document-id": document_id,
                "kind": rendered.kind,
                "template-version": rendered.template_version,
            },
        )

    @activity.defn(name=STORE_LETTER)
    async def store_letter(self, job: LetterJob) -> DocumentRef:
        """Render `job`'s context and store it once under its document id; the reference to record."""
        rendered = await self._render(job.kind, job.context)
        key = document_key(job.matter_id, job.document_id)
        try:
            stored = await asyncio.to_thread(self._put, key, rendered, job.matter_id, job.document_id)
        except EvidenceConflict as exc:
            # Same identity, different bytes: another object holds this letter's key.
            raise ApplicationError(str(exc), type="EvidenceConflict", non_retryable=True) from exc
        log.info("letter stored", extra={"document_id": job.document_id, "sha256": stored.sha256})
        return DocumentRef(
            document_id=job.document_id,
            matter_id=job.matter_id,
            kind=job.kind,
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

    @activity.defn(name=MAKE_INSTRUCTION_BUNDLE)
    async def make_instruction_bundle(self, job: BundleJob) -> BundleRef:
        """Bundle everything on the matter for the firm, verified; store and record it (idempotently)."""
        async with self._sessions() as session:
            matter = await queries.get_matter(session, job.matter_id)
            documents = await queries.list_documents(session, job.matter_id)
            uploads = await queries.list_uploads(session, job.matter_id)
            payments = await queries.list_payments(session, job.matter_id)
            parties = await queries.get_parties(session, job.matter_id)
        if matter is None:
            raise ApplicationError(f"matter {job.matter_id} is not in the projection yet", type="NotProjected")
        missing = set(job.required) - {d.id for d in documents}
        if missing:  # the workflow stored them; its projection write has not landed yet
            raise ApplicationError(f"documents {sorted(missing)} are not in the projection yet", type="NotProjected")
        items: list[BundleItem] = []
        for doc in documents:
            items.append(document_item(doc, await self._verified(f"document {doc.id}", doc.key, doc.version_id,
                                                                 doc.sha256), job.locale))
        for upload in uploads:
            items.append(upload_item(upload, await self._verified(f"upload {upload.id}", upload.key,
                                                                  upload.version_id, upload.sha256)))
        if payments:
            items.append(payments_item(payments, job.locale))
        try:
            base = catalog_base(matter, parties, job.reference, job.locale)
        except NoParties as exc:
            raise ApplicationError(str(exc), type="NotProjected") from None
        bundle = await asyncio.to_thread(build_bundle, items, catalog_context_base=base, locale=job.locale,
                                         created_at=job.created_at)
        bundle_id = f"{job.prefix}{job.number}-{bundle.sha256[:16]}"
        key = f"matters/{job.matter_id}/bundles/{bundle_id}.zip"
        try:
            stored = await asyncio.to_thread(self._evidence.put_document, key, bundle.content, BUNDLE_MEDIA_TYPE,
                                             {"bundle-id": bundle_id, "kind": "evidence-bundle"})
        except EvidenceConflict as exc:  # other bytes under a content-derived key: cannot be
            raise ApplicationError(str(exc), type="EvidenceConflict", non_retryable=True) from exc
        async with write_session(self._sessions) as session:
            if await session.get(EvidenceBundle, bundle_id) is None:
                session.add(EvidenceBundle(
                    id=bundle_id, matter_id=job.matter_id, bucket=stored.bucket, key=stored.key,
                    version_id=stored.version_id, sha256=stored.sha256, size=stored.size,
                    item_count=bundle.item_count, manifest=bundle.manifest, created_by=job.created_by,
                    created_at=job.created_at,
                ))  # fmt: skip
        log.info("instruction bundle stored", extra={"bundle_id": bundle_id, "sha256": stored.sha256})
        return BundleRef(bundle_id=bundle_id, bucket=stored.bucket, key=stored.key, version_id=stored.version_id,
                         sha256=stored.sha256, size=stored.size, item_count=bundle.item_count)

    async def _verified(self, what: str, key: str, version_id: str | None, sha256: str) -> bytes:
        try:
            return await asyncio.to_thread(self._evidence.get_verified, key, version_id, sha256)
        except (EvidenceTampered, EvidenceMissing) as exc:
            # Stored evidence that fails its hash is an incident, not a hiccup: nothing is sent.
            raise ApplicationError(f"{what} failed its integrity check ({type(exc).__name__}); nothing was bundled",
                                   type="EvidenceTampered", non_retryable=True) from exc

    @activity.defn(name=PROJECT)
    async def project(self, update: ProjectionUpdate) -> None:
        await self._writer.write(update)

    @activity.defn(name=RENDER_LETTER)
    async def render_and_store_letter(self, req: LetterRequest) -> DocumentRef:
        async with self._sessions() as session:
            existing = await queries.get_document(session, req.document_id)
        if existing is not None:
            return _ref_from_row(existing)
        try:
            context = letter_context(req)
        except ValidationError as exc:
            raise ApplicationError(f"LetterInvalid: {describe_errors(exc)}", type="LetterInvalid",
                                   non_retryable=True) from None
        rendered = await self._render(req.kind, context)
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
