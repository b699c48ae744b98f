"""The applications that unwind a closed matter's legal steps (`domain/unwinding.py`): one kind,
`unwinding_application`, whose `request` says which:

- `withdraw_enforcement`: 撤回执行申请, the enforcement applied for is withdrawn and the court asked to end it;
- `withdraw_suit` / `withdraw_arbitration` / `withdraw_appeal`: 撤诉 (or the arbitration application, or the
  creditor's appeal) withdrawn before a decision; whether to allow it is for the court or the tribunal;
- `lift_preservation`: 解除保全, the preservation ruling's measures lifted, naming the assets it holds
  (SPC Provisions on Handling Property Preservation Cases art. 23: the applicant must apply promptly);
- `return_security`: the security the creditor gave for a preservation released.

Every fact comes from the matter's record: why it closed (`ground`: paid, settled, cured, withdrawn) and
the day, the court or commission, the case or ruling number, the assets of the register, the amount a
preservation holds. Filed with the court (no letterhead, no addressee block), like the other filings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from documents.base import LetterBase, LetterInvalid
from documents.kinds._samples import cny
from domain.money import Money
from domain.text import PlainText

if TYPE_CHECKING:
    from documents.letter_docx import Letter as _Letter
    from documents.registry import LetterFacts

Request = Literal["withdraw_enforcement", "withdraw_suit", "withdraw_arbitration", "withdraw_appeal",
                  "lift_preservation", "return_security"]
_BY_CASE = frozenset({"withdraw_enforcement", "withdraw_suit", "withdraw_arbitration", "withdraw_appeal"})
_BY_RULING = frozenset({"lift_preservation", "return_security"})


class HeldAsset(BaseModel):
    """An asset of the register a preservation holds, as the application names it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: PlainText = Field(min_length=1, max_length=2000)


class UnwindingApplicationContext(LetterBase):
    """申请书 unwinding a closed matter's step: a withdrawal, a lift of preservation, the security's release."""

    kind: ClassVar[str] = "unwinding_application"

    request: Request
    ground: Literal["paid", "settled", "cured", "withdrawn"]
    closed_on: date
    court: PlainText = Field(min_length=1, max_length=500, description="the court or the arbitration commission")
    case_number: PlainText | None = Field(default=None, max_length=128)
    ruling_number: PlainText | None = Field(default=None, max_length=128)
    amount: Money | None = None  # what the preservation holds
    assets: tuple[HeldAsset, ...] = Field(default=(), max_length=99)

    @model_validator(mode="after")
    def _facts(self) -> UnwindingApplicationContext:
        if self.request in _BY_CASE and not self.case_number:
            raise ValueError(f"case_number: a {self.request} names the case")
        if self.request in _BY_RULING and not self.ruling_number:
            raise ValueError(f"ruling_number: a {self.request} names the preservation ruling")
        if self.request == "return_security" and self.assets:
            raise ValueError("assets: the release of security names the ruling, not the assets")
        if not self.contract_signed_on <= self.closed_on <= self.letter_date:
            raise ValueError("closed_on: between the contract's signing and the application's date")
        if self.amount is not None and not self.amount.is_positive():
            raise ValueError("amount: a preservation holds a positive amount")
        return self


# ---- the builder (from the matter's record; params from the unwinding step) --------------------

