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

The contexts live in `documents/kinds/_court_contexts.py` (re-exported here). The parties and assets
are models of their own rather than `domain.parties.Guarantor` /
`Asset`: every string of a context must appear in the document (documents.lint), and those
domain models carry code values (`joint_and_several`, `real_estate`) a court filing must not
print. `CoDefendant.from_guarantor` and `AssetItem.from_asset` convert from the domain.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from documents.base import LetterBase
from documents.kinds._court_contexts import CONTEXT_CLASSES as CONTEXT_CLASSES
from documents.kinds._court_contexts import MAX_CO_DEFENDANTS as MAX_CO_DEFENDANTS
from documents.kinds._court_contexts import MAX_PENALTY_RATE as MAX_PENALTY_RATE
from documents.kinds._court_contexts import ArbitrationApplicationContext as ArbitrationApplicationContext
from documents.kinds._court_contexts import AssetItem as AssetItem
from documents.kinds._court_contexts import CivilComplaintContext as CivilComplaintContext
from documents.kinds._court_contexts import CoDefendant as CoDefendant
from documents.kinds._court_contexts import EnforcementApplicationContext as EnforcementApplicationContext
from documents.kinds._court_contexts import PreservationApplicationContext as PreservationApplicationContext
from documents.kinds._court_contexts import two_years_after as two_years_after
from documents.kinds._court_wording import BODIES as _BODIES
from documents.kinds._enforcement_wording import ENFORCEMENT_BODIES
from documents.kinds._filings import BUILDERS as BUILDERS  # drafted from a matter's record
from documents.kinds._filings import INTERPRETS as INTERPRETS
from documents.kinds._parties import Particulars, particulars_from_resident_id
from domain.allocation import Balance
from domain.money import Money

if TYPE_CHECKING:  # build_templates imports this module (through documents.kinds): no runtime import
    pass

BODIES = {**_BODIES, **ENFORCEMENT_BODIES}  # the templates' wording
# Made by a proceeding's own step (documents.registry), never a ladder letter.
STEP_ONLY = frozenset({"civil_complaint", "arbitration_application", "preservation_application",
                       "power_of_attorney", "enforcement_application"})





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
def _enforcement_late(sample: LetterBase) -> LetterBase:
    """Applied for after the two years of CPL art. 250: allowed, and not said to be in time."""
    return EnforcementApplicationContext.model_validate({
        **sample.model_dump(), "letter_date": date(2026, 11, 20), "calculated_to": date(2026, 11, 18), "late": True})


def _enforcement_interrupted(sample: LetterBase) -> LetterBase:
    """The debtor paid part after the deadline: the two years run again from that day (the rest-day rule: the
    last day, a Sunday, moves to the Monday)."""
    return EnforcementApplicationContext.model_validate({
        **sample.model_dump(), "interrupted_on": date(2024, 11, 1), "window_ends_on": date(2026, 11, 2)})


VARIANTS: dict[str, Callable[[LetterBase], LetterBase]] = {
    "preservation_application.excused": _preservation_excused,
    "enforcement_application.interrupted": _enforcement_interrupted,
    "enforcement_application.late": _enforcement_late,
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


