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

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from documents.base import LetterBase, LetterInvalid
from documents.kinds._agreements_wording import BODIES as BODIES  # the templates' wording
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

if TYPE_CHECKING:
    from documents.registry import LetterFacts


def _cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def _same_currency(currency: str, **amounts: Money) -> None:
    for name, money in amounts.items():
        if money.currency != currency:
            raise ValueError(f"{name} is in {money.currency}, not in the balance currency {currency}")


def _numbered(numbers: Sequence[int], what: str) -> None:
    if list(numbers) != list(range(1, len(numbers) + 1)):
        raise ValueError(f"{what} must be numbered 1..{len(numbers)} in order, got {list(numbers)}")


def _ascending(dates: Sequence[date], what: str) -> None:
    for earlier, later in zip(dates, dates[1:], strict=False):
        if later <= earlier:
            raise ValueError(f"{what} due dates must be strictly ascending ({earlier} then {later})")


def _sum(amounts: Sequence[Money], currency: str) -> Money:
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result


def _check_balance(total: Money, balance: Balance, as_of: date, letter_date: date) -> None:
    if total != balance.total:
        raise ValueError(f"total {total} is not the sum of the balance buckets {balance.total}")
    if as_of > letter_date:
        raise ValueError("balance_as_of is after letter_date")


def _check_waivers(waivers: Sequence[Waived], balance: Balance, waived_amount: Money) -> None:
    buckets = [w.bucket for w in waivers]
    if buckets != [b for b in WAIVED_ORDER if b in buckets]:
        raise ValueError(f"waivers: each bucket once, in the order {', '.join(WAIVED_ORDER)} (got {buckets})")
    for w in waivers:
        if not w.amount.is_positive():
            raise ValueError(f"waivers: the waiver of {w.bucket} must be positive (leave out a bucket not waived)")
        if w.amount > getattr(balance, w.bucket):
            raise ValueError(f"waivers: the waiver of {w.bucket} {w.amount} is more than the {w.bucket} owed "
                             f"{getattr(balance, w.bucket)}")
    waived = _sum([w.amount for w in waivers], balance.currency)
    if waived != waived_amount:
        raise ValueError(f"waivers: the waivers add up to {waived}, not to waived_amount {waived_amount}")


# ---- contexts ----------------------------------------------------------------------------------

class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Instalment(_Row):
    """One payment of a settlement: its number, due date and amount."""

    number: int = Field(ge=1)
    due_date: date
    amount: Money


class ScheduleRow(_Row):
    """One instalment of a restructured loan: principal + interest = total."""

    number: int = Field(ge=1)
    due_date: date
    principal: Money
    interest: Money
    total: Money

    @model_validator(mode="after")
    def _adds_up(self) -> ScheduleRow:
        if self.principal + self.interest != self.total:
            raise ValueError(f"instalment {self.number}: principal {self.principal} + interest {self.interest} "
                             f"is not its total {self.total}")
        if self.principal.is_negative() or self.interest.is_negative():
            raise ValueError(f"instalment {self.number}: amounts cannot be negative")
        return self


WaivedBucket = Literal["interest", "penalty", "fees", "costs", "principal"]
# The order in which an agreement lists what it waives: the charges, then any principal.
WAIVED_ORDER: tuple[str, ...] = WaivedBucket.__args__  # type: ignore[attr-defined]


class Waived(_Row):
    """What a settlement waives of one bucket of the debt (`principal`: a principal discount)."""

    bucket: WaivedBucket
    amount: Money


class GuarantorConsent(_Row):
    """A guarantor of the original contract: signs to consent to the restructuring, or does not.

    Every guarantor of the contract is listed; one who does not consent is no party to the
    agreement, and the agreement says what Civil Code art. 695 then means for that guarantee.
    """

    name: str = Field(min_length=1, max_length=2000)
    id_number: str = Field(min_length=1, max_length=64)
    consents: bool = True


class Agent(_Row):
    """A lawyer appointed as litigation agent (诉讼代理人)."""

    name: str = Field(min_length=1, max_length=200)
    law_firm: str = Field(min_length=1, max_length=500)
    licence_number: str = Field(pattern=r"^\d{17}$", description="律师执业证号: 17 digits")


