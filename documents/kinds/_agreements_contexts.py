"""The agreements family's contexts (settlement, restructuring, referral instruction, power of attorney) and
the checks that refuse one wrong on its face; `documents.kinds.agreements` builds and samples them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from documents.base import LetterBase
from domain.allocation import Balance
from domain.money import Money


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


# A branch (分行, 支行, 分公司: a "other organisation" under the Civil Procedure Law) acts through its 负责人,
# never through a 法定代表人, which only the legal person itself has.
_BRANCH_SUFFIXES = ("分行", "支行", "分公司", "分理处", "营业部")


def representative_title(creditor_name: str, locale: str) -> str:
    """The title of the person who signs for the creditor: 负责人 (Head of Branch) for a branch, 法定代表人
    (Legal representative) for the legal person itself, from the creditor's name."""
    branch = creditor_name.strip().endswith(_BRANCH_SUFFIXES) or "branch" in creditor_name.lower()
    if locale == "zh-CN":
        return "负责人" if branch else "法定代表人"
    return "Head of Branch" if branch else "Legal representative"


class _SignedForTheCreditor(LetterBase):
    """A document someone signs for the creditor: `representative_title` (given, or from its name)."""

    representative_title: str | None = Field(default=None, max_length=32,
                                             description="法定代表人, or 负责人 for a branch; from the name if None")

    @model_validator(mode="after")
    def _title(self) -> _SignedForTheCreditor:
        if self.representative_title is None:
            object.__setattr__(self, "representative_title", representative_title(self.creditor.name, self.locale))
        return self


class SettlementAgreementContext(_SignedForTheCreditor):
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


class AmendmentAgreementContext(_SignedForTheCreditor):
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
    partner_name: str | None = Field(default=None, min_length=1, max_length=200)  # None: to the firm
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


class PowerOfAttorneyContext(_SignedForTheCreditor):
    """授权委托书: the creditor appoints one or two lawyers as its agents in a case.

    With `special_authorisation` the agents may admit, waive or alter claims, settle,
    counterclaim and appeal (民事诉讼法 art. 62); otherwise the authority is general. Before an
    arbitration commission (`forum` "arbitration") the same, without appeal (an award is final) and
    without the Civil Procedure Law's article.
    `valid_until` None means until the proceedings in the case are concluded.
    """

    kind: ClassVar[str] = "power_of_attorney"

    legal_representative: str = Field(min_length=1, max_length=200)
    agents: tuple[Agent, ...] = Field(min_length=1, max_length=2)
    case_title: str = Field(min_length=1, max_length=500)
    forum: Literal["court", "arbitration"] = "court"
    court: str = Field(min_length=1, max_length=500, description="the court, or the arbitration commission")
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



__all__ = ["CONTEXT_CLASSES", "WAIVED_ORDER", "Agent", "AmendmentAgreementContext", "GuarantorConsent", "Instalment",
           "PowerOfAttorneyContext", "ReferralInstructionContext", "ScheduleRow", "SettlementAgreementContext",
           "Waived"]
