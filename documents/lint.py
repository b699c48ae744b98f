"""Template lint: each letter template and its context model agree, and the sample renders cleanly.

    python -m documents.lint                      # every kind x locale; exit 1 on any problem
    python -m documents.lint --kind closure_letter --locale en

Three checks per (kind, locale), each problem a line naming the template, the part and the
variable:

1. Every variable path a template uses (`borrower.name`, `total_in_words`, `item.sha256` in a
   `{% for item in items %}`) exists among the variables the renderer provides: the fields
   of the context model, nested models included, plus the derived ones `template_variables()`
   adds. The XML parts are read the way docxtpl reads them (its own `patch_xml`), and the
   paths come from the Jinja AST. StrictUndefined catches a misspelt top-level name at render
   time; this catches it before, and catches attribute paths on every branch of an `{% if %}`.
2. Every leaf field of the context model (`borrower.name`, `balance.fees`) is printed by the
   template, directly or through a derived variable (`total_in_words`, `sequence_text`), unless
   `NOT_PRINTED` says why it legitimately is not. A field nobody prints is data the letter
   claims to state but does not.
3. The sample context renders: no Jinja delimiters left in any part, every XML part parses,
   and every string of the context appears in the body text (codes, `Literal` fields, excepted:
   a letter states `guarantee_type` in words).

The render in check 3 uses the renderer's public pieces (`template_variables`, `visible_text`)
with the same Jinja settings as the renderer (sandbox, autoescape, StrictUndefined), so that
any template file can be linted, not only the committed one. The golden tests
(`documents.golden`) cover the renderer's own `render` on the committed templates.
"""

from __future__ import annotations

import argparse
import io
import sys
import types
import typing
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from pydantic import BaseModel

from documents import renderer
from documents.contexts import CONTEXTS, LOCALES, LetterBase, sample_context
from domain.money import Money

Path_ = tuple[str, ...]

# Fields a letter legitimately does not print, with the reason. "*" applies to every kind.
# Keep this short: each entry is a field the letter's reader never sees.
NOT_PRINTED: dict[str, dict[str, str]] = {
    "*": {
        "locale": "chooses the template; the letter is written in it, it does not state it",
        "borrower.phone": "contact data for the collection ladder, not part of a written demand",
        "borrower.email": "contact data for the collection ladder, not part of a written demand",
        "borrower.locale": "chooses the letter's language, like `locale`",
        "borrower.timezone": "governs contact hours, not letter content",
    },
    "guarantor_demand": {
        "borrower.id_number": "a guarantor is shown the borrower's ID masked (borrower_id_masked), never in full",
        "borrower.address": "a guarantor is not told where the borrower lives",
    },
    **{kind: {"creditor.phone": "a pleading has no letterhead: the filer gives its contact person's number"}
       for kind in ("civil_complaint", "arbitration_application", "preservation_application",
                    "enforcement_application", "unwinding_application")},
}

# Derived variables of `renderer.template_variables` that print a field in another form.
# `<field>_in_words` (capital numerals) is recognised by its suffix.
DERIVED: dict[str, tuple[str, ...]] = {
    "sequence_text": ("sequence",),
}

# Parts docxtpl renders (body, headers, footers, footnotes, core properties); Jinja syntax in
# any other part would be printed literally.
_RENDERED_PREFIXES = ("word/document.xml", "word/header", "word/footer", "word/footnotes.xml", "docProps/core.xml")
_DELIMITERS = ("{{", "{%", "}}", "%}")
_LEAF_MODELS: tuple[type[BaseModel], ...] = (Money,)


# ---- what the template uses --------------------------------------------------------------------

def _chain(node: nodes.Node) -> tuple[str, Path_] | None:
    """`a.b['c'].d` -> ("a", ("b", "c", "d")); None when the chain does not start at a name."""
    attrs: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            attrs.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(
            node.arg.value, str
        ):
            attrs.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name):
            return node.name, tuple(reversed(attrs))
        else:
            return None


def _target_names(target: nodes.Node) -> list[str]:
    return [n.name for n in target.find_all(nodes.Name)] if not isinstance(target, nodes.Name) else [target.name]


_SUBSET_FILTERS = frozenset({"selectattr", "rejectattr", "list", "sort", "reverse", "unique"})


def _subset_of(value: nodes.Node, scope: Mapping[str, Path_ | None]) -> Path_ | None:
    """The context path of the list `value` filters (keeping its items), or None (not such a filter)."""
    if not isinstance(value, nodes.Filter):
        return None
    while isinstance(value, nodes.Filter) and value.name in _SUBSET_FILTERS and value.node is not None:
        value = value.node
    chain = _chain(value)
    if chain is None:
        return None
    name, attrs = chain
    if name in scope:
        bound = scope[name]
        return None if bound is None else bound + attrs
    return (name, *attrs)