class SettlementAgreementContext(LetterBase):
    """和解协议: the debt as of a date, the amount accepted in settlement, the waiver, payment terms.

    `letter_date` is the date of signing. `waived_amount` must equal `total - settlement_amount`;
    `waivers` says what it waives, bucket by bucket (interest, penalty, fees, costs, then any
    principal, each at most what the bucket owes), and adds up to it: empty when nothing is
    waived. The letter says no principal is waived only when `waivers` has no principal.
    `waiver_lapses_on_default`: a missed instalment ends the waiver and the whole debt less what
    was paid is due (the default); False: the waiver stands and only the unpaid part of the
    settlement amount falls due. One instalment is a lump sum.
    """

    kind: ClassVar[str] = "settlement_agreement"

    balance_as_of: date
    balance: Balance
    total: Money
    settlement_amount: Money
    waived_amount: Money
    waivers: tuple[Waived, ...] = Field(default=(), max_length=len(WAIVED_ORDER))
    waiver_lapses_on_default: bool = True
    approver_name: str = Field(min_length=1, max_length=200)
    approver_role: str = Field(min_length=1, max_length=500)
    approved_on: date
    instalments: tuple[Instalment, ...] = Field(min_length=1, max_length=60)

    @model_validator(mode="after")
    def _terms(self) -> SettlementAgreementContext:
        _check_balance(self.total, self.balance, self.balance_as_of, self.letter_date)
        currency = self.balance.currency
        _same_currency(currency, total=self.total, settlement_amount=self.settlement_amount,
                       waived_amount=self.waived_amount,
                       **{f"waiver of {w.bucket}": w.amount for w in self.waivers},
                       **{f"instalment {i.number}": i.amount for i in self.instalments})
        if not self.settlement_amount.is_positive():
            raise ValueError("settlement_amount must be positive")
        if self.settlement_amount > self.total:
            raise ValueError(f"settlement_amount {self.settlement_amount} exceeds the debt {self.total}")
        if self.waived_amount != self.total - self.settlement_amount:
            raise ValueError(f"waived_amount {self.waived_amount} is not total {self.total} minus "
                             f"settlement_amount {self.settlement_amount}")
        _check_waivers(self.waivers, self.balance, self.waived_amount)
        if self.approved_on > self.letter_date:
            raise ValueError("approved_on is after letter_date: the settlement must be approved before signing")
        _numbered([i.number for i in self.instalments], "instalments")
        _ascending([i.due_date for i in self.instalments], "instalment")
        if self.instalments[0].due_date < self.letter_date:
            raise ValueError("the first instalment falls due before letter_date")
        if any(not i.amount.is_positive() for i in self.instalments):
            raise ValueError("every instalment must be a positive amount")
        paid = _sum([i.amount for i in self.instalments], currency)
        if paid != self.settlement_amount:
            raise ValueError(f"instalments sum to {paid}, not to the settlement_amount {self.settlement_amount}")
        return self


class AmendmentAgreementContext(LetterBase):
    """借款合同补充协议: the overdue debt restructured into a new principal, rate and schedule.

    `restructured_principal + payable_on_signing == total`: the part of the debt not carried
    into the new principal is paid when the amendment is signed. The schedule repays exactly
    the restructured principal; `total_interest` and `total_repayable` are the column sums.
    The amendment states who approved it for the creditor (`approver_*`, `approved_on`), as
    the settlement does.
    """

    kind: ClassVar[str] = "amendment_agreement"

    balance_as_of: date
    balance: Balance
    total: Money
    restructured_principal: Money
    payable_on_signing: Money
    new_annual_rate: Decimal = Field(gt=0, lt=100, decimal_places=4, description="percent a year, e.g. 4.35")
    effective_on: date
    schedule: tuple[ScheduleRow, ...] = Field(min_length=1, max_length=360)
    total_interest: Money
    total_repayable: Money
    acceleration_grace_days: int = Field(ge=0, le=90)
    guarantors: tuple[GuarantorConsent, ...] = Field(default=(), max_length=20)
    approver_name: str = Field(min_length=1, max_length=200)
    approver_role: str = Field(min_length=1, max_length=500)
    approved_on: date

    @model_validator(mode="after")
    def _terms(self) -> AmendmentAgreementContext:
        _check_balance(self.total, self.balance, self.balance_as_of, self.letter_date)
        if self.approved_on > self.letter_date:
            raise ValueError("approved_on is after letter_date: the amendment must be approved before signing")
        currency = self.balance.currency
        amounts = {"total": self.total, "restructured_principal": self.restructured_principal,
                   "payable_on_signing": self.payable_on_signing, "total_interest": self.total_interest,
                   "total_repayable": self.total_repayable}
        for row in self.schedule:
            amounts[f"instalment {row.number}"] = row.total
        _same_currency(currency, **amounts)
        if not self.restructured_principal.is_positive() or self.payable_on_signing.is_negative():
            raise ValueError("restructured_principal must be positive and payable_on_signing not negative")
        if self.restructured_principal + self.payable_on_signing != self.total:
            raise ValueError(f"restructured_principal {self.restructured_principal} + payable_on_signing "
                             f"{self.payable_on_signing} is not the debt {self.total}")
        if self.effective_on < self.letter_date:
            raise ValueError("effective_on is before letter_date (the date of signing)")
        _numbered([row.number for row in self.schedule], "schedule rows")
        _ascending([row.due_date for row in self.schedule], "schedule")
        if self.schedule[0].due_date <= self.effective_on:
            raise ValueError("the first instalment falls due on or before effective_on")
        principal = _sum([row.principal for row in self.schedule], currency)
        if principal != self.restructured_principal:
            raise ValueError(f"the schedule repays {principal} of principal, not the restructured_principal "
                             f"{self.restructured_principal}")
        interest = _sum([row.interest for row in self.schedule], currency)
        if interest != self.total_interest:
            raise ValueError(f"the schedule's interest sums to {interest}, not to total_interest {self.total_interest}")
        if principal + interest != self.total_repayable:
            raise ValueError(f"the schedule sums to {principal + interest}, not to total_repayable "
                             f"{self.total_repayable}")
        return self


