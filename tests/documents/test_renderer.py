"""The renderer: every letter renders, deterministically, and hostile data stays data."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from documents import renderer
from documents.contexts import (
    CONTEXTS,
    KINDS,
    LOCALES,
    ClosureLetterContext,
    LetterBase,
    sample_context,
)
from documents.formatting import format_date, format_money
from documents.renderer import (
    DOCX_MEDIA_TYPE,
    TEMPLATE_VERSIONS,
    ContextMismatch,
    RenderedDocument,
    TemplateFailed,
    TemplateMissing,
    UnknownLetterKind,
    clean_text,
    parse_part,
    render,
    template_variables,
    template_version,
    visible_text,
)
from domain.money import Money
from domain.parties import Borrower

ROOT = Path(__file__).resolve().parents[2]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CASES = [(kind, locale) for kind in KINDS for locale in LOCALES]

HOSTILE = {
    "markup": '<b>&amp; "x"',
    "jinja_expression": "{{ 7*7 }}",
    "jinja_statement": "{% for x in y %}",
    "docxtpl_escapes": "{_{ a }_} {_% b %_}",
    "xml_injection": "</w:t></w:r></w:p><w:p><w:r><w:t>",
    "sandbox_escape": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "control_chars": "A" + "".join(chr(c) for c in range(32) if chr(c) not in "\t\n") + "\x7f\x85Z",
    "long": ("张伟Zhang Wei " * 200)[:1999] + "末",  # Borrower.name's maximum length
    "rtl_mark": "\u200fمحمد علي",
}


def _with_borrower(context: LetterBase, **changes: str) -> LetterBase:
    # model_construct: the domain refuses control characters at intake (domain/text.py); the
    # renderer must still be safe for data that got past it (older histories, other callers).
    borrower = Borrower.model_construct(**{**context.borrower.model_dump(), **changes})
    return type(context)(**{**dict(context), "borrower": borrower})


def _document_xml(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("word/document.xml")


def _structure(content: bytes) -> tuple[int, int, int]:
    body = parse_part(_document_xml(content)).find(f"{W}body")
    assert body is not None
    return (
        sum(1 for _ in body.iter(f"{W}p")),
        sum(1 for _ in body.iter(f"{W}tbl")),
        sum(1 for _ in body.iter(f"{W}tr")),
    )


def _xml_parts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.endswith((".xml", ".rels"))}


def _context_strings(context: LetterBase) -> list[str]:
    """What the letter must show: parties, contract, reference, every amount and date."""
    locale = context.locale
    values = [
        context.reference,
        context.creditor.name,
        context.borrower.name,
        context.contract_number,
        format_date(context.contract_signed_on, locale),
        format_date(context.letter_date, locale),
    ]
    masked = getattr(context, "borrower_id_masked", None)  # (a guarantor is shown the borrower's ID masked)
    values.append(masked or context.borrower.id_number)
    if context.borrower.address and not masked:
        values.append(context.borrower.address)
    for name in type(context).model_fields:
        value = getattr(context, name)
        if isinstance(value, Money):
            values.append(format_money(value, locale))
        elif isinstance(value, date):
            values.append(format_date(value, locale))
    balance = getattr(context, "balance", None)
    if balance is not None:
        for bucket in ("costs", "fees", "penalty", "interest", "principal"):
            values.append(format_money(getattr(balance, bucket), locale))
    return values


@pytest.fixture(scope="module")
def samples() -> dict[tuple[str, str], RenderedDocument]:
    return {(kind, locale): render(kind, sample_context(kind, locale)) for kind, locale in CASES}


# ---- every letter renders, completely --------------------------------------------------------

@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_renders_a_valid_docx(samples, kind: str, locale: str) -> None:
    doc = samples[(kind, locale)]
    assert (doc.kind, doc.locale, doc.media_type) == (kind, locale, DOCX_MEDIA_TYPE)
    assert doc.size == len(doc.content)
    assert doc.sha256 == hashlib.sha256(doc.content).hexdigest()
    assert doc.template_version == template_version(kind, locale)
    assert re.fullmatch(rf"{TEMPLATE_VERSIONS.get(kind, '1')}-[0-9a-f]{{12}}", doc.template_version)
    Document(io.BytesIO(doc.content))  # python-docx opens it
    assert "content" not in repr(doc)  # bytes (PII) stay out of logs


@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_every_part_parses_and_no_template_syntax_is_left(samples, kind: str, locale: str) -> None:
    for name, xml in _xml_parts(samples[(kind, locale)].content).items():
        parse_part(xml)
        text = xml.decode("utf-8")
        for token in ("{{", "}}", "{%", "%}"):
            assert token not in text, f"{token} left in {name}"


@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_every_context_value_is_visible(samples, kind: str, locale: str) -> None:
    text = visible_text(samples[(kind, locale)].content)
    for value in _context_strings(sample_context(kind, locale)):
        assert value in text


def test_chinese_letters_state_amounts_in_capital_numerals(samples) -> None:
    text = visible_text(samples[("collection_notice", "zh-CN")].content)
    assert "人民币 19,518.00元（大写：人民币壹万玖仟伍佰壹拾捌元整）" in text
    assert "《中华人民共和国民法典》" in text
    assert "催收通知书" in text
    assert "第二次提醒" in visible_text(samples[("reminder_letter", "zh-CN")].content)
    assert "Second Reminder" in visible_text(samples[("reminder_letter", "en")].content)


def test_english_letters_state_amounts_in_words(samples) -> None:
    text = visible_text(samples[("collection_notice", "en")].content)
    assert "CNY 19,518.00 (in words: Nineteen thousand five hundred and eighteen yuan only)" in text


def test_english_amounts_in_words_are_omitted_where_they_cannot_be_stated() -> None:
    context = sample_context("collection_notice", "en")
    assert template_variables(context)["total_in_words"] == "Nineteen thousand five hundred and eighteen yuan only"
    assert renderer._in_words(Money.of("105.50", "SGD"), "en") == "One hundred and five SGD and 50/100"
    assert renderer._in_words(Money.of("19518.000", "KWD"), "en") == ""  # three minor digits
    assert renderer._in_words(Money.of("-5.00", "CNY"), "en") == ""


@pytest.mark.parametrize("locale", LOCALES)
def test_closure_letter_states_a_settlement_waiver_only_when_there_is_one(samples, locale: str) -> None:
    paid_in_full = visible_text(samples[("closure_letter", locale)].content)
    context = sample_context("closure_letter", locale)
    settled = ClosureLetterContext(**{**dict(context), "total_paid": Money.of("15000.00", "CNY")})
    text = visible_text(render("closure_letter", settled).content)
    waived = format_money(Money.of("4518.00", "CNY"), locale)
    assert waived in text
    assert waived not in paid_in_full
    if locale == "zh-CN":
        assert "人民币肆仟伍佰壹拾捌元整" in text
    else:
        assert "Four thousand five hundred and eighteen yuan only" in text


def test_visible_text_reads_tables_tabs_and_line_breaks() -> None:
    context = _with_borrower(sample_context("collection_notice", "en"), address="Line 1\nLine 2\tTabbed")
    doc = render("collection_notice", context)
    text = visible_text(doc.content)
    assert "Line 1\nLine 2\tTabbed" in text
    assert "Total amount due\nCNY 19,518.00" in text  # the table's last row
    assert _structure(doc.content) == _structure(render("collection_notice", sample_context(
        "collection_notice", "en")).content)


# ---- determinism -----------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_same_input_same_bytes(samples, kind: str, locale: str) -> None:
    again = render(kind, sample_context(kind, locale))
    assert again.content == samples[(kind, locale)].content


def test_zip_members_are_normalised(samples) -> None:
    with zipfile.ZipFile(io.BytesIO(samples[("collection_notice", "zh-CN")].content)) as archive:
        infos = archive.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert (info.external_attr, info.create_system) == (0o100644 << 16, 3)


def test_same_sha_in_another_process(samples) -> None:
    script = (
        "from documents.contexts import KINDS, LOCALES, sample_context\n"
        "from documents.renderer import render\n"
        "for k in KINDS:\n"
        "    for loc in LOCALES:\n"
        "        print(k, loc, render(k, sample_context(k, loc)).sha256)\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True, timeout=120).stdout
    expected = "".join(f"{k} {loc} {samples[(k, loc)].sha256}\n" for k, loc in CASES)
    assert out == expected


def test_thread_pool_renders_are_identical(samples) -> None:
    jobs = CASES * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda case: render(case[0], sample_context(*case)), jobs))
    for (kind, locale), doc in zip(jobs, results, strict=True):
        assert doc.sha256 == samples[(kind, locale)].sha256


# ---- hostile data ----------------------------------------------------------------------------

@pytest.mark.parametrize("hostile", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_hostile_data_stays_literal_and_keeps_the_structure(samples, kind: str, locale: str,
                                                           hostile: str) -> None:
    benign = samples[(kind, locale)]
    address = f"Addr {hostile[:1990]} end"
    context = _with_borrower(sample_context(kind, locale), name=hostile, address=address)
    doc = render(kind, context)
    text = visible_text(doc.content)
    assert clean_text(hostile) in text
    if kind != "guarantor_demand":  # (a guarantor is not told where the borrower lives)
        assert clean_text(address) in text
    assert _structure(doc.content) == _structure(benign.content)
    assert text.count("49") == visible_text(benign.content).count("49")  # {{ 7*7 }} never evaluated
    for xml in _xml_parts(doc.content).values():
        parse_part(xml)


def test_control_characters_are_dropped_and_the_rest_kept() -> None:
    assert clean_text(HOSTILE["control_chars"]) == "AZ"
    assert clean_text("a\tb\nc\x00d\re\x07f\x0cg") == "a\tb\ncdefg"
    assert clean_text("\u200fمحمد") == "\u200fمحمد"
    assert clean_text("ok \ud800 ok\ufffe") == "ok  ok"


def test_unclosed_bidi_overrides_are_closed_within_the_value() -> None:
    assert clean_text("evil\u202eCBA") == "evil\u202eCBA\u202c"
    assert clean_text("\u2067isolated") == "\u2067isolated\u2069"
    assert clean_text("\u202bbalanced\u202c") == "\u202bbalanced\u202c"
    context = _with_borrower(sample_context("collection_notice", "en"), name="Mallory\u202e")
    text = visible_text(render("collection_notice", context).content)
    assert "Mallory\u202e\u202c" in text


# ---- errors ----------------------------------------------------------------------------------

def test_wrong_context_type_is_refused_clearly() -> None:
    with pytest.raises(ContextMismatch, match="closure_letter.*ClosureLetterContext.*CollectionNoticeContext"):
        render("closure_letter", sample_context("collection_notice", "zh-CN"))
    with pytest.raises(ContextMismatch):
        render("reminder_letter", sample_context("collection_notice", "en"))
    with pytest.raises(ContextMismatch):
        render("collection_notice", {"reference": "x"})  # type: ignore[arg-type]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(UnknownLetterKind, match="lawyer_letter"):
        render("lawyer_letter", sample_context("collection_notice", "zh-CN"))
    with pytest.raises(UnknownLetterKind):
        template_version("lawyer_letter", "en")


def test_missing_template_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(renderer, "TEMPLATE_DIR", tmp_path)
    with pytest.raises(TemplateMissing):
        render("collection_notice", sample_context("collection_notice", "en"))


def _copy_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(renderer.TEMPLATE_DIR, target)
    monkeypatch.setattr(renderer, "TEMPLATE_DIR", target)
    return target


def _rewrite_document_xml(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            if info.filename == "word/document.xml":
                data = edit(data.decode("utf-8")).encode("utf-8")
            archive.writestr(info, data)


def test_template_version_follows_the_file_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = template_version("collection_notice", "zh-CN")
    others = {(k, loc): template_version(k, loc) for k, loc in CASES}
    target = _copy_templates(tmp_path, monkeypatch)
    assert template_version("collection_notice", "zh-CN") == before  # same bytes, same version
    _rewrite_document_xml(target / "zh-CN" / "collection_notice.docx",
                          lambda xml: xml.replace("特此通知。", "特此通知！"))
    after = template_version("collection_notice", "zh-CN")
    assert after != before and after.startswith(f"{TEMPLATE_VERSIONS['collection_notice']}-")
    doc = render("collection_notice", sample_context("collection_notice", "zh-CN"))
    assert doc.template_version == after
    assert "特此通知！" in visible_text(doc.content)
    assert {(k, loc): template_version(k, loc) for k, loc in CASES if (k, loc) != (
        "collection_notice", "zh-CN")} == {c: v for c, v in others.items() if c != ("collection_notice", "zh-CN")}


def test_declared_version_is_part_of_the_template_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(renderer.TEMPLATE_VERSIONS, "closure_letter", "7")
    assert template_version("closure_letter", "en").startswith("7-")


@pytest.mark.parametrize(
    ("placeholder", "needle"),
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
        ("{{ no_such_variable }}", "no_such_variable"),
        ("{{ borrower.nmae }}", "nmae"),
    ],
)
def test_template_errors_fail_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, placeholder: str,
                                     needle: str) -> None:
    target = _copy_templates(tmp_path, monkeypatch)
    _rewrite_document_xml(target / "en" / "closure_letter.docx",
                          lambda xml: xml.replace("Please keep this letter for your records.", placeholder))
    with pytest.raises(TemplateFailed, match=needle):
        render("closure_letter", sample_context("closure_letter", "en"))


def test_every_kind_has_a_declared_version_and_templates() -> None:
    # Declared versions name known kinds; a kind not declared there is version 1 (see `_version`).
    assert set(renderer.TEMPLATE_VERSIONS) <= set(CONTEXTS)
    for kind, locale in CASES:
        assert renderer.template_path(kind, locale).is_file()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_collection_notice_instalment_table_only_when_there_are_instalments(locale: str) -> None:
    full = sample_context("collection_notice", locale)
    assert len(full.instalments) == 12  # type: ignore[attr-defined]
    with_table = visible_text(render("collection_notice", full).content)
    without = visible_text(render("collection_notice", full.model_copy(update={"instalments": ()})).content)
    intro = "未按期归还的分期款项" if locale == "zh-CN" else "instalments you have failed to pay"
    assert intro in with_table and intro not in without
    assert with_table.count("1,587.50") == 12 and "1,587.50" not in without
    assert "{%" not in without and "instalments" not in without.replace("instalment", "")