def _used_paths(node: nodes.Node, scope: Mapping[str, Path_ | None], out: set[Path_]) -> None:
    """Collect the context paths `node` reads; loop variables map to the path of their iterable."""
    if isinstance(node, nodes.For):
        _used_paths(node.iter, scope, out)
        inner = dict(scope)
        chain = _chain(node.iter)
        base = None
        if chain is not None and (chain[0] not in scope or scope[chain[0]] is not None):
            base = (scope.get(chain[0]) or (chain[0],)) + chain[1]
        names = _target_names(node.target)
        for name in names:
            inner[name] = base if len(names) == 1 else None
        inner["loop"] = None
        for child in [*node.body, *([node.test] if node.test else [])]:
            _used_paths(child, inner, out)
        for child in node.else_:
            _used_paths(child, scope, out)
        return
    if isinstance(node, nodes.Assign | nodes.AssignBlock):
        # `{% set %}` makes a template-local name (its value is still read from the context). A
        # subset of a context list (`xs|selectattr('a')|list`) names the list's items, like `xs`.
        for child in node.iter_child_nodes(exclude=("target",)):
            _used_paths(child, scope, out)
        if isinstance(scope, dict):
            subset = _subset_of(node.node, scope) if isinstance(node, nodes.Assign) else None
            for name in _target_names(node.target):
                scope[name] = subset
        return
    if isinstance(node, nodes.Macro | nodes.CallBlock):
        inner = dict(scope)
        for arg in getattr(node, "args", []):
            inner[arg.name] = None
        for child in node.body:
            _used_paths(child, inner, out)
        return
    if isinstance(node, nodes.Filter) and node.name in ("selectattr", "rejectattr") and node.args \
            and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str):
        items = _subset_of(nodes.Filter(node.node, "list", [], [], None, None), scope)
        if items is not None:  # `xs|selectattr('a')` reads `a` of each item
            out.add(items + (node.args[0].value,))
    if isinstance(node, nodes.Getattr | nodes.Getitem | nodes.Name):
        chain = _chain(node)
        if chain is not None:
            name, attrs = chain
            if name in scope:
                bound = scope[name]
                if bound is not None:
                    out.add(bound + attrs)
            else:
                out.add((name, *attrs))
            return  # the whole chain was names, attributes and constant keys
    for child in node.iter_child_nodes():
        _used_paths(child, scope, out)


