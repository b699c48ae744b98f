"""Evidence bundles: byte-deterministic, self-verifying, safe with hostile file names."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from documents.bundle import (
    CATALOG_NAME,
    MANIFEST_NAME,
    BundleItem,
    build_bundle,
    canonical_json,
    catalog_rows,
    safe_file_name,
    verify,
)
from documents.contexts import sample_context
from documents.renderer import visible_text

CREATED = datetime(2024, 7, 8, 9, 30, tzinfo=UTC)


def _base(locale: str = "zh-CN") -> dict[str, Any]:
    sample = sample_context("evidence_catalog", locale)
    return {name: getattr(sample, name) for name in type(sample).model_fields if name not in ("items", "locale")}


def _items() -> list[BundleItem]:
    return [
        BundleItem("借款合同.pdf", "application/pdf", b"%PDF-1.7 contract", "原告存档原件扫描件",
                   datetime(2022, 6, 8, 2, 0, tzinfo=UTC), "借款合同", "借贷关系成立"),
        BundleItem("voucher.png", "image/png", b"\x89PNG voucher", "core banking export",
                   datetime(2022, 6, 10, 12, 0, tzinfo=timezone(timedelta(hours=8))), "放款凭证", "已放款"),
        BundleItem("notice.docx", "application/octet-stream", b"PK notice", "本系统生成并存证",
                   datetime(2024, 3, 15, 1, 2, 3, tzinfo=UTC), "催收通知书", "诉讼时效中断"),
    ]


def _bundle(items: list[BundleItem] | None = None, locale: str = "zh-CN"):  # type: ignore[no-untyped-def]
    return build_bundle(items or _items(), catalog_context_base=_base(locale), locale=locale, created_at=CREATED)


def _members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _rezip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def test_same_inputs_same_bytes() -> None:
    first, second = _bundle(), _bundle()
    assert first.content == second.content
    assert first.sha256 == second.sha256 == hashlib.sha256(first.content).hexdigest()
    assert first.size == len(first.content) and first.item_count == 3
    assert "content" not in repr(first)
    with zipfile.ZipFile(io.BytesIO(first.content)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == [
        MANIFEST_NAME, CATALOG_NAME, "evidence/01-借款合同.pdf", "evidence/02-voucher.png", "evidence/03-notice.docx",
    ]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED}
    assert {i.external_attr for i in infos} == {0o100644 << 16}


def test_different_content_different_hash() -> None:
    items = _items()
    items[0] = BundleItem(**{**items[0].__dict__, "content": b"%PDF-1.7 contract v2"})
    assert _bundle(items).sha256 != _bundle().sha256


def test_manifest_is_canonical_and_complete() -> None:
    bundle = _bundle()
    raw = _members(bundle.content)[MANIFEST_NAME]
    manifest = json.loads(raw)
    assert raw == canonical_json(manifest) == canonical_json(bundle.manifest)
    assert b"\n" not in raw and "借款合同".encode() in raw  # UTF-8, not \u escapes
    files = manifest["files"]
    assert [f["name"] for f in files] == ["evidence/01-借款合同.pdf", "evidence/02-voucher.png",
                                          "evidence/03-notice.docx"]
    for entry, item in zip(files, _items(), strict=True):
        assert entry["sha256"] == hashlib.sha256(item.content).hexdigest()
        assert entry["size"] == len(item.content)
        assert entry["media_type"] == item.media_type and entry["source"] == item.source
    assert files[1]["created_at"] == "2022-06-10T04:00:00Z"  # ISO 8601, in UTC
    assert manifest["created_at"] == "2024-07-08T09:30:00Z"
    catalog = _members(bundle.content)[CATALOG_NAME]
    assert manifest["catalog"]["sha256"] == hashlib.sha256(catalog).hexdigest() == bundle.catalog_sha256


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_catalog_lists_every_file_with_its_sha256(locale: str) -> None:
    bundle = _bundle(locale=locale)
    catalog = _members(bundle.content)[CATALOG_NAME]
    text = visible_text(catalog)
    assert ("证据目录" if locale == "zh-CN" else "Evidence Catalogue") in text
    for entry in bundle.manifest["files"]:
        assert entry["sha256"] in text
        assert entry["description"] in text and entry["proves"] in text and entry["source"] in text
    assert catalog_rows(catalog) == [(str(f["number"]), f["sha256"]) for f in bundle.manifest["files"]]


def test_verify_passes_on_a_built_bundle() -> None:
    report = verify(_bundle().content)
    assert report.ok, report.problems


def test_verify_names_a_tampered_file() -> None:
    members = list(_members(_bundle().content).items())
    forged = [(name, b"forged" if name == "evidence/02-voucher.png" else data) for name, data in members]
    report = verify(_rezip(forged))
    assert not report.ok
    assert report.mismatched == ("evidence/02-voucher.png",)
    assert not (report.missing or report.extra or report.catalog_mismatches)
    # Same size, different bytes: caught by the hash, not the size.
    same_size = [(n, b"X" * len(d) if n == "evidence/01-借款合同.pdf" else d) for n, d in members]
    assert verify(_rezip(same_size)).mismatched == ("evidence/01-借款合同.pdf",)


def test_verify_names_missing_and_extra_files() -> None:
    members = [(n, d) for n, d in _members(_bundle().content).items() if n != "evidence/03-notice.docx"]
    members.append(("evidence/04-smuggled.pdf", b"%PDF not listed"))
    report = verify(_rezip(members))
    assert report.missing == ("evidence/03-notice.docx",)
    assert report.extra == ("evidence/04-smuggled.pdf",)
    assert not report.ok


def test_verify_checks_the_catalog_against_the_manifest() -> None:
    bundle = _bundle()
    other = _bundle(_items()[:2] + [BundleItem(**{**_items()[2].__dict__, "content": b"PK other notice"})])
    members = _members(bundle.content)
    # A catalogue from another bundle, with the manifest's catalogue entry adjusted to it:
    # the files check out, but the catalogue lists another hash for file 3.
    catalog = _members(other.content)[CATALOG_NAME]
    manifest = json.loads(members[MANIFEST_NAME])
    manifest["catalog"].update(sha256=hashlib.sha256(catalog).hexdigest(), size=len(catalog))
    members.update({MANIFEST_NAME: canonical_json(manifest), CATALOG_NAME: catalog})
    report = verify(_rezip(list(members.items())))
    assert report.catalog_mismatches == ("evidence/03-notice.docx",)
    assert not (report.mismatched or report.missing or report.extra)
    # A catalogue swapped without adjusting the manifest is itself a mismatched file.
    members = _members(bundle.content)
    members[CATALOG_NAME] = catalog
    assert verify(_rezip(list(members.items()))).mismatched == (CATALOG_NAME,)


def test_verify_refuses_what_is_not_a_bundle() -> None:
    assert verify(b"not a zip").errors == ("not a ZIP archive",)
    assert verify(_rezip([("a.txt", b"x")])).errors == ("manifest.json is missing",)
    assert not verify(_rezip([(MANIFEST_NAME, b"{not json")])).ok


def test_duplicate_member_names_are_reported() -> None:
    members = list(_members(_bundle().content).items())
    with pytest.warns(UserWarning, match="Duplicate name"):
        forged = _rezip(members + [("evidence/02-voucher.png", b"second copy")])
    assert "evidence/02-voucher.png" in verify(forged).extra


@pytest.mark.parametrize(
    ("hostile", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("/absolute/path/report.pdf", "report.pdf"),
        ("C:\\Windows\\system32\\evil.exe", "evil.exe"),
        ("..", "file"),
        ("", "file"),
        (".hidden", "hidden"),
        ("a\x00b\x07c\x1f.pdf", "abc.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ('what?<is>:this|"*.txt', "whatisthis.txt"),
        ("CON.txt", "_CON.txt"),
        ("trailing. . ", "trailing"),
        ("合同 扫描件.pdf", "合同 扫描件.pdf"),
    ],
)
def test_hostile_names_are_sanitised(hostile: str, safe: str) -> None:
    assert safe_file_name(hostile) == safe


def test_long_names_keep_their_extension() -> None:
    name = safe_file_name("x" * 500 + ".pdf")
    assert len(name) == 120 and name.endswith(".pdf")


def test_hostile_and_duplicate_names_in_a_bundle() -> None:
    base = _items()[0]
    names = ["../../etc/passwd", "/etc/passwd", "Passwd", "dup.pdf", "dup.pdf", "sub/dup.pdf", "\x00"]
    items = [BundleItem(**{**base.__dict__, "file_name": n, "content": n.encode() + b"!"}) for n in names]
    bundle = _bundle(items)
    members = list(_members(bundle.content))
    assert members[2:] == [
        "evidence/01-passwd", "evidence/02-passwd (2)", "evidence/03-Passwd (3)",
        "evidence/04-dup.pdf", "evidence/05-dup (2).pdf", "evidence/06-dup (3).pdf", "evidence/07-file",
    ]
    for name in members:
        assert not name.startswith("/") and ".." not in name.split("/")
        assert all(ord(c) >= 32 for c in name)
    assert [f["original_name"] for f in bundle.manifest["files"]] == names
    assert verify(bundle.content).ok
    assert _bundle(items).content == bundle.content


def test_bundle_refuses_no_items_and_naive_times() -> None:
    with pytest.raises(ValueError, match="at least one"):
        build_bundle([], catalog_context_base=_base(), locale="zh-CN", created_at=CREATED)
    naive = BundleItem(**{**_items()[0].__dict__, "created_at": datetime(2024, 1, 1)})
    with pytest.raises(ValueError, match="naive"):
        _bundle([naive])
