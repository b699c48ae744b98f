"""Prepared templates: docxtpl's letter-independent work, done once per template version.

`DocxTemplate(path).render(...)` + `save` re-opens the .docx, re-parses every part, re-runs
`patch_xml` (a few dozen regexes over the whole body), re-compiles the Jinja source and
re-compresses every ZIP member on every letter. None of that depends on the letter. A
`PreparedTemplate` does it once and, per letter, only runs what does:

* the Jinja templates of the parts docxtpl renders (body, headers, footers, core
  properties), compiled once in the caller's environment;
* docxtpl's own post-processing, by calling its methods (`render_xml_part`: `\\n<w:p`
  round trip, `{_{` un-escaping, `resolve_listing`; `fix_tables`; `fix_docpr_ids`;
  `render_properties`) on a throw-away `DocxTemplate` per render, so the semantics stay
  docxtpl's, including for future template features it handles in those methods;
* python-docx's serialisation of the rendered parts (`parse_xml` / `serialize_part_xml`,
  what `XmlPart.load` and `save` do);
* the ZIP, written exactly as `zipfile.ZipFile.writestr` does in
  `documents.renderer.normalize_docx` (same order, times, attributes, deflate level), with
  every member docxtpl does not change compressed once, at preparation.

A part whose Jinja source prints only constant text (docxtpl still rewrites it) is rendered
once at preparation. Templates using what this path does not reproduce (footnotes: docxtpl
renders them once per section, so twice in a two-section letter; two relationships to one
header) raise `UnsupportedTemplate`; the caller then uses plain docxtpl.

Thread-safe: a `PreparedTemplate` is immutable after construction (compiled Jinja templates,
lxml skeletons that are only deep-copied, bytes); each render works on its own copies.
`tests/documents/test_prepared.py` proves the output equal, part by part and byte by byte,
to plain docxtpl for every letter kind and locale.
"""

from __future__ import annotations

import copy
import io
import struct
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docxtpl import DocxTemplate
from jinja2 import Environment, Template, nodes

# How `normalize_docx` writes every member; shared so both paths build the same ZipInfo.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 6
ZIP_FILE_MODE = 0o100644 << 16  # regular file, rw-r--r--


class UnsupportedTemplate(Exception):
    """The template uses a docxtpl feature this path does not reproduce byte for byte."""


def zip_info(name: str) -> zipfile.ZipInfo:
    """The ZipInfo of a normalised member: fixed time, Unix attributes, deflate."""
    info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # ZipInfo's default depends on the platform; say Unix everywhere
    info.create_version = 20
    info.extract_version = 20
    info.external_attr = ZIP_FILE_MODE  # zipfile replaces 0 with its own default anyway
    return info


# ---- ZIP members written like zipfile.writestr ---------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Entry:
    """One compressed member: its local header + data, and its central-directory fields."""

    local: bytes  # local file header, name, compressed data (no offset in there)
    central_head: bytes  # central directory record up to (excluding) the header offset
    central_tail: bytes  # name, extra, comment


# zipfile's record layouts (module constants typeshed does not declare).
_ZIPFILE: Any = zipfile
# The central directory record minus its last field, the header offset (known only in place).
assert _ZIPFILE.structCentralDir.endswith("2L")
_CENTRAL_HEAD = _ZIPFILE.structCentralDir[:-2] + "L"


