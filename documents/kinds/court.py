"""Documents filed with a people's court or an arbitration commission.

- 民事起诉状 (civil_complaint): the bank sues the borrower, guarantors joining as co-defendants;
- 仲裁申请书 (arbitration_application): the same claim before the commission the contract names;
- 财产保全申请书 (preservation_application): freezing or seizing the debtor's assets before or
  during the suit (Civil Procedure Law arts. 103-104);
- 强制执行申请书 (enforcement_application): enforcing an effective judgment or award, with the
  doubled interest for delayed performance (art. 264) and the two-year window (art. 250).

None of them is addressed to the borrower: each names the parties in blocks of its own
(applicant / respondent, plaintiff / defendants) and ends with 此致 and the court. Article
numbers follow the Civil Procedure Law as amended in 2023 and the Civil Code.

The parties and assets are models of this module rather than `domain.parties.Guarantor` /
`Asset`: every string of a context must appear in the document (documents.lint), and those
domain models carry code values (`joint_and_several`, `real_estate`) a court filing must not
print. `CoDefendant.from_guarantor` and `AssetItem.from_asset` convert from the domain.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from documents.base import LetterBase
from documents.kinds._court_wording import BODIES as _BODIES
from documents.kinds._enforcement_wording import ENFORCEMENT_BODIES
from documents.kinds._filings import BUILDERS as BUILDERS  # drafted from a matter's record
from documents.kinds._filings import INTERPRETS as INTERPRETS
from documents.kinds._parties import Particulars, particulars_from_resident_id
from domain.allocation import Balance
from domain.money import Money
from domain.parties import Asset, Guarantor
from domain.text import PlainText

if TYPE_CHECKING:  # build_templates imports this module (through documents.kinds): no runtime import
    pass

# Guarantors are numbered 被告二..被告七 and their claims 四..九: a complaint joins at most six.
MAX_CO_DEFENDANTS = 6
# Judicial practice caps interest, penalty interest and fees of a financial loan at 24% a year in
# total (SPC, Several Opinions on Further Strengthening Financial Adjudication, 2017, art. 2).
MAX_PENALTY_RATE = Decimal("24")

BODIES = {**_BODIES, **ENFORCEMENT_BODIES}  # the templates' wording
# Made by a proceeding's own step (documents.registry), never a ladder letter.
STEP_ONLY = frozenset({"civil_complaint", "arbitration_application", "preservation_application",
                       "power_of_attorney", "enforcement_application"})





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
        last_day = two_years_after(self.performance_deadline)
        if self.letter_date > last_day:
            raise ValueError(f"the two-year period for applying for enforcement ended on {last_day.isoformat()} "
                             "(Civil Procedure Law art. 250)")
        return self


CONTEXT_CLASSES: tuple[type[LetterBase], ...] = (
    CivilComplaintContext, ArbitrationApplicationContext, PreservationApplicationContext,
    EnforcementApplicationContext,
)


# ---- samples -----------------------------------------------------------------------------------

def _cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def _balance() -> Balance:
    return Balance(costs=_cny("0.00"), fees=_cny("150.00"), penalty=_cny("318.00"), interest=_cny("1050.00"),
                   principal=_cny("18000.00"))


def _filer(zh: bool) -> dict[str, Any]:
    # The samples' borrower: 张伟 (resident ID 310105198803154510) or Daniel Whitaker (a British passport).
    borrower = (particulars_from_resident_id("310105198803154510", ethnicity="汉族") if zh else
                Particulars(gender="male", born_on=date(1986, 5, 12), nationality="British"))
    return {
        "borrower_particulars": borrower,
        "representative_title": "负责人" if zh else "Head of Branch",
        "representative": "陈立新" if zh else "Chen Lixin",
        "contact_person": "王敏（法律合规部）" if zh else "Wang Min (Legal and Compliance Department)",
        "contact_phone": "021-6328 8126" if zh else "+86 21 6328 8126",
    }


def _claim(common: dict[str, Any], zh: bool) -> dict[str, Any]:
    balance = _balance()
    return {
        **common, **_filer(zh),
        "letter_date": date(2024, 7, 15),
        "overdue_since": date(2024, 2, 10),
        "demands_on": (date(2024, 2, 20), date(2024, 3, 1)),  # the notice and the reminder, before acceleration
        "accelerated_on": date(2024, 3, 15),
        "calculated_to": date(2024, 3, 15),
        "balance": balance,
        "total": balance.total,
        "penalty_rate": Decimal("7.2"),
        "evidence_catalog_reference": "JXB-SH-EC-2024-000187",
        "evidence_count": 3,
    }


def _sample_complaint(common: dict[str, Any], locale: str) -> CivilComplaintContext:
    zh = locale == "zh-CN"
    guarantor = CoDefendant(
        name="李强" if zh else "Emma Whitaker",
        id_number="310104198511202318" if zh else "P60214587",
        address=("上海市徐汇区漕溪北路398弄5号1101室" if zh
                 else "Room 1101, No. 5, Lane 398 North Caoxi Road, Xuhui District, Shanghai 200030, China"),
        phone="13916025588" if zh else "+86 139 1602 5588",
        particulars=(particulars_from_resident_id("310104198511202318", ethnicity="汉族") if zh else
                     Particulars(gender="female", born_on=date(1985, 11, 20), nationality="British")),
        joint_and_several=True,
        cap=_cny("20000.00"),
        guarantee_period_ends_on=date(2027, 6, 8),
    )
    return CivilComplaintContext(
        **_claim(common, zh),
        copies=2,
        guarantors=(guarantor,),
        court="上海市长宁区人民法院" if zh else "Shanghai Changning District People’s Court",
        agreed_jurisdiction=False,
    )


def _sample_arbitration(common: dict[str, Any], locale: str) -> ArbitrationApplicationContext:
    zh = locale == "zh-CN"
    commission = "上海仲裁委员会" if zh else "Shanghai Arbitration Commission"
    clause = (f"凡因本合同引起的或与本合同有关的任何争议，均提交{commission}，按照申请仲裁时该会现行有效的"
              "仲裁规则进行仲裁。仲裁裁决是终局的，对双方均有约束力。" if zh else
              "Any dispute arising from or in connection with this Contract shall be submitted to the "
              f"{commission} for arbitration in accordance with its arbitration rules in force when the "
              "application is made. The award is final and binding on both parties.")
    return ArbitrationApplicationContext(
        **_claim(common, zh),
        copies=1,
        commission=commission,
        arbitration_clause="第十八条" if zh else "Article 18",
        clause_text=clause,
    )


def _assets(common: dict[str, Any], zh: bool) -> tuple[AssetItem, ...]:
    name = common["borrower"].name
    return (
        AssetItem(
            description=f"银行存款（户名：{name}）" if zh else f"Bank deposits (account holder: {name})",
            location=("中国工商银行上海愚园路支行，账号6222 0210 0104 5678 901" if zh else
                      "Industrial and Commercial Bank of China, Shanghai Yuyuan Road Sub-branch, "
                      "account 6222 0210 0104 5678 901"),
            estimated_value=_cny("12000.00"),
        ),
        AssetItem(
            description=(f"小型轿车一辆（大众朗逸，车牌号沪A·5K327，登记所有人：{name}）" if zh else
                         f"Passenger car (Volkswagen Lavida, plate 沪A·5K327, registered keeper: {name})"),
            location=("上海市公安局交通警察总队车辆管理所登记" if zh else
                      "Registered with the Vehicle Administration Office, Shanghai Traffic Police"),
            estimated_value=_cny("45000.00"),
        ),
    )


def _case_number(zh: bool) -> str:
    return "（2024）沪0105民初18733号" if zh else "(2024) Hu 0105 Min Chu No. 18733"


def _sample_preservation(common: dict[str, Any], locale: str) -> PreservationApplicationContext:
    zh = locale == "zh-CN"
    return PreservationApplicationContext(
        **common, **_filer(zh),
        letter_date=date(2024, 7, 22),
        pre_suit=False,
        case_number=_case_number(zh),
        court="上海市长宁区人民法院" if zh else "Shanghai Changning District People’s Court",
        claim_amount=_cny("19518.00"),
        preserve_amount=_cny("19518.00"),
        assets=_assets(common, zh),
        security_provider=("中国人民财产保险股份有限公司上海市分公司" if zh else
                           "PICC Property and Casualty Company Limited, Shanghai Branch"),
        security_instrument="诉讼财产保全责任保险保函" if zh else "property preservation liability insurance guarantee",
        security_reference="PICC-SH-2024-BQ-003318",
        security_amount=_cny("19518.00"),
        demands_on=(date(2024, 2, 20),),
    )


def _preservation_excused(sample: LetterBase) -> LetterBase:
    """In the case, the bank asks the court not to require security (SPC Provisions art. 9(6))."""
    return PreservationApplicationContext.model_validate({
        **sample.model_dump(), "security_provider": None, "security_instrument": None, "security_reference": None,
        "security_amount": None, "excuse_ground": "financial_institution", "excuse_licence": "B0001B231000001"})


def _sample_enforcement(common: dict[str, Any], locale: str) -> EnforcementApplicationContext:
    zh = locale == "zh-CN"
    court = "上海市长宁区人民法院" if zh else "Shanghai Changning District People’s Court"
    return EnforcementApplicationContext(
        **common, **_filer(zh),
        letter_date=date(2024, 11, 18),
        arbitral_award=False,
        judgment_court=court,
        instrument="民事判决书" if zh else "Civil Judgment",
        case_number=_case_number(zh),
        judgment_date=date(2024, 9, 20),
        effective_date=date(2024, 10, 12),
        performance_deadline=date(2024, 10, 22),
        calculated_to=date(2024, 11, 15),
        judgment_amount=_cny("19518.00"),
        litigation_costs=_cny("359.16"),
        delay_interest=_cny("83.48"),
        paid=_cny("2000.00"),
        total_to_enforce=_cny("17960.64"),
        assets=_assets(common, zh),
        court=court,
    )


SAMPLES: dict[str, Callable[[dict[str, Any], str], LetterBase]] = {
    "civil_complaint": _sample_complaint,
    "arbitration_application": _sample_arbitration,
    "preservation_application": _sample_preservation,
    "enforcement_application": _sample_enforcement,
}
VARIANTS: dict[str, Callable[[LetterBase], LetterBase]] = {
    "preservation_application.excused": _preservation_excused,
}
PREFIXES: dict[str, str] = {
    "civil_complaint": "LS",
    "arbitration_application": "AR",
    "preservation_application": "PP",
    "enforcement_application": "EA",
}
TITLES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "civil_complaint": "民事起诉状",
        "arbitration_application": "仲裁申请书",
        "preservation_application": "财产保全申请书",
        "enforcement_application": "强制执行申请书",
    },
    "en": {
        "civil_complaint": "Civil Complaint",
        "arbitration_application": "Application for Arbitration",
        "preservation_application": "Application for Property Preservation",
        "enforcement_application": "Application for Compulsory Enforcement",
    },
}
UNADDRESSED: frozenset[str] = frozenset(SAMPLES)
# Pleadings and applications filed with a court or an arbitration commission carry no letterhead: the
# applicant is named in the document's parties, and the filing is not the bank's correspondence.
UNHEADED: frozenset[str] = frozenset(SAMPLES)
# Who may receive each kind (documents.registry): filed with the court or commission.
RECIPIENTS: dict[str, tuple[str, ...]] = {
    "civil_complaint": ("court",),
    "arbitration_application": ("arbitration_commission",),
    "preservation_application": ("court",),
    "enforcement_application": ("court",),
}


