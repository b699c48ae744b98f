"""Unwinding a matter that closes with proceedings or measures still running (the compensation of its
legal steps). Pure rules: no I/O, no clock (dates are arguments).

When a matter is paid, settled, cured or withdrawn, what the creditor set going against the debtor is
undone in the reverse order of how it was built (`plan`):

1. `withdraw_enforcement`: the enforcement applied for and not terminated is withdrawn (the court ends
   it); `withdraw_case`: a suit or an arbitration filed and not yet decided is withdrawn (an appeal the
   creditor brought, likewise). A decision already made needs no withdrawal: it is simply not enforced.
2. `lift_measure`: every preservation ruling still holding property, one application per ruling (the
   court and the ruling's number), naming the register's assets it holds. The applicant must apply for the
   lift promptly and answers for the debtor's loss if it does not (SPC Provisions on Handling Property
   Preservation Cases art. 23).
3. `return_security`: for each preservation the creditor gave security for, the application to have the
   security released.
4. `tell_firm`: the firm acting in the matter is told, with the list of documents to file.
5. `close_children`: every child workflow of the matter (the proceedings' records, the claims against the
   guarantors, a referral) is closed.

Steps 1 to 3 each have their document (`unwinding_application`); the step is done when the document is
made and stored. The court's rulings on them are recorded afterwards (an asset `released`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.assets import AssetRecord, Preserved, Renewed
from domain.money import Money

StepKind = Literal["withdraw_enforcement", "withdraw_case", "lift_measure", "return_security", "tell_firm",
                   "close_children"]
# Why the matter closed, for the documents: the debt paid, a settlement performed, the arrears cleared, or
# the creditor no longer pursuing it.
UnwindGround = Literal["paid", "settled", "cured", "withdrawn"]
DOCUMENTED: frozenset[str] = frozenset({"withdraw_enforcement", "withdraw_case", "lift_measure", "return_security"})


class CaseFacts(BaseModel):
    """What the matter knows of one of its proceedings, for the unwinding."""

    model_config = ConfigDict(frozen=True)

    number: int
    forum: Literal["court", "arbitration"]
    instance: int = 1
    status: str  # the ProceedingView's: started, filed, decided, appealed, effective, closed
    body: str | None = None  # the court or commission it was filed with
    case_number: str | None = None
    enforcement_court: str | None = None  # an enforcement applied for and not terminated
    enforcement_case: str | None = None
    creditor_appealed: bool = True  # an appeal (instance 2) the creditor brought: the creditor's to withdraw
    preservations: tuple[Ruling, ...] = ()


class Ruling(BaseModel):
    """A preservation ruling of a proceeding: the court, its number, the amount held, whether the creditor
    gave security for it."""

    model_config = ConfigDict(frozen=True)

    court: str
    ruling_number: str
    on: date
    amount: Money | None = None
    security_given: bool = False


class UnwindStep(BaseModel):
    """One step of the chain: what is undone, where, and once done the document that does it."""

    model_config = ConfigDict(frozen=True)

    n: int = Field(ge=1)
    kind: StepKind
    words: str
    proceeding: int | None = None
    forum: Literal["court", "arbitration"] | None = None
    instance: int | None = None
    court: str | None = None  # the court or commission the application goes to
    case_number: str | None = None
    ruling_number: str | None = None
    assets: tuple[int, ...] = ()  # the register's assets a lift names
    amount: Money | None = None  # the amount a preservation holds
    status: Literal["pending", "done", "skipped"] = "pending"
    document_id: str | None = None
    done_at_step: str | None = None  # why skipped, or what did it (e.g. the e-mail's id)

    @property
    def documented(self) -> bool:
        return self.kind in DOCUMENTED


def _measure_ruling(r: AssetRecord) -> Preserved | Renewed | None:
    """The ruling that holds the asset now (the renewal's, if renewed: it cites the original)."""
    return next((e for e in reversed(r.events) if isinstance(e, Preserved | Renewed)), None)


def _original(r: AssetRecord) -> Preserved | None:
    return next((e for e in reversed(r.events) if isinstance(e, Preserved)), None)


def holding(r: AssetRecord, today: date) -> bool:
    """A measure holds the asset on `today` (preserved and not released, sold, transferred or run out)."""
    return r.measure_ends_on() is not None and r.standing(today) in ("preserved", "valued", "auctioned")


class _Held:
    """A preservation ruling as the plan gathers it: from the proceedings' records and the register's assets."""

    def __init__(self, on: date, amount: Money | None, proceeding: int | None) -> None:
        self.on, self.amount, self.proceeding = on, amount, proceeding
        self.assets: list[int] = []
        self.held: bool | None = None  # None: no asset of the register names it (the ruling alone is known)


def plan(cases: Sequence[CaseFacts], assets: Sequence[AssetRecord], today: date, *, firm: str | None,
         children: int) -> tuple[UnwindStep, ...]:
    """The chain of steps, in the order they run (the reverse of how the matter got there)."""
    steps: list[UnwindStep] = []

    def add(kind: StepKind, words: str, **fields: object) -> None:
        steps.append(UnwindStep(n=len(steps) + 1, kind=kind, words=words, **fields))  # type: ignore[arg-type]

    open_cases = sorted((c for c in cases if c.status != "closed"), key=lambda c: -c.number)
    for c in open_cases:
        if c.enforcement_case is not None:
            add("withdraw_enforcement", f"Withdraw the application for enforcement (proceeding {c.number}, case "
                f"{c.enforcement_case}) with {c.enforcement_court}", proceeding=c.number, forum=c.forum,
                instance=c.instance, court=c.enforcement_court, case_number=c.enforcement_case)
    for c in open_cases:
        if c.status == "filed" and c.case_number and c.body and (c.instance == 1 or c.creditor_appealed):
            what = ("the appeal" if c.instance == 2 else "the suit" if c.forum == "court" else "the arbitration")
            add("withdraw_case", f"Withdraw {what} (proceeding {c.number}, case {c.case_number}) before {c.body}",
                proceeding=c.number, forum=c.forum, instance=c.instance, court=c.body, case_number=c.case_number)
    # The preservations: each ruling once, newest first; the register's assets it holds named in it.
    rulings: dict[tuple[str, str], _Held] = {}
    for c in open_cases:
        for p in c.preservations:
            rulings.setdefault((p.court, p.ruling_number), _Held(p.on, p.amount, c.number))
    for r in assets:
        original = _original(r)
        if original is None:
            continue
        entry = rulings.setdefault((original.court, original.ruling_number), _Held(original.on, None, None))
        entry.held = bool(entry.held) or holding(r, today)
        if holding(r, today):
            entry.assets.append(r.number)
    # (Newest first; on one day a ruling known only from the register, as the enforcement's own measures are,
    # after those of the case.)
    for (court, number), e in sorted(rulings.items(), key=lambda kv: (kv[1].on, kv[1].proceeding is None, kv[0]),
                                     reverse=True):
        if e.held is False:
            continue  # every asset it held is released, sold, transferred or free again
        held = f": asset(s) {', '.join(str(a) for a in e.assets)}" if e.assets else ""
        add("lift_measure", f"Apply to {court} to lift the preservation of ruling {number}{held}", court=court,
            ruling_number=number, assets=tuple(e.assets), amount=e.amount, proceeding=e.proceeding)
    for c in open_cases:
        for p in c.preservations:
            if p.security_given:
                add("return_security", f"Apply to {p.court} to release the security given for ruling "
                    f"{p.ruling_number}", court=p.court, ruling_number=p.ruling_number, amount=p.amount,
                    proceeding=c.number, forum=c.forum)
    if firm:
        add("tell_firm", f"Tell {firm} the matter is closed, with the documents to file")
    if children:
        add("close_children", f"Close the matter's {children} child workflow(s): the proceedings' records, the "
            "claims against the guarantors, the referral")
    return tuple(steps)


CaseFacts.model_rebuild()

__all__ = ["DOCUMENTED", "CaseFacts", "Ruling", "StepKind", "UnwindGround", "UnwindStep", "holding", "plan"]
