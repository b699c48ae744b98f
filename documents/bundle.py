"""Evidence bundles: one deterministic ZIP of a matter's evidence, a manifest and a catalogue.

A bundle is what goes to a law firm or a court: every file under `evidence/NN-<name>`, a
`manifest.json` naming each file with its size, media type, source, time and SHA-256, and a
`catalog.docx` (证据目录, rendered from the `evidence_catalog` template) that lists the same
files with the same hashes for people to read.

The same inputs always give the same bytes (and so the same SHA-256): members in a fixed
order with fixed timestamps, attributes and compression; the manifest is canonical JSON
(sorted keys, UTF-8, no insignificant whitespace); the catalogue comes from the deterministic
renderer. `verify` recomputes everything from the ZIP alone, so a recipient can check a
bundle without access to our systems.

File names come from outside (uploads, other systems): they are reduced to a safe base name
(no directories, no `..`, no absolute paths, no control or bidi characters, no characters
Windows refuses), and the number prefix keeps equal names apart; equal names are also made
distinct in themselves (`a.pdf`, `a (2).pdf`) so they stay distinct once a reader strips the
prefix.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from documents.contexts import EvidenceCatalogContext, EvidenceItem
from documents.renderer import DOCX_MEDIA_TYPE, parse_part, render

BUNDLE_FORMAT = "recovery-evidence-bundle/1"
BUNDLE_MEDIA_TYPE = "application/zip"
MANIFEST_NAME = "manifest.json"
CATALOG_NAME = "catalog.docx"
EVIDENCE_DIR = "evidence/"

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_ZIP_LEVEL = 6
_ZIP_FILE_MODE = 0o100644 << 16  # regular file, rw-r--r--
_MAX_NAME = 120  # characters of the safe name, extension included

# Control characters (C0, DEL, C1), bidi embeddings/overrides/isolates and marks that can
# disguise an extension ("invoice\u202efdp.exe"), and characters Windows refuses in names.
_UNSAFE_NAME_CHARS = re.compile('[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069<>:"|?*]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class BundleItem:
    """One file to bundle. `created_at` must be timezone-aware (it is written as UTC)."""

    file_name: str
    media_type: str
    content: bytes = field(repr=False)
    source: str
    created_at: datetime
    description: str
    proves: str


@dataclass(frozen=True)
class Bundle:
    """A built bundle. `repr` leaves out the bytes (the letters inside carry PII)."""

    content: bytes = field(repr=False)
    sha256: str
    size: int
    manifest: dict[str, Any]
    catalog_sha256: str
    item_count: int
    media_type: str = BUNDLE_MEDIA_TYPE


@dataclass(frozen=True)
class VerifyReport:
    """What `verify` found. `ok` only when every list is empty."""

    mismatched: tuple[str, ...] = ()  # in the manifest and the ZIP, but size or SHA-256 differ
    missing: tuple[str, ...] = ()  # in the manifest, absent from the ZIP
    extra: tuple[str, ...] = ()  # in the ZIP, absent from the manifest (or present twice)
    catalog_mismatches: tuple[str, ...] = ()  # files whose catalogue line disagrees with the manifest
    errors: tuple[str, ...] = ()  # the bundle cannot be checked at all (not a ZIP, no manifest)

    @property
    def ok(self) -> bool:
        return not (self.mismatched or self.missing or self.extra or self.catalog_mismatches or self.errors)

    @property
    def problems(self) -> list[str]:
        """Every finding as one line, for logs and error messages (names and hashes only)."""
        lines = [f"mismatched: {name}" for name in self.mismatched]
        lines += [f"missing: {name}" for name in self.missing]
        lines += [f"extra: {name}" for name in self.extra]
        lines += [f"catalog disagrees: {name}" for name in self.catalog_mismatches]
        return lines + [f"error: {text}" for text in self.errors]


# ---- names -------------------------------------------------------------------------------------

def safe_file_name(name: str) -> str:
    """A base name that is safe in any ZIP tool and file system; never empty.

    Keeps letters of every script (Chinese names stay Chinese); drops directories, control and
    bidi characters; replaces what Windows refuses; trims leading dots (no hidden files, no
    `..`) and trailing dots and spaces; shortens to 120 characters keeping the extension.
    """
    text = unicodedata.normalize("NFC", name).replace("\\", "/")
    text = text.rsplit("/", 1)[-1]  # the base name only: no directories, no absolute paths
    text = _UNSAFE_NAME_CHARS.sub("", text)
    text = text.strip().lstrip(".").rstrip(". ")
    if not text:
        text = "file"
    if _WINDOWS_RESERVED.match(text):
        text = f"_{text}"
    if len(text) > _MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 16 and stem:
            text = f"{stem[: _MAX_NAME - len(ext) - 1].rstrip('. ')}.{ext}"
        else:
            text = text[:_MAX_NAME].rstrip(". ")
    return text


def _distinct(names: Sequence[str]) -> list[str]:
    """Make equal names (ignoring case) distinct: the second `a.pdf` becomes `a (2).pdf`."""
    seen: set[str] = set()
    result = []
    for name in names:
        candidate, n = name, 1
        while candidate.casefold() in seen:
            n += 1
            stem, dot, ext = name.rpartition(".")
            candidate = f"{stem} ({n}).{ext}" if dot and stem else f"{name} ({n})"
        seen.add(candidate.casefold())
        result.append(candidate)
    return result


def member_names(items: Sequence[BundleItem]) -> list[str]:
    """The ZIP path of each item, in order: `evidence/01-<safe name>`, `evidence/02-...`."""
    width = max(2, len(str(len(items))))
    safe = _distinct([safe_file_name(item.file_name) for item in items])
    return [f"{EVIDENCE_DIR}{number:0{width}d}-{name}" for number, name in enumerate(safe, start=1)]


# ---- building ----------------------------------------------------------------------------------

def canonical_json(value: Any) -> bytes:
    """JSON with sorted keys, UTF-8, no insignificant whitespace: equal values, equal bytes."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime refused: give it a time zone (UTC)")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _zip(members: Sequence[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the platform
            info.create_version = 20
            info.extract_version = 20
            info.external_attr = _ZIP_FILE_MODE
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=_ZIP_LEVEL)
    return out.getvalue()


def build_bundle(
    items: Sequence[BundleItem],
    *,
    catalog_context_base: Mapping[str, Any],
    locale: str,
    created_at: datetime,
) -> Bundle:
    """Build the bundle of `items`, in the given order (item 1 is `evidence/01-...`).

    `catalog_context_base` holds the catalogue's fields other than `items` and `locale`
    (reference, creditor, borrower, contract, `case_title`, `matter_reference`, and
    optionally `letter_date`, which defaults to the UTC date of `created_at`). Raises
    `ValueError` for no items or a naive datetime, `pydantic.ValidationError` for a bad
    catalogue context and `documents.renderer.RenderError` if the catalogue cannot be rendered.
    """
    if not items:
        raise ValueError("a bundle needs at least one item")
    names = member_names(items)
    files: list[dict[str, Any]] = []
    catalog_items: list[EvidenceItem] = []
    for number, (item, name) in enumerate(zip(items, names, strict=True), start=1):
        digest = hashlib.sha256(item.content).hexdigest()
        files.append({
            "number": number,
            "name": name,
            "original_name": item.file_name,
            "media_type": item.media_type,
            "size": len(item.content),
            "sha256": digest,
            "source": item.source,
            "created_at": _iso(item.created_at),
            "description": item.description,
            "proves": item.proves,
        })
        catalog_items.append(EvidenceItem(number=number, description=item.description, source=item.source,
                                          sha256=digest, proves=item.proves))
    base = dict(catalog_context_base)
    base.setdefault("letter_date", created_at.astimezone(UTC).date())
    context = EvidenceCatalogContext.model_validate({**base, "locale": locale, "items": tuple(catalog_items)})
    catalog = render("evidence_catalog", context)
    manifest: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "created_at": _iso(created_at),
        "locale": locale,
        "catalog": {
            "name": CATALOG_NAME,
            "media_type": DOCX_MEDIA_TYPE,
            "size": catalog.size,
            "sha256": catalog.sha256,
            "template_version": catalog.template_version,
        },
        "files": files,
    }
    content = _zip([(MANIFEST_NAME, canonical_json(manifest)), (CATALOG_NAME, catalog.content)]
                   + [(name, item.content) for name, item in zip(names, items, strict=True)])
    return Bundle(
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        manifest=manifest,
        catalog_sha256=catalog.sha256,
        item_count=len(items),
    )


