"""The registry of document kinds: one entry per kind, and how a matter's facts become its context.

Each entry says what a kind is (its context model, its title per locale, a description, who may
receive it) and how to build its context from the facts a matter holds at one instant
(`LetterFacts`): the letter's date, days past due and balance all come from that one instant,
so a letter can never carry a pay-by date computed earlier than its own date.

Workflows call `build(kind, facts, params)` inside the workflow (this module is pure: pydantic
models and functions, no I/O, no clock), so the context each letter is rendered from is recorded
in the matter's history (encrypted) and a letter that would be wrong on its face is refused with
`LetterInvalid` before any side effect runs. The render-and-store activity then takes that typed
context (`activities.inputs.LetterJob`).

A new kind touches one place: its family module in `documents/kinds/` (context class, title,
recipients, and a builder when the matter's facts suffice), plus its templates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from documents import kinds
from documents.base import LOCALES, LetterBase
from documents.base import LetterInvalid as LetterInvalid  # raised by the builders, here and in the families
from documents.contexts import CONTEXTS, ESCALATIONS, NextStep
from domain.allocation import Balance
from domain.matter import MatterIntake
from domain.money import Money

Recipient = Literal["borrower", "guarantor", "law_firm", "court", "arbitration_commission", "creditor"]

# Titles of the four kinds defined in documents/contexts.py (the families bring their own).
BASE_TITLES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "collection_notice": "催收通知书",
        "reminder_letter": "还款提醒函",
        "closure_letter": "结清证明",
        "arrears_cleared": "逾期欠款结清通知书",
        "evidence_catalog": "证据目录",
    },
    "en": {
        "collection_notice": "Collection Notice",
        "reminder_letter": "Reminder Letter",
        "closure_letter": "Payoff and Closure Letter",
        "arrears_cleared": "Arrears Cleared Letter",
        "evidence_catalog": "Evidence Catalogue",
    },
}
BASE_RECIPIENTS: dict[str, tuple[Recipient, ...]] = {
    "collection_notice": ("borrower",),
    "reminder_letter": ("borrower",),
    "closure_letter": ("borrower",),
    "arrears_cleared": ("borrower",),
    "evidence_catalog": ("law_firm", "court", "arbitration_commission"),
}


class LetterFacts(BaseModel):
    """What a matter knows at one instant, as letters need it. Contains borrower PII."""

    model_config = ConfigDict(frozen=True)

    matter_id: str
    reference: str = Field(min_length=1, max_length=128)
    letter_date: date
    intake: MatterIntake
    balance: Balance
    paid_total: Money
    original_total: Money
    days_past_due: int = Field(ge=0)
    first_demand_on: date | None = None  # the date of the collection notice, once sent
    accelerated_on: date | None = None  # the acceleration notice's delivery: the whole loan is due from then


Builder = Callable[[LetterFacts, Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document."""

    kind: str
    context: type[LetterBase]
    titles: Mapping[str, str]  # locale -> title
    description: str
    recipients: tuple[Recipient, ...]
    builder: Builder | None  # None: every field beyond the common ones comes from `params`
    # Params the builder turns into fields itself (a role code into words): never copied as given.
    interprets: frozenset[str] = frozenset()
    # Made by its own step with what it is given (a firm's letter, a filing), never from the facts alone.
    step_only: bool = False

    def title(self, locale: str) -> str:
        return self.titles[locale]


# ---- builders: facts (+ params) -> the context's fields beyond the common ones ----------------------

def _pay_by(facts: LetterFacts, params: Mapping[str, Any]) -> date:
    return facts.letter_date + timedelta(days=int(params.get("pay_within_days", 7)))


def _demand(facts: LetterFacts) -> dict[str, Any]:
    return {
        "overdue_since": facts.intake.overdue.since,
        "days_past_due": facts.days_past_due,
        "balance": facts.balance,
        "total": facts.balance.total,
        # The measures a demand names follow the record: security only if an asset is pledged,
        # the guarantors only if there are any.
        "secured": any(asset.pledged for asset in facts.intake.assets),
        "guaranteed": len(facts.intake.guarantors),
    }


_STEPS: TypeAdapter[tuple[NextStep, ...]] = TypeAdapter(Annotated[tuple[NextStep, ...], Field(max_length=20)])


def _next_steps(facts: LetterFacts, params: Mapping[str, Any], pay_by: date) -> dict[str, Any]:
    """The param `next_steps` ([{"on": date, "what": ...}], the workflow's plan) split at the pay-by day.

    Steps on or before the pay-by day are reminders while the notice runs; those after it are what
    follows non-payment. A step before the letter's date, or a final demand or legal review that
    does not wait for the pay-by day, would make the notice say something false: refused.
    """
    raw = params.get("next_steps")
    if not raw:
        return {}
    try:
        steps = _STEPS.validate_python(raw)
    except ValidationError as exc:
        raise LetterInvalid("; ".join(
            f"next_steps[{err['loc'][0]}]{''.join(f'.{p}' for p in err['loc'][1:])}: {err['msg']}"
            if err.get("loc") else f"next_steps: {err['msg']}"
            for err in exc.errors(include_url=False, include_input=False)
        )) from None
    for i, step in enumerate(steps):
        if step.on < facts.letter_date:
            raise LetterInvalid(f"next_steps[{i}].on: is before the letter's date")
        if step.what in ESCALATIONS and step.on <= pay_by:
            raise LetterInvalid(f"next_steps[{i}]: a {step.what} step must come after the pay-by date "
                                "(letter date + pay_within_days): the notice gives the borrower until then")
    ordered = sorted(steps, key=lambda step: step.on)  # stable: steps of one day keep the workflow's order
    return {"steps_before_pay_by": tuple(s for s in ordered if s.on <= pay_by),
            "steps_after_pay_by": tuple(s for s in ordered if s.on > pay_by)}


