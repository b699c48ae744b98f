"""PDF previews over the API: a real stored letter converted by LibreOffice, and every refusal."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from api.app import create_app
from documents import preview
from store.db import write_session
from store.models import Document
from tests.api.conftest import FIRM_A, Stack, eventually
from tests.api.test_documents import notice_of
from tests.api.test_health import _dead_s3
from tests.conftest import unavailable
from tests.factories import intake_data


def preview_url(doc_id: str) -> str:
    return f"/documents/{doc_id}/preview.pdf"


BORROWER = "欧阳明轩"  # not the factory's or the sample's name: the PDF text must come from this letter


@dataclass(frozen=True)
class Referred:
    matter_id: str
    document_id: str
    sha256: str


@pytest.fixture(scope="module")
async def referred(sqlite_stack: Stack) -> Referred:
    """A matter referred to firm A through the real referral."""
    stack = sqlite_stack
    m = await stack.open_fast("preview", borrower={**intake_data()["borrower"], "name": BORROWER})

    async def notice() -> dict[str, Any] | None:
        r = await stack.http.get(f"/matters/{m['id']}/documents", headers=stack.auth("manager"))
        return next((d for d in r.json()["data"] if d["kind"] == "collection_notice"), None)

    doc = await eventually(notice)
    await stack.refer(m["id"], FIRM_A)
    return Referred(m["id"], doc["id"], doc["sha256"])


@pytest.fixture
def converter() -> None:
    if preview.find_soffice() is None:
        unavailable(f"LibreOffice is not installed (Debian packages: {preview.DEBIAN_PACKAGES})")
    if preview.find_pdftotext() is None:
        unavailable("pdftotext is not installed (Debian package: poppler-utils)")


async def test_preview_of_a_stored_letter(stack: Stack, referred: Referred, converter: None) -> None:
    for role in ("legal_team", "partner_a"):  # staff, and the partner of the firm the matter is referred to
        r = await stack.http.get(preview_url(referred.document_id), headers=stack.auth(role))
        assert r.status_code == 200, (role, r.text)
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["content-disposition"] == f'inline; filename="{referred.document_id}.pdf"'
        assert r.headers["cache-control"] == "private, no-store"
        assert r.headers["x-source-sha256"] == referred.sha256
        assert r.content.startswith(b"%PDF")
        assert BORROWER in re.sub(r"\s+", "", preview.pdf_text(r.content))


async def test_preview_refusals(stack: Stack, referred: Referred) -> None:
    url = preview_url(referred.document_id)
    r = await stack.http.get(url)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    r = await stack.http.get(url, headers={"Authorization": "Bearer rk_nonsense"})
    assert r.status_code == 401
    r = await stack.http.get(url, headers=stack.auth("partner_b"))  # another firm's matter: as if absent
    assert r.status_code == 404
    assert not r.content.startswith(b"%PDF")
    r = await stack.http.get(preview_url("no-such-document"), headers=stack.auth("manager"))
    assert r.status_code == 404


async def test_without_libreoffice_outsiders_still_see_401_or_404(
    stack: Stack, referred: Referred, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Authorise first: only a caller who may see the letter learns that previews (or S3) are down."""
    monkeypatch.setattr(preview, "find_soffice", lambda: None)  # what `preview.available()` asks
    url = preview_url(referred.document_id)
    down = create_app(stack.settings, temporal=stack.temporal, sessionmaker=stack.sessions, evidence=_dead_s3())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=down), base_url="http://api.test") as s3_down:
        for http, unavailable in ((stack.http, "LibreOffice is not installed"), (s3_down, "evidence store")):
            r = await http.get(url)
            assert r.status_code == 401, r.text
            r = await http.get(url, headers={"Authorization": "Bearer rk_nonsense"})
            assert r.status_code == 401, r.text
            r = await http.get(url, headers=stack.auth("partner_b"))  # another firm's matter: as if absent
            assert r.status_code == 404, r.text
            r = await http.get(preview_url("no-such-document"), headers=stack.auth("manager"))
            assert r.status_code == 404, r.text
            # The control: for the partner of the matter's firm, previews really are unavailable.
            r = await http.get(url, headers=stack.auth("partner_a"))
            assert r.status_code == 503 and unavailable in r.json()["detail"], r.text


async def test_tampered_document_is_never_converted(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    _, doc = await notice_of(stack, "preview-forged")
    forged = b"PK forged letter"
    put = stack.evidence.client.put_object(
        Bucket=stack.evidence.bucket,
        Key=f"matters/{doc['matter_id']}/letters/{doc['id']}.docx",
        Body=forged,
        ChecksumSHA256=base64.b64encode(hashlib.sha256(forged).digest()).decode(),
    )
    async with write_session(stack.sessions) as session:
        await session.execute(update(Document).where(Document.id == doc["id"]).values(version_id=put["VersionId"]))

    def must_not_convert(docx: bytes, *, timeout: float = 60) -> bytes:
        raise AssertionError("a tampered document reached the converter")

    monkeypatch.setattr(preview, "docx_to_pdf", must_not_convert)
    r = await stack.http.get(preview_url(doc["id"]), headers=stack.auth("manager"))
    content = await stack.http.get(f"/documents/{doc['id']}/content", headers=stack.auth("manager"))
    assert r.status_code == content.status_code == 409
    assert r.json() == content.json()
    assert "integrity check" in r.json()["detail"]
    assert not r.content.startswith(b"%PDF")


async def test_preview_unavailable_is_503(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    _, doc = await notice_of(stack, "preview-nolo")
    monkeypatch.setattr(preview, "find_soffice", lambda: None)
    r = await stack.http.get(preview_url(doc["id"]), headers=stack.auth("manager"))
    assert r.status_code == 503
    assert "LibreOffice is not installed" in r.json()["detail"]


async def test_failed_conversion_is_500_without_content(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    _, doc = await notice_of(stack, "preview-fail")

    def fails(docx: bytes, *, timeout: float = 60) -> bytes:
        raise preview.PreviewFailed("LibreOffice timed out after 60s and was killed")

    monkeypatch.setattr(preview, "find_soffice", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(preview, "docx_to_pdf", fails)
    r = await stack.http.get(preview_url(doc["id"]), headers=stack.auth("manager"))
    assert r.status_code == 500
    assert "could not be made" in r.json()["detail"]
    # Failures give their slot back: more failures than slots are not stuck waiting for one.
    for _ in range(3):
        r = await stack.http.get(preview_url(doc["id"]), headers=stack.auth("manager"))
        assert r.status_code == 500
