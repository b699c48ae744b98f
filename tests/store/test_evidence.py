"""`store.evidence.EvidenceStore` against a real S3 server (SeaweedFS): integrity end to end.

Each test gets its own Object-Locked bucket (`evidence` fixture), so tests are independent.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from infra.services import free_port
from settings import Settings
from store.evidence import (
    EvidenceConflict,
    EvidenceMissing,
    EvidenceStore,
    EvidenceStoreMisconfigured,
    EvidenceTampered,
    StoredObject,
)
from tests.conftest import S3Server
from tests.store.conftest import make_store

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LETTER = "催收通知书 collection notice ".encode() * 200


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plain_client(s3: S3Server):  # type: ignore[no-untyped-def]
    """A boto3 client with default settings, bypassing EvidenceStore's safeguards."""
    return boto3.client(
        "s3",
        endpoint_url=s3.endpoint_url,
        region_name=s3.region,
        aws_access_key_id=s3.access_key,
        aws_secret_access_key=s3.secret_key,
        config=Config(s3={"addressing_style": "path"}),
    )


def versions(store: EvidenceStore, key: str) -> list[str]:
    listing = store.client.list_object_versions(Bucket=store.bucket, Prefix=key)
    return [v["VersionId"] for v in listing.get("Versions", []) if v["Key"] == key]


def test_put_then_get_verified(evidence: EvidenceStore) -> None:
    stored = evidence.put_document("matters/M1/notice.docx", LETTER, DOCX, {"matter": "M1", "kind": "notice"})
    assert stored == StoredObject(
        evidence.bucket, "matters/M1/notice.docx", stored.version_id, sha(LETTER), len(LETTER)
    )
    assert stored.version_id
    assert evidence.get_verified(stored.key, stored.version_id, stored.sha256) == LETTER
    head = evidence.client.head_object(Bucket=evidence.bucket, Key=stored.key, ChecksumMode="ENABLED")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    until = head["ObjectLockRetainUntilDate"].astimezone(UTC)
    assert timedelta(days=29) < until - datetime.now(UTC) <= timedelta(days=30)
    assert head["Metadata"] == {"matter": "M1", "kind": "notice", "sha256": sha(LETTER)}
    assert base64.b64decode(head["ChecksumSHA256"]).hex() == sha(LETTER)
    assert head["ContentType"] == DOCX


def test_server_refuses_a_wrong_checksum(evidence: EvidenceStore, s3_ready: S3Server) -> None:
    wrong = base64.b64encode(hashlib.sha256(b"something else").digest()).decode()
    for client in (plain_client(s3_ready), evidence.client):
        with pytest.raises(ClientError) as info:
            client.put_object(Bucket=evidence.bucket, Key="bad", Body=LETTER, ChecksumSHA256=wrong)
        assert info.value.response["Error"]["Code"] in ("BadDigest", "XAmzContentChecksumMismatch")
    assert versions(evidence, "bad") == []


def test_second_put_of_same_bytes_returns_the_same_version(evidence: EvidenceStore) -> None:
    first = evidence.put_document("doc", LETTER, DOCX)
    again = evidence.put_document("doc", LETTER, DOCX)
    assert again == first
    assert versions(evidence, "doc") == [first.version_id]


def test_concurrent_puts_of_same_bytes_store_one_version(evidence: EvidenceStore) -> None:
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: evidence.put_document("race", LETTER, DOCX), range(4)))
    assert len(set(results)) == 1
    assert versions(evidence, "race") == [results[0].version_id]


def test_same_key_different_bytes_is_a_conflict(evidence: EvidenceStore) -> None:
    first = evidence.put_document("doc", LETTER, DOCX)
    with pytest.raises(EvidenceConflict) as info:
        evidence.put_document("doc", LETTER + b"!", DOCX)
    assert (info.value.expected, info.value.actual) == (sha(LETTER + b"!"), sha(LETTER))
    assert versions(evidence, "doc") == [first.version_id]
    assert evidence.get_verified("doc", first.version_id, first.sha256) == LETTER


def test_locked_version_cannot_be_deleted(evidence: EvidenceStore) -> None:
    stored = evidence.put_document("doc", LETTER, DOCX)
    with pytest.raises(ClientError) as info:
        evidence.client.delete_object(Bucket=evidence.bucket, Key="doc", VersionId=stored.version_id)
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    assert evidence.get_verified("doc", stored.version_id, stored.sha256) == LETTER


