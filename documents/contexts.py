"""What each letter needs to be rendered: one frozen model per letter kind.

A context is the whole input of a render: the renderer reads nothing else (no clock, no
database), so the same context always gives the same document. Amounts are Money and dates
are dates here; the renderer formats them per locale. Validators refuse letters that would be
wrong on their face (a total that is not the sum of its buckets, a pay-by date before the
letter date), because a demand letter with such an error can be challenged in court.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from documents import kinds
from documents.base import LOCALES, LetterBase, Locale  # noqa: F401  (re-exported)
from domain.allocation import Balance
from domain.money import Money
from domain.parties import Borrower, Creditor


def _check_demand(letter: CollectionNoticeContext | ReminderLetterContext) -> None:
    """Checks shared by the letters that demand payment of a balance."""
    if letter.total != letter.balance.total:
        raise ValueError(f"total {letter.total} is not the sum of the balance buckets {letter.balance.total}")
    if letter.overdue_since > letter.letter_date:
        raise ValueError("overdue_since is after letter_date")
    if letter.pay_by < letter.letter_date:
        raise ValueError("pay_by is before letter_date")


def _check_steps(letter: CollectionNoticeContext) -> None:
    """The notice's timetable: each list in date order; reminders up to the pay-by day, the rest after it."""
    for name in ("steps_before_pay_by", "steps_after_pay_by"):
        days = [step.on for step in getattr(letter, name)]
        if days != sorted(days):
            raise ValueError(f"{name}: the steps must be in date order")
    for step in letter.steps_before_pay_by:
        if not letter.letter_date <= step.on <= letter.pay_by:
            raise ValueError("steps_before_pay_by: each step falls between letter_date and pay_by")
        if step.what in ESCALATIONS:
            raise ValueError(f"steps_before_pay_by: a {step.what} step cannot come before the pay-by date it follows")
    if any(step.on <= letter.pay_by for step in letter.steps_after_pay_by):
        raise ValueError("steps_after_pay_by: each step falls after pay_by")


class OverdueInstalment(BaseModel):
    """One missed instalment of the repayment schedule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1, description="instalment number in the contract's schedule")
    due_on: date
    amount: Money


StepKind = Literal["reminder_letter", "phone_call", "sms", "email", "final_demand", "legal_review"]
# Steps that end the time a demand gives: never before its pay-by date.
ESCALATIONS: frozenset[str] = frozenset({"final_demand", "legal_review"})


class NextStep(BaseModel):
    """One step the matter workflow will take while the demand is unpaid: what, on or after which day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    on: date
    what: StepKind


class CollectionNoticeContext(LetterBase):
    """催收通知书: the first written demand after the loan falls overdue.

    `instalments` optionally lists the missed instalments (a table in the letter); empty, the
    table is left out. The steps the workflow will take while the notice is unpaid (the
    registry's `next_steps` param, split at `pay_by`) are stated with their dates:
    `steps_before_pay_by` (reminders only, on or before the pay-by day) and
    `steps_after_pay_by` ("if not paid by <pay_by>, we will: ..."). Both empty, the letter
    states no timetable.
    """

    kind: ClassVar[str] = "collection_notice"

    overdue_since: date
    days_past_due: int = Field(ge=0)
    balance: Balance
    total: Money
    pay_by: date
    instalments: tuple[OverdueInstalment, ...] = ()
    secured: bool = Field(default=False, description="an asset is pledged for the loan (the letter names security)")
    guaranteed: int = Field(default=0, ge=0, description="guarantors of the loan (the letter names them if any)")
    steps_before_pay_by: tuple[NextStep, ...] = Field(default=(), max_length=20)
    steps_after_pay_by: tuple[NextStep, ...] = Field(default=(), max_length=20)

    @model_validator(mode="after")
    def _demand(self) -> CollectionNoticeContext:
        _check_demand(self)
        _check_steps(self)
        numbers = [i.number for i in self.instalments]
        if numbers != sorted(set(numbers)):
            raise ValueError("instalments must be in schedule order, each number once")
        for i in self.instalments:
            if i.amount.currency != self.total.currency:
                raise ValueError(f"instalment {i.number} is not in {self.total.currency}")
            if not i.amount.is_positive():
                raise ValueError(f"instalment {i.number} amount must be greater than zero")
            if not self.overdue_since <= i.due_on <= self.letter_date:
                raise ValueError(f"instalment {i.number} is not overdue between overdue_since and letter_date")
        if self.instalments:
            scheduled = sum((i.amount for i in self.instalments), Money.zero(self.total.currency))
            if scheduled > self.balance.principal + self.balance.interest:
                raise ValueError("the missed instalments exceed the principal and interest outstanding")
        return self


