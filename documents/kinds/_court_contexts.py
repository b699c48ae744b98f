"""The contexts of the documents filed with a court or an arbitration commission (`documents.kinds.court`
holds their samples, titles and wording and re-exports these): the parties and assets as a filing states
them, and one model per document with the checks that keep it right on its face."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from documents.base import LetterBase
from documents.kinds._parties import Particulars
from domain.allocation import Balance
from domain.money import Money
from domain.parties import Asset, Guarantor
from domain.text import PlainText

# Guarantors are numbered 被告二..被告七 and their claims 四..九: a complaint joins at most six.
MAX_CO_DEFENDANTS = 6
# Judicial practice caps interest, penalty interest and fees of a financial loan at 24% a year in
# total (SPC, Several Opinions on Further Strengthening Financial Adjudication, 2017, art. 2).
MAX_PENALTY_RATE = Decimal("24")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class CoDefendant(_Frozen):
    """A guarantor sued (or named) together with the borrower."""

    name: PlainText = Field(min_length=1, max_length=2000)
    id_number: PlainText = Field(min_length=1, max_length=64)
    particulars: Particulars
    address: PlainText | None = Field(default=None, max_length=2000)
    phone: PlainText | None = Field(default=None, max_length=64)
    joint_and_several: bool = True
    cap: Money | None = None
    guarantee_period_ends_on: date | None = None

    @classmethod
    def from_guarantor(cls, guarantor: Guarantor, particulars: Particulars) -> CoDefendant:
        return cls(
            name=guarantor.name,
            id_number=guarantor.id_number,
            particulars=particulars,
            address=guarantor.address,
            phone=guarantor.phone,
            joint_and_several=guarantor.guarantee_type == "joint_and_several",
            cap=guarantor.cap,
            guarantee_period_ends_on=guarantor.period_ends_on,
        )


class AssetItem(_Frozen):
    """One asset to freeze, seize or enforce against: what it is, where it is, what it is worth."""

    description: PlainText = Field(min_length=1, max_length=2000, description="财产名称及描述")
    location: PlainText = Field(min_length=1, max_length=2000,
                                description="所在地、开户行及账号或登记信息")
    estimated_value: Money

    @classmethod
    def from_asset(cls, asset: Asset, location: str) -> AssetItem:
        if asset.estimated_value is None:
            raise ValueError("an asset listed in a court filing needs an estimated value")
        return cls(description=asset.description, location=location, estimated_value=asset.estimated_value)


class _Filing(LetterBase):
    """The filer's representative and contact, printed in the applicant / plaintiff block, and the
    borrower's particulars, printed in the defendant / respondent block."""

    borrower_particulars: Particulars

    representative_title: PlainText = Field(min_length=1, max_length=32,
                                            description="法定代表人 or 负责人 (a branch)")
    representative: PlainText = Field(min_length=1, max_length=200)
    contact_person: PlainText = Field(min_length=1, max_length=200)
    contact_phone: PlainText = Field(min_length=1, max_length=64)


def _check_demands(demands_on: tuple[date, ...], first: date, last: date) -> None:
    if list(demands_on) != sorted(demands_on) or any(not first <= d <= last for d in demands_on):
        raise ValueError("demands_on must be in order, between overdue_since (or the contract) and letter_date")


class _Claim(_Filing):
    """A money claim under the loan contract: the balance as at `calculated_to`, penalty running on."""

    overdue_since: date
    demands_on: tuple[date, ...] = Field(
        default=(), max_length=50, description="the written demands sent since the default, in order: stated with "
                                               "their dates, never as 'repeated demands'")
    accelerated_on: date | None = None
    calculated_to: date
    balance: Balance
    total: Money
    penalty_rate: Decimal = Field(gt=0, le=MAX_PENALTY_RATE, description="annual penalty rate, per cent")
    copies: int = Field(ge=1, le=99, description="副本份数")
    evidence_catalog_reference: PlainText = Field(min_length=1, max_length=128)
    evidence_count: int = Field(ge=1, le=999)

    def _check_claim(self) -> None:
        if self.total != self.balance.total:
            raise ValueError(f"total {self.total} is not the sum of the balance buckets {self.balance.total}")
        if any(getattr(self.balance, b).is_negative() for b in ("costs", "fees", "penalty", "interest", "principal")):
            raise ValueError("a balance bucket is negative")
        if not self.total.is_positive():
            raise ValueError("the amount claimed must be positive")
        if not self.contract_signed_on <= self.overdue_since <= self.calculated_to <= self.letter_date:
            raise ValueError("dates out of order: need contract_signed_on <= overdue_since <= calculated_to "
                             "<= letter_date")
        if self.accelerated_on is not None and not self.overdue_since <= self.accelerated_on <= self.letter_date:
            raise ValueError("accelerated_on must fall between overdue_since and letter_date")
        _check_demands(self.demands_on, self.overdue_since, self.letter_date)