def unwinding_application(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    request, court = params.get("request"), params.get("court")
    if not request or not court:
        raise LetterInvalid("request, court: an unwinding application says what it asks and of whom")
    return {"closed_on": params.get("closed_on") or facts.letter_date}


# ---- wording ------------------------------------------------------------------------------------

def _head(letter: _Letter, text: str) -> None:
    letter.para([(text, True)], space_before=6, keep_with_next=True)


_ZH_ROLE = ("{% if request == 'withdraw_suit' %}原告{% elif request == 'withdraw_appeal' %}上诉人"
            "{% elif request == 'withdraw_enforcement' %}申请执行人{% else %}申请人{% endif %}")
_ZH_OTHER = ("{% if request == 'withdraw_suit' %}被告{% elif request == 'withdraw_appeal' %}被上诉人"
             "{% elif request == 'withdraw_enforcement' %}被执行人{% else %}被申请人{% endif %}")
_EN_ROLE = ("{% if request == 'withdraw_suit' %}Plaintiff{% elif request == 'withdraw_appeal' %}Appellant"
            "{% elif request == 'withdraw_enforcement' %}Applicant for enforcement{% else %}Applicant{% endif %}")
_EN_OTHER = ("{% if request == 'withdraw_suit' %}Defendant{% elif request == 'withdraw_appeal' %}Appellee"
             "{% elif request == 'withdraw_enforcement' %}Person subject to enforcement{% else %}Respondent"
             "{% endif %}")


def _zh(letter: _Letter) -> None:
    letter.para([(_ZH_ROLE + "：", True), ("{{ creditor.name }}", False)])
    letter.para("{% if creditor.address %}住所地：{{ creditor.address }}{% endif %}"
                "{% if creditor.registration_number %}　统一社会信用代码："
                "{{ creditor.registration_number }}{% endif %}")
    letter.para([(_ZH_OTHER + "：", True), ("{{ borrower.name }}", False)])
    letter.para("身份证件号码：{{ borrower.id_number }}")
    letter.para("{% if borrower.address %}住址：{{ borrower.address }}{% endif %}", space_after=6)
    _head(letter, "请求事项：")
    letter.body(
        "{% if request == 'withdraw_enforcement' %}请求准许申请执行人撤回{{ case_number }}案的执行申请，"
        "依法终结该案的执行，"
        "并解除该案中对被执行人财产采取的查封、扣押、冻结等措施。"
        "{% elif request == 'withdraw_suit' %}请求准许原告撤回对被告{{ borrower.name }}的起诉"
        "（案号：{{ case_number }}）。"
        "{% elif request == 'withdraw_arbitration' %}请求准许申请人撤回对被申请人{{ borrower.name }}的仲裁申请"
        "（案号：{{ case_number }}）。"
        "{% elif request == 'withdraw_appeal' %}请求准许上诉人撤回在{{ case_number }}案中提起的上诉。"
        "{% elif request == 'lift_preservation' %}请求解除贵院{{ ruling_number }}民事裁定对被申请人财产采取的保全措施"
        "{% if amount %}（保全金额{{ amount }}）{% endif %}{% if assets %}，包括下列财产：{% else %}。{% endif %}"
        "{% else %}请求解除申请人为贵院{{ ruling_number }}民事裁定所涉财产保全提供的担保"
        "{% if amount %}（保全金额{{ amount }}）{% endif %}，退还担保财产或者解除担保责任。{% endif %}")
    letter.para("{%p for a in assets %}")
    letter.para("{{ loop.index }}. {{ a.description }}")
    letter.para("{%p endfor %}")
    _head(letter, "事实与理由：")
    letter.body(
        _ZH_ROLE + "与" + _ZH_OTHER + "因编号为{{ contract_number }}、签订于{{ contract_signed_on }}"
        "的借款合同发生纠纷。"
        "{% if ground == 'paid' %}" + _ZH_OTHER + "已于{{ closed_on }}清偿" + _ZH_ROLE + "主张的全部债务。"
        "{% elif ground == 'settled' %}双方就该纠纷达成和解，" + _ZH_OTHER
        + "已于{{ closed_on }}履行完毕和解约定的全部付款义务。"
        "{% elif ground == 'cured' %}" + _ZH_OTHER + "已于{{ closed_on }}清偿全部逾期欠款，借款合同恢复正常履行。"
        "{% else %}" + _ZH_ROLE + "已于{{ closed_on }}决定不再通过上述程序向" + _ZH_OTHER + "主张权利。{% endif %}"
        "{% if request == 'lift_preservation' %}上述保全措施已无继续存在的必要。"
        "依照《最高人民法院关于人民法院办理财产保全案件若干问题的规定》第二十三条的规定，特申请解除保全，请予裁定。"
        "{% elif request == 'return_security' %}上述财产保全已无继续存在的必要，申请人为其提供的担保亦应一并解除，"
        "特此申请，请予准许。"
        "{% else %}特此申请，请予准许。{% endif %}")
    letter.para("此致", space_before=6, keep_with_next=True)
    letter.para("{{ court }}", keep_with_next=True, space_after=6)


def _en(letter: _Letter) -> None:
    letter.para([(_EN_ROLE + ": ", True), ("{{ creditor.name }}", True)], space_after=0)
    letter.para("{% if creditor.address %}Registered address: {{ creditor.address }}{% endif %}", space_after=0)
    letter.para("{% if creditor.registration_number %}Unified Social Credit Code: "
                "{{ creditor.registration_number }}{% endif %}", space_after=6)
    letter.para([(_EN_OTHER + ": ", True), ("{{ borrower.name }}", True)], space_after=0)
    letter.para("ID/Passport No.: {{ borrower.id_number }}", space_after=0)
    letter.para("{% if borrower.address %}Address: {{ borrower.address }}{% endif %}", space_after=6)
    _head(letter, "Request")
    letter.body(
        "{% if request == 'withdraw_enforcement' %}The Applicant asks leave to withdraw its application for "
        "enforcement in case {{ case_number }}, that the enforcement be ended according to law, and that the "
        "sealing-up, seizure, freezing and other measures taken in that case against the property of the person "
        "subject to enforcement be lifted."
        "{% elif request == 'withdraw_suit' %}The Plaintiff asks leave to withdraw its suit against the Defendant, "
        "{{ borrower.name }} (case {{ case_number }})."
        "{% elif request == 'withdraw_arbitration' %}The Applicant asks leave to withdraw its application for "
        "arbitration against the Respondent, {{ borrower.name }} (case {{ case_number }})."
        "{% elif request == 'withdraw_appeal' %}The Appellant asks leave to withdraw the appeal it brought in case "
        "{{ case_number }}."
        "{% elif request == 'lift_preservation' %}The Applicant asks the Court to lift the preservation measures "
        "taken against the Respondent’s property under civil ruling {{ ruling_number }}"
        "{% if amount %} (amount preserved: {{ amount }}){% endif %}"
        "{% if assets %}, including the following property:{% else %}.{% endif %}"
        "{% else %}The Applicant asks the Court to release the security it gave for the property preservation "
        "under civil ruling {{ ruling_number }}{% if amount %} (amount preserved: {{ amount }}){% endif %}, "
        "returning the property given as security or discharging the liability under it.{% endif %}")
    letter.para("{%p for a in assets %}")
    letter.para("{{ loop.index }}. {{ a.description }}")
    letter.para("{%p endfor %}")
    _head(letter, "Facts and Reasons")
    letter.body(
        "The " + _EN_ROLE + " and the " + _EN_OTHER + " are in dispute over Loan Contract No. "
        "{{ contract_number }} dated "
        "{{ contract_signed_on }}. "
        "{% if ground == 'paid' %}On {{ closed_on }} the " + _EN_OTHER + " paid in full the debt the " + _EN_ROLE
        + " claimed."
        "{% elif ground == 'settled' %}The parties settled the dispute, and on {{ closed_on }} the " + _EN_OTHER
        + " completed every payment the settlement required."
        "{% elif ground == 'cured' %}On {{ closed_on }} the " + _EN_OTHER + " paid all the arrears, and the loan "
        "contract is performed as agreed again."
        "{% else %}On {{ closed_on }} the " + _EN_ROLE + " decided no longer to pursue its claim against the "
        + _EN_OTHER + " in these proceedings.{% endif %} "
        "{% if request == 'lift_preservation' %}The preservation measures are therefore no longer needed. Under "
        "Article 23 of the Provisions of the Supreme People’s Court on Several Issues concerning the Handling of "
        "Property Preservation Cases by the People’s Courts, the Applicant applies for them to be lifted."
        "{% elif request == 'return_security' %}The property preservation is therefore no longer needed, and the "
        "security the Applicant gave for it should be released with it."
        "{% else %}The " + _EN_ROLE + " therefore makes this application.{% endif %}")
    letter.para("To: {{ court }}", space_before=6, space_after=6)


BODIES: dict[tuple[str, str], Callable[[_Letter], None]] = {
    ("zh-CN", "unwinding_application"): _zh,
    ("en", "unwinding_application"): _en,
}
SUBTITLES: dict[tuple[str, str], str] = {
    ("zh-CN", "unwinding_application"): (
        "{% if request == 'withdraw_enforcement' %}（撤回执行申请）{% elif request == 'withdraw_suit' %}（撤诉）"
        "{% elif request == 'withdraw_arbitration' %}（撤回仲裁申请）"
        "{% elif request == 'withdraw_appeal' %}（撤回上诉）"
        "{% elif request == 'lift_preservation' %}（解除财产保全）{% else %}（解除保全担保）{% endif %}"),
    ("en", "unwinding_application"): (
        "{% if request == 'withdraw_enforcement' %}(withdrawal of the application for enforcement)"
        "{% elif request == 'withdraw_suit' %}(withdrawal of the suit)"
        "{% elif request == 'withdraw_arbitration' %}(withdrawal of the application for arbitration)"
        "{% elif request == 'withdraw_appeal' %}(withdrawal of the appeal)"
        "{% elif request == 'lift_preservation' %}(lifting of property preservation)"
        "{% else %}(release of the security for preservation){% endif %}"),
}


# ---- samples ------------------------------------------------------------------------------------

def _sample(common: dict[str, Any], locale: str) -> UnwindingApplicationContext:
    zh = locale == "zh-CN"
    name = common["borrower"].name
    return UnwindingApplicationContext(
        **common,
        letter_date=date(2025, 3, 12),
        request="lift_preservation",
        ground="paid",
        closed_on=date(2025, 3, 11),
        court="上海市长宁区人民法院" if zh else "Shanghai Changning District People’s Court",
        ruling_number="（2024）沪0105财保318号" if zh else "(2024) Hu 0105 Cai Bao No. 318",
        amount=cny("19518.00"),
        assets=(HeldAsset(description=f"银行存款（户名：{name}）" if zh else f"Bank deposits (account holder: {name})"),
                HeldAsset(description=("小型轿车一辆（大众朗逸，车牌号沪A·5K327）" if zh else
                                       "Passenger car (Volkswagen Lavida, plate 沪A·5K327)"))),
    )


class _Pair(tuple[str, str]):
    """A variant's value in each locale: (zh-CN, en)."""


def _variant(**changes: Any) -> Callable[[LetterBase], LetterBase]:
    def make(sample: LetterBase) -> LetterBase:
        zh = sample.locale == "zh-CN"
        fields = {k: (v[0] if zh else v[1]) if isinstance(v, _Pair) else v for k, v in changes.items()}
        return UnwindingApplicationContext.model_validate({**sample.model_dump(), **fields})
    return make


SAMPLES: dict[str, Callable[[dict[str, Any], str], LetterBase]] = {"unwinding_application": _sample}
VARIANTS: dict[str, Callable[[LetterBase], LetterBase]] = {
    "unwinding_application.withdraw_enforcement": _variant(
        request="withdraw_enforcement", ground="paid", ruling_number=None, amount=None, assets=(),
        case_number=_Pair(("（2025）沪0105执1207号", "(2025) Hu 0105 Zhi No. 1207"))),
    "unwinding_application.withdraw_suit": _variant(
        request="withdraw_suit", ground="settled", ruling_number=None, amount=None, assets=(),
        case_number=_Pair(("（2024）沪0105民初18733号", "(2024) Hu 0105 Min Chu No. 18733"))),
    "unwinding_application.return_security": _variant(request="return_security", ground="cured", assets=()),
}
PREFIXES: dict[str, str] = {"unwinding_application": "UW"}
TITLES: dict[str, dict[str, str]] = {"zh-CN": {"unwinding_application": "申请书"},
                                     "en": {"unwinding_application": "Application"}}
UNADDRESSED: frozenset[str] = frozenset(SAMPLES)
UNHEADED: frozenset[str] = frozenset(SAMPLES)
RECIPIENTS: dict[str, tuple[str, ...]] = {"unwinding_application": ("court", "arbitration_commission")}
STEP_ONLY = frozenset({"unwinding_application"})  # made by the matter's unwinding, never a ladder letter
CONTEXT_CLASSES: tuple[type[LetterBase], ...] = (UnwindingApplicationContext,)
BUILDERS = {"unwinding_application": unwinding_application}

__all__ = ["CONTEXT_CLASSES", "HeldAsset", "UnwindingApplicationContext", "unwinding_application"]
