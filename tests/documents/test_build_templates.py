"""The committed templates are exactly what documents/build_templates.py builds."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from documents import build_templates
from documents.contexts import KINDS, LOCALES
from documents.renderer import TEMPLATE_DIR


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(name, archive.read(name)) for name in archive.namelist()]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_committed_template_matches_the_script(kind: str, locale: str) -> None:
    committed = (TEMPLATE_DIR / locale / f"{kind}.docx").read_bytes()
    built = build_templates.build(kind, locale)
    # Compare uncompressed members: the bytes could differ only with another zlib.
    assert _members(built) == _members(committed), "rerun: python -m documents.build_templates"


def test_build_is_rerunnable(tmp_path: Path) -> None:
    first = build_templates.build_all(tmp_path)
    assert len(first) == len(KINDS) * len(LOCALES)
    assert build_templates.build_all(tmp_path) == []  # nothing changes the second time
    assert build_templates.main(["--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "en" / "closure_letter.docx").write_bytes(b"stale")
    assert build_templates.main(["--check", "--out", str(tmp_path)]) == 1


def test_templates_carry_no_thumbnail_and_fixed_properties() -> None:
    names = dict(_members((TEMPLATE_DIR / "zh-CN" / "collection_notice.docx").read_bytes()))
    assert not any("thumbnail" in name for name in names)
    core = names["docProps/core.xml"].decode()
    assert "2024-01-01T00:00:00Z" in core
    assert "催收通知书" in core
