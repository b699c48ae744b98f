"""Agreements and instructions: settlement, loan restructuring, referral to a law firm, power of attorney.

Unlike the demand letters, these documents are signed by both parties (the agreements) or by
the creditor as principal (the instruction letter and the power of attorney), so their bodies
write their own parties block and replace the creditor-only signature of `build_templates`.
Validators refuse documents wrong on their face: instalments that do not add up to the
settlement amount, a waiver that is not the difference it claims to be (nor the sum of what it
waives bucket by bucket), a schedule whose rows do not sum, dates out of order, amounts in two
currencies.

The two agreements are made from an approved proposal (`domain.arrangements`): their builders
(`BUILDERS`) take the proposal as recorded, check it again with the domain's rules, and refuse
with `LetterInvalid`, naming the field, a proposal the agreement cannot state truthfully.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from documents.base import LetterBase, LetterInvalid
from documents.kinds._agreements_contexts import (
    CONTEXT_CLASSES as CONTEXT_CLASSES,  # the family's contexts (read by documents.contexts)
)
from documents.kinds._agreements_contexts import (
    WAIVED_ORDER,
    Agent,
    AmendmentAgreementContext,
    GuarantorConsent,
    Instalment,
    PowerOfAttorneyContext,
    ReferralInstructionContext,
    ScheduleRow,
    SettlementAgreementContext,
    Waived,
    _sum,
)
from documents.kinds._agreements_wording import BODIES as _AGREEMENT_BODIES
from documents.kinds._instructions_wording import INSTRUCTION_BODIES
from documents.kinds._samples import cny as _cny
from domain.allocation import Balance
from domain.arrangements import (
    WAIVABLE,
    AmendmentProposal,
    InterestClause,
    Problem,
    SettlementProposal,
    amendment_problems,
    build_schedule,
    settlement_problems,
)
from domain.money import Money
from domain.parties import LawFirm

if TYPE_CHECKING:
    from documents.registry import LetterFacts

BODIES = {**_AGREEMENT_BODIES, **INSTRUCTION_BODIES}  # the templates' wording



# ---- builders: an approved proposal (+ the matter's facts) -> the agreement's own fields -------

# How an agreement names the approver's role: locale -> role -> (one person, several).
_ROLE_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "zh-CN": {"legal_team": ("法务团队", "法务团队"), "manager": ("经理", "经理")},
    "en": {"legal_team": ("member of the legal team", "members of the legal team"),
           "manager": ("manager", "managers")},
}
# The role words a caller may give: the codes of `domain.arrangements.Role`, or their words.
_ROLES: dict[str, str] = {"legal_team": "legal_team", "legal team": "legal_team", "法务团队": "legal_team",
                          "manager": "manager", "经理": "manager"}
_DATE: TypeAdapter[date] = TypeAdapter(date)
_P = TypeVar("_P", SettlementProposal, AmendmentProposal)


def _proposal(model: type[_P], params: Mapping[str, Any], rules: Callable[[_P], tuple[Problem, ...]]) -> _P:
    """The param `proposal` as `model`, checked again with the domain's rules (the approved proposal
    as recorded must still make sense); refused field by field (`proposal.<field>: <reason>`)."""
    raw = params.get("proposal")
    if raw is None:
        raise LetterInvalid("proposal: required (the approved proposal the agreement states)")
    try:
        proposal = model.model_validate(raw)
    except ValidationError as exc:
        raise LetterInvalid("; ".join(
            f"proposal.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" if err.get("loc")
            else f"proposal: {err['msg']}"
            for err in exc.errors(include_url=False, include_input=False)
        )) from None
    problems = rules(proposal)
    if problems:
        raise LetterInvalid("; ".join(f"proposal.{p.field}: {p.reason}" for p in problems))
    return proposal


def _approval(facts: LetterFacts, params: Mapping[str, Any], proposed_on: date) -> dict[str, Any]:
    """`approver_name` (a name, or a list of names when several approved), `approver_role` (legal_team or
    manager, or their words) and `approved_on` as the agreement states them in the letter's locale."""
    names = params.get("approver_name")
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list | tuple) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise LetterInvalid("approver_name: required: the name of who approved the proposal (a list when several)")
    names = [n.strip() for n in names]
    if len(set(names)) != len(names):
        raise LetterInvalid("approver_name: the same approver is named twice (each approver counts once)")
    role_word = params.get("approver_role")
    role = _ROLES.get(role_word.strip().lower()) if isinstance(role_word, str) else None
    if role is None:
        raise LetterInvalid(f"approver_role: expected one of {', '.join(_ROLES)}")
    try:
        approved_on = _DATE.validate_python(params.get("approved_on"))
    except ValidationError:
        raise LetterInvalid("approved_on: required, a date (the day the proposal was approved)") from None
    if approved_on < proposed_on:
        raise LetterInvalid("approved_on: is before the proposal's date (proposal.proposed_on): a proposal is "
                            "approved after it is made")
    locale = facts.intake.borrower.locale
    one, several = _ROLE_WORDS[locale][role]
    if locale == "zh-CN":
        joined = "、".join(names)
    else:
        joined = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return {"approver_name": joined, "approver_role": one if len(names) == 1 else several,
            "approved_on": approved_on}