class ReferralInstructionContext(LetterBase):
    """委托代理函: the creditor instructs a law firm to recover the debt of a matter.

    At least one of the four heads of scope must be instructed. `arbitration` means the claim is
    brought before the arbitration institution named in the contract instead of a people's court.
    """

    kind: ClassVar[str] = "referral_instruction"

    law_firm_name: str = Field(min_length=1, max_length=500)
    law_firm_address: str = Field(min_length=1, max_length=2000)
    partner_name: str = Field(min_length=1, max_length=200)
    matter_reference: str = Field(min_length=1, max_length=128)
    overdue_since: date
    balance_as_of: date
    balance: Balance
    total: Money
    lawyer_letter: bool
    litigation: bool
    arbitration: bool
    preservation: bool
    enforcement: bool
    fee_arrangement: str = Field(min_length=1, max_length=2000)
    evidence_pack_reference: str = Field(min_length=1, max_length=200)
    report_within_days: int = Field(ge=1, le=30)

    @model_validator(mode="after")
    def _scope(self) -> ReferralInstructionContext:
        _check_balance(self.total, self.balance, self.balance_as_of, self.letter_date)
        if self.overdue_since > self.balance_as_of:
            raise ValueError("overdue_since is after balance_as_of")
        if not (self.lawyer_letter or self.litigation or self.preservation or self.enforcement):
            raise ValueError("the instruction covers nothing: instruct at least one of lawyer_letter, "
                             "litigation, preservation, enforcement")
        if self.arbitration and not self.litigation:
            raise ValueError("arbitration chooses the forum of the claim; it requires litigation")
        return self


class PowerOfAttorneyContext(LetterBase):
    """授权委托书: the creditor appoints one or two lawyers as its agents in a case.

    With `special_authorisation` the agents may admit, waive or alter claims, settle,
    counterclaim and appeal (民事诉讼法 art. 62); otherwise the authority is general.
    `valid_until` None means until the proceedings in the case are concluded.
    """

    kind: ClassVar[str] = "power_of_attorney"

    legal_representative: str = Field(min_length=1, max_length=200)
    agents: tuple[Agent, ...] = Field(min_length=1, max_length=2)
    case_title: str = Field(min_length=1, max_length=500)
    court: str = Field(min_length=1, max_length=500)
    special_authorisation: bool
    valid_until: date | None = None

    @model_validator(mode="after")
    def _term(self) -> PowerOfAttorneyContext:
        if self.valid_until is not None and self.valid_until <= self.letter_date:
            raise ValueError("valid_until must be after letter_date")
        if len({agent.licence_number for agent in self.agents}) != len(self.agents):
            raise ValueError("the same lawyer is appointed twice")
        return self


CONTEXT_CLASSES: tuple[type[LetterBase], ...] = (
    SettlementAgreementContext, AmendmentAgreementContext, ReferralInstructionContext, PowerOfAttorneyContext,
)


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


BUILDERS: dict[str, Callable[[LetterFacts, Mapping[str, Any]], dict[str, Any]]] = {
    "settlement_agreement": _settlement_agreement,
    "amendment_agreement": _amendment_agreement,
}
# Params the builders turn into fields themselves (the role code into the locale's words, several
# names into one line): documents.registry never copies them into the context as given.
INTERPRETS: dict[str, frozenset[str]] = {
    "settlement_agreement": frozenset({"approver_name", "approver_role", "approved_on"}),
    "amendment_agreement": frozenset({"approver_name", "approver_role", "approved_on"}),
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
VARIANTS: dict[str, Callable[[LetterBase], LetterBase]] = {
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


