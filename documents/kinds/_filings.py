"""The filings of a proceeding built from a matter's record (`documents.registry` builders): the civil
complaint or the arbitration application, the power of attorney for a suit, and the application for
property preservation.

Every fact comes from the record at the letter's instant (`LetterFacts`): the balance as of the letter's
date (payments received until then deducted, `calculated_to` is that date), the first missed due date,
the acceleration notice's delivery, the contract's penalty rate and dispute clause, the guarantors on
record. What the record does not hold comes as params, each checked and named when missing:

- `representative`: the name of the creditor's 负责人 (a branch) or 法定代表人 (its title follows from
  the creditor's name); `contact_person`, `contact_phone`;
- `borrower_particulars`, `guarantor_particulars` (one per guarantor on record, in order): gender, date
  of birth, ethnicity or nationality (`documents.kinds._parties.Particulars`);
- `demands_on`: the days the creditor's demand letters were sent (the workflow's record);
- `court` (a suit, when the contract agrees none); `evidence_catalog_reference`, `evidence_count` (the
  bundle made for the proceeding); `agents`, `special_authorisation` (the power of attorney).

Pure functions, no I/O: they run inside the workflow (documents.registry).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from documents.base import LetterInvalid
from documents.kinds._agreements_contexts import representative_title
from documents.kinds._parties import Particulars

if TYPE_CHECKING:
    from documents.registry import LetterFacts


def _required(params: Mapping[str, Any], name: str, why: str) -> Any:
    value = params.get(name)
    if value in (None, "", [], ()):
        raise LetterInvalid(f"{name}: required ({why})")
    return value


def _particulars(value: Any, field: str) -> Particulars:
    try:
        return Particulars.model_validate(value)
    except ValidationError as exc:
        reasons = "; ".join(str(e.get("msg", "invalid")).removeprefix("Value error, ")
                            for e in exc.errors(include_url=False, include_input=False))
        raise LetterInvalid(f"{field}: {reasons}") from None


def _filer(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    locale = facts.intake.borrower.locale
    return {
        "borrower_particulars": _particulars(_required(params, "borrower_particulars", "a pleading states the "
                                                       "borrower's gender, date of birth and ethnicity or "
                                                       "nationality"), "borrower_particulars"),
        "representative_title": representative_title(facts.intake.creditor.name, locale),
        "representative": _required(params, "representative", "the name of the creditor's head of branch or legal "
                                                              "representative, who signs the filing"),
        "contact_person": _required(params, "contact_person", "who the court or commission contacts"),
        "contact_phone": _required(params, "contact_phone", "how the court or commission reaches them"),
    }


def _claim(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    contract = facts.intake.contract
    if contract.penalty_rate is None:
        raise LetterInvalid("contract.penalty_rate: the contract on record states no penalty rate, and the claim "
                            "asks for penalty interest at the agreed rate until payment")
    if not facts.balance.total.is_positive():
        raise LetterInvalid("balance: nothing is owed on the record: there is no claim to file")
    since = facts.intake.overdue.since
    demands = sorted({d for d in (params.get("demands_on") or ()) if since <= _day(d) <= facts.letter_date},
                     key=_day)
    return {
        **_filer(facts, params),
        "overdue_since": since,
        "demands_on": tuple(_day(d) for d in demands),
        "accelerated_on": facts.accelerated_on,
        "calculated_to": facts.letter_date,
        "balance": facts.balance,
        "total": facts.balance.total,
        "penalty_rate": (contract.penalty_rate * 100).quantize(Decimal("0.01")).normalize(),
        "evidence_catalog_reference": _required(params, "evidence_catalog_reference", "the evidence catalogue "
                                                                                      "the filing encloses"),
        "evidence_count": _required(params, "evidence_count", "how many items of evidence are enclosed"),
    }


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _co_defendants(facts: LetterFacts, params: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    record = facts.intake.guarantors
    given = list(params.get("guarantor_particulars") or ())
    if len(given) != len(record):
        raise LetterInvalid(f"guarantor_particulars: {len(given)} given for the {len(record)} guarantor(s) on "
                            "record: each co-defendant's gender, date of birth and ethnicity or nationality")
    return tuple({
        "name": g.name, "id_number": g.id_number,
        "particulars": _particulars(p, f"guarantor_particulars.{i}"),
        "address": g.address, "phone": g.phone, "joint_and_several": g.guarantee_type == "joint_and_several",
        "cap": g.cap, "guarantee_period_ends_on": g.period_ends_on,
    } for i, (g, p) in enumerate(zip(record, given, strict=True)))


def civil_complaint(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    """民事起诉状 from the record: the court the contract agrees on (CPL art. 35), else the one named."""
    clause = facts.intake.contract.dispute
    if clause is not None and clause.forum == "arbitration" and not params.get("override_reason"):
        raise LetterInvalid("forum: the contract's dispute clause submits disputes to arbitration: no complaint is "
                            "drafted unless a manager recorded why a court hears it")
    agreed = clause.court if clause is not None and clause.forum == "court" else None
    court = agreed or _required(params, "court", "the people's court with jurisdiction: the contract agrees none")
    guarantors = _co_defendants(facts, params)
    return {**_claim(facts, params), "guarantors": guarantors, "court": court, "agreed_jurisdiction": bool(agreed),
            "copies": 1 + len(guarantors)}


def arbitration_application(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    """仲裁申请书 before the commission the contract's arbitration clause names, quoting the clause."""
    clause = facts.intake.contract.dispute
    if clause is None or clause.forum != "arbitration" or clause.institution is None:
        raise LetterInvalid("forum: the contract has no arbitration clause on record")
    if clause.text is None or clause.article is None:
        raise LetterInvalid("contract.dispute: the application quotes the clause: its article and wording are "
                            "not on record")
    return {**_claim(facts, params), "commission": clause.institution, "arbitration_clause": clause.article,
            "clause_text": clause.text, "copies": 1}