class ReminderLetterContext(LetterBase):
    """还款提醒函: a further reminder on the ladder; `sequence` 1 is the first reminder."""

    kind: ClassVar[str] = "reminder_letter"

    sequence: int = Field(ge=1)
    overdue_since: date
    days_past_due: int = Field(ge=0)
    balance: Balance
    total: Money
    paid_to_date: Money
    pay_by: date
    secured: bool = Field(default=False, description="an asset is pledged for the loan (the letter names security)")
    guaranteed: int = Field(default=0, ge=0, description="guarantors of the loan (the letter names them if any)")
    accelerated_on: date | None = Field(default=None, description="the acceleration notice's delivery: from that "
                                                                  "day the whole loan is due (the letter says so)")

    @model_validator(mode="after")
    def _demand(self) -> ReminderLetterContext:
        _check_demand(self)
        if self.accelerated_on is not None and not self.overdue_since <= self.accelerated_on <= self.letter_date:
            raise ValueError("accelerated_on must fall between overdue_since and letter_date")
        if self.paid_to_date.currency != self.total.currency:
            raise ValueError("paid_to_date and total are in different currencies")
        if self.paid_to_date.is_negative():
            raise ValueError("paid_to_date is negative")
        return self


class ClosureLetterContext(LetterBase):
    """结清证明: the matter is closed and the debt discharged (paid in full or settled).

    When `total_paid` is less than `original_total` the letter states that the difference
    was waived under the settlement.
    """

    kind: ClassVar[str] = "closure_letter"

    closed_on: date
    original_total: Money
    total_paid: Money

    @model_validator(mode="after")
    def _amounts(self) -> ClosureLetterContext:
        if self.original_total.currency != self.total_paid.currency:
            raise ValueError("original_total and total_paid are in different currencies")
        if self.total_paid.is_negative() or self.original_total.is_negative():
            raise ValueError("amounts of a closure letter cannot be negative")
        if self.closed_on > self.letter_date:
            raise ValueError("closed_on is after letter_date")
        return self


class ArrearsClearedContext(LetterBase):
    """逾期欠款结清通知书: the arrears are paid, the default is cured and the loan continues on its schedule.

    Not a payoff certificate: principal not yet due remains owed (`principal_not_due` when the
    record knows it, to the contract's final maturity `contract_due_on` when known) and the
    security stays in place.
    """

    kind: ClassVar[str] = "arrears_cleared"

    cleared_on: date
    arrears_total: Money
    total_paid: Money
    principal_not_due: Money | None = None
    contract_due_on: date | None = None

    @model_validator(mode="after")
    def _amounts(self) -> ArrearsClearedContext:
        currency = self.arrears_total.currency
        for name in ("total_paid", "principal_not_due"):
            value = getattr(self, name)
            if value is not None and value.currency != currency:
                raise ValueError(f"{name} is not in {currency}")
            if value is not None and value.is_negative():
                raise ValueError(f"{name} cannot be negative")
        if self.cleared_on > self.letter_date:
            raise ValueError("cleared_on is after letter_date")
        if self.contract_due_on is not None and self.contract_due_on <= self.cleared_on:
            raise ValueError("contract_due_on is not after cleared_on: the whole loan was due (a closure letter)")
        return self


SHA256_HEX = r"^[0-9a-f]{64}$"


