"""Documents: listing, verified download, and tampered evidence that is never served."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from sqlalchemy import update

from store.db import write_session
from store.models import Document
from tests.api.conftest import Stack, eventually

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def notice_of(stack: Stack, name: str) -> tuple[str, dict[str, Any]]:
    """A new matter and its collection notice (as listed by the API)."""
    m = await stack.open(name)

    async def listed() -> dict[str, Any] | None:
        r = await stack.http.get(f"/matters/{m['id']}/documents", headers=stack.auth("legal_team"))
        assert r.status_code == 200, r.text
        return next((d for d in r.json()["data"] if d["kind"] == "collection_notice"), None)

    return m["id"], await eventually(listed)


async def test_list_and_download_verified(stack: Stack) -> None:
    matter_id, doc = await notice_of(stack, "docs")
    assert doc["matter_id"] == matter_id
    assert doc["locale"] == "zh-CN" and doc["template_version"]
    assert doc["version_id"] and len(doc["sha256"]) == 64 and doc["size"] > 0
    assert doc["content_url"] == f"/documents/{doc['id']}/content"
    r = await stack.http.get(f"/matters/{matter_id}/documents", headers=stack.auth("manager"))
    assert r.json()["count"] == len(r.json()["data"]) >= 1

    r = await stack.http.get(doc["content_url"], headers=stack.auth("manager"))
    assert r.status_code == 200
    assert r.headers["content-type"] == DOCX
    assert r.headers["content-disposition"] == f'attachment; filename="{doc["id"]}.docx"'
    assert hashlib.sha256(r.content).hexdigest() == doc["sha256"]
    assert r.headers["x-content-sha256"] == doc["sha256"]
    assert r.headers["etag"] == f'"{doc["sha256"]}"'
    assert len(r.content) == doc["size"]
    assert r.content[:2] == b"PK"  # a DOCX is a zip


async def test_tampered_version_is_not_served(stack: Stack) -> None:
    _, doc = await notice_of(stack, "forged")
    forged = b"PK forged letter"
    s3 = stack.evidence.client
    put = s3.put_object(
        Bucket=stack.evidence.bucket,
        Key=f"matters/{doc['matter_id']}/letters/{doc['id']}.docx",
        Body=forged,
        ChecksumSHA256=base64.b64encode(hashlib.sha256(forged).digest()).decode(),
    )
    assert put["VersionId"] != doc["version_id"]
    async with write_session(stack.sessions) as session:
        await session.execute(update(Document).where(Document.id == doc["id"]).values(version_id=put["VersionId"]))

    r = await stack.http.get(doc["content_url"], headers=stack.auth("manager"))
    assert r.status_code == 409
    assert "integrity check" in r.json()["detail"]
    assert forged not in r.content
    assert "x-content-sha256" not in r.headers


async def test_altered_hash_is_not_served(stack: Stack) -> None:
    _, doc = await notice_of(stack, "rehash")
    async with write_session(stack.sessions) as session:
        await session.execute(update(Document).where(Document.id == doc["id"]).values(sha256="0" * 64))
    r = await stack.http.get(doc["content_url"], headers=stack.auth("legal_team"))
    assert r.status_code == 409
    assert "sha256 mismatch" in r.json()["detail"]
    assert not r.content.startswith(b"PK")
