"""Golden texts: every sample letter reads exactly as its reviewed golden file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from documents import golden
from documents.contexts import CONTEXTS, LOCALES, VARIANTS, sample_case


@pytest.mark.parametrize(("kind", "locale"), golden.cases())
def test_sample_letter_matches_its_golden_text(kind: str, locale: str) -> None:
    problem = golden.compare(kind, locale)
    if problem is not None:
        pytest.fail(problem, pytrace=False)


def test_missing_golden_file_says_how_to_create_it(tmp_path: Path) -> None:
    kind, locale = golden.cases()[0]
    problem = golden.compare(kind, locale, tmp_path)
    assert problem is not None
    assert "python -m documents.golden --write" in problem and "review the diff" in problem


def test_mismatch_shows_a_unified_diff(tmp_path: Path) -> None:
    kind, locale = golden.cases()[0]
    assert golden.write(tmp_path) != []
    path = golden.golden_path(kind, locale, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([lines[0], "an edited line\n", *lines[2:]]), encoding="utf-8")
    problem = golden.compare(kind, locale, tmp_path)
    assert problem is not None
    assert "--- " in problem and "+++ " in problem and "@@ " in problem
    assert "-an edited line" in problem and f"+{lines[1]}" in problem
    assert golden.write(tmp_path) == [path]  # --write restores it, and only it
    assert golden.compare(kind, locale, tmp_path) is None


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert golden.main(["--dir", str(tmp_path)]) == 1
    assert "--write" in capsys.readouterr().out
    assert golden.main(["--dir", str(tmp_path), "--write"]) == 0
    assert golden.main(["--dir", str(tmp_path)]) == 0


def test_variants_of_a_sample_are_cases_with_their_own_golden_files(tmp_path: Path) -> None:
    cases = golden.cases()
    assert cases[: len(CONTEXTS) * len(LOCALES)] == [(kind, locale) for kind in CONTEXTS for locale in LOCALES]
    for variant in ("collection_notice.next_steps", "acceleration_notice.no_clause", "arrangement_breach.amendment"):
        assert variant in VARIANTS and {(variant, "zh-CN"), (variant, "en")} <= set(cases)
        assert golden.golden_path(variant, "en").name == f"{variant}.en.txt"
    # --kind selects a kind with its variants
    written = golden.write(tmp_path, only=["collection_notice"])
    assert sorted(path.name for path in written) == [
        "collection_notice.en.txt", "collection_notice.next_steps.en.txt",
        "collection_notice.next_steps.zh-CN.txt", "collection_notice.zh-CN.txt"]
    with pytest.raises(ValueError, match="unknown sample variant 'collection_notice.nothing'"):
        sample_case("collection_notice.nothing", "en")


@pytest.mark.parametrize(("kind", "locale"), golden.cases())
def test_every_deadline_says_the_day_itself_counts(kind: str, locale: str) -> None:
    """`于2024年5月30日前` leaves the 30th in doubt: `（含当日）` settles it; in English, `no later than`."""
    text = golden.golden_path(kind, locale).read_text(encoding="utf-8")
    if locale == "zh-CN":
        assert not re.search(r"\d日前", text), re.findall(r".{20}\d日前.{10}", text)
    else:
        assert not re.search(r"(?<!on or )before \d", text), re.findall(r".{30}before \d.{10}", text)
