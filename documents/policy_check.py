"""Does every letter a policy can send have a template? The documents' half of policy validation.

store/policies.py may not import documents/ (DESIGN.md: store imports domain only), so the
start-up code of each process (worker, API, CLI) passes `policy_document_problems` to
`store.policies.load_policies(..., check=...)`. A letter kind without its template would
otherwise be found only when a matter reaches that step, as a failed activity.
"""

from __future__ import annotations

import difflib

from domain.policy import EscalationPolicy

# The letters the matter workflow sends whatever the policy says (workflows/matter/workflow.py):
# the collection notice on opening and the closure letter on payoff.
FIXED_KINDS: tuple[str, ...] = ("collection_notice", "closure_letter", "arrears_cleared")
# The letters the matter workflow sends on an event, whatever the policy says: the acceleration
# notice (the loan declared due), the notice of a broken settlement or amendment, and the
# settlement and amendment agreements (made from an approved proposal). Not every matter sends
# them, but any matter may, so their templates are checked at start-up too; none is a ladder letter.
EVENT_KINDS: tuple[str, ...] = ("acceleration_notice", "arrangement_breach", "settlement_agreement",
                                "amendment_agreement")


def kind_problems(kind: str) -> list[str]:
    """Why `kind` cannot be rendered in every locale: unknown, or a template file missing."""
    # Imported here: the renderer pulls in docxtpl, lxml and jinja2, which a policy check
    # that is never called should not cost.
    from documents.contexts import KINDS, LOCALES
    from documents.renderer import template_path

    if kind not in KINDS:
        close = difflib.get_close_matches(kind, KINDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return [f"unknown document kind {kind!r}{hint}; known kinds: {', '.join(sorted(KINDS))}"]
    problems = []
    for locale in LOCALES:
        path = template_path(kind, locale)
        if not path.is_file():
            problems.append(f"document kind {kind!r} has no {locale} template ({path} is missing)")
    return problems


def policy_document_problems(policy: EscalationPolicy) -> list[tuple[str | None, str]]:
    """(field path, reason) for each letter of `policy`, or letter every matter sends, that cannot be rendered."""
    problems: list[tuple[str | None, str]] = []
    from documents.registry import REGISTRY

    for i, step in enumerate(policy.ladder):
        if step.template is not None:
            found = kind_problems(step.template)
            problems += [(f"ladder[{i}].template", reason) for reason in found]
            entry = REGISTRY.get(step.template)
            if not found and entry is not None and (entry.builder is None or entry.step_only
                                                    or step.template in EVENT_KINDS):
                buildable = sorted(k for k, e in REGISTRY.items()
                                   if e.builder is not None and not e.step_only and k not in EVENT_KINDS)
                why = ("is sent by the matter workflow on its event (an acceleration, a missed instalment, an "
                       "approved settlement or amendment), which it records" if step.template in EVENT_KINDS
                       else "needs more (it is sent by its own step)")
                problems.append((f"ladder[{i}].template", (
                    f"a ladder letter is made from the matter's facts alone, and {step.template!r} {why}; "
                    f"ladder letters can be: {', '.join(buildable)}"
                )))
    for kind in FIXED_KINDS:
        problems += [(None, f"{reason} (every matter sends {kind})") for reason in kind_problems(kind)]
    for kind in EVENT_KINDS:
        problems += [(None, f"{reason} (any matter may send {kind})")
                     for reason in kind_problems(kind)]
    return problems
