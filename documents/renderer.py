"""Render letter contexts into .docx documents: safe for hostile data and byte-deterministic.

The same context always gives the same bytes (and so the same SHA-256) in any process: the
evidence store keys and verifies documents by that hash. How:

* every string of the context is cleaned (control characters dropped, unbalanced bidi
  overrides closed) and XML-escaped; Money and dates become locale strings (see
  `documents.formatting`), so the template only ever sees plain text;
* docxtpl renders with `autoescape=True` in a `SandboxedEnvironment` with `StrictUndefined`
  (a misspelt variable is an error, never a silent blank in a legal letter); compiled
  template code is cached by source, which halves the time of a render;
* the resulting ZIP is rewritten with fixed timestamps, attributes and compression.

docxtpl's letter-independent work (opening the .docx, `patch_xml`, compiling, compressing the
members it does not change) is done once per template version by
`documents.prepared.PreparedTemplate`, whose output equals, byte for byte, plain docxtpl
followed by `normalize_docx` (`render_plain`, kept for the proof tests and the benchmark).

The template version is a declared number per kind plus a prefix of the template file's
SHA-256, so any edit of a template file shows up in the version stored with each document.

Thread-safe: the shared state is the cache of prepared templates (immutable once built, built
under a lock) and the LRU cache of immutable compiled code; each render works on its own
copies. Activities may call `render` from a thread pool (the work holds the GIL, so
processes, not threads, add throughput).
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import typing
import zipfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import CodeType
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from markupsafe import Markup, escape
from pydantic import BaseModel

from documents.contexts import CONTEXTS, LOCALES, LetterBase
from documents.formatting import (
    capital_numerals,
    chinese_count,
    chinese_quantity,
    english_count,
    english_ordinal,
    format_date,
    format_money,
)
from documents.prepared import ZIP_LEVEL, PreparedCache, PreparedTemplate, zip_info
from domain.allocation import Balance
from domain.amount_words import AmountWordsError, english_words
from domain.money import Money

TEMPLATE_DIR: Path = Path(__file__).resolve().parent / "templates"
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Bump a kind's number when its meaning changes (new fields, new wording reviewed by legal);
# the hash suffix changes on its own with any byte of the file.
TEMPLATE_VERSIONS: dict[str, str] = {
    "collection_notice": "4",  # v2: every deadline says the day itself counts (（含当日）); v3: security
    "reminder_letter": "3",  # and guarantors named only when the matter has them; notice v4: the steps that
    # follow it, with their dates (the workflow's `next_steps`), when the workflow gives them
    "final_demand": "2",
    "ptp_confirmation": "2",
    "lawyers_letter": "2",  # and the demands stated with their dates, never "repeatedly"
    "civil_complaint": "2",
    "arbitration_application": "2",
    "power_of_attorney": "2",  # v2: before an arbitration commission too (no appeal, no CPL article)
    "preservation_application": "3",  # v3: in the case, the request to be excused from security (SPC art. 9)
    "enforcement_application": "2",  # v2: a late application (CPL art. 250) is not said to be in time
    "guarantor_demand": "4",  # v3: the borrower's ID masked, no address: a guarantor is shown only what it must know;
    # v4: a general guarantor asked for what enforcement left unpaid once it ended (art. 687)
    "closure_letter": "1",
    "evidence_catalog": "1",
    "settlement_agreement": "3",  # legal basis: Civil Code arts. 4-7, 543 and 575; v3: what is waived by
    # bucket (principal too), "no principal is waived" only when none is; a waiver that does not lapse on default
    "amendment_agreement": "3",  # guarantors who do not sign (art. 695), copies by signing parties; v3: approval
    "acceleration_notice": "1",
    "arrangement_breach": "1",
}

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# C0 controls except \t and \n, DEL and C1 controls, lone surrogates and the two
# non-characters XML forbids. docxtpl would drop or choke on them; \a and \f it would even
# turn into new paragraphs and page breaks, changing the document's structure.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BIDI_OPENERS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c",
                 "\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"}  # fmt: skip
_BIDI_CHARS = re.compile("[\u202a-\u202e\u2066-\u2069]")


class RenderError(Exception):
    """A letter could not be rendered. Retrying will not help: the input or template is wrong."""


class UnknownLetterKind(RenderError, ValueError):
    """The kind is not one of `CONTEXTS`."""


class ContextMismatch(RenderError, TypeError):
    """The context model does not belong to the requested letter kind."""


class TemplateMissing(RenderError, FileNotFoundError):
    """No template file for this kind and locale."""


class TemplateFailed(RenderError):
    """The template itself failed (undefined variable, sandbox violation, syntax error)."""


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    """A rendered letter and its identity. `repr` leaves out the bytes (they hold PII)."""

    kind: str
    locale: str
    template_version: str
    content: bytes = field(repr=False)
    sha256: str
    size: int
    media_type: str = DOCX_MEDIA_TYPE


# ---- templates ---------------------------------------------------------------------------------

def template_path(kind: str, locale: str) -> Path:
    """Where the template of `kind` in `locale` lives (under the current `TEMPLATE_DIR`)."""
    if kind not in CONTEXTS:
        raise UnknownLetterKind(f"unknown letter kind {kind!r}; expected one of {', '.join(CONTEXTS)}")
    if locale not in LOCALES:
        raise RenderError(f"unknown locale {locale!r}; expected one of {', '.join(LOCALES)}")
    return TEMPLATE_DIR / locale / f"{kind}.docx"


def _read_template(kind: str, locale: str) -> bytes:
    path = template_path(kind, locale)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise TemplateMissing(f"no template for {kind} in {locale} at {path}") from None


def _version(kind: str, template: bytes) -> str:
    return f"{TEMPLATE_VERSIONS.get(kind, '1')}-{hashlib.sha256(template).hexdigest()[:12]}"


def template_version(kind: str, locale: str) -> str:
    """Declared version of `kind` + "-" + the first 12 hex digits of the template file's SHA-256."""
    return _version(kind, _read_template(kind, locale))


