"""Golden texts: what each sample letter says, committed so any change of wording shows in review.

    python -m documents.golden            # compare; exit 1 and print a unified diff on a change
    python -m documents.golden --write    # regenerate the golden files, then review `git diff`

For every kind and locale the renderer's own `render` turns `sample_context(kind, locale)`
(fixed dates, no clock) into a .docx, and `visible_text` into one line per paragraph. The text
is kept in `tests/documents/golden/<kind>.<locale>.txt` (UTF-8, with a final newline). A sample's
variants (`documents.contexts.VARIANTS`, "<kind>.<variant>": wording the sample does not show)
are cases too, kept in `<kind>.<variant>.<locale>.txt`. A golden file changes only when a
template, the formatting or a sample changes: each such diff is a change to what a borrower
reads, so it is reviewed like one.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from pathlib import Path

from documents.contexts import CONTEXTS, LOCALES, VARIANTS, sample_case
from documents.renderer import render, visible_text

GOLDEN_DIR: Path = Path(__file__).resolve().parents[1] / "tests" / "documents" / "golden"
WRITE_HINT = "run `python -m documents.golden --write` and review the diff"


def cases() -> list[tuple[str, str]]:
    """Every (kind, locale) pair, discovered from `CONTEXTS` so a new kind gets its golden file, then
    every (variant, locale) pair of `VARIANTS`."""
    return [(case, locale) for case in (*CONTEXTS, *VARIANTS) for locale in LOCALES]


def golden_path(kind: str, locale: str, directory: Path | None = None) -> Path:
    return (directory or GOLDEN_DIR) / f"{kind}.{locale}.txt"


def rendered_text(kind: str, locale: str) -> str:
    """The visible text of the sample letter (`kind` may name a variant), as stored in its golden file."""
    context = sample_case(kind, locale)
    return visible_text(render(context.kind, context).content) + "\n"


def compare(kind: str, locale: str, directory: Path | None = None) -> str | None:
    """None when the golden file matches; otherwise why not (missing file, or a unified diff)."""
    path = golden_path(kind, locale, directory)
    actual = rendered_text(kind, locale)
    if not path.is_file():
        return f"no golden file {path}: {WRITE_HINT}"
    expected = path.read_text(encoding="utf-8")
    if expected == actual:
        return None
    diff = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        fromfile=f"{path} (golden)",
        tofile=f"{kind}/{locale} (rendered now)",
    )
    return f"{kind}/{locale} differs from {path}; if the change is intended, {WRITE_HINT}\n" + "".join(diff)


def write(directory: Path | None = None, only: Sequence[str] = ()) -> list[Path]:
    """(Re)write every golden file (or those of the kinds in `only`); return those that changed."""
    changed = []
    for kind, locale in cases():
        if only and kind.partition(".")[0] not in only:
            continue
        path = golden_path(kind, locale, directory)
        text = rendered_text(kind, locale)
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        changed.append(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare (or --write) the golden texts of the sample letters.")
    parser.add_argument("--write", action="store_true", help="regenerate the golden files")
    parser.add_argument("--dir", type=Path, default=GOLDEN_DIR, help="golden files folder")
    parser.add_argument("--kind", action="append", default=[], help="only this kind and its variants (repeatable)")
    args = parser.parse_args(argv)
    if args.write:
        for path in write(args.dir, args.kind):
            sys.stdout.write(f"wrote {path}\n")
        return 0
    failures = [message for kind, locale in cases() if (message := compare(kind, locale, args.dir))]
    for message in failures:
        sys.stdout.write(message + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