class EvidenceItem(BaseModel):
    """One line of an evidence catalogue: a file, where it came from, its hash, what it proves."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1, description="1, 2, ... in the catalogue's order")
    description: str = Field(min_length=1, max_length=500, description="证据名称: what the file is")
    source: str = Field(min_length=1, max_length=500, description="来源: where it came from")
    sha256: str = Field(pattern=SHA256_HEX, description="lower-case hex SHA-256 of the file's bytes")
    proves: str = Field(min_length=1, max_length=1000, description="证明目的: what it proves")


class EvidenceCatalogContext(LetterBase):
    """证据目录: the numbered list of evidence submitted for a matter, each file with its SHA-256.

    `case_title` names the dispute (e.g. "…诉张伟金融借款合同纠纷"), `matter_reference` the
    matter it belongs to. Items are numbered 1..n in order, so the catalogue and the bundle's
    `evidence/NN-...` files agree.
    """

    kind: ClassVar[str] = "evidence_catalog"

    case_title: str = Field(min_length=1, max_length=500)
    matter_reference: str = Field(min_length=1, max_length=128)
    items: tuple[EvidenceItem, ...] = Field(min_length=1, max_length=999)

    @model_validator(mode="after")
    def _numbered(self) -> EvidenceCatalogContext:
        numbers = [item.number for item in self.items]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"evidence items must be numbered 1..{len(numbers)} in order, got {numbers}")
        return self


CONTEXTS: dict[str, type[LetterBase]] = {
    cls.kind: cls
    for cls in (CollectionNoticeContext, ReminderLetterContext, ClosureLetterContext, ArrearsClearedContext,
                EvidenceCatalogContext)
}
# Kinds defined in documents/kinds/<group>.py (one module per family of documents).
for _group in kinds.groups():
    for _cls in _group.CONTEXT_CLASSES:
        if _cls.kind in CONTEXTS:
            raise RuntimeError(f"letter kind {_cls.kind!r} is defined twice")
        CONTEXTS[_cls.kind] = _cls
KINDS: tuple[str, ...] = tuple(CONTEXTS)


# ---- samples: realistic data for tests, previews and template reviews --------------------------

def _cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def _parties(locale: str) -> tuple[Creditor, Borrower]:
    if locale == "zh-CN":
        creditor = Creditor(
            name="江南信诚银行股份有限公司上海分行",
            address="上海市黄浦区中山东一路18号",
            phone="021-6328 8000",
            registration_number="91310000MA1FL0XX3K",
        )
        borrower = Borrower(
            name="张伟",
            id_number="310105198803154510",
            phone="13800138000",
            address="上海市长宁区愚园路1088弄12号302室",
            locale="zh-CN",
        )
    else:
        creditor = Creditor(
            name="Jiangnan Xincheng Bank Co., Ltd., Shanghai Branch",
            address="18 Zhongshan East 1st Road, Huangpu District, Shanghai 200002, China",
            phone="+86 21 6328 8000",
            registration_number="91310000MA1FL0XX3K",
        )
        borrower = Borrower(
            name="Daniel Whitaker",
            id_number="P51873204",
            phone="+86 139 1234 5678",
            email="d.whitaker@example.com",
            address="Flat 302, No. 12, Lane 1088 Yuyuan Road, Changning District, Shanghai 200050, China",
            locale="en",
            timezone="Asia/Shanghai",
        )
    return creditor, borrower


def sample_context(kind: str, locale: str = "zh-CN") -> LetterBase:
    """A realistic, valid context of `kind` in `locale` (张伟 in Chinese, Daniel Whitaker in English)."""
    if kind not in CONTEXTS:
        raise ValueError(f"unknown letter kind {kind!r}; expected one of {', '.join(KINDS)}")
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}; expected one of {', '.join(LOCALES)}")
    creditor, borrower = _parties(locale)
    prefix = {"collection_notice": "CN", "reminder_letter": "RL", "closure_letter": "CL", "arrears_cleared": "AC",
              "evidence_catalog": "EC", **kinds.prefixes()}.get(kind, "DOC")
    common: dict[str, Any] = {
        "reference": f"JXB-SH-{prefix}-2024-000187",
        "locale": locale,
        "creditor": creditor,
        "borrower": borrower,
        "contract_number": "JXB(2022)SH-PL-0451",
        "contract_signed_on": date(2022, 6, 8),
    }
    if kind == "collection_notice":
        balance = Balance(
            costs=_cny("0.00"),
            fees=_cny("150.00"),
            penalty=_cny("318.00"),
            interest=_cny("1050.00"),
            principal=_cny("18000.00"),
        )
        # A short-term consumer loan repaid every three days: twelve missed instalments of 1,587.50.
        instalments = tuple(
            OverdueInstalment(number=27 + n, due_on=date(2024, 2, 10) + timedelta(days=3 * n), amount=_cny("1587.50"))
            for n in range(12)
        )
        return CollectionNoticeContext(
            **common,
            letter_date=date(2024, 3, 15),
            overdue_since=date(2024, 2, 10),
            days_past_due=34,
            balance=balance,
            total=balance.total,
            pay_by=date(2024, 3, 29),
            instalments=instalments,
        )
    if kind == "reminder_letter":
        balance = Balance(
            costs=_cny("0.00"),
            fees=_cny("150.00"),
            penalty=_cny("412.35"),
            interest=_cny("1126.50"),
            principal=_cny("16000.00"),
        )
        return ReminderLetterContext(
            **common,
            letter_date=date(2024, 4, 12),
            sequence=2,
            overdue_since=date(2024, 2, 10),
            days_past_due=62,
            balance=balance,
            total=balance.total,
            paid_to_date=_cny("2000.00"),
            pay_by=date(2024, 4, 22),
            secured=True,  # the notice's sample is unsecured: between them both forms of the measures
            guaranteed=2,
        )
    if kind == "evidence_catalog":
        return _sample_catalog(common, locale)
    if kind == "arrears_cleared":
        return ArrearsClearedContext(
            **common,
            letter_date=date(2024, 6, 3),
            cleared_on=date(2024, 5, 31),
            arrears_total=_cny("19518.00"),
            total_paid=_cny("19518.00"),
            principal_not_due=_cny("162000.00"),
            contract_due_on=date(2027, 6, 8),
        )
    group_sample = kinds.sample(kind)
    if group_sample is not None:
        return group_sample(common, locale)
    return ClosureLetterContext(
        **common,
        letter_date=date(2024, 6, 3),
        closed_on=date(2024, 5, 31),
        original_total=_cny("19518.00"),
        total_paid=_cny("19518.00"),
    )


def _notice_with_next_steps(sample: LetterBase) -> LetterBase:
    """The notice with the timetable a standard-policy ladder gives (pay-by 29 March 2024)."""
    before = (NextStep(on=date(2024, 3, 18), what="sms"), NextStep(on=date(2024, 3, 25), what="email"))
    after = (NextStep(on=date(2024, 4, 1), what="reminder_letter"), NextStep(on=date(2024, 4, 5), what="phone_call"),
             NextStep(on=date(2024, 4, 19), what="final_demand"), NextStep(on=date(2024, 5, 13), what="legal_review"))
    return type(sample).model_validate({**dict(sample), "steps_before_pay_by": before, "steps_after_pay_by": after})


def _accelerated(sample: LetterBase) -> LetterBase:
    """A demand sent after the whole loan was declared due (its notice delivered on 10 April 2024)."""
    return type(sample).model_validate({**dict(sample), "accelerated_on": date(2024, 4, 10)})


# Variants of a sample that show wording the plain sample does not, each with its own golden texts:
# "<kind>.<variant>" -> function(the kind's sample) -> the variant (validated again).
VARIANTS: dict[str, Callable[[LetterBase], LetterBase]] = {
    "collection_notice.next_steps": _notice_with_next_steps,
    "reminder_letter.accelerated": _accelerated,
    **kinds.variants(),
}


def sample_case(case: str, locale: str = "zh-CN") -> LetterBase:
    """The sample of a golden case: a kind's sample, or one of its `VARIANTS` ("<kind>.<variant>")."""
    kind, _, variant = case.partition(".")
    sample = sample_context(kind, locale)
    if not variant:
        return sample
    if case not in VARIANTS:
        raise ValueError(f"unknown sample variant {case!r}; expected one of {', '.join(VARIANTS)}")
    return VARIANTS[case](sample)