class CivilComplaintContext(_Claim):
    """民事起诉状: the bank against the borrower, guarantors joined as co-defendants.

    `agreed_jurisdiction` is True when the court is the one chosen in the contract (Civil Procedure
    Law art. 35), False when it is the defendant's domicile or place of performance (arts. 22, 24).
    """

    kind: ClassVar[str] = "civil_complaint"

    guarantors: tuple[CoDefendant, ...] = Field(default=(), max_length=MAX_CO_DEFENDANTS)
    court: PlainText = Field(min_length=1, max_length=200)
    agreed_jurisdiction: bool = False

    @model_validator(mode="after")
    def _complaint(self) -> CivilComplaintContext:
        self._check_claim()
        for g in self.guarantors:
            if g.cap is not None and (g.cap.currency != self.total.currency or not g.cap.is_positive()):
                raise ValueError(f"guarantee cap of {g.name} must be a positive amount in {self.total.currency}")
        if self.copies < 1 + len(self.guarantors):
            raise ValueError(f"{self.copies} copies for {1 + len(self.guarantors)} defendants: one copy per "
                             "defendant is needed (Civil Procedure Law art. 123)")
        return self


class ArbitrationApplicationContext(_Claim):
    """仲裁申请书: the claim before the commission named in the contract's arbitration clause."""

    kind: ClassVar[str] = "arbitration_application"

    commission: PlainText = Field(min_length=1, max_length=200)
    arbitration_clause: PlainText = Field(min_length=1, max_length=64, description="e.g. 第十八条")
    clause_text: PlainText = Field(min_length=1, max_length=2000, description="the clause, quoted")

    @model_validator(mode="after")
    def _application(self) -> ArbitrationApplicationContext:
        self._check_claim()
        if self.commission not in self.clause_text:
            raise ValueError("the arbitration clause does not name the commission applied to "
                             "(Arbitration Law art. 16: the agreement must designate the commission)")
        return self


class PreservationApplicationContext(_Filing):
    """财产保全申请书: pre-suit (诉前, art. 104) or in-suit (诉讼中, art. 103).

    A pre-suit application must offer security of the full amount to preserve; an in-suit one
    names its case number and offers security, or asks the court not to require it on a ground of the
    SPC Provisions on Property Preservation art. 9 (`excuse_ground`): (6) the applicant is a financial
    institution approved by the financial regulator, or a branch of one (its licence's institution code,
    `excuse_licence`); (5) the facts are clear and the rights and obligations certain, so that a wrongful
    preservation is unlikely (`excuse_reason`, the facts that show it).
    """

    kind: ClassVar[str] = "preservation_application"

    pre_suit: bool
    case_number: PlainText | None = Field(default=None, max_length=128)
    court: PlainText = Field(min_length=1, max_length=200)
    claim_amount: Money
    preserve_amount: Money
    assets: tuple[AssetItem, ...] = Field(min_length=1, max_length=99)
    security_provider: PlainText | None = Field(default=None, min_length=1, max_length=500)
    security_instrument: PlainText | None = Field(default=None, min_length=1, max_length=200,
                                                  description="e.g. 诉讼财产保全责任保险保函")
    security_reference: PlainText | None = Field(default=None, min_length=1, max_length=128)
    security_amount: Money | None = None
    excuse_ground: Literal["financial_institution", "clear_facts"] | None = None
    excuse_licence: PlainText | None = Field(default=None, min_length=1, max_length=64,
                                             description="the financial licence's institution code")
    excuse_reason: PlainText | None = Field(default=None, min_length=1, max_length=2000,
                                            description="why the facts are clear and a wrongful preservation unlikely")
    demands_on: tuple[date, ...] = Field(default=(), max_length=50, description="the written demands sent, in order")

    @model_validator(mode="after")
    def _preservation(self) -> PreservationApplicationContext:
        _check_demands(self.demands_on, self.contract_signed_on, self.letter_date)
        currency = self.claim_amount.currency
        security = (self.security_provider, self.security_instrument, self.security_reference, self.security_amount)
        if self.excuse_ground is None and any(x is None for x in security):
            raise ValueError("security: an application offers security (provider, instrument, reference, amount) "
                             "or asks to be excused from it (excuse_ground)")
        if self.excuse_ground is not None:
            if any(x is not None for x in security):
                raise ValueError("excuse_ground: an application that offers security does not ask to be excused")
            if self.pre_suit:
                raise ValueError("excuse_ground: pre-suit preservation needs the applicant's security (Civil "
                                 "Procedure Law art. 104)")
            if (self.excuse_ground == "financial_institution") != (self.excuse_licence is not None):
                raise ValueError("excuse_licence: given with the ground financial_institution, and only with it")
            if (self.excuse_ground == "clear_facts") != (self.excuse_reason is not None):
                raise ValueError("excuse_reason: given with the ground clear_facts, and only with it")
        amounts = [self.preserve_amount, *(a.estimated_value for a in self.assets)]
        if self.security_amount is not None:
            amounts.append(self.security_amount)
        if any(m.currency != currency for m in amounts):
            raise ValueError(f"all amounts of a preservation application must be in {currency}")
        if not self.preserve_amount.is_positive():
            raise ValueError("preserve_amount must be positive")
        if self.preserve_amount > self.claim_amount:
            raise ValueError(f"preserve_amount {self.preserve_amount} exceeds the claim {self.claim_amount}: "
                             "preservation is limited to the scope of the claim (Civil Procedure Law art. 105)")
        if self.pre_suit and self.case_number is not None:
            raise ValueError("a pre-suit application has no case number yet")
        if not self.pre_suit and self.case_number is None:
            raise ValueError("an in-suit application must state the case number")
        if self.pre_suit and self.security_amount is not None and self.security_amount < self.preserve_amount:
            raise ValueError("pre-suit preservation needs security equal to the amount to preserve "
                             "(Civil Procedure Law art. 104; SPC Provisions on Property Preservation art. 5)")
        if self.security_amount is not None and self.security_amount.is_negative():
            raise ValueError("security_amount is negative")
        return self


