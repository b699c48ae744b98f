"""Families of documents, one module each: their contexts, samples and template builders.

Each module `documents/kinds/<group>.py` defines:
- `CONTEXT_CLASSES`: context models (subclasses of `documents.base.LetterBase`, each with `kind`);
- `SAMPLES`: kind -> function(common fields, locale) -> a realistic context (fixed dates);
- `PREFIXES`: kind -> two or three letters for sample reference numbers;
- `TITLES`: locale -> kind -> document title;
- `BODIES`: (locale, kind) -> function(letter) writing the body (letter = documents.letter_docx.Letter);
- `UNADDRESSED`: kinds not addressed to the borrower (filed with a court, sent to a law firm);
- `RECIPIENTS`: kind -> who may receive it (borrower, guarantor, law_firm, court, ...);
- optionally `SUBTITLES`: (locale, kind) -> subtitle template text;
- optionally `BUILDERS`: kind -> function(LetterFacts, params) -> the context fields a matter's
  facts give (see documents/registry.py);
- optionally `INTERPRETS`: kind -> the params its builder turns into context fields itself (a
  role code into the locale's words), which the registry then never copies into the context as given;
- optionally `VARIANTS`: "<kind>.<variant>" -> function(the kind's sample) -> a variant showing
  wording the sample does not (each gets golden texts, see documents/golden.py).
Modules are discovered here, so adding a family touches no shared file. A family's wording may
live in `documents/kinds/_<group>_wording.py` (a leading `_`: not a family itself), re-exported as
`BODIES` by its module.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import Any


@cache
def groups() -> tuple[ModuleType, ...]:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in names)


def prefixes() -> dict[str, str]:
    return {k: v for g in groups() for k, v in getattr(g, "PREFIXES", {}).items()}


def sample(kind: str) -> Callable[[dict[str, Any], str], Any] | None:
    for g in groups():
        fn = getattr(g, "SAMPLES", {}).get(kind)
        if fn is not None:
            return fn  # type: ignore[no-any-return]
    return None


def variants() -> dict[str, Callable[[Any], Any]]:
    return {k: v for g in groups() for k, v in getattr(g, "VARIANTS", {}).items()}