def _collection_notice(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    pay_by = _pay_by(facts, params)
    return {**_demand(facts), "pay_by": pay_by, **_next_steps(facts, params, pay_by)}


def _reminder_letter(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **_demand(facts),
        "sequence": int(params.get("sequence", 1)),
        "paid_to_date": facts.paid_total,
        "pay_by": _pay_by(facts, params),
        "accelerated_on": facts.accelerated_on,
    }


def _final_demand(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    first = params.get("first_demand_on", facts.first_demand_on)
    if first is None:
        raise LetterInvalid("first_demand_on: a final demand needs the date of the first demand (none was sent)")
    return {**_demand(facts), "first_demand_on": first, "pay_by": _pay_by(facts, params),
            "accelerated_on": facts.accelerated_on}


def _closure_letter(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "closed_on": params.get("closed_on", facts.letter_date),
        "original_total": facts.original_total,
        "total_paid": facts.paid_total,
    }


def _arrears_cleared(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    contract = facts.intake.contract
    return {
        "cleared_on": params.get("closed_on", facts.letter_date),
        "arrears_total": facts.original_total,
        "total_paid": facts.paid_total,
        "principal_not_due": contract.principal_not_due,
        "contract_due_on": contract.due_on,
    }


BUILDERS: dict[str, Builder] = {
    "collection_notice": _collection_notice,
    "reminder_letter": _reminder_letter,
    "final_demand": _final_demand,
    "closure_letter": _closure_letter,
    "arrears_cleared": _arrears_cleared,
}


def _first_line(text: str | None) -> str:
    return (text or "").strip().split("\n", 1)[0].strip()


def _collect() -> dict[str, DocumentKind]:
    titles: dict[str, dict[str, str]] = {locale: dict(BASE_TITLES[locale]) for locale in LOCALES}
    recipients: dict[str, tuple[Recipient, ...]] = dict(BASE_RECIPIENTS)
    builders: dict[str, Builder] = dict(BUILDERS)
    interprets: dict[str, frozenset[str]] = {}
    step_only: set[str] = set()
    for group in kinds.groups():
        step_only.update(getattr(group, "STEP_ONLY", ()))
        for locale, group_titles in getattr(group, "TITLES", {}).items():
            titles[locale].update(group_titles)
        recipients.update(getattr(group, "RECIPIENTS", {}))
        builders.update(getattr(group, "BUILDERS", {}))
        interprets.update(getattr(group, "INTERPRETS", {}))
    registry: dict[str, DocumentKind] = {}
    for kind, model in CONTEXTS.items():
        missing = [locale for locale in LOCALES if kind not in titles[locale]]
        if missing or kind not in recipients:
            raise RuntimeError(f"document kind {kind!r} has no title in {missing} or no recipients")
        registry[kind] = DocumentKind(
            kind=kind,
            context=model,
            titles={locale: titles[locale][kind] for locale in LOCALES},
            description=_first_line(model.__doc__),
            recipients=recipients[kind],
            builder=builders.get(kind),
            interprets=interprets.get(kind, frozenset()),
            step_only=kind in step_only,
        )
    return registry


REGISTRY: dict[str, DocumentKind] = _collect()
TITLES: dict[str, dict[str, str]] = {locale: {k: d.titles[locale] for k, d in REGISTRY.items()} for locale in LOCALES}


def get(kind: str) -> DocumentKind:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise LetterInvalid(f"kind: no document kind named {kind!r}") from None


def describe_errors(exc: ValidationError) -> str:
    """A validation error in plain words: fields and reasons, never the values (they may be PII)."""
    parts = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err.get("loc", ()))
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)


def build(kind: str, facts: LetterFacts, params: Mapping[str, Any] | None = None) -> LetterBase:
    """The context of a `kind` letter from `facts` (and `params` for what the facts do not hold).

    Raises `LetterInvalid` (with field names and reasons) when the result would be wrong on its
    face or the facts lack something the kind needs.
    """
    entry = get(kind)
    params = dict(params or {})
    common: dict[str, Any] = {
        "reference": facts.reference,
        "letter_date": facts.letter_date,
        "locale": facts.intake.borrower.locale,
        "creditor": facts.intake.creditor,
        "borrower": facts.intake.borrower,
        "contract_number": facts.intake.contract.number,
        "contract_signed_on": facts.intake.contract.signed_on,
    }
    fields = set(entry.context.model_fields)
    try:
        own = entry.builder(facts, params) if entry.builder is not None else {}
    except LetterInvalid:
        raise
    except (ValueError, TypeError) as exc:
        raise LetterInvalid(f"{kind}: {type(exc).__name__} while building the letter") from None
    # Parameters that are fields of the context complete (or override) what the builder gave,
    # except those the builder interprets (it has already turned them into the field's value).
    extra = {k: v for k, v in params.items() if k in fields and k not in entry.interprets}
    try:
        return entry.context.model_validate({**common, **own, **extra})
    except ValidationError as exc:
        raise LetterInvalid(f"{kind}: {describe_errors(exc)}") from None


def context_from_data(kind: str, data: Mapping[str, Any]) -> LetterBase:
    """The typed context of `kind` from its serialised fields (how an activity input decodes)."""
    return get(kind).context.model_validate(data)
