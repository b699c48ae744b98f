"""PDF previews: real LibreOffice conversions of sample letters, read back with pdftotext.

LibreOffice is an optional system dependency: on a laptop without it these tests skip (saying
what to install); with CI=true they fail instead, because CI installs it (.ci/run).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from documents import preview
from documents.contexts import CollectionNoticeContext, sample_context
from documents.formatting import capital_numerals, format_money
from documents.renderer import render, template_variables
from tests.conftest import unavailable


def _squeeze(text: str) -> str:
    """All whitespace out: pdftotext wraps lines and puts spaces between runs (`19,518.00 元`)."""
    return re.sub(r"\s+", "", text)


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _cjk_font_installed() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    return bool(out.strip())


@pytest.fixture(scope="module")
def converter() -> None:
    if preview.find_soffice() is None:
        unavailable(f"LibreOffice is not installed (Debian packages: {preview.DEBIAN_PACKAGES})")
    if preview.find_pdftotext() is None:
        unavailable("pdftotext is not installed (Debian package: poppler-utils)")


def _notice(locale: str) -> tuple[CollectionNoticeContext, bytes]:
    context = sample_context("collection_notice", locale)
    assert isinstance(context, CollectionNoticeContext)
    return context, render("collection_notice", context).content


@pytest.fixture(scope="module")
def chinese(converter: None) -> tuple[CollectionNoticeContext, bytes]:
    if not _cjk_font_installed():
        unavailable("no Chinese font is installed (Debian package: fonts-noto-cjk)")
    context, docx = _notice("zh-CN")
    return context, preview.docx_to_pdf(docx)


@pytest.fixture(scope="module")
def english(converter: None) -> tuple[CollectionNoticeContext, bytes]:
    context, docx = _notice("en")
    return context, preview.docx_to_pdf(docx)


def test_chinese_notice(chinese: tuple[CollectionNoticeContext, bytes]) -> None:
    context, pdf = chinese
    assert pdf.startswith(b"%PDF")
    text = _squeeze(preview.pdf_text(pdf))
    assert context.borrower.name in text  # 张伟
    words = capital_numerals(context.total)
    assert words == "人民币壹万玖仟伍佰壹拾捌元整"
    assert words in text
    assert _squeeze(format_money(context.total, "zh-CN")) in text  # 人民币19,518.00元
    assert context.creditor.name in text


def test_english_notice(english: tuple[CollectionNoticeContext, bytes]) -> None:
    context, pdf = english
    assert pdf.startswith(b"%PDF")
    text = _words(preview.pdf_text(pdf))
    assert context.borrower.name in text  # Daniel Whitaker
    assert format_money(context.total, "en") in text  # CNY 19,518.00
    in_words = str(template_variables(context)["total_in_words"])
    assert in_words == "Nineteen thousand five hundred and eighteen yuan only"
    assert _words(in_words) in text


def test_concurrent_conversions_do_not_collide(converter: None) -> None:
    """Each conversion has its own LibreOffice profile; a shared one makes parallel runs fail."""
    context, docx = _notice("en")
    with ThreadPoolExecutor(3) as pool:
        pdfs = list(pool.map(lambda _: preview.docx_to_pdf(docx), range(3)))
    for pdf in pdfs:
        assert pdf.startswith(b"%PDF")
        assert context.borrower.name in _words(preview.pdf_text(pdf))


def test_timeout_kills_the_converter(converter: None) -> None:
    _, docx = _notice("en")
    with pytest.raises(preview.PreviewFailed, match="timed out"):
        preview.docx_to_pdf(docx, timeout=0.05)


def test_missing_soffice_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview.shutil, "which", lambda name: None)
    monkeypatch.setattr(preview, "_SOFFICE_CANDIDATES", ("/nonexistent/soffice",))
    monkeypatch.setattr(preview, "_OPT_GLOB", "/nonexistent-libreoffice*/program/soffice")
    assert preview.find_soffice() is None
    assert not preview.available()
    with pytest.raises(preview.PreviewUnavailable, match="libreoffice-writer-nogui") as caught:
        preview.docx_to_pdf(b"PK not needed")
    assert "fonts-noto-cjk" in str(caught.value)
    with pytest.raises(preview.PreviewUnavailable, match="poppler-utils"):
        preview.pdf_text(b"%PDF-1.7")


def test_soffice_found_off_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Not on PATH (e.g. a service's minimal environment): the usual install locations are tried."""
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setattr(preview.shutil, "which", lambda name: None)
    monkeypatch.setattr(preview, "_SOFFICE_CANDIDATES", ("/nonexistent/soffice", str(fake)))
    assert preview.find_soffice() == str(fake)


def test_converter_that_writes_nothing_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """soffice exits 0 when it cannot load a file; that must not pass for a preview."""
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setattr(preview, "find_soffice", lambda: str(fake))
    with pytest.raises(preview.PreviewFailed, match="no PDF"):
        preview.docx_to_pdf(b"PK")
    fake.write_text("#!/bin/sh\necho 'Error: boom' >&2\nexit 3\n")
    with pytest.raises(preview.PreviewFailed, match="status 3: Error: boom"):
        preview.docx_to_pdf(b"PK")