def _entry(name: str, data: bytes) -> _Entry:
    """Compress `data` as `ZipFile.writestr(zip_info(name), data, compresslevel=ZIP_LEVEL)` does."""
    info = zip_info(name)
    # zipfile's compressor for ZIP_DEFLATED: raw deflate, one compress() per write, then flush().
    compressor = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
    compressed = compressor.compress(data) + compressor.flush()
    info.file_size, info.compress_size, info.CRC = len(data), len(compressed), zlib.crc32(data)
    info.flag_bits = 0
    if max(info.file_size, info.compress_size) > zipfile.ZIP64_LIMIT // 2:
        raise UnsupportedTemplate(f"{name} is too large for a letter")
    header = info.FileHeader(zip64=False)  # also settles extract/create versions
    try:
        filename, flag_bits = name.encode("ascii"), info.flag_bits
    except UnicodeEncodeError:
        filename, flag_bits = name.encode("utf-8"), info.flag_bits | 0x800
    dt = info.date_time
    dosdate = (dt[0] - 1980) << 9 | dt[1] << 5 | dt[2]
    dostime = dt[3] << 11 | dt[4] << 5 | (dt[5] // 2)
    head = struct.pack(
        _CENTRAL_HEAD, _ZIPFILE.stringCentralDir, info.create_version, info.create_system,
        info.extract_version, info.reserved, flag_bits, info.compress_type, dostime, dosdate,
        info.CRC, info.compress_size, info.file_size, len(filename), len(info.extra),
        len(info.comment), 0, info.internal_attr, info.external_attr,
    )
    return _Entry(header + compressed, head, filename + info.extra + info.comment)


def _assemble(entries: list[_Entry]) -> bytes:
    """Concatenate members and write the central directory as `ZipFile.close` does."""
    out = bytearray()
    central = bytearray()
    for entry in entries:
        central += entry.central_head + struct.pack("<L", len(out)) + entry.central_tail
        out += entry.local
    start = len(out)
    out += central
    out += struct.pack(_ZIPFILE.structEndArchive, _ZIPFILE.stringEndArchive, 0, 0,
                       len(entries), len(entries), len(central), start, 0)
    return bytes(out)


# ---- Jinja sources as docxtpl compiles them ------------------------------------------------------

class _Captured(Exception):
    def __init__(self, source: str) -> None:
        super().__init__("captured")
        self.source = source


class _Recorder:
    """An 'environment' that stops docxtpl's `render_xml_part` right at `from_string`."""

    def from_string(self, source: str) -> Template:
        raise _Captured(source)


def _compiled_source(src_xml: str) -> str:
    """The exact string `render_xml_part` hands to `from_string` for a patched part."""
    try:
        DocxTemplate(None).render_xml_part(src_xml, None, {}, _Recorder())  # type: ignore[arg-type]
    except _Captured as captured:
        return captured.source
    raise AssertionError("docxtpl's render_xml_part did not compile its source")


def _is_constant(env: Environment, source: str) -> bool:
    """True when the template prints only literal text: its output cannot depend on data."""
    return all(
        isinstance(node, nodes.Output) and all(isinstance(child, nodes.TemplateData) for child in node.nodes)
        for node in env.parse(source).body
    )


@dataclass(frozen=True, slots=True)
class _PartTemplate:
    """A patched part compiled once; poses as the environment `render_xml_part` is given."""

    patched: str  # after patch_xml: what render_xml_part is given
    source: str  # after render_xml_part's own pre-processing: what it compiles
    template: Template

    def from_string(self, source: str) -> Template:
        if source != self.source:  # cannot happen: docxtpl's pre-processing is deterministic
            raise AssertionError("docxtpl compiled another source than the prepared one")
        return self.template


_LISTING_CHARS = ("\t", "\a", "\n", "\f")


class _RenderingDocxTemplate(DocxTemplate):
    """docxtpl's per-render methods, with one shortcut that cannot change their result."""

    def resolve_listing(self, xml: str) -> str:
        # resolve_listing re-assembles every paragraph, run and text with three nested regex
        # substitutions (40% of a prepared render) only to replace \t, \a, \n and \f inside
        # w:t; every substitution returns its match unchanged when none of them occurs.
        if not any(char in xml for char in _LISTING_CHARS):
            return xml
        result: str = super().resolve_listing(xml)
        return result


def _fresh_docxtpl() -> DocxTemplate:
    """A DocxTemplate with the per-render state `render_init` sets, minus opening the file."""
    tpl = _RenderingDocxTemplate(None)  # type: ignore[arg-type]
    tpl.pic_map = {}
    tpl.current_rendering_part = None
    tpl.docx_ids_index = 1000
    return tpl


@dataclass(frozen=True, slots=True)
class _Producer:
    """Renders one member from the context; `constant` when its output cannot depend on it."""

    produce: Callable[[DocxTemplate, Mapping[str, Any]], bytes]
    constant: bool = False


class PreparedTemplate:
    """One .docx template, parsed, patched and compiled once; `render` fills it in."""

    def __init__(self, template: bytes, env: Environment) -> None:
        env.autoescape = True  # what DocxTemplate.render(autoescape=True) sets on it
        self._env = env
        tpl = DocxTemplate(io.BytesIO(template))
        tpl.render_init()
        document = tpl.docx
        package = document.part.package
        for part in package.parts:
            if part.content_type == CT.WML_FOOTNOTES:
                raise UnsupportedTemplate("footnotes (docxtpl renders them once per section)")
        producers: dict[str, _Producer] = {}

        # Body: docxtpl renders w:body alone, fixes tables and drawing ids, puts it back.
        body_template = self._compile(tpl.patch_xml(tpl.get_xml()))
        skeleton = copy.deepcopy(document.element)
        old_body = skeleton.find(qn("w:body"))
        skeleton.replace(old_body, skeleton.makeelement(qn("w:body"), {}))
        producers[document.part.partname.membername] = self._body_producer(body_template, skeleton)

        # Headers then footers, each part once per relationship, as DocxTemplate.render does.
        for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
            for _rel_key, part in tpl.get_headers_footers(uri):
                name = part.partname.membername
                if name in producers:
                    raise UnsupportedTemplate(f"{name} is the target of two relationships")
                xml = tpl.get_part_xml(part)
                producers[name] = self._header_footer_producer(
                    self._compile(tpl.patch_xml(xml)), tpl.get_headers_footers_encoding(xml))

        # Core properties: docxtpl renders some of them as templates and sets them all back.
        document.core_properties  # noqa: B018 -- created if missing, as docxtpl's access does
        core_part = package.part_related_by(RT.CORE_PROPERTIES)
        producers[core_part.partname.membername] = self._core_producer(core_part.element)

        # Everything else as python-docx saves it, in its order; rendered parts take their slot.
        saved = io.BytesIO()
        document.save(saved)
        self._slots: list[_Entry | _Producer] = []
        with zipfile.ZipFile(saved) as archive:
            names = archive.namelist()
            missing = set(producers) - set(names)
            if missing:
                raise UnsupportedTemplate(f"rendered parts not in the saved package: {sorted(missing)}")
            for name in names:
                producer = producers.get(name)
                if producer is None:
                    self._slots.append(_entry(name, archive.read(name)))
                elif producer.constant:
                    self._slots.append(_entry(name, producer.produce(_fresh_docxtpl(), {})))
                else:
                    self._slots.append(producer)
        self.names: tuple[str, ...] = tuple(names)

    def _compile(self, patched: str) -> _PartTemplate:
        source = _compiled_source(patched)
        return _PartTemplate(patched, source, self._env.from_string(source))

    def _body_producer(self, body: _PartTemplate, skeleton: Any) -> _Producer:
        def produce(tpl: DocxTemplate, context: Mapping[str, Any]) -> bytes:
            xml = tpl.render_xml_part(body.patched, None, context, body)  # type: ignore[arg-type]
            tree = tpl.fix_tables(xml)
            tpl.fix_docpr_ids(tree)
            root = copy.deepcopy(skeleton)
            root.replace(root.find(qn("w:body")), tree)  # DocxTemplate.map_tree
            return serialize_part_xml(root)

        return _Producer(produce)

    def _header_footer_producer(self, part: _PartTemplate, encoding: str) -> _Producer:
        def produce(tpl: DocxTemplate, context: Mapping[str, Any]) -> bytes:
            xml = tpl.render_xml_part(part.patched, None, context, part)  # type: ignore[arg-type]
            # map_headers_footers_xml: XmlPart.load parses it; save serialises the element.
            return serialize_part_xml(parse_xml(xml.encode(encoding)))

        return _Producer(produce, _is_constant(self._env, part.source))

    def _core_producer(self, element: Any) -> _Producer:
        env = self._env

        def produce(tpl: DocxTemplate, context: Mapping[str, Any]) -> bytes:
            own = copy.deepcopy(element)
            holder = SimpleNamespace(docx=SimpleNamespace(core_properties=CoreProperties(own)))
            DocxTemplate.render_properties(holder, dict(context), env)  # type: ignore[arg-type]
            return serialize_part_xml(own)

        core = CoreProperties(element)
        sources = [getattr(core, prop) for prop in ("author", "comments", "identifier", "language",
                                                    "subject", "title")]  # render_properties' list
        return _Producer(produce, all(_is_constant(env, source) for source in sources))

    # ---- per letter ----------------------------------------------------------------------------

    def render(self, context: Mapping[str, Any]) -> bytes:
        """The normalised .docx for `context`: `normalize_docx(plain docxtpl output)`, byte for byte."""
        tpl = _fresh_docxtpl()
        return _assemble([
            slot if isinstance(slot, _Entry) else _entry(name, slot.produce(tpl, context))
            for name, slot in zip(self.names, self._slots, strict=True)
        ])


class PreparedCache:
    """Prepared templates by key (kind, locale, version): built once, shared by all threads."""

    def __init__(self, maxsize: int = 32) -> None:
        self._maxsize = maxsize
        self._items: OrderedDict[Hashable, PreparedTemplate | UnsupportedTemplate] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0

    def get(self, key: Hashable, build: Callable[[], PreparedTemplate]) -> PreparedTemplate | None:
        """The prepared template for `key` (built under the lock); None if it is unsupported."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                try:
                    item = build()
                except UnsupportedTemplate as exc:
                    item = exc
                self.builds += 1
                self._items[key] = item
                if len(self._items) > self._maxsize:
                    self._items.popitem(last=False)
            else:
                self._items.move_to_end(key)
        return item if isinstance(item, PreparedTemplate) else None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
