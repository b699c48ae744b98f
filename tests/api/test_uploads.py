"""Uploaded evidence: stored like a letter, idempotent, scoped by firm, carried by bundles."""

from __future__ import annotations

import hashlib
import io
import zipfile

from documents.bundle import CATALOG_NAME, verify
from documents.renderer import visible_text
from tests.api.conftest import Stack
from tests.api.test_documents import notice_of

PDF = b"%PDF-1.4\n% a scanned loan contract\n" + bytes(range(256)) * 4
PARAMS = {"file_name": "借款合同扫描件.pdf", "description": "借款合同（原件扫描）", "proves": "借贷关系成立",
          "source": "债权人档案"}  # fmt: skip


async def _upload(stack: Stack, matter_id: str, role: str = "legal_team", **overrides: object):  # type: ignore[no-untyped-def]
    return await stack.http.post(
        f"/matters/{matter_id}/evidence", params={**PARAMS, **overrides}, content=PDF,
        headers={**stack.auth(role), "Content-Type": "application/pdf"},
    )  # fmt: skip


async def test_upload_is_stored_verified_and_idempotent(stack: Stack) -> None:
    matter_id, _ = await notice_of(stack, "upload")
    r = await _upload(stack, matter_id)
    assert r.status_code == 201, r.text
    up = r.json()
    assert up["sha256"] == hashlib.sha256(PDF).hexdigest() and up["size"] == len(PDF)
    assert up["media_type"] == "application/pdf" and up["file_name"] == "借款合同扫描件.pdf" and up["version_id"]
    stored = stack.evidence.get_verified(f"matters/{matter_id}/uploads/{up['sha256']}/{up['file_name']}",
                                         up["version_id"], up["sha256"])  # fmt: skip
    assert stored == PDF
    again = await _upload(stack, matter_id)
    assert again.status_code == 200 and again.json()["id"] == up["id"]
    listed = (await stack.http.get(f"/matters/{matter_id}/evidence", headers=stack.auth("manager"))).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == up["id"]

    # Bundles carry the upload, re-verified, and the catalogue lists it with its hash.
    r = await stack.http.post(f"/matters/{matter_id}/bundles", headers=stack.auth("manager"))
    assert r.status_code == 201, r.text
    made = r.json()
    item = next(i for i in made["items"] if i["name"].endswith("借款合同扫描件.pdf"))
    assert item["sha256"] == up["sha256"]
    content = (await stack.http.get(made["content_url"], headers=stack.auth("manager"))).content
    assert verify(content).ok
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.read(item["name"]) == PDF
        assert up["sha256"] in visible_text(archive.read(CATALOG_NAME))


async def test_upload_validation_and_access(stack: Stack) -> None:
    matter_id, _ = await notice_of(stack, "upload-bad")
    r = await stack.http.post(f"/matters/{matter_id}/evidence", params=PARAMS, content=b"",
                              headers={**stack.auth("legal_team"), "Content-Type": "application/pdf"})  # fmt: skip
    assert r.status_code == 422 and "empty" in r.text
    r = await _upload(stack, matter_id, description="bad\x00text")
    assert r.status_code == 422 and "description" in r.text and "control character" in r.text
    r = await stack.http.post(f"/matters/{matter_id}/evidence", params={"file_name": "x.pdf"}, content=PDF,
                              headers=stack.auth("legal_team"))  # fmt: skip
    assert r.status_code == 422 and "description" in r.text
    r = await _upload(stack, matter_id, file_name="../../etc/passwd")
    assert r.status_code == 201 and "/" not in r.json()["file_name"] and ".." not in r.json()["file_name"]
    # No key: 401; a partner of no firm this matter is referred to: 404; unknown matter: 404.
    r = await stack.http.post(f"/matters/{matter_id}/evidence", params=PARAMS, content=PDF)
    assert r.status_code == 401
    assert (await _upload(stack, matter_id, role="partner_b")).status_code == 404
    r = await stack.http.get(f"/matters/{matter_id}/evidence", headers=stack.auth("partner_a"))
    assert r.status_code == 404
    assert (await _upload(stack, "no-such-matter")).status_code == 404


