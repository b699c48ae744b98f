"""The matter's process as data: `(stage, trigger) -> stage`, with guards.

This table is the whole process on one screen. The workflow never assigns a stage by hand: it
fires a trigger, and `fire` finds the one rule that applies (or says why none does). Commands
use `allowed` to refuse what the current stage does not take (HTTP 409). Later capabilities
(settlements and amendments, litigation, enforcement) add their rows here and their work in
child workflows. `python -m workflows.matter.transitions` prints the table (the README shows it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from domain.matter import STAGES, ClosureReason, Stage

Trigger = Literal[
    "opened",  # the matter was taken in
    "notice_sent",  # the collection notice is stored
    "ladder_done",  # every reminder step has run
    "window_ended",  # the negotiation window ended unpaid
    "escalate",  # a manager sends the matter to a law firm
    "extend_negotiation",  # a manager gives the borrower more time
    "referral_accepted",  # the firm's partner accepted the referral
    "referral_declined",  # the firm's partner declined it
    "referral_lapsed",  # the firm did not answer within the policy's time
    "referral_recalled",  # a manager took the matter back from the firm
    "proceeding_started",  # the firm (or a manager) started a suit or an arbitration
    "proceedings_handed_over",  # a firm accepted a matter whose case is pending: it takes the case over
    "paid_in_full",  # the whole balance is paid and nothing more is owed under the contract
    "arrears_cleared",  # the whole balance (the arrears) is paid; the loan continues on its schedule
    "payment_reversed",  # a payment the matter closed on did not hold: the matter re-opens
    "arrangement_effective",  # an approved settlement or amendment was signed: it is performed
    "arrangement_kept",  # every instalment paid: what remains is waived
    "arrangement_breached",  # an instalment missed: back to the manager
    "written_off",  # an approved write-off
]
TRIGGERS: tuple[str, ...] = Trigger.__args__  # type: ignore[attr-defined]

OPEN_STAGES: tuple[Stage, ...] = tuple(s for s in STAGES if s != "closed")  # type: ignore[misc]


@dataclass(frozen=True)
class Facts:
    """What the guards look at (plain values the workflow passes in)."""

    ladder_steps_left: int = 0
    closed_from: str | None = None  # the stage the matter was in when it closed
    case_pending: bool = False  # a suit or an arbitration of the matter is open


# Where a matter re-opens: the stage it closed from, except that a closing cancelled the law firm's
# referral (its child workflow), so a matter closed from referral goes back to the manager.
REOPENS_TO: dict[Stage, Stage] = {s: s for s in STAGES if s not in ("closed", "intake")}  # type: ignore[misc]
REOPENS_TO.update({"intake": "notice", "referral": "legal_review", "litigation": "legal_review",
                   "enforcement": "legal_review", "amendment": "legal_review"})
# Stages in which an approved arrangement may take effect (not before the notice is out). In litigation it
# is a settlement in court (or out of it, the suit then withdrawn): kept, the matter closes settled and
# the case with it; breached, the case goes on.
ARRANGEABLE: tuple[Stage, ...] = ("notice", "reminders", "negotiation", "legal_review", "referral", "litigation")


Guard = Callable[[Facts], bool]
def _reopens_to(stage: Stage) -> Guard:
    return lambda f: f.closed_from is not None and REOPENS_TO.get(f.closed_from) == stage  # type: ignore[call-overload]


GUARDS: dict[str, Guard] = {
    "ladder ahead": lambda f: f.ladder_steps_left > 0,
    "no ladder": lambda f: f.ladder_steps_left == 0,
    "a case pending": lambda f: f.case_pending,
    "no case pending": lambda f: not f.case_pending,
    **{f"closed from {to}": _reopens_to(to) for to in sorted(set(REOPENS_TO.values()))},
}


@dataclass(frozen=True)
class Rule:
    stage: Stage
    trigger: Trigger
    to: Stage
    guard: str | None = None  # a key of GUARDS
    closure: ClosureReason | None = None  # set when `to` is closed


RULES: tuple[Rule, ...] = (
    Rule("intake", "opened", "notice"),
    Rule("notice", "notice_sent", "reminders", guard="ladder ahead"),
    Rule("notice", "notice_sent", "negotiation", guard="no ladder"),
    Rule("reminders", "ladder_done", "negotiation"),
    Rule("negotiation", "window_ended", "legal_review"),
    Rule("legal_review", "escalate", "referral"),
    Rule("legal_review", "extend_negotiation", "negotiation"),
    Rule("referral", "referral_accepted", "referral"),
    Rule("referral", "referral_declined", "legal_review"),
    Rule("referral", "referral_lapsed", "legal_review"),
    Rule("referral", "referral_recalled", "legal_review"),
    Rule("referral", "proceeding_started", "litigation"),
    Rule("referral", "proceedings_handed_over", "litigation"),
    Rule("litigation", "referral_recalled", "legal_review"),
    Rule("litigation", "proceeding_started", "litigation"),
    *(Rule(stage, "paid_in_full", "closed", closure="paid") for stage in OPEN_STAGES),
    *(Rule(stage, "arrears_cleared", "closed", closure="cured") for stage in OPEN_STAGES),
    *(Rule(stage, "arrangement_effective", "amendment") for stage in ARRANGEABLE),
    Rule("amendment", "arrangement_kept", "closed", closure="settled"),
    Rule("amendment", "arrangement_breached", "litigation", guard="a case pending"),
    Rule("amendment", "arrangement_breached", "legal_review", guard="no case pending"),
    *(Rule(stage, "written_off", "closed", closure="written_off") for stage in OPEN_STAGES),
    *(Rule("closed", "payment_reversed", to, guard=f"closed from {to}") for to in sorted(set(REOPENS_TO.values()))),
)


class NoTransition(LookupError):
    """No rule takes `trigger` in `stage` (with these facts)."""


def rules_for(stage: str, trigger: str) -> tuple[Rule, ...]:
    return tuple(r for r in RULES if r.stage == stage and r.trigger == trigger)


def find(stage: str, trigger: str, facts: Facts = Facts()) -> Rule | None:
    """The rule that applies, or None. At most one rule's guard holds for given facts."""
    for rule in rules_for(stage, trigger):
        if rule.guard is None or GUARDS[rule.guard](facts):
            return rule
    return None