# ---- data cleaning -----------------------------------------------------------------------------

def clean_text(value: str) -> str:
    """Drop characters a .docx cannot carry faithfully; close unbalanced bidi embeddings.

    Keeps \\t and \\n (rendered as a tab and a line break) and every printable character,
    including marks such as U+200F. An unclosed right-to-left override would reverse the text
    that follows it in the same paragraph (the ID number after a name, say), so each opened
    embedding or isolate is closed at the end of the value.
    """
    text = _UNSAFE_CHARS.sub("", value)
    if _BIDI_CHARS.search(text) is None:
        return text
    stack: list[str] = []
    for char in text:
        if char in _BIDI_OPENERS:
            stack.append(_BIDI_OPENERS[char])
        elif stack and char == stack[-1]:
            stack.pop()
    return text + "".join(reversed(stack))


def _data_text(value: str) -> Markup:
    """Cleaned, XML-escaped data that the template prints verbatim.

    docxtpl un-escapes `{_{`, `}_}`, `{_%` and `%_}` in its OUTPUT (an escape for template
    authors), which would alter data such as a name containing `{_{`. Writing that underscore
    as the character reference `&#95;` keeps it out of docxtpl's reach; the XML parser turns it
    back into `_`, so the document shows exactly the data.
    """
    escaped = str(escape(clean_text(value)))
    return Markup(escaped.replace("{_", "{&#95;").replace("_}", "&#95;}"))


def _view(value: Any, locale: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return _data_text(value)
    if isinstance(value, bool | int):
        return value
    if isinstance(value, Money):
        return format_money(value, locale)
    if isinstance(value, date):
        return format_date(value, locale)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, BaseModel):
        view = {name: _view(getattr(value, name), locale) for name in type(value).model_fields}
        if isinstance(value, Balance):
            view["total"] = format_money(value.total, locale)
        return view
    if isinstance(value, list | tuple):
        return [_view(item, locale) for item in value]
    return _data_text(str(value))


