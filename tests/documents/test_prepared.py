"""Prepared templates give exactly what plain docxtpl gives, part by part and byte by byte."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from docxtpl import DocxTemplate

from documents import renderer
from documents.contexts import CONTEXTS, LOCALES, LetterBase, sample_context
from documents.prepared import PreparedTemplate
from documents.renderer import (
    letter_environment,
    normalize_docx,
    prepared_template,
    render,
    render_plain,
    template_path,
    template_variables,
    visible_text,
)
from domain.parties import Borrower

# Discovered, not listed: kinds added to CONTEXTS are covered without touching this file.
CASES = [(kind, locale) for kind in CONTEXTS for locale in LOCALES]

HOSTILE = {
    "markup": '<b>&amp; "x" & <w:p>',
    "jinja": "{{ 7*7 }} {% for x in y %} {# c #}",
    "docxtpl_escapes": "{_{ a }_} {_% b %_}",
    "xml_injection": "</w:t></w:r></w:p><w:p><w:r><w:t>",
    "control_and_listing": "A\tB\nC\x07D\x0cE\x00F",  # \t and \n take docxtpl's resolve_listing path
    "long": ("张伟Zhang Wei " * 200)[:1999] + "末",
    "rtl": "\u200fمحمد علي \u202eevil",
}
VARIANTS = ["sample", *HOSTILE]


def _with_borrower(context: LetterBase, **changes: str) -> LetterBase:
    # model_construct, as in test_renderer: the renderer must be safe for data the domain refuses.
    borrower = Borrower.model_construct(**{**context.borrower.model_dump(), **changes})
    return type(context)(**{**dict(context), "borrower": borrower})


def _context(kind: str, locale: str, variant: str) -> LetterBase:
    context = sample_context(kind, locale)
    if variant == "sample":
        return context
    hostile = HOSTILE[variant]
    return _with_borrower(context, name=hostile, address=f"Addr {hostile[:1990]} end")


def _plain_docxtpl(path: Path, variables: dict[str, Any]) -> bytes:
    """The reference: docxtpl as documented, in the renderer's environment."""
    doc = DocxTemplate(path)
    doc.render(variables, jinja_env=letter_environment(), autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _members(content: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _assert_same_as_plain(path: Path, prepared: PreparedTemplate, variables: dict[str, Any]) -> bytes:
    plain = _plain_docxtpl(path, variables)
    ours = prepared.render(variables)
    plain_members, our_members = _members(plain), _members(ours)
    assert [n for n, _ in our_members] == [n for n, _ in plain_members]
    for (name, expected), (_, actual) in zip(plain_members, our_members, strict=True):
        assert actual == expected, f"{name} differs from plain docxtpl"
    assert ours == normalize_docx(plain)
    return ours


@pytest.fixture(scope="module")
def prepared() -> dict[tuple[str, str], PreparedTemplate]:
    return {
        case: PreparedTemplate(template_path(*case).read_bytes(), letter_environment()) for case in CASES
    }


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_every_part_equals_plain_docxtpl(prepared, kind: str, locale: str, variant: str) -> None:
    variables = template_variables(_context(kind, locale, variant))
    _assert_same_as_plain(template_path(kind, locale), prepared[(kind, locale)], variables)


@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_render_equals_render_plain(kind: str, locale: str) -> None:
    for variant in ("sample", "markup", "control_and_listing"):
        context = _context(kind, locale, variant)
        fast, plain = render(kind, context), render_plain(kind, context)
        assert fast == plain
        assert fast.sha256 == plain.sha256


@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_repeated_renders_are_identical(prepared, kind: str, locale: str) -> None:
    variables = template_variables(_context(kind, locale, "rtl"))
    first = prepared[(kind, locale)].render(variables)
    assert all(prepared[(kind, locale)].render(variables) == first for _ in range(5))


def test_four_threads_render_identical_bytes(prepared) -> None:
    jobs = [(case, variant) for case in CASES for variant in VARIANTS] * 3
    expected = {
        (case, variant): prepared[case].render(template_variables(_context(*case, variant)))
        for case in CASES for variant in VARIANTS
    }

    def job(item: tuple[tuple[str, str], str]) -> bytes:
        case, variant = item
        return prepared[case].render(template_variables(_context(*case, variant)))

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(job, jobs))
    assert all(result == expected[item] for item, result in zip(jobs, results, strict=True))
    with ThreadPoolExecutor(max_workers=4) as pool:  # the shared cache, from cold, too
        renderer._PREPARED.clear()
        docs = list(pool.map(lambda item: render(item[0][0], _context(*item[0], item[1])), jobs))
    assert all(doc.content == expected[item] for item, doc in zip(jobs, docs, strict=True))


# ---- the cache follows the template version ----------------------------------------------------

def _copy_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(renderer.TEMPLATE_DIR, target)
    monkeypatch.setattr(renderer, "TEMPLATE_DIR", target)
    return target


def _rewrite(path: Path, member: str, edit: Callable[[str], str]) -> None:
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            if info.filename == member:
                data = edit(data.decode("utf-8")).encode("utf-8")
            archive.writestr(info, data)


def test_editing_the_template_prepares_it_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kind, locale = "collection_notice", "zh-CN"
    context = sample_context(kind, locale)
    before = prepared_template(kind, locale)
    target = _copy_templates(tmp_path, monkeypatch)
    assert prepared_template(kind, locale) is before  # same bytes, same version, same preparation
    builds = renderer._PREPARED.builds
    path = target / locale / f"{kind}.docx"
    _rewrite(path, "word/document.xml", lambda xml: xml.replace("特此通知。", "特此通知！"))
    after = prepared_template(kind, locale)
    assert after is not None and after is not before
    assert renderer._PREPARED.builds == builds + 1
    assert prepared_template(kind, locale) is after  # and only once
    doc = render(kind, context)
    assert doc.template_version == renderer.template_version(kind, locale)
    assert "特此通知！" in visible_text(doc.content)
    assert doc.content == _assert_same_as_plain(path, after, template_variables(context))


def test_constant_footer_and_templated_core_properties(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The shipped templates have a templated footer and constant core properties; check the
    # other two branches (a part rendered once at preparation, core properties per letter).
    kind, locale = "reminder_letter", "en"
    path = _copy_templates(tmp_path, monkeypatch) / locale / f"{kind}.docx"
    _rewrite(path, "word/footer1.xml", lambda xml: xml.replace("{{ reference }}", "A &amp; B"))
    _rewrite(path, "docProps/core.xml", lambda xml: xml.replace(
        "<dc:subject>reminder_letter</dc:subject>", "<dc:subject>{{ reference }} &amp; {{ 7*6 }}</dc:subject>"))
    prepared = prepared_template(kind, locale)
    assert prepared is not None
    for variant in ("sample", "markup", "jinja"):
        context = _context(kind, locale, variant)
        content = _assert_same_as_plain(path, prepared, template_variables(context))
        assert render(kind, context).content == content
        core = dict(_members(content))["docProps/core.xml"].decode()
        assert f"{context.reference} &amp; 42" in core
