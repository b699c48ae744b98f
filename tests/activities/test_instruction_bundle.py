"""`MatterActivities.make_instruction_bundle` against a real SeaweedFS and a migrated SQLite projection.

What this proves: the firm's pack holds every stored letter and payment of the matter, each
re-verified; the same evidence gives the same bundle (id from its bytes, one row, one object) and
more evidence a new one; a letter the projection has not recorded yet is a retryable failure; a
stored file that fails its hash stops the bundle for good (nothing is sent on tampered evidence).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.inputs import BundleJob
from activities.matter import MatterActivities
from documents.bundle import verify
from domain.evidence import DocumentRef
from store import projection
from store.db import make_engine, make_sessionmaker, migrate
from store.evidence import EvidenceStore
from store.models import Document, EvidenceBundle
from store.records import ProjectionUpdate
from tests.store import builders as b

pytestmark = pytest.mark.integration

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
async def sessions(sqlite_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    migrate(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


def _letter(evidence: EvidenceStore, matter_id: str, step: str, kind: str, content: bytes) -> DocumentRef:
    document_id = f"{matter_id}-{step}-{kind}"
    stored = evidence.put_document(f"matters/{matter_id}/letters/{document_id}.docx", content,
                                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return DocumentRef(document_id=document_id, matter_id=matter_id, kind=kind, locale="zh-CN", template_version="1",
                       bucket=stored.bucket, key=stored.key, version_id=stored.version_id, sha256=stored.sha256,
                       size=stored.size, created_at=AT)


async def test_the_pack_holds_the_matter_s_evidence_and_is_made_once(
    evidence: EvidenceStore, sessions: async_sessionmaker[AsyncSession]
) -> None:
    mid = b.new_id()
    acts = MatterActivities(sessions, evidence)
    env = ActivityEnvironment()
    notice = _letter(evidence, mid, "notice", "collection_notice", b"notice bytes")
    instruction = _letter(evidence, mid, "referral-1", "referral_instruction", b"instruction bytes")
    await projection.apply(sessions, ProjectionUpdate(opened=b.opened(mid), documents=(notice,),
                                                      payments=(b.payment(mid, "P1", "100.00"),)))
    job = BundleJob(matter_id=mid, number=1, reference="EP-TEST-R1", locale="zh-CN", created_at=AT,
                    required=(instruction.document_id,))

    # The instruction letter is stored but the projection has not recorded it yet: retry later.
    with pytest.raises(ApplicationError) as err:
        await env.run(acts.make_instruction_bundle, job)
    assert err.value.type == "NotProjected" and not err.value.non_retryable

    await projection.apply(sessions, ProjectionUpdate(documents=(instruction,)))
    ref = await env.run(acts.make_instruction_bundle, job)
    assert ref.bundle_id == f"R1-{ref.sha256[:16]}" and ref.item_count == 3  # two letters and the payments
    content = evidence.get_verified(ref.key, ref.version_id, ref.sha256)
    report = verify(content)
    assert report.ok, report.problems
    again = await env.run(acts.make_instruction_bundle, job)
    assert again == ref  # the same evidence, the same bundle: nothing new stored or recorded
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(EvidenceBundle)) == 1
        row = await s.get(EvidenceBundle, ref.bundle_id)
    assert row is not None and row.sha256 == ref.sha256 and row.manifest["files"][0]["sha256"] == notice.sha256

    # More evidence since: a new pack, the first one untouched.
    await projection.apply(sessions, ProjectionUpdate(payments=(b.payment(mid, "P2", "50.00"),)))
    newer = await env.run(acts.make_instruction_bundle, job)
    assert newer.bundle_id != ref.bundle_id and newer.item_count == 3
    assert evidence.get_verified(ref.key, ref.version_id, ref.sha256) == content


async def test_a_stored_letter_that_fails_its_hash_stops_the_pack_for_good(
    evidence: EvidenceStore, sessions: async_sessionmaker[AsyncSession]
) -> None:
    mid = b.new_id()
    notice = _letter(evidence, mid, "notice", "collection_notice", b"notice bytes")
    await projection.apply(sessions, ProjectionUpdate(opened=b.opened(mid), documents=(notice,)))
    async with sessions() as s, s.begin():  # the recorded hash no longer matches the stored bytes
        await s.execute(update(Document).where(Document.id == notice.document_id).values(sha256="00" * 32))
    job = BundleJob(matter_id=mid, number=1, reference="EP-TEST-R1", created_at=AT)
    with pytest.raises(ApplicationError) as err:
        await ActivityEnvironment().run(MatterActivities(sessions, evidence).make_instruction_bundle, job)
    assert err.value.type == "EvidenceTampered" and err.value.non_retryable
    assert f"document {notice.document_id}" in str(err.value)
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(EvidenceBundle)) == 0