def _as_of(facts: LetterFacts, proposed_on: date) -> None:
    if proposed_on > facts.letter_date:
        raise LetterInvalid("balance_as_of: the proposal's date (proposal.proposed_on), which the balance is "
                            "stated at, is after the letter's date")


def _settlement_agreement(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    """Params: `proposal` (a `domain.arrangements.SettlementProposal`, as its JSON), `approver_name`,
    `approver_role`, `approved_on` (see `_approval`). The letter's date is the date it is issued for
    signing; the balance is the proposal's, as of its date."""
    proposal = _proposal(SettlementProposal, params, settlement_problems)
    _as_of(facts, proposal.proposed_on)
    cur = proposal.balance.currency
    amounts = {b: proposal.waivers.of(b, cur) for b in WAIVABLE}
    amounts["principal"] = proposal.principal_discount or Money.zero(cur)
    return {
        "balance_as_of": proposal.proposed_on,
        "balance": proposal.balance,
        "total": proposal.balance.total,
        "settlement_amount": proposal.payable,
        "waived_amount": proposal.waived_total,
        "waivers": tuple(Waived(bucket=b, amount=amounts[b]) for b in WAIVED_ORDER  # type: ignore[arg-type]
                         if amounts[b].is_positive()),
        "waiver_lapses_on_default": proposal.waiver_lapses_on_default,
        "instalments": tuple(Instalment(number=i.number, due_date=i.due_on, amount=i.amount)
                             for i in proposal.instalments),
        **_approval(facts, params, proposal.proposed_on),
    }


def _rate_percent(rate: Decimal) -> Decimal:
    """0.0435 -> 4.35 (percent a year, without trailing zeros nor an exponent)."""
    percent = (rate * 100).normalize()
    return percent.quantize(Decimal(1)) if percent == percent.to_integral_value() else percent


def _amendment_agreement(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    """Params: `proposal` (a `domain.arrangements.AmendmentProposal`, as its JSON), `approver_name`,
    `approver_role`, `approved_on` (see `_approval`), `acceleration_grace_days` (default 30).

    The part of the balance the restructured principal does not carry is payable on signing; a
    restructured principal above the balance cannot be stated (the agreement splits the debt it
    acknowledges). Every guarantor of the record is listed, as consenting if the proposal says so.
    """
    proposal = _proposal(AmendmentProposal, params, amendment_problems)
    _as_of(facts, proposal.proposed_on)
    total, principal = proposal.balance.total, proposal.restructured_principal
    if principal > total:
        raise LetterInvalid("proposal.restructured_principal: is more than the balance (proposal.balance): the "
                            "agreement splits the debt it acknowledges into the restructured principal and a sum "
                            "payable on signing, and cannot state a restructured principal above it")
    record = facts.intake.guarantors
    named = {g.name for g in record}
    if any(name not in named for name in proposal.guarantor_consents):
        raise LetterInvalid("proposal.guarantor_consents: names someone who is not a guarantor in the matter's "
                            "record (the agreement lists the record's guarantors)")
    cur = proposal.balance.currency
    interest = _sum([row.interest for row in proposal.rows], cur)
    return {
        "balance_as_of": proposal.proposed_on,
        "balance": proposal.balance,
        "total": total,
        "restructured_principal": principal,
        "payable_on_signing": total - principal,
        "new_annual_rate": _rate_percent(proposal.clause.annual_rate),
        "effective_on": proposal.clause.start_on,
        "schedule": tuple(ScheduleRow(number=row.number, due_date=row.due_on, principal=row.principal,
                                      interest=row.interest, total=row.total) for row in proposal.rows),
        "total_interest": interest,
        "total_repayable": principal + interest,
        "acceleration_grace_days": params.get("acceleration_grace_days", 30),
        "guarantors": tuple(GuarantorConsent(name=g.name, id_number=g.id_number,
                                             consents=proposal.guarantor_consents.get(g.name, False))
                            for g in record),
        **_approval(facts, params, proposal.proposed_on),
    }


def _referral_instruction(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    """Params: `firm` (a `domain.parties.LawFirm`, as its JSON: the firm's record when referred),
    `evidence_pack_reference`, optionally `partner_name` (else the letter is addressed to the firm)
    and `report_within_days` (default 5).

    Every fact is the record's: the balance as of the letter's date, the first missed due date, the
    firm's name, address and fee terms; the forum follows the contract's dispute clause (an
    arbitration clause: arbitration before the institution it names, never an appeal). The scope is
    the whole recovery: lawyer's letter, suit or arbitration, preservation and enforcement.
    """
    try:
        firm = LawFirm.model_validate(params.get("firm"))
    except ValidationError as exc:
        raise LetterInvalid("; ".join(
            f"firm.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" if err.get("loc") else f"firm: {err['msg']}"
            for err in exc.errors(include_url=False, include_input=False)
        )) from None
    for field in ("address", "fee_arrangement"):
        if not getattr(firm, field):
            raise LetterInvalid(f"firm.{field}: the firm's record has none, and the instruction states it")
    dispute = facts.intake.contract.dispute
    return {
        "law_firm_name": firm.name,
        "law_firm_address": firm.address,
        "partner_name": params.get("partner_name") or None,
        "matter_reference": facts.intake.external_ref,
        "overdue_since": facts.intake.overdue.since,
        "balance_as_of": facts.letter_date,
        "balance": facts.balance,
        "total": facts.balance.total,
        "lawyer_letter": True,
        "litigation": True,
        "arbitration": dispute is not None and dispute.forum == "arbitration",
        "preservation": True,
        "enforcement": True,
        "fee_arrangement": firm.fee_arrangement.rstrip("。."),
        "evidence_pack_reference": params.get("evidence_pack_reference"),
        "report_within_days": params.get("report_within_days", 5),
    }


STEP_ONLY = frozenset({"referral_instruction"})  # the referral's own step (the firm's record): not a ladder letter
BUILDERS: dict[str, Callable[[LetterFacts, Mapping[str, Any]], dict[str, Any]]] = {
    "settlement_agreement": _settlement_agreement,
    "amendment_agreement": _amendment_agreement,
    "referral_instruction": _referral_instruction,
}
# Params the builders turn into fields themselves (the role code into the locale's words, several
# names into one line): documents.registry never copies them into the context as given.
INTERPRETS: dict[str, frozenset[str]] = {
    "settlement_agreement": frozenset({"approver_name", "approver_role", "approved_on"}),
    "amendment_agreement": frozenset({"approver_name", "approver_role", "approved_on"}),
    "referral_instruction": frozenset({"partner_name"}),
}


# ---- samples -----------------------------------------------------------------------------------

def _sample_balance() -> Balance:
    return Balance(costs=_cny("0.00"), fees=_cny("150.00"), penalty=_cny("318.00"),
                   interest=_cny("1050.00"), principal=_cny("18000.00"))


def _sample_settlement(common: dict[str, Any], locale: str) -> SettlementAgreementContext:
    zh = locale == "zh-CN"
    balance = _sample_balance()
    dates = (date(2024, 5, 15), date(2024, 6, 15), date(2024, 7, 15))
    return SettlementAgreementContext(
        **common,
        letter_date=date(2024, 5, 8),
        balance_as_of=date(2024, 4, 30),
        balance=balance,
        total=balance.total,
        settlement_amount=_cny("18900.00"),
        waived_amount=_cny("618.00"),
        waivers=(Waived(bucket="interest", amount=_cny("150.00")), Waived(bucket="penalty", amount=_cny("318.00")),
                 Waived(bucket="fees", amount=_cny("150.00"))),
        approver_name="李明" if zh else "Li Ming",
        approver_role="个人信贷资产保全部总经理" if zh else "General Manager, Retail Credit Asset Recovery Department",
        approved_on=date(2024, 5, 6),
        instalments=tuple(Instalment(number=n, due_date=d, amount=_cny("6300.00"))
                          for n, d in enumerate(dates, start=1)),
    )


def _sample_amendment(common: dict[str, Any], locale: str) -> AmendmentAgreementContext:
    zh = locale == "zh-CN"
    balance = _sample_balance()
    interest = ("69.06", "57.55", "46.04", "34.53", "23.02", "11.51")
    schedule = tuple(
        ScheduleRow(number=n, due_date=date(2024, 5 + n, 10), principal=_cny("3175.00"), interest=_cny(i),
                    total=_cny("3175.00") + _cny(i))
        for n, i in enumerate(interest, start=1)
    )
    guarantors = ((GuarantorConsent(name="李娜", id_number="310104199002183526"),
                   GuarantorConsent(name="王强", id_number="310101197706124418", consents=False)) if zh
                  else (GuarantorConsent(name="Sarah Whitaker", id_number="P62940317"),
                        GuarantorConsent(name="Tom Hughes", id_number="P70391268", consents=False)))
    return AmendmentAgreementContext(
        **common,
        letter_date=date(2024, 5, 10),
        balance_as_of=date(2024, 5, 10),
        balance=balance,
        total=balance.total,
        restructured_principal=_cny("19050.00"),
        payable_on_signing=_cny("468.00"),
        new_annual_rate=Decimal("4.35"),
        effective_on=date(2024, 5, 10),
        schedule=schedule,
        total_interest=_cny("241.71"),
        total_repayable=_cny("19291.71"),
        acceleration_grace_days=30,
        guarantors=guarantors,
        approver_name="李明" if zh else "Li Ming",
        approver_role="经理" if zh else "manager",
        approved_on=date(2024, 5, 10),
    )


def _sample_referral(common: dict[str, Any], locale: str) -> ReferralInstructionContext:
    zh = locale == "zh-CN"
    balance = _sample_balance()
    return ReferralInstructionContext(
        **common,
        letter_date=date(2024, 6, 20),
        law_firm_name="上海申衡律师事务所" if zh else "Shanghai Shenheng Law Firm",
        law_firm_address=("上海市静安区南京西路1266号恒隆广场38楼" if zh else
                          "38/F, Plaza 66, 1266 West Nanjing Road, Jing’an District, Shanghai 200040, China"),
        partner_name="陈静" if zh else "Chen Jing",
        matter_reference="M-2024-000187",
        overdue_since=date(2024, 2, 10),
        balance_as_of=date(2024, 3, 15),
        balance=balance,
        total=balance.total,
        lawyer_letter=True,
        litigation=True,
        arbitration=False,
        preservation=True,
        enforcement=True,
        fee_arrangement=("按我行与贵所签订的《法律服务框架协议》（编号JXB-LS-2023-012）执行：基础费用人民币3,000.00元，"
                         "另按实际回收金额的8%计付风险代理费" if zh else
                         "As agreed in the Legal Services Framework Agreement No. JXB-LS-2023-012: a base fee of "
                         "CNY 3,000.00 plus a contingency fee of 8% of the amount actually recovered"),
        evidence_pack_reference="EP-M-2024-000187-01",
        report_within_days=5,
    )


def _sample_power_of_attorney(common: dict[str, Any], locale: str) -> PowerOfAttorneyContext:
    zh = locale == "zh-CN"
    creditor, borrower = common["creditor"].name, common["borrower"].name
    agents = (
        Agent(name="陈静" if zh else "Chen Jing", law_firm="上海申衡律师事务所" if zh else "Shanghai Shenheng Law Firm",
              licence_number="13101200910187654"),
        Agent(name="周涛" if zh else "Zhou Tao", law_firm="上海申衡律师事务所" if zh else "Shanghai Shenheng Law Firm",
              licence_number="13101201811243210"),
    )
    return PowerOfAttorneyContext(
        **common,
        letter_date=date(2024, 7, 8),
        legal_representative="王建国" if zh else "Wang Jianguo",
        agents=agents,
        case_title=(f"{creditor}诉{borrower}金融借款合同纠纷" if zh
                    else f"{creditor} v. {borrower} (loan contract dispute)"),
        court="上海市长宁区人民法院" if zh else "Shanghai Changning District People’s Court",
        special_authorisation=True,
    )


def _settlement_with_principal_discount(sample: LetterBase) -> LetterBase:
    """All the charges and 5,000.00 of principal waived (a third of the debt: two managers approve);
    the settlement amount, 13,000.00, is below the principal; two instalments."""
    zh = sample.locale == "zh-CN"
    waivers = (Waived(bucket="interest", amount=_cny("1050.00")), Waived(bucket="penalty", amount=_cny("318.00")),
               Waived(bucket="fees", amount=_cny("150.00")), Waived(bucket="principal", amount=_cny("5000.00")))
    return type(sample).model_validate({
        **dict(sample), "settlement_amount": _cny("13000.00"), "waived_amount": _cny("6518.00"), "waivers": waivers,
        "approver_name": "李明、王芳" if zh else "Li Ming and Wang Fang", "approver_role": "经理" if zh else "managers",
        "instalments": (Instalment(number=1, due_date=date(2024, 5, 15), amount=_cny("6500.00")),
                        Instalment(number=2, due_date=date(2024, 6, 15), amount=_cny("6500.00"))),
    })


def _settlement_waiver_kept(sample: LetterBase) -> LetterBase:
    """The sample's waiver, not lapsing on a missed instalment: only the unpaid settlement amount falls due."""
    return type(sample).model_validate({**dict(sample), "waiver_lapses_on_default": False})


def _amendment_all_carried(sample: LetterBase) -> LetterBase:
    """The whole debt, 19,518.00, carried into the restructured principal: nothing is payable on signing
    (no such sum, no such condition of effect); the schedule as `domain.arrangements` computes it."""
    total = _sample_balance().total
    clause = InterestClause(annual_rate=Decimal("0.0435"), day_count="actual/365", start_on=date(2024, 5, 10))
    rows = build_schedule(total, clause, [date(2024, 5 + n, 10) for n in range(1, 7)])
    schedule = tuple(ScheduleRow(number=r.number, due_date=r.due_on, principal=r.principal, interest=r.interest,
                                 total=r.total) for r in rows)
    interest = _sum([r.interest for r in rows], total.currency)
    return type(sample).model_validate({
        **dict(sample), "restructured_principal": total, "payable_on_signing": Money.zero(total.currency),
        "schedule": schedule, "total_interest": interest, "total_repayable": total + interest,
    })


SAMPLES: dict[str, Callable[[dict[str, Any], str], LetterBase]] = {
    "settlement_agreement": _sample_settlement,
    "amendment_agreement": _sample_amendment,
    "referral_instruction": _sample_referral,
    "power_of_attorney": _sample_power_of_attorney,
}
def _referral_to_the_firm(sample: LetterBase) -> LetterBase:
    """The instruction when the manager names no partner: addressed to the firm."""
    return type(sample).model_validate({**dict(sample), "partner_name": None})


def _referral_for_arbitration(sample: LetterBase) -> LetterBase:
    """The instruction when the contract names an arbitration institution: an award is final, no appeal."""
    return type(sample).model_validate({**dict(sample), "arbitration": True})


def _power_of_attorney_arbitration(sample: LetterBase) -> LetterBase:
    """Before the arbitration commission the contract names: no appeal, no Civil Procedure Law article."""
    zh = sample.locale == "zh-CN"
    creditor, borrower = sample.creditor.name, sample.borrower.name  # type: ignore[attr-defined]
    return PowerOfAttorneyContext.model_validate({
        **sample.model_dump(), "forum": "arbitration",
        "court": "上海国际经济贸易仲裁委员会" if zh else "Shanghai International Arbitration Centre",
        "case_title": (f"{creditor}与{borrower}金融借款合同纠纷仲裁" if zh
                       else f"{creditor} and {borrower} (loan contract dispute, arbitration)")})


VARIANTS: dict[str, Callable[[LetterBase], LetterBase]] = {
    "power_of_attorney.arbitration": _power_of_attorney_arbitration,
    "referral_instruction.arbitration": _referral_for_arbitration,
    "referral_instruction.to_the_firm": _referral_to_the_firm,
    "settlement_agreement.principal_discount": _settlement_with_principal_discount,
    "settlement_agreement.waiver_kept": _settlement_waiver_kept,
    "amendment_agreement.all_carried": _amendment_all_carried,
}
PREFIXES: dict[str, str] = {
    "settlement_agreement": "SA",
    "amendment_agreement": "AA",
    "referral_instruction": "RI",
    "power_of_attorney": "PA",
}
TITLES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "settlement_agreement": "和解协议",
        "amendment_agreement": "借款合同补充协议",
        "referral_instruction": "委托代理函",
        "power_of_attorney": "授权委托书",
    },
    "en": {
        "settlement_agreement": "Settlement Agreement",
        "amendment_agreement": "Loan Contract Amendment (Restructuring) Agreement",
        "referral_instruction": "Letter of Instruction",
        "power_of_attorney": "Power of Attorney",
    },
}
# The agreements write their own parties block; the instruction and the power of attorney are
# addressed to a law firm and a court.
UNADDRESSED: frozenset[str] = frozenset(SAMPLES)
# Who may receive each kind (documents.registry): the agreements go to their signatories.
RECIPIENTS: dict[str, tuple[str, ...]] = {
    "settlement_agreement": ("borrower", "guarantor"),
    "amendment_agreement": ("borrower", "guarantor"),
    "referral_instruction": ("law_firm",),
    "power_of_attorney": ("law_firm", "court", "arbitration_commission"),
}


