"""`MatterActivities.render_and_store_letter` against real servers: SeaweedFS and SQLite / PostgreSQL.

The activity is called directly in an activity context (`ActivityEnvironment`), with a real
session factory on a migrated database and a real `EvidenceStore` on an Object-Locked bucket.
What it proves, for each letter kind and both databases:

- the returned `DocumentRef` names exactly the bytes S3 holds (our SHA-256 = S3's verified
  ChecksumSHA256 = the hash of the downloaded version), and the `documents` row says the same;
- a second call is a no-op (same ref, one S3 version, one row), also when two race;
- a crash after the S3 put but before the row is written is healed by the retry without a
  second S3 version;
- the stored version cannot be deleted (Object Lock) and a forged later version is detected.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.inputs import LetterRequest
from activities.matter import MatterActivities, document_key, letter_context
from documents.renderer import DOCX_MEDIA_TYPE, render, template_version
from domain.allocation import Balance
from domain.evidence import DocumentRef
from domain.matter import MatterIntake
from domain.money import Money
from store import projection, queries
from store.db import make_engine, make_sessionmaker, migrate
from store.evidence import EvidenceStore, EvidenceTampered
from store.models import Document
from store.records import MatterOpened, ProjectionUpdate
from tests.conftest import S3Server
from tests.factories import make_intake
from workflows.contracts import matter_id_for, workflow_id

pytestmark = pytest.mark.integration

LETTERS = [
    ("collection_notice", "zh-CN"),
    ("reminder_letter", "en"),
    ("closure_letter", "en"),
]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- fixtures --------------------------------------------------------------------------------
def make_store(s3: S3Server, bucket: str) -> EvidenceStore:
    return EvidenceStore(
        bucket=bucket,
        endpoint_url=s3.endpoint_url,
        region=s3.region,
        access_key_id=s3.access_key,
        secret_access_key=s3.secret_key,
        object_lock_mode="GOVERNANCE",
        object_lock_days=1,
    )


def raw_client(s3: S3Server):  # type: ignore[no-untyped-def]
    """A plain boto3 client: what someone with write access could use to bypass EvidenceStore."""
    return boto3.client(
        "s3",
        endpoint_url=s3.endpoint_url,
        region_name=s3.region,
        aws_access_key_id=s3.access_key,
        aws_secret_access_key=s3.secret_key,
        config=Config(s3={"addressing_style": "path"}),
    )


@pytest.fixture(scope="module")
def evidence(s3_server: S3Server) -> EvidenceStore:
    """A fresh Object-Locked bucket, once SeaweedFS accepts writes (~1-2 s after it first answers)."""
    store = make_store(s3_server, "act-" + uuid.uuid4().hex[:20])
    deadline = time.monotonic() + 30
    while True:
        try:
            store.ensure_bucket()
            store.put_document("ready", b"ok", "text/plain")
            return store
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@dataclass
class Harness:
    backend: str
    acts: MatterActivities
    sessions: async_sessionmaker[AsyncSession]
    evidence: EvidenceStore
    s3: S3Server

    async def run(self, req: LetterRequest) -> DocumentRef:
        return await ActivityEnvironment().run(self.acts.render_and_store_letter, req)

    async def open_matter(self, locale: str) -> MatterIntake:
        """A new matter in the projection (documents need their matter row)."""
        currency = "CNY" if locale == "zh-CN" else "GBP"
        intake = make_intake(external_ref=f"ACT-{uuid.uuid4().hex[:12]}", locale=locale, currency=currency)
        matter_id = matter_id_for(intake.external_ref)
        opened = MatterOpened(
            matter_id=matter_id,
            workflow_id=workflow_id(matter_id),
            intake=intake,
            policy_name="standard",
            policy_version=1,
            opened_at=datetime.now(UTC),
            opened_by="tester",
        )
        await projection.apply(self.sessions, ProjectionUpdate(opened=opened))
        return intake

    async def rows(self, document_id: str) -> list[Document]:
        async with self.sessions() as session:
            return list(await session.scalars(select(Document).where(Document.id == document_id)))

    async def matter_rows(self, matter_id: str) -> int:
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(Document).where(Document.matter_id == matter_id)
            )
            return int(count or 0)

    def versions(self, key: str) -> list[str]:
        listing = self.evidence.client.list_object_versions(Bucket=self.evidence.bucket, Prefix=key)
        return [v["VersionId"] for v in listing.get("Versions", []) if v["Key"] == key]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def harness(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    evidence: EvidenceStore,
    s3_server: S3Server,
) -> AsyncIterator[Harness]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('act-sqlite') / 'recovery.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    await asyncio.to_thread(migrate, url)
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        yield Harness(request.param, MatterActivities(sessions, evidence), sessions, evidence, s3_server)
    finally:
        await engine.dispose()


def letter_request(intake: MatterIntake, kind: str, step: str | None = None) -> LetterRequest:
    matter_id = matter_id_for(intake.external_ref)
    balance = Balance.from_overdue(intake.overdue)
    step = step or kind
    closing = kind == "closure_letter"
    return LetterRequest(
        matter_id=matter_id,
        document_id=f"{matter_id}-{step}-{kind}",
        kind=kind,
        reference=f"RC-{matter_id[:8].upper()}-{step.upper()}",
        letter_date=date(2026, 10, 1),
        intake=intake,
        balance=balance,
        total=balance.total,
        paid_total=balance.total if closing else Money.zero(balance.currency),
        original_total=balance.total,
        days_past_due=30,
        pay_by=None if closing else date(2026, 10, 8),
        sequence=2 if kind == "reminder_letter" else 1,
        closed_on=date(2026, 10, 1) if closing else None,
    )


# ---- tests -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "locale"), LETTERS)
async def test_letter_is_stored_verified_and_recorded(harness: Harness, kind: str, locale: str) -> None:
    intake = await harness.open_matter(locale)
    req = letter_request(intake, kind)
    started = datetime.now(UTC)

    ref = await harness.run(req)

    ev = harness.evidence
    key = document_key(req.matter_id, req.document_id)
    assert (ref.document_id, ref.matter_id, ref.kind, ref.locale) == (req.document_id, req.matter_id, kind, locale)
    assert (ref.bucket, ref.key, ref.media_type) == (ev.bucket, key, DOCX_MEDIA_TYPE)
    assert ref.template_version == template_version(kind, locale)
    assert ref.version_id
    assert started - timedelta(seconds=5) <= ref.created_at <= datetime.now(UTC) + timedelta(seconds=5)
    # Deterministic rendering: the stored letter is exactly what rendering the request gives.
    expected = render(kind, letter_context(req))
    assert (ref.sha256, ref.size) == (expected.sha256, expected.size)

    # The bytes of that exact version hash to the ref's SHA-256 ...
    obj = ev.client.get_object(Bucket=ev.bucket, Key=key, VersionId=ref.version_id)
    body = obj["Body"].read()
    assert sha(body) == ref.sha256 and len(body) == ref.size
    assert body == expected.content
    # ... which is also the checksum S3 verified on upload and keeps with the object.
    head = ev.client.head_object(Bucket=ev.bucket, Key=key, VersionId=ref.version_id, ChecksumMode="ENABLED")
    assert base64.b64decode(head["ChecksumSHA256"]).hex() == ref.sha256
    assert head["ContentLength"] == ref.size
    assert head["ContentType"] == DOCX_MEDIA_TYPE
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["ObjectLockRetainUntilDate"].astimezone(UTC) > datetime.now(UTC)
    # Object metadata is readable by anyone who can list the bucket: identifiers only, no PII.
    assert head["Metadata"] == {
        "matter-id": req.matter_id,
        "document-id": req.document_id,
        "kind": kind,
        "template-version": ref.template_version,
        "sha256": ref.sha256,
    }
    assert ev.get_verified(ref.key, ref.version_id, ref.sha256) == body

    # The projection row says the same.
    async with harness.sessions() as session:
        row = await queries.get_document(session, req.document_id)
    assert row is not None
    assert (row.matter_id, row.kind, row.locale) == (req.matter_id, kind, locale)
    assert row.template_version == ref.template_version
    assert (row.bucket, row.key, row.version_id, row.sha256, row.size) == (
        ev.bucket, key, ref.version_id, ref.sha256, ref.size,
    )  # fmt: skip
    assert row.media_type == DOCX_MEDIA_TYPE

    # Idempotent: running the activity again (a Temporal retry) changes nothing.
    again = await harness.run(req)
    assert again == ref
    assert harness.versions(key) == [ref.version_id]
    assert len(await harness.rows(req.document_id)) == 1
    assert await harness.matter_rows(req.matter_id) == 1


async def test_racing_attempts_store_one_version_and_one_row(harness: Harness) -> None:
    intake = await harness.open_matter("zh-CN")
    req = letter_request(intake, "collection_notice")
    a, b = await asyncio.gather(harness.run(req), harness.run(req))
    assert a == b
    assert harness.versions(a.key) == [a.version_id]
    assert len(await harness.rows(req.document_id)) == 1


async def test_crash_after_the_put_is_healed_by_the_retry(harness: Harness) -> None:
    intake = await harness.open_matter("en")
    req = letter_request(intake, "reminder_letter", step="step2")
    key = document_key(req.matter_id, req.document_id)
    # The first attempt stored the object and died before writing its row.
    rendered = render(req.kind, letter_context(req))
    stored = harness.evidence.put_document(
        key,
        rendered.content,
        rendered.media_type,
        {"matter-id": req.matter_id, "document-id": req.document_id, "kind": req.kind,
         "template-version": rendered.template_version},
    )  # fmt: skip
    assert harness.versions(key) == [stored.version_id]
    assert await harness.rows(req.document_id) == []

    ref = await harness.run(req)  # the retry

    assert (ref.key, ref.version_id, ref.sha256, ref.size) == (key, stored.version_id, stored.sha256, stored.size)
    assert harness.versions(key) == [stored.version_id]
    rows = await harness.rows(req.document_id)
    assert len(rows) == 1
    assert (rows[0].version_id, rows[0].sha256) == (stored.version_id, stored.sha256)
    assert harness.evidence.get_verified(ref.key, ref.version_id, ref.sha256) == rendered.content


async def test_stored_letter_cannot_be_deleted(harness: Harness) -> None:
    intake = await harness.open_matter("zh-CN")
    ref = await harness.run(letter_request(intake, "collection_notice"))
    ev = harness.evidence
    for client in (ev.client, raw_client(harness.s3)):
        with pytest.raises(ClientError) as info:
            client.delete_object(Bucket=ev.bucket, Key=ref.key, VersionId=ref.version_id)
        assert info.value.response["Error"]["Code"] == "AccessDenied"
    assert harness.versions(ref.key) == [ref.version_id]
    assert sha(ev.get_verified(ref.key, ref.version_id, ref.sha256)) == ref.sha256


async def test_forged_new_version_is_detected_and_the_original_survives(harness: Harness) -> None:
    intake = await harness.open_matter("en")
    req = letter_request(intake, "closure_letter")
    ref = await harness.run(req)
    ev = harness.evidence
    original = ev.get_verified(ref.key, ref.version_id, ref.sha256)

    forged = original.replace(b"word/", b"WORD/", 1)
    assert forged != original
    new_version = raw_client(harness.s3).put_object(Bucket=ev.bucket, Key=ref.key, Body=forged)["VersionId"]
    assert new_version and new_version != ref.version_id
    assert set(harness.versions(ref.key)) == {ref.version_id, new_version}

    with pytest.raises(EvidenceTampered) as info:
        ev.get_verified(ref.key, new_version, ref.sha256)
    assert (info.value.expected, info.value.actual) == (ref.sha256, sha(forged))
    assert ev.get_verified(ref.key, ref.version_id, ref.sha256) == original
    # The activity keeps answering with the recorded version, never the forged latest one.
    assert await harness.run(req) == ref


async def test_other_bytes_under_the_letters_key_fail_the_activity_for_good(harness: Harness) -> None:
    """Same business identity, different bytes: a non-retryable failure, no second object, no row."""
    intake = await harness.open_matter("zh-CN")
    req = letter_request(intake, "collection_notice", step="conflict")
    key = document_key(req.matter_id, req.document_id)
    squatter = harness.evidence.put_document(key, b"not the letter", "application/octet-stream", {})

    with pytest.raises(ApplicationError) as err:
        await harness.run(req)
    assert err.value.type == "EvidenceConflict" and err.value.non_retryable
    assert harness.versions(key) == [squatter.version_id]
    assert await harness.rows(req.document_id) == []


async def test_unknown_letter_kind_fails_the_activity_for_good(harness: Harness) -> None:
    intake = await harness.open_matter("en")
    req = letter_request(intake, "collection_notice").model_copy(update={"kind": "no_such_letter"})
    with pytest.raises(ApplicationError) as err:
        await harness.run(req)
    assert err.value.type == "TemplateError" and err.value.non_retryable
    assert "no_such_letter" in str(err.value)
    assert await harness.rows(req.document_id) == []