def _sample_catalog(common: dict[str, Any], locale: str) -> EvidenceCatalogContext:
    zh = locale == "zh-CN"
    creditor, borrower = common["creditor"].name, common["borrower"].name
    rows = (
        ("借款合同（编号JXB(2022)SH-PL-0451）", "Loan Contract No. JXB(2022)SH-PL-0451",
         "原告存档原件扫描件", "Scan of the original kept by the claimant",
         "双方之间存在借款合同关系及借款金额、利率、还款期限的约定",
         "The loan relationship and the agreed amount, rate and repayment dates"),
        ("放款凭证（2022年6月10日）", "Loan disbursement voucher (10 June 2022)",
         "原告核心业务系统导出", "Exported from the claimant's core banking system",
         "原告已依约发放借款人民币200,000.00元", "The claimant paid out the loan of CNY 200,000.00 as agreed"),
        ("催收通知书（JXB-SH-CN-2024-000187）", "Collection Notice JXB-SH-CN-2024-000187",
         "本系统生成并存证", "Generated and stored by the recovery system",
         "原告已于2024年3月15日书面催收，诉讼时效中断",
         "Written demand made on 15 March 2024, interrupting the limitation period"),
    )
    hashes = (
        "3f8a1c0d5e6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c0b1a2f",
        "a94b2c7d1e0f3a5b6c8d9e7f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d",
        "0c1d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8d9eafb",
    )
    items = tuple(
        EvidenceItem(number=i, description=row[0 if zh else 1], source=row[2 if zh else 3],
                     sha256=sha, proves=row[4 if zh else 5])
        for i, (row, sha) in enumerate(zip(rows, hashes, strict=True), start=1)
    )
    title = f"{creditor}诉{borrower}金融借款合同纠纷" if zh else f"{creditor} v. {borrower} (loan contract dispute)"
    return EvidenceCatalogContext(
        **common,
        letter_date=date(2024, 7, 8),
        case_title=title,
        matter_reference="M-2024-000187",
        items=items,
    )