def fire(stage: str, trigger: str, facts: Facts = Facts()) -> Rule:
    """The rule to follow; `NoTransition` when the stage does not take the trigger."""
    rule = find(stage, trigger, facts)
    if rule is None:
        takes = ", ".join(sorted({r.trigger for r in RULES if r.stage == stage})) or "nothing"
        raise NoTransition(f"stage {stage!r} does not take {trigger!r} (it takes: {takes})")
    return rule


def allowed(stage: str, trigger: str, facts: Facts = Facts()) -> bool:
    return find(stage, trigger, facts) is not None


def table() -> str:
    """The rules as a Markdown table."""
    lines = ["| stage | trigger | guard | next stage |", "|---|---|---|---|"]
    shown: set[str] = set()
    for r in RULES:
        if r.trigger in ("paid_in_full", "arrears_cleared", "written_off", "arrangement_effective"):
            if r.trigger == "arrangement_effective":
                if r.trigger not in shown:
                    shown.add(r.trigger)
                    lines.append(f"| {', '.join(ARRANGEABLE)} | arrangement_effective | | amendment |")
                continue
            if r.trigger not in shown:
                shown.add(r.trigger)
                lines.append(f"| any open stage | {r.trigger} | | closed ({r.closure}) |")
            continue
        if r.trigger == "payment_reversed":
            if r.trigger not in shown:
                shown.add(r.trigger)
                lines.append("| closed | payment_reversed | | the stage it closed from (legal_review if a law "
                             "firm had it; notice if before) |")
            continue
        to = f"{r.to} ({r.closure})" if r.closure else r.to
        lines.append(f"| {r.stage} | {r.trigger} | {r.guard or ''} | {to} |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - documentation helper
    print(table())  # noqa: T201