async def test_an_oversized_upload_is_refused_by_its_declared_length_and_while_streaming(stack: Stack) -> None:
    from api.routes.evidence import MAX_UPLOAD_BYTES

    matter_id, _ = await notice_of(stack, "upload-large")
    sent = 0

    async def body(total: int):  # type: ignore[no-untyped-def]
        nonlocal sent
        chunk = b"\0" * (1 << 20)
        while sent < total:
            sent += len(chunk)
            yield chunk

    headers = {**stack.auth("legal_team"), "Content-Type": "application/pdf"}
    # Declared too large: refused before a byte of the body is read.
    r = await stack.http.post(f"/matters/{matter_id}/evidence", params=PARAMS, content=body(300 << 20),
                              headers={**headers, "Content-Length": str(300 << 20)})
    assert r.status_code == 413 and "25 MiB" in r.text
    assert sent <= 2 << 20, sent  # httpx had produced at most a chunk or two when the answer came
    # Not declared (chunked): reading stops at the limit.
    sent = 0
    r = await stack.http.post(f"/matters/{matter_id}/evidence", params=PARAMS, content=body(300 << 20),
                              headers=headers)
    assert r.status_code == 413
    assert sent <= MAX_UPLOAD_BYTES + (2 << 20), sent
    listed = (await stack.http.get(f"/matters/{matter_id}/evidence", headers=stack.auth("manager"))).json()
    assert listed["count"] == 0


async def test_a_file_name_with_escapes_that_are_not_utf8_or_with_bidi_controls_is_refused(stack: Stack) -> None:
    matter_id, _ = await notice_of(stack, "upload-name")
    headers = {**stack.auth("legal_team"), "Content-Type": "application/pdf"}
    r = await stack.http.post(
        f"/matters/{matter_id}/evidence?file_name=a%FF%FEb.pdf&description=d&proves=p&source=s", content=PDF,
        headers=headers)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "file_name"], r.text
    assert "not valid UTF-8" in r.json()["detail"][0]["msg"]
    r = await _upload(stack, matter_id, file_name="invoice\u202efdp.exe")
    assert r.status_code == 422 and "U+202E" in r.text, r.text


async def test_an_upload_is_downloaded_verified_scoped_and_never_when_tampered(stack: Stack) -> None:
    from urllib.parse import quote

    from sqlalchemy import update

    from store.db import write_session
    from store.models import Upload

    matter_id, _ = await notice_of(stack, "upload-get")
    up = (await _upload(stack, matter_id)).json()
    url = f"/matters/{matter_id}/evidence/{up['id']}/content"
    r = await stack.http.get(url, headers=stack.auth("legal_team"))
    assert r.status_code == 200 and r.content == PDF and r.headers["content-type"] == "application/pdf"
    assert r.headers["x-content-sha256"] == up["sha256"] and r.headers["etag"] == f'"{up["sha256"]}"'
    assert f"filename*=UTF-8''{quote('借款合同扫描件.pdf')}" in r.headers["content-disposition"]
    assert r.headers["cache-control"] == "private, no-store"
    # Another firm's partner, an unknown upload, an upload of another matter: 404; no key: 401.
    assert (await stack.http.get(url, headers=stack.auth("partner_b"))).status_code == 404
    other, _ = await notice_of(stack, "upload-get-other")
    assert (await stack.http.get(f"/matters/{other}/evidence/{up['id']}/content",
                                 headers=stack.auth("manager"))).status_code == 404
    assert (await stack.http.get(f"/matters/{matter_id}/evidence/nope/content",
                                 headers=stack.auth("manager"))).status_code == 404
    assert (await stack.http.get(url)).status_code == 401
    # Bytes that no longer hash to the record are never served.
    async with write_session(stack.sessions) as session:
        await session.execute(update(Upload).where(Upload.id == up["id"]).values(sha256="0" * 64))
    r = await stack.http.get(url, headers=stack.auth("manager"))
    assert r.status_code == 409 and "integrity check" in r.json()["detail"] and PDF not in r.content