def test_compliance_lock_cannot_be_bypassed(s3_ready: S3Server) -> None:
    store = make_store(s3_ready, object_lock_mode="COMPLIANCE", object_lock_days=1)
    store.ensure_bucket()
    stored = store.put_document("doc", LETTER, DOCX)
    with pytest.raises(ClientError) as info:
        store.client.delete_object(
            Bucket=store.bucket, Key="doc", VersionId=stored.version_id, BypassGovernanceRetention=True
        )
    assert info.value.response["Error"]["Code"] == "AccessDenied"


def test_tampering_is_detected(evidence: EvidenceStore, s3_ready: S3Server, caplog: pytest.LogCaptureFixture) -> None:
    original = evidence.put_document("doc", LETTER, DOCX)
    forged = b"forged letter"
    # An attacker with write access and a plain client: a new version, no If-None-Match.
    new_version = plain_client(s3_ready).put_object(Bucket=evidence.bucket, Key="doc", Body=forged)["VersionId"]
    assert new_version != original.version_id
    # Versions are immutable: the recorded one still verifies.
    assert evidence.get_verified("doc", original.version_id, original.sha256) == LETTER
    with caplog.at_level(logging.ERROR, logger="store.evidence"), pytest.raises(EvidenceTampered) as info:
        evidence.get_verified("doc", new_version, original.sha256)
    err = info.value
    assert (err.key, err.version_id, err.expected, err.actual) == ("doc", new_version, original.sha256, sha(forged))
    assert "TAMPERED" in caplog.text and sha(forged) in caplog.text
    assert forged.decode() not in caplog.text  # hashes and keys only, never contents
    # And a re-run of the original put now sees the forged latest version: a conflict, not a silent pass.
    with pytest.raises(EvidenceConflict):
        evidence.put_document("doc", LETTER, DOCX)


def test_missing_versions_and_keys(evidence: EvidenceStore) -> None:
    stored = evidence.put_document("doc", LETTER, DOCX)
    with pytest.raises(EvidenceMissing):
        evidence.get_verified("nope", None, stored.sha256)
    with pytest.raises(EvidenceMissing):
        evidence.get_verified("doc", "0" * 32, stored.sha256)


def test_ensure_bucket_is_idempotent_and_refuses_a_bucket_without_lock(
    evidence: EvidenceStore, s3_ready: S3Server
) -> None:
    evidence.ensure_bucket()
    evidence.ensure_bucket()
    assert evidence.check()
    plain = make_store(s3_ready)
    plain.client.create_bucket(Bucket=plain.bucket)  # no Object Lock
    with pytest.raises(EvidenceStoreMisconfigured, match="Object Lock"):
        plain.ensure_bucket()


def test_check_reports_missing_bucket_and_dead_server(s3_ready: S3Server) -> None:
    assert make_store(s3_ready, bucket="missing-" + uuid.uuid4().hex[:8]).check() is False
    dead = EvidenceStore(
        bucket="x", endpoint_url=f"http://127.0.0.1:{free_port()}", access_key_id="a", secret_access_key="b",
        connect_timeout=1, max_attempts=1,
    )  # fmt: skip
    assert dead.check() is False


def test_from_settings(s3_ready: S3Server) -> None:
    settings = Settings(
        s3_endpoint_url=s3_ready.endpoint_url,
        s3_bucket="ev-" + uuid.uuid4().hex[:16],
        s3_access_key_id=s3_ready.access_key,
        s3_secret_access_key=s3_ready.secret_key,
        s3_object_lock_mode="COMPLIANCE",
        s3_object_lock_days=2,
    )
    store = EvidenceStore.from_settings(settings)
    store.ensure_bucket()
    stored = store.put_document("k", b"x", "text/plain")
    head = store.client.head_object(Bucket=store.bucket, Key="k")
    assert (head["ObjectLockMode"], stored.size) == ("COMPLIANCE", 1)


def test_non_ascii_metadata_is_refused(evidence: EvidenceStore) -> None:
    with pytest.raises(ValueError, match="ASCII"):
        evidence.put_document("k", b"x", "text/plain", {"name": "张三"})