# ---- verifying ---------------------------------------------------------------------------------

def _read_manifest(archive: zipfile.ZipFile) -> tuple[dict[str, Any] | None, str | None]:
    try:
        data = json.loads(archive.read(MANIFEST_NAME).decode("utf-8"))
    except KeyError:
        return None, f"{MANIFEST_NAME} is missing"
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        return None, f"{MANIFEST_NAME} is unreadable: {type(exc).__name__}"
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        return None, f"{MANIFEST_NAME} has no file list"
    return data, None


def _check(archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: Any, sha256: Any) -> bool:
    """True when the member has the recorded size and SHA-256 (the size is checked before reading)."""
    if not isinstance(size, int) or info.file_size != size:
        return False
    try:
        data = archive.read(info)
    except (zipfile.BadZipFile, OSError, ValueError):  # CRC error, damaged stream
        return False
    return len(data) == size and hashlib.sha256(data).hexdigest() == sha256


def verify(zip_bytes: bytes) -> VerifyReport:
    """Check a bundle from its bytes alone: every file against the manifest, and the catalogue.

    Names each evidence file whose bytes do not match (`mismatched`), that the manifest lists
    but the ZIP lacks (`missing`), or that the ZIP holds but the manifest does not list
    (`extra`, also for a name present twice). The catalogue must match its manifest entry and
    list exactly the manifest's SHA-256 values in order; files whose line disagrees are named
    in `catalog_mismatches`.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    except zipfile.BadZipFile:
        return VerifyReport(errors=("not a ZIP archive",))
    with archive:
        manifest, error = _read_manifest(archive)
        if manifest is None:
            return VerifyReport(errors=(error or "no manifest",))
        infos: dict[str, zipfile.ZipInfo] = {}
        extra: list[str] = []
        for info in archive.infolist():
            if info.filename in infos:
                extra.append(info.filename)  # a second member of the same name: which one is evidence?
            else:
                infos[info.filename] = info
        mismatched: list[str] = []
        missing: list[str] = []
        errors: list[str] = []
        listed: set[str] = {MANIFEST_NAME}
        files = [entry for entry in manifest["files"] if isinstance(entry, dict)]
        if len(files) != len(manifest["files"]):
            errors.append(f"{MANIFEST_NAME} has malformed file entries")
        for entry in files:
            name = str(entry.get("name", ""))
            listed.add(name)
            if name not in infos:
                missing.append(name)
            elif not _check(archive, infos[name], entry.get("size"), entry.get("sha256")):
                mismatched.append(name)

        catalog_mismatches: list[str] = []
        catalog_entry = manifest.get("catalog")
        if not isinstance(catalog_entry, dict):
            errors.append(f"{MANIFEST_NAME} names no catalogue")
        else:
            catalog_name = str(catalog_entry.get("name", CATALOG_NAME))
            listed.add(catalog_name)
            catalog_info = infos.get(catalog_name)
            if catalog_info is None:
                missing.append(catalog_name)
            elif not _check(archive, catalog_info, catalog_entry.get("size"), catalog_entry.get("sha256")):
                mismatched.append(catalog_name)
            else:
                catalog_mismatches = _catalog_disagreements(archive.read(catalog_info), files)
        extra.extend(name for name in infos if name not in listed)
    return VerifyReport(
        mismatched=tuple(mismatched),
        missing=tuple(missing),
        extra=tuple(extra),
        catalog_mismatches=tuple(catalog_mismatches),
        errors=tuple(errors),
    )


def catalog_rows(catalog: bytes) -> list[tuple[str, str]]:
    """(number, SHA-256) of each evidence row of a rendered catalogue, in order.

    Read from the table's cells (column 1 and 4), not by searching the text, so a description
    that happens to look like a hash cannot pass for one.
    """
    with zipfile.ZipFile(io.BytesIO(catalog)) as archive:
        root = parse_part(archive.read("word/document.xml"))
    rows: list[tuple[str, str]] = []
    for table in root.iter(f"{_W}tbl"):
        for row in table.iter(f"{_W}tr"):
            cells = ["".join(t.text or "" for t in cell.iter(f"{_W}t")).strip() for cell in row.iter(f"{_W}tc")]
            if len(cells) == 5 and cells[0].isdigit():
                rows.append((cells[0], cells[3]))
    return rows


def _catalog_disagreements(catalog: bytes, files: Sequence[Mapping[str, Any]]) -> list[str]:
    """Names of files the catalogue does not list with their number and SHA-256, in order."""
    try:
        rows = catalog_rows(catalog)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:  # lxml's XMLSyntaxError is a ValueError
        return [f"{CATALOG_NAME} (unreadable: {type(exc).__name__})"]
    result = []
    for i, entry in enumerate(files):
        expected = (str(entry.get("number", i + 1)), entry.get("sha256"))
        if i >= len(rows) or rows[i] != expected:
            result.append(str(entry.get("name", "")))
    if len(rows) > len(files):
        result.append(f"{CATALOG_NAME} lists {len(rows) - len(files)} more file(s) than the manifest")
    return result