def _in_words(money: Money, locale: str) -> str:
    """`money` in words for `locale`: capital numerals in Chinese, British English words in English.

    "" where the amount cannot be stated in words (an unsupported currency, a negative amount in
    English, 10^16 and above), so the template omits the statement.
    """
    if locale == "zh-CN":
        return capital_numerals(money)
    try:
        return english_words(money)
    except AmountWordsError:
        return ""


def template_variables(context: LetterBase) -> dict[str, Any]:
    """The variables a template sees for `context`: cleaned strings, formatted amounts and dates.

    Besides every field of the context: `<money field>_in_words` (capital numerals in Chinese,
    words in English such as `Nineteen thousand five hundred and eighteen yuan only`; "" where the
    amount cannot be stated in words), `sequence_text` for reminders (二 / Second) and for closure
    letters `waived` / `waived_in_words` (the settled-away difference, "" when paid in full).
    """
    locale = context.locale
    zh = locale == "zh-CN"
    variables: dict[str, Any] = {"kind": context.kind}
    for name, info in type(context).model_fields.items():
        value = getattr(context, name)
        variables[name] = _view(value, locale)
        if isinstance(value, Money):
            variables[f"{name}_in_words"] = _in_words(value, locale)
        elif value is None and Money in typing.get_args(info.annotation):
            variables[f"{name}_in_words"] = ""  # an optional amount not stated: nor in words
    sequence = getattr(context, "sequence", None)
    if isinstance(sequence, int):
        variables["sequence_text"] = chinese_count(sequence) if zh else english_ordinal(sequence)
    original, paid = getattr(context, "original_total", None), getattr(context, "total_paid", None)
    if isinstance(original, Money) and isinstance(paid, Money):
        waived = original - paid
        positive = waived.is_positive()
        variables["waived"] = format_money(waived, locale) if positive else ""
        variables["waived_in_words"] = _in_words(waived, locale) if positive else ""
    return variables


# ---- rendering ---------------------------------------------------------------------------------

# Filters templates may use: counts in words, for numbers a template derives (the copies of an
# agreement: one per signing party).
LETTER_FILTERS: dict[str, Any] = {"chinese_quantity": chinese_quantity, "english_count": english_count}


def with_letter_filters(env: SandboxedEnvironment) -> SandboxedEnvironment:
    """`env` with the letters' filters (the renderer's environment and the lint's have the same)."""
    env.filters.update(LETTER_FILTERS)
    return env


class _LetterEnvironment(SandboxedEnvironment):
    """The sandbox, with compiled template code shared between renders.

    docxtpl compiles the whole document XML on every render, about half of a render's time.
    Compiled code depends only on the source and the environment's settings, which are fixed
    here, so it is cached by source; each render still gets its own environment object
    (docxtpl sets attributes on the one it is given). An edited template has another source,
    hence its own cache entry.
    """

    def __init__(self) -> None:
        super().__init__(autoescape=True, undefined=StrictUndefined)
        with_letter_filters(self)

    def from_string(self, source, globals=None, template_class=None):  # type: ignore[no-untyped-def]
        if not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        cls = template_class or self.template_class
        return cls.from_code(self, _compiled(source), self.make_globals(globals), None)


@functools.lru_cache(maxsize=64)
def _compiled(source: str) -> CodeType:
    return _LetterEnvironment().compile(source)


def letter_environment() -> SandboxedEnvironment:
    """A new instance of the sandboxed, autoescaping, strict environment letters render in."""
    return _LetterEnvironment()


_environment = letter_environment

# Prepared templates by (kind, locale, template version, file SHA-256): an edited file is a new key.
_PREPARED = PreparedCache(maxsize=64)


