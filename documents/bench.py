"""Letters per second of plain docxtpl, the prepared renderer and the full pipeline.

`python -m documents.bench` (or `make bench`): single thread, pinned to one core, the median
of several timed runs of N renders each, and the process's peak RSS. The prepared template is
built before timing (once per template version in production, ~20 ms).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable

from docxtpl import DocxTemplate

from documents.contexts import CONTEXTS, sample_context
from documents.renderer import letter_environment, prepared_template, render, template_path, template_variables

LOCALE = "zh-CN"
# The collection notice is the letter the issue asks about (with a 12-row instalment table,
# once it has one); the reminder letter is the other one-page letter with a table.
LETTERS = ("collection_notice", "reminder_letter")


def _out(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def _rates(works: dict[str, Callable[[], object]], renders: int, runs: int) -> dict[str, float]:
    """Median letters/s of each work over `runs` rounds of `renders` calls, plus paired ratios.

    The works are timed one after another inside each round, so a burst of load on this noisy
    machine hits all of them alike; `<name>/plain` is the median of the per-round ratios.
    """
    for work in works.values():
        work()  # warm-up
    per_round: list[dict[str, float]] = []
    for _ in range(runs):
        rates = {}
        for name, work in works.items():
            start = time.perf_counter()
            for _ in range(renders):
                work()
            rates[name] = renders / (time.perf_counter() - start)
        per_round.append(rates)
    result = {name: statistics.median(r[name] for r in per_round) for name in works}
    for name in works:
        result[f"{name}/plain"] = statistics.median(r[name] / r["plain"] for r in per_round)
    return result


def _instalment_fields(kind: str) -> list[str]:
    return [name for name in CONTEXTS[kind].model_fields if "instal" in name.lower()]


def bench(kind: str, renders: int, runs: int) -> dict[str, float]:
    """Letters/s of plain docxtpl, the prepared renderer and `render` for `kind` in zh-CN."""
    context = sample_context(kind, LOCALE)
    variables = template_variables(context)
    path = template_path(kind, LOCALE)
    prepared = prepared_template(kind, LOCALE)
    if prepared is None:
        raise SystemExit(f"{kind}/{LOCALE} is not preparable; nothing to compare")

    def plain() -> bytes:  # open + render + save, as docxtpl documents it
        doc = DocxTemplate(path)
        doc.render(variables, jinja_env=letter_environment(), autoescape=True)
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()

    works: dict[str, Callable[[], object]] = {
        "plain": plain,
        "prepared": lambda: prepared.render(variables),
        "pipeline": lambda: render(kind, context),
    }
    return _rates(works, renders, runs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m documents.bench", description=__doc__)
    parser.add_argument("-n", "--renders", type=int, default=100, help="renders per timed run (default 100)")
    parser.add_argument("-r", "--runs", type=int, default=5, help="timed runs; the median is shown (default 5)")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    _out(f"documents.bench: {LOCALE}, single thread on core(s) {cores}, "
         f"median of {args.runs} interleaved rounds x {args.renders} renders; ratios paired per round")
    _out("  plain    = DocxTemplate(path).render(autoescape=True) + save (no normalising)")
    _out("  prepared = PreparedTemplate.render (normalised .docx bytes)")
    _out("  pipeline = documents.renderer.render (read+hash template, clean data, render, normalise, SHA-256)")
    fields = _instalment_fields("collection_notice")
    if fields:
        _out(f"  collection_notice has instalment fields {fields}: benchmarked with its sample context")
    else:
        _out("  NOTE: the collection_notice template has no instalment table yet, so it is benchmarked with its"
             " sample context (balance table only); reminder_letter is benchmarked as well")
    _out()
    _out(f"{'letter':<20}{'plain/s':>10}{'prepared/s':>12}{'pipeline/s':>12}{'prep/plain':>12}{'pipe/plain':>12}")
    for kind in LETTERS:
        rates = bench(kind, args.renders, args.runs)
        _out(f"{kind:<20}{rates['plain']:>10.1f}{rates['prepared']:>12.1f}{rates['pipeline']:>12.1f}"
             f"{rates['prepared/plain']:>11.1f}x{rates['pipeline/plain']:>11.1f}x")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    _out()
    _out(f"peak RSS: {peak_kib / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
