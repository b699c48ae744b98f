"""Template lint: the committed templates are clean, and the lint catches each kind of mistake."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docx import Document

from documents import lint, renderer
from documents.contexts import CONTEXTS, LOCALES

CASES = [(kind, locale) for kind in CONTEXTS for locale in LOCALES]


@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_committed_templates_are_clean(kind: str, locale: str) -> None:
    assert lint.lint(kind, locale) == []


def _edited(source: Path, target: Path, old: str | None = None, new: str = "", append: str | None = None) -> Path:
    """A copy of `source` with a run's text replaced and/or a paragraph appended (python-docx)."""
    doc = Document(str(source))
    if old is not None:
        runs = [run for paragraph in doc.paragraphs for run in paragraph.runs if old in run.text]
        runs += [run for table in doc.tables for row in table.rows for cell in row.cells
                 for paragraph in cell.paragraphs for run in paragraph.runs if old in run.text]
        assert runs, f"{old!r} not found in {source}"
        for run in runs:
            run.text = run.text.replace(old, new)
    if append is not None:
        doc.add_paragraph(append)
    doc.save(str(target))
    return target


def test_detects_an_unknown_attribute(tmp_path: Path) -> None:
    source = renderer.TEMPLATE_DIR / "en" / "collection_notice.docx"
    path = _edited(source, tmp_path / "t.docx", append="Also known as {{ borrower.nickname }}.")
    problems = lint.lint("collection_notice", "en", template=path)
    assert any("word/document.xml" in p and "unknown variable 'borrower.nickname'" in p for p in problems), problems
    assert any(str(path) in p for p in problems)


def test_detects_an_unknown_name_in_an_untaken_branch(tmp_path: Path) -> None:
    # StrictUndefined only fails on branches the sample takes; the lint reads every branch.
    source = renderer.TEMPLATE_DIR / "zh-CN" / "closure_letter.docx"
    branch = "{% if waived %}{{ waiver_reason }}{{ borrower.alias }}{% endif %}"
    path = _edited(source, tmp_path / "t.docx", append=branch)
    problems = lint.lint("closure_letter", "zh-CN", template=path)
    assert any("unknown variable 'waiver_reason'" in p for p in problems), problems
    assert any("unknown variable 'borrower.alias'" in p for p in problems), problems


def test_detects_a_removed_variable(tmp_path: Path) -> None:
    source = renderer.TEMPLATE_DIR / "en" / "closure_letter.docx"
    path = _edited(source, tmp_path / "t.docx", old="{{ borrower.id_number }}", new="(withheld)")
    problems = lint.lint("closure_letter", "en", template=path)
    assert any("'borrower.id_number' is declared but never used" in p for p in problems), problems
    assert any("value of 'borrower.id_number' does not appear" in p for p in problems), problems


def test_derived_variables_count_as_uses(tmp_path: Path) -> None:
    source = renderer.TEMPLATE_DIR / "zh-CN" / "reminder_letter.docx"
    path = _edited(source, tmp_path / "t.docx", old="{{ sequence_text }}", new="二")
    problems = lint.lint("reminder_letter", "zh-CN", template=path)
    assert problems == [
        f"reminder_letter/zh-CN ({path}): context field 'sequence' is declared but never used"
    ]


def test_detects_leftover_delimiters(tmp_path: Path) -> None:
    # docxtpl turns `{_{` into `{{` in its output: a template author's escape left in by mistake.
    source = renderer.TEMPLATE_DIR / "en" / "reminder_letter.docx"
    path = _edited(source, tmp_path / "t.docx", append="Leftover {_{ total }_}")
    problems = lint.lint("reminder_letter", "en", template=path)
    assert any("'{{' left in the rendered document" in p for p in problems), problems
    assert any("'}}' left in the rendered document" in p for p in problems), problems


def test_a_tiny_template_misses_most_fields(tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("{{ reference }} {{ nickname }}")
    path = tmp_path / "tiny.docx"
    doc.save(str(path))
    problems = lint.lint("closure_letter", "en", template=path)
    assert any("unknown variable 'nickname'" in p for p in problems), problems
    assert any("'closed_on' is declared but never used" in p for p in problems), problems
    assert not any("'reference' is declared" in p for p in problems)
    assert any("does not render" in p for p in problems), problems


def test_syntax_errors_and_missing_templates_are_problems(tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("{% if reference %}unclosed")
    path = tmp_path / "bad.docx"
    doc.save(str(path))
    assert "Jinja syntax error" in lint.lint("closure_letter", "en", template=path)[0]
    assert "template missing" in lint.lint("closure_letter", "en", template=tmp_path / "none.docx")[0]


def test_loop_variables_resolve_to_their_iterable(tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("{% for item in items %}{{ loop.index }} {{ item.sha256 }}{% set x = item.source %}"
                      "{{ x.upper() }}{% endfor %}{{ creditor['name'] }}{{ balance.total|upper }}")
    path = tmp_path / "loop.docx"
    doc.save(str(path))
    paths = lint.template_paths(path)["word/document.xml"]
    assert paths == {("items",), ("items", "sha256"), ("items", "source"), ("creditor", "name"),
                     ("balance", "total")}


def test_the_items_of_a_list_the_sample_leaves_empty_are_checked_against_the_model(tmp_path: Path) -> None:
    # The notice's sample has no timetable: `s.on` and `s.what` are fields of its steps; `s.when` is not.
    source = renderer.TEMPLATE_DIR / "en" / "collection_notice.docx"
    assert lint.lint("collection_notice", "en") == []
    path = _edited(source, tmp_path / "t.docx", append="{% for s in steps_after_pay_by %}{{ s.when }}{% endfor %}")
    problems = lint.lint("collection_notice", "en", template=path)
    assert len(problems) == 1 and "unknown variable 'steps_after_pay_by.when' (not in the context)" in problems[0]


def test_declared_fields_are_leaf_paths() -> None:
    fields = {".".join(path) for path in lint.declared_fields(CONTEXTS["collection_notice"])}
    assert {"borrower.name", "balance.fees", "total", "creditor.registration_number"} <= fields
    assert "balance" not in fields and "total.amount" not in fields


def test_cli_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert lint.main(["--kind", "closure_letter"]) == 0
    assert "templates OK" in capsys.readouterr().out
    shutil.copytree(renderer.TEMPLATE_DIR, tmp_path / "templates")
    target = tmp_path / "templates" / "en" / "closure_letter.docx"
    _edited(target, target, append="{{ borrower.nickname }}")
    monkeypatch.setattr(renderer, "TEMPLATE_DIR", tmp_path / "templates")
    assert lint.main(["--kind", "closure_letter", "--locale", "en"]) == 1
    assert "borrower.nickname" in capsys.readouterr().out


def test_a_filtered_subset_of_a_list_reads_the_lists_items(tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("{% set s = xs|selectattr('flag')|list %}{% set r = xs|rejectattr('flag')|list %}"
                      "{% for g in s %}{{ g.name }}{% endfor %}{% for g in r %}{{ g.id_number }}{% endfor %}"
                      "{% set y = x.source %}{{ y.upper() }}")
    path = tmp_path / "subset.docx"
    doc.save(str(path))
    paths = lint.template_paths(path)["word/document.xml"]
    assert paths == {("xs",), ("xs", "flag"), ("xs", "name"), ("xs", "id_number"), ("x", "source")}