def two_years_after(day: date) -> date:
    """The same calendar day two years on (29 February -> 28 February)."""
    try:
        return day.replace(year=day.year + 2)
    except ValueError:
        return day.replace(year=day.year + 2, day=28)


class EnforcementApplicationContext(_Filing):
    """强制执行申请书 on an effective judgment (or award, `arbitral_award`).

    total_to_enforce = judgment_amount + litigation_costs + delay_interest - paid; the delay
    interest is the doubled interest of art. 264 from the day after `performance_deadline` to
    `calculated_to`. The application must be made within two years of the deadline (art. 250).
    """

    kind: ClassVar[str] = "enforcement_application"

    arbitral_award: bool = False
    judgment_court: PlainText = Field(min_length=1, max_length=200)
    instrument: PlainText = Field(min_length=1, max_length=64, description="民事判决书, 民事调解书, 裁决书")
    case_number: PlainText = Field(min_length=1, max_length=128)
    judgment_date: date
    effective_date: date
    performance_deadline: date
    calculated_to: date
    judgment_amount: Money
    litigation_costs: Money
    delay_interest: Money
    paid: Money
    total_to_enforce: Money
    assets: tuple[AssetItem, ...] = Field(default=(), max_length=99)
    court: PlainText = Field(min_length=1, max_length=200)
    late: bool = Field(default=False, description="made after the two years of art. 250: allowed (the court may "
                                                  "still accept it, the debtor may object), and not said in time")
    interrupted_on: date | None = Field(default=None, description="the debtor's last part payment since the "
                                                                  "deadline: the two years run again from it")
    window_ends_on: date | None = Field(default=None, description="the last day to apply, the rest-day rule "
                                                                  "applied (default: two years on)")

    @model_validator(mode="after")
    def _enforcement(self) -> EnforcementApplicationContext:
        parts = (self.judgment_amount, self.litigation_costs, self.delay_interest, self.paid)
        currency = self.total_to_enforce.currency
        if any(m.currency != currency for m in (*parts, *(a.estimated_value for a in self.assets))):
            raise ValueError(f"all amounts of an enforcement application must be in {currency}")
        if any(m.is_negative() for m in parts):
            raise ValueError("amounts of an enforcement application cannot be negative")
        expected = self.judgment_amount + self.litigation_costs + self.delay_interest - self.paid
        if self.total_to_enforce != expected:
            raise ValueError(f"total_to_enforce {self.total_to_enforce} is not judgment_amount + litigation_costs "
                             f"+ delay_interest - paid = {expected}")
        if not self.total_to_enforce.is_positive():
            raise ValueError("nothing remains to enforce")
        if not (self.contract_signed_on <= self.judgment_date <= self.effective_date <= self.performance_deadline
                <= self.calculated_to <= self.letter_date):
            raise ValueError("dates out of order: need contract_signed_on <= judgment_date <= effective_date <= "
                             "performance_deadline <= calculated_to <= letter_date")
        if self.interrupted_on is not None and not (self.performance_deadline < self.interrupted_on
                                                    <= self.letter_date):
            raise ValueError("interrupted_on: a part payment after the performance deadline, by the letter's date")
        last_day = two_years_after(self.interrupted_on or self.performance_deadline)
        ends = self.window_ends_on or last_day
        if ends < last_day:
            raise ValueError(f"window_ends_on: the two years of art. 250 run to {last_day.isoformat()} at least")
        if (self.letter_date > ends) != self.late:
            raise ValueError(f"late: the two-year period for applying for enforcement ends on {ends.isoformat()} "
                             "(Civil Procedure Law art. 250): the application says whether it is made within it")
        return self


CONTEXT_CLASSES: tuple[type[LetterBase], ...] = (
    CivilComplaintContext, ArbitrationApplicationContext, PreservationApplicationContext,
    EnforcementApplicationContext,
)