def normalize_docx(data: bytes) -> bytes:
    """Rewrite a .docx ZIP so equal content gives equal bytes (fixed times, attributes, level)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for member in src.infolist():
            info = zip_info(member.filename)  # fixed time, Unix attributes, deflate
            dst.writestr(info, src.read(member), compress_type=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL)
    return out.getvalue()


def plain_docx(template: bytes, variables: dict[str, Any]) -> bytes:
    """What plain docxtpl writes for `variables` (open, render, save), before normalising."""
    doc = DocxTemplate(io.BytesIO(template))
    doc.render(variables, jinja_env=letter_environment(), autoescape=True)
    raw = io.BytesIO()
    doc.save(raw)
    return raw.getvalue()


def prepared_template(kind: str, locale: str) -> PreparedTemplate | None:
    """The prepared template of the current file (None if it needs plain docxtpl)."""
    template = _read_template(kind, locale)
    return _prepared(kind, locale, template, _version(kind, template))


def _prepared(kind: str, locale: str, template: bytes, version: str) -> PreparedTemplate | None:
    # The version holds only 12 hex digits of the file's hash; the key holds all of it.
    key = (kind, locale, version, hashlib.sha256(template).hexdigest())
    return _PREPARED.get(key, lambda: PreparedTemplate(template, letter_environment()))


def _render(kind: str, context: LetterBase, *, prepared: bool) -> RenderedDocument:
    if kind not in CONTEXTS:
        raise UnknownLetterKind(f"unknown letter kind {kind!r}; expected one of {', '.join(CONTEXTS)}")
    expected = CONTEXTS[kind]
    if not isinstance(context, expected):
        raise ContextMismatch(
            f"letter kind {kind!r} needs a {expected.__name__}, got {type(context).__name__}"
        )
    template = _read_template(kind, context.locale)
    version = _version(kind, template)
    variables = template_variables(context)
    try:
        ready = _prepared(kind, context.locale, template, version) if prepared else None
        content = ready.render(variables) if ready is not None else normalize_docx(plain_docx(template, variables))
    except TemplateError as exc:
        # The message names variables and template text, never context values.
        raise TemplateFailed(f"{kind}/{context.locale} template failed: {type(exc).__name__}: {exc}") from exc
    return RenderedDocument(
        kind=kind,
        locale=context.locale,
        template_version=version,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )


def render(kind: str, context: LetterBase) -> RenderedDocument:
    """Render `context` with the template of `kind` in the context's locale.

    Raises `UnknownLetterKind`, `ContextMismatch` (e.g. a closure context for a reminder),
    `TemplateMissing` or `TemplateFailed`; all are `RenderError`s a retry cannot fix.
    """
    return _render(kind, context, prepared=True)


def render_plain(kind: str, context: LetterBase) -> RenderedDocument:
    """`render` through plain docxtpl on every call: the reference the prepared path must equal."""
    return _render(kind, context, prepared=False)


# ---- reading back ------------------------------------------------------------------------------

def _xml_parser() -> etree.XMLParser:
    # One parser per call (lxml parsers must not be shared between threads); no entities, no network.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_part(xml: bytes) -> etree._Element:
    """Parse one XML part of a .docx safely (no DTD, entities or network)."""
    return etree.fromstring(xml, parser=_xml_parser())


def visible_text(docx_bytes: bytes) -> str:
    """All text of the document body, tables included: one line per paragraph, in order.

    Tabs read as \\t and line breaks as \\n. Headers and footers are not part of the body.
    """
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        root = parse_part(archive.read("word/document.xml"))
    body = root.find(f"{_W}body")
    if body is None:
        return ""
    lines: list[str] = []
    for paragraph in body.iter(f"{_W}p"):
        parts: list[str] = []
        for node in paragraph.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
            # Only runs of this paragraph: skip tab-stop definitions (pPr/tabs/tab) and
            # paragraphs nested in text boxes (they get their own line).
            if node.getparent().tag != f"{_W}r" or next(node.iterancestors(f"{_W}p")) is not paragraph:
                continue
            if node.tag == f"{_W}t":
                parts.append(node.text or "")
            elif node.tag == f"{_W}tab":
                parts.append("\t")
            elif node.get(f"{_W}type") in (None, "textWrapping"):
                parts.append("\n")
        lines.append("".join(parts))
    return "\n".join(lines)
