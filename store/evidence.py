"""The evidence store: documents in S3, verified on the way in and on the way out.

Every document is written once and never replaced:

- the SHA-256 travels with the upload (`x-amz-checksum-sha256`), so the server refuses bytes
  damaged in transit (`BadDigest`) instead of storing them;
- `If-None-Match: *` makes the put fail rather than overwrite an existing key; a re-run after a
  crash (the first put landed, its answer was lost) finds the object, compares hashes, and
  returns the stored version: idempotent without ever writing twice;
- each version is under Object Lock (GOVERNANCE or COMPLIANCE, from settings) until its
  retention date, so it cannot be deleted or replaced in place;
- every read re-hashes the bytes against the SHA-256 kept in the database.

Works against AWS S3, MinIO or SeaweedFS by `endpoint_url` (path-style addressing). The boto3
client blocks: async callers wrap the calls in `asyncio.to_thread`. Object metadata is
visible to anyone who can read the bucket listing: never put PII in it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from settings import Settings

log = logging.getLogger(__name__)

LockMode = Literal["GOVERNANCE", "COMPLIANCE"]
SHA256_METADATA = "sha256"
_EXISTS_CODES = {"PreconditionFailed", "ConditionalRequestConflict"}
_MISSING_CODES = {"404", "NoSuchKey", "NoSuchVersion", "NoSuchBucket", "NotFound"}


class EvidenceError(Exception):
    """Base class of evidence-store errors."""


class EvidenceConflict(EvidenceError):
    """The key already holds different bytes: a document is never overwritten."""

    def __init__(self, bucket: str, key: str, expected: str, actual: str | None) -> None:
        super().__init__(f"s3://{bucket}/{key} already exists with different content (sha256 {actual})")
        self.bucket, self.key, self.expected, self.actual = bucket, key, expected, actual


class EvidenceTampered(EvidenceError):
    """The stored bytes do not hash to the SHA-256 recorded when they were made."""

    def __init__(self, bucket: str, key: str, version_id: str | None, expected: str, actual: str) -> None:
        super().__init__(
            f"s3://{bucket}/{key} version {version_id}: sha256 {actual} does not match the recorded {expected}"
        )
        self.bucket, self.key, self.version_id = bucket, key, version_id
        self.expected, self.actual = expected, actual


class EvidenceMissing(EvidenceError, LookupError):
    """No such bucket, key or version."""


class EvidenceStoreMisconfigured(EvidenceError):
    """The bucket cannot hold evidence (e.g. created without Object Lock)."""


@dataclass(frozen=True)
class StoredObject:
    """Where the bytes are and their hash: what the database and the histories keep."""

    bucket: str
    key: str
    version_id: str | None
    sha256: str  # hex
    size: int


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


class EvidenceStore:
    """Write-once, verified document storage in one Object-Locked, versioned S3 bucket."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        object_lock_mode: LockMode = "GOVERNANCE",
        object_lock_days: int = 30,
        connect_timeout: float = 5,
        read_timeout: float = 30,
        max_attempts: int = 5,
        client: Any | None = None,
    ) -> None:
        if object_lock_mode not in ("GOVERNANCE", "COMPLIANCE"):
            raise ValueError(f"object_lock_mode must be GOVERNANCE or COMPLIANCE, not {object_lock_mode!r}")
        if object_lock_days < 1:
            raise ValueError("object_lock_days must be at least 1")
        self.bucket = bucket
        self.region = region
        self.object_lock_mode: LockMode = object_lock_mode
        self.object_lock_days = object_lock_days
        self.client = client or boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                retries={"max_attempts": max_attempts, "mode": "standard"},
                # We send our own SHA-256 on every put; no extra CRC trailers (aws-chunked
                # bodies) that some S3-compatible servers mishandle.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                # Our own code builds every request; skipping botocore's schema walk saves CPU per letter.
                parameter_validation=False,
            ),
        )

    @classmethod
    def from_settings(cls, settings: Settings, **timeouts: Any) -> EvidenceStore:
        """The store configured by `RECOVERY_S3_*` (pass resolved settings: `get_settings()`).

        `timeouts`: `connect_timeout`, `read_timeout` (seconds), `max_attempts`. Workers keep the
        patient defaults (a letter can wait); the API passes short ones (`API_S3_TIMEOUTS`).
        """
        return cls(
            **timeouts,
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            object_lock_mode=settings.s3_object_lock_mode,
            object_lock_days=settings.s3_object_lock_days,
        )

    # ---- bucket ---------------------------------------------------------------------------
    def ensure_bucket(self) -> None:
        """Create the bucket with Object Lock and versioning if missing; check it if present."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _code(exc) not in _MISSING_CODES and _status(exc) != 404:
                raise
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "ObjectLockEnabledForBucket": True}
            if self.region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            try:
                self.client.create_bucket(**kwargs)
                log.info("created evidence bucket %s with Object Lock", self.bucket)
            except ClientError as create_exc:
                if _code(create_exc) != "BucketAlreadyOwnedByYou":  # lost a creation race: fine
                    raise
        self.client.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
        try:
            lock = self.client.get_object_lock_configuration(Bucket=self.bucket)
            enabled = lock.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"
        except ClientError as exc:
            if _code(exc) != "ObjectLockConfigurationNotFoundError":
                raise
            enabled = False
        if not enabled:
            raise EvidenceStoreMisconfigured(
                f"bucket {self.bucket!r} exists without Object Lock, which can only be enabled at creation; "
                "use a new bucket name (RECOVERY_S3_BUCKET)"
            )

    def check(self) -> bool:
        """True when the bucket answers (health endpoint; one attempt, the client's timeouts)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            log.warning("evidence store health check failed: %s", type(exc).__name__)
            return False
        return True

    # ---- documents ------------------------------------------------------------------------
    def retain_until(self, now: datetime | None = None) -> datetime:
        return (now or datetime.now(UTC)) + timedelta(days=self.object_lock_days)

    def put_document(
        self,
        key: str,
        content: bytes,
        media_type: str,
        metadata: dict[str, str] | None = None,
    ) -> StoredObject:
        """Store `content` at `key` once, locked; a re-run with the same bytes returns the same version.

        Raises `EvidenceConflict` if `key` already holds different bytes. `metadata` values
        must be ASCII and must not contain PII.
        """
        digest = hashlib.sha256(content).digest()
        sha_hex = digest.hex()
        meta = dict(metadata or {})
        for name, value in meta.items():
            if not (name.isascii() and str(value).isascii()):
                raise ValueError(f"S3 metadata must be ASCII (field {name!r})")
        meta[SHA256_METADATA] = sha_hex
        # A concurrent writer can hold the key between our put (409/412) and our HEAD (404):
        # try again a few times before giving up.
        for _attempt in range(3):
            try:
                response = self.client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=content,
                    ContentType=media_type,
                    ChecksumSHA256=base64.b64encode(digest).decode("ascii"),
                    IfNoneMatch="*",
                    ObjectLockMode=self.object_lock_mode,
                    ObjectLockRetainUntilDate=self.retain_until(),
                    Metadata=meta,
                )
            except ClientError as exc:
                if _code(exc) not in _EXISTS_CODES and _status(exc) not in (409, 412):
                    raise
                existing = self._existing(key, sha_hex, len(content))
                if existing is not None:
                    return existing
                continue
            return StoredObject(self.bucket, key, response.get("VersionId"), sha_hex, len(content))
        raise EvidenceError(f"s3://{self.bucket}/{key}: put refused as existing, but the object cannot be read")

    def _existing(self, key: str, sha_hex: str, size: int) -> StoredObject | None:
        """The stored object if it holds exactly our bytes; None if it vanished; else a conflict."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except ClientError as exc:
            if _code(exc) in _MISSING_CODES or _status(exc) == 404:
                return None
            raise
        stored = _stored_sha256(head)
        if stored != sha_hex or int(head.get("ContentLength", -1)) != size:
            raise EvidenceConflict(self.bucket, key, sha_hex, stored)
        log.info("s3://%s/%s already stored with the same sha256: reusing version", self.bucket, key)
        return StoredObject(self.bucket, key, head.get("VersionId"), sha_hex, size)

    def get_verified(self, key: str, version_id: str | None, expected_sha256: str) -> bytes:
        """The bytes of one version, after checking they hash to `expected_sha256`.

        `version_id` None reads the latest version (only for unversioned legacy records).
        Raises `EvidenceTampered` on a mismatch and `EvidenceMissing` if absent.
        """
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            response = self.client.get_object(**kwargs)
        except ClientError as exc:
            if _code(exc) in _MISSING_CODES or _status(exc) == 404:
                raise EvidenceMissing(f"s3://{self.bucket}/{key} version {version_id} not found") from exc
            raise
        with response["Body"] as body:
            content: bytes = body.read()
        actual = hashlib.sha256(content).hexdigest()
        expected = expected_sha256.lower()
        if actual != expected:
            # Keys and hashes only: never document contents or borrower data.
            log.error(
                "EVIDENCE TAMPERED: s3://%s/%s version %s sha256 %s, recorded %s",
                self.bucket, key, version_id, actual, expected,
            )  # fmt: skip
            raise EvidenceTampered(self.bucket, key, version_id, expected, actual)
        return content


def _stored_sha256(head: dict[str, Any]) -> str | None:
    """The SHA-256 the server verified at upload (ChecksumSHA256), else our metadata copy."""
    checksum = head.get("ChecksumSHA256")
    if checksum and "-" not in checksum:  # "-N" suffix = multipart composite, not a content hash
        return base64.b64decode(checksum).hex()
    value = head.get("Metadata", {}).get(SHA256_METADATA)
    return value.lower() if value else None