def _parts(data: bytes) -> Iterator[tuple[str, str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                yield name, archive.read(name).decode("utf-8")


def template_paths(template: Path) -> dict[str, set[Path_]]:
    """Per XML part of the .docx, the variable paths its Jinja code reads (after docxtpl's patching).

    Raises `TemplateError` on a syntax error.
    """
    doc = DocxTemplate(template)
    env = renderer.with_letter_filters(SandboxedEnvironment())
    result: dict[str, set[Path_]] = {}
    for part, xml in _parts(template.read_bytes()):
        paths: set[Path_] = set()
        _used_paths(env.parse(doc.patch_xml(xml)), {}, paths)
        result[part] = paths
    return result


# ---- what the context provides -----------------------------------------------------------------

def _lookup(value: Any, path: Path_) -> bool:
    """Whether `path` resolves in the template variables `value` (lists: in any of their items)."""
    if not path:
        return True
    head, rest = path[0], path[1:]
    if isinstance(value, Mapping):
        return head in value and _lookup(value[head], rest)
    if isinstance(value, list | tuple):
        return any(_lookup(item, path) for item in value)
    return hasattr(value, head)  # a method of a string (`.upper()`): the sandbox decides


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model inside `X`, `X | None`, `tuple[X, ...]` or `list[X]`, if any and not a leaf model."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return None if issubclass(annotation, _LEAF_MODELS) else annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) in (typing.Union, list, tuple):
        for arg in typing.get_args(annotation):
            model = _model_of(arg)
            if model is not None:
                return model
    return None


def declared_fields(model: type[BaseModel], prefix: Path_ = ()) -> list[Path_]:
    """Leaf field paths of a context model: `borrower.name`, `balance.fees`, `items.sha256`."""
    leaves: list[Path_] = []
    for name, info in model.model_fields.items():
        inner = _model_of(info.annotation)
        if inner is None:
            leaves.append((*prefix, name))
        else:
            leaves.extend(declared_fields(inner, (*prefix, name)))
    return leaves


def _sources(path: Path_) -> list[Path_]:
    """The fields a used path prints: itself, or the field behind a derived variable."""
    head = path[0]
    if head in DERIVED:
        return [(source,) for source in DERIVED[head]]
    if head.endswith("_in_words"):
        return [(head.removesuffix("_in_words"),)]
    return [path]


def _not_printed(kind: str) -> dict[str, str]:
    return {**NOT_PRINTED.get("*", {}), **NOT_PRINTED.get(kind, {})}


def _is_code(annotation: Any) -> bool:
    """A `Literal` (or optional `Literal`) field: a code that chooses wording, never text to print."""
    if typing.get_origin(annotation) is typing.Literal:
        return True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return any(_is_code(arg) for arg in typing.get_args(annotation))
    return False


def _strings(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    """The text values of a context, for check 3. Codes (`guarantee_type`) are left out: check 2
    proves the template reads them, and the letter states them in words, not as the code."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Money):
        return
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            if not _is_code(info.annotation):
                yield from _strings(getattr(value, name), (*path, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, path)


# ---- rendering ---------------------------------------------------------------------------------

def _render(template: Path, context: LetterBase) -> bytes:
    """Render like `renderer.render` does (same variables, same Jinja settings), from any file."""
    doc = DocxTemplate(template)
    env = renderer.with_letter_filters(SandboxedEnvironment(autoescape=True, undefined=StrictUndefined))
    doc.render(renderer.template_variables(context), jinja_env=env, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ---- the lint ----------------------------------------------------------------------------------

def lint(kind: str, locale: str, template: Path | None = None, context: LetterBase | None = None) -> list[str]:
    """Problems of the template of `kind` in `locale` (or of the file `template`); [] when clean."""
    path = template if template is not None else renderer.TEMPLATE_DIR / locale / f"{kind}.docx"
    where = f"{kind}/{locale} ({path})"
    if not path.is_file():
        return [f"{where}: template missing"]
    context = context if context is not None else sample_context(kind, locale)
    variables = renderer.template_variables(context)
    problems: list[str] = []

    try:
        used_by_part = template_paths(path)
        top_level = DocxTemplate(path).get_undeclared_template_variables(
            jinja_env=renderer.with_letter_filters(SandboxedEnvironment()))
    except TemplateError as exc:
        return [f"{where}: Jinja syntax error: {exc}"]

    # 1. every variable the template reads is provided (a field of the items of a list the sample
    #    leaves empty is checked against the model, as the sample cannot show it)
    leaves = declared_fields(CONTEXTS[kind])
    for name in sorted(top_level - set(variables)):
        problems.append(f"{where}: unknown variable {name!r} (not provided by the renderer)")
    for part, paths in used_by_part.items():
        rendered = part.startswith(_RENDERED_PREFIXES)
        if paths and not rendered:
            problems.append(f"{where} {part}: template code in a part docxtpl does not render")
        for used in sorted(paths):
            if used[0] not in top_level or _lookup(variables, used) or used in leaves:
                continue
            problems.append(f"{where} {part}: unknown variable {'.'.join(used)!r} (not in the context)")

    # 2. every declared field is printed
    used_all = {source for paths in used_by_part.values() for p in paths for source in _sources(p)}
    ignored = _not_printed(kind)
    for field in leaves:
        dotted = ".".join(field)
        if dotted in ignored:
            continue
        if not any(used[: len(field)] == field for used in used_all):
            problems.append(f"{where}: context field {dotted!r} is declared but never used")

    # 3. the sample renders cleanly and shows its data
    try:
        data = _render(path, context)
    except TemplateError as exc:
        return [*problems, f"{where}: the sample context does not render: {type(exc).__name__}: {exc}"]
    for part, xml in _parts(data):
        for delimiter in _DELIMITERS:
            if delimiter in xml:
                problems.append(f"{where} {part}: {delimiter!r} left in the rendered document")
        try:
            renderer.parse_part(xml.encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            problems.append(f"{where} {part}: invalid XML after rendering: {exc}")
    text = renderer.visible_text(data)
    for field, value in _strings(context):
        dotted = ".".join(field)
        if dotted in ignored or not value:
            continue
        if renderer.clean_text(value) not in text:
            problems.append(f"{where}: the value of {dotted!r} does not appear in the rendered text")
    return problems


def lint_all(kinds: Sequence[str] | None = None, locales: Sequence[str] | None = None) -> list[str]:
    """Problems of every template (or of the given kinds and locales)."""
    return [
        problem
        for kind in (kinds or list(CONTEXTS))
        for locale in (locales or LOCALES)
        for problem in lint(kind, locale)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check letter templates against their context models.")
    parser.add_argument("--kind", action="append", choices=list(CONTEXTS), help="only this kind (repeatable)")
    parser.add_argument("--locale", action="append", choices=list(LOCALES), help="only this locale (repeatable)")
    args = parser.parse_args(argv)
    problems = lint_all(args.kind, args.locale)
    for problem in problems:
        sys.stdout.write(problem + "\n")
    if not problems:
        sys.stdout.write("templates OK\n")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