def power_of_attorney(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    """授权委托书: the firm's lawyers as the creditor's agents before the court (a suit) or the arbitration
    commission (`forum` "arbitration": the commission in `court`; no appeal in its authority)."""
    creditor, borrower = facts.intake.creditor.name, facts.intake.borrower.name
    zh = facts.intake.borrower.locale == "zh-CN"
    arbitration = params.get("forum") == "arbitration"
    if arbitration:
        title = (f"{creditor}与{borrower}金融借款合同纠纷仲裁" if zh
                 else f"{creditor} and {borrower} (loan contract dispute, arbitration)")
    else:
        title = f"{creditor}诉{borrower}金融借款合同纠纷" if zh else f"{creditor} v. {borrower} (loan contract dispute)"
    return {
        "legal_representative": _required(params, "representative", "who signs for the creditor"),
        "agents": tuple(_required(params, "agents", "the lawyers appointed (one or two)")),
        "case_title": title,
        "forum": "arbitration" if arbitration else "court",
        "court": _required(params, "court", "the commission the agents act before" if arbitration
                           else "the court the agents act before"),
        "special_authorisation": bool(params.get("special_authorisation", False)),
    }


def preservation_application(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    """财产保全申请书 from the record: the claim is the balance on the day; the assets are the record's
    (`assets`: each `{"asset": <index in the record>, "location": ...}`), valued as the record values them;
    before the filing (`case_number` None) pre-suit (CPL art. 104), else in the case (art. 103), where
    `excused` (`{"ground": "financial_institution", "licence": ...}` or `{"ground": "clear_facts", "reason":
    ...}`) asks the court not to require the `security` (SPC Provisions on Property Preservation art. 9)."""
    record = facts.intake.assets
    chosen = list(_required(params, "assets", "the assets to freeze or seize, from the record"))
    items = []
    for i, pick in enumerate(chosen):
        index = pick.get("asset") if isinstance(pick, Mapping) else None
        if not isinstance(index, int) or not 0 <= index < len(record):
            raise LetterInvalid(f"assets.{i}.asset: not an asset on record (0 to {len(record) - 1})")
        asset = record[index]
        if asset.estimated_value is None:
            raise LetterInvalid(f"assets.{i}.asset: the record gives {asset.description!r} no estimated value")
        items.append({"description": asset.description, "location": pick.get("location"),
                      "estimated_value": asset.estimated_value})
    claim = facts.balance.total
    case_number = params.get("case_number")
    excused = params.get("excused")
    security = None if excused else _required(params, "security", "who guarantees the applicant's liability, by "
                                                                  "what, for how much (or, in the case, `excused`)")
    if excused and case_number is None:
        raise LetterInvalid("excused: pre-suit preservation needs the applicant's security (CPL art. 104)")
    return {
        **_filer(facts, params),
        "pre_suit": case_number is None,
        "case_number": case_number,
        "court": _required(params, "court", "the court applied to"),
        "claim_amount": claim,
        "preserve_amount": params.get("preserve_amount") or claim,
        "assets": tuple(items),
        "security_provider": security.get("provider") if security else None,
        "security_instrument": security.get("instrument") if security else None,
        "security_reference": security.get("reference") if security else None,
        "security_amount": security.get("amount") if security else None,
        "excuse_ground": excused.get("ground") if excused else None,
        "excuse_licence": excused.get("licence") if excused else None,
        "excuse_reason": excused.get("reason") if excused else None,
        "demands_on": tuple(sorted({_day(d) for d in (params.get("demands_on") or ())
                                    if facts.intake.contract.signed_on <= _day(d) <= facts.letter_date})),
    }


def enforcement_application(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    """强制执行申请书: the filer's particulars here; the decision's facts and amounts come from the workflow's
    record as params (workflows/matter/enforcement.py), each a field of the context."""
    return {**_filer(facts, params), "court": _required(params, "court", "the court applied to"),
            "case_number": _required(params, "case_number", "the decision's case number"),
            "assets": tuple(params.get("assets") or ())}


BUILDERS = {
    "civil_complaint": civil_complaint,
    "enforcement_application": enforcement_application,
    "arbitration_application": arbitration_application,
    "power_of_attorney": power_of_attorney,
    "preservation_application": preservation_application,
}
# Params the builders turn into fields themselves: never copied into the context as given.
INTERPRETS: dict[str, frozenset[str]] = {
    kind: frozenset({"borrower_particulars", "guarantor_particulars", "demands_on", "court", "representative",
                     "override_reason", "agents", "special_authorisation", "evidence_catalog_reference",
                     "evidence_count", "contact_person", "contact_phone", "assets", "case_number",
                     "preserve_amount", "security", "excused", "forum"})
    for kind in BUILDERS
}

__all__ = ["BUILDERS", "INTERPRETS", "arbitration_application", "civil_complaint", "power_of_attorney",
           "preservation_application"]
