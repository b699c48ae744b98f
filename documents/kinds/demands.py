"""Demands: the final demand, the promise-to-pay confirmation, the lawyer's letter, the demand on a guarantor.

Each of these is a written demand for performance (or, for the promise-to-pay confirmation,
the debtor's written acknowledgment), so each states the limitation-period consequence of
Civil Code art. 195. Validators refuse letters wrong on their face: a total that is not the
sum of its buckets, a promise larger than the debt, a grace period that does not end where
it says, a guarantor asked for more than the cap or the debt, a joint-and-several guarantor
asked after the guarantee period (art. 693: the guarantor is then discharged), a guarantee
period other than the one art. 692 gives.

Two documents differ from a creditor's letter to the borrower, and their bodies adjust the
parts `build_templates.build` writes around them:
- the lawyer's letter is the law firm's: its body rewrites the letterhead to the firm's and
  replaces the closing signature by the firm's seal and the lawyer's name and licence number;
- the demand on a guarantor is addressed to the guarantor: the kind is in `UNADDRESSED` and
  its body writes the guarantor's addressee block, then restores the ordinary closing (the
  unaddressed closing "Submitted by:" is for documents filed with a court).
The promise-to-pay confirmation is signed by both parties: its signature block has a line for
the creditor's seal and one for the borrower's signature and fingerprint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from documents.base import LetterBase, LetterInvalid
from documents.kinds._demands_wording import BODIES as _BODIES
from documents.kinds._guarantor_wording import GUARANTOR_BODIES, general_after_enforcement
from documents.kinds._samples import cny as _cny
from documents.kinds._samples import sample_balance as _balance
from domain.allocation import Balance
from domain.deadlines import add_period
from domain.guarantee import guarantee_period_end
from domain.money import Money
from domain.parties import Guarantor
from domain.text import PlainText

if TYPE_CHECKING:
    from documents.registry import LetterFacts

BODIES = {**_BODIES, **GUARANTOR_BODIES}  # the templates' wording


# ---- rules -------------------------------------------------------------------------------------

def add_months(start: date, months: int) -> date:
    """The corresponding day `months` later; the month's last day where it has none (Civil Code art. 202)."""
    return add_period(start, months=months)


def mask_id(number: str) -> str:
    """An ID number with all but its last four characters hidden (all of a short one)."""
    number = number.strip()
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]


def _check_balance(total: Money, balance: Balance) -> None:
    if total != balance.total:
        raise ValueError(f"total {total} is not the sum of the balance buckets {balance.total}")


def _check_amount(name: str, amount: Money, total: Money) -> None:
    if amount.currency != total.currency:
        raise ValueError(f"{name} is in {amount.currency}, the debt in {total.currency}")
    if not amount.is_positive():
        raise ValueError(f"{name} must be greater than zero")
    if amount > total:
        raise ValueError(f"{name} {amount} exceeds the total amount due {total}")


def _not_after(earlier: date, earlier_name: str, later: date, later_name: str) -> None:
    if earlier > later:
        raise ValueError(f"{earlier_name} is after {later_name}")


# ---- contexts ----------------------------------------------------------------------------------

class FinalDemandContext(LetterBase):
    """最后催告函: the last written demand before legal action, after the notice and the reminders.

    `first_demand_on` is the date of the first written demand (the collection notice);
    `reminders_on` the dates of the written reminders sent since, in order: the letter states what
    was sent, never "repeatedly". `secured` / `guaranteed`: the measures name security and
    guarantors only when the matter has them.
    """

    kind: ClassVar[str] = "final_demand"

    overdue_since: date
    days_past_due: int = Field(ge=0)
    first_demand_on: date
    reminders_on: tuple[date, ...] = ()
    balance: Balance
    total: Money
    pay_by: date
    secured: bool = False
    guaranteed: int = Field(default=0, ge=0)
    accelerated_on: date | None = None  # the acceleration notice's delivery: the whole loan is due already

    @model_validator(mode="after")
    def _demand(self) -> FinalDemandContext:
        _check_balance(self.total, self.balance)
        if self.accelerated_on is not None:
            _not_after(self.overdue_since, "overdue_since", self.accelerated_on, "accelerated_on")
            _not_after(self.accelerated_on, "accelerated_on", self.letter_date, "letter_date")
        _not_after(self.overdue_since, "overdue_since", self.first_demand_on, "first_demand_on")
        _not_after(self.first_demand_on, "first_demand_on", self.letter_date, "letter_date")
        if list(self.reminders_on) != sorted(self.reminders_on) or any(
                not self.first_demand_on <= d <= self.letter_date for d in self.reminders_on):
            raise ValueError("reminders_on must be in order, between first_demand_on and letter_date")
        if self.pay_by < self.letter_date:
            raise ValueError("pay_by is before letter_date")
        return self


class PromiseToPayConfirmationContext(LetterBase):
    """还款承诺确认书: the borrower's promise confirmed in writing, signed by both parties.

    The borrower acknowledges the balance and promises `promised_amount` by `promise_due_on`;
    the promise is kept if that amount is paid by the end of `grace_ends_on`
    (`promise_due_on` + `grace_days`, the policy's `promise_grace_days`), as the matter
    workflow judges it. The acknowledgment restarts the limitation period (art. 195).
    """

    kind: ClassVar[str] = "ptp_confirmation"

    overdue_since: date
    balance: Balance
    total: Money
    promise_made_on: date
    promised_amount: Money
    promise_due_on: date
    grace_days: int = Field(ge=0, le=366)
    grace_ends_on: date

    @model_validator(mode="after")
    def _promise(self) -> PromiseToPayConfirmationContext:
        _check_balance(self.total, self.balance)
        _check_amount("promised_amount", self.promised_amount, self.total)
        _not_after(self.overdue_since, "overdue_since", self.promise_made_on, "promise_made_on")
        _not_after(self.promise_made_on, "promise_made_on", self.letter_date, "letter_date")
        if self.promise_due_on < self.letter_date:
            raise ValueError("promise_due_on is before letter_date")
        if self.grace_ends_on != self.promise_due_on + timedelta(days=self.grace_days):
            raise ValueError(f"grace_ends_on is not promise_due_on + {self.grace_days} days")
        return self


class LawFirm(BaseModel):
    """The law firm writing on the creditor's behalf."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: PlainText = Field(min_length=1, max_length=500)
    address: PlainText = Field(min_length=1, max_length=2000)
    phone: PlainText | None = Field(default=None, max_length=64)


class Lawyer(BaseModel):
    """The lawyer in charge, with the number of the licence to practise (律师执业证号)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: PlainText = Field(min_length=1, max_length=200)
    licence_number: PlainText = Field(min_length=1, max_length=64)


class LawyersLetterContext(LetterBase):
    """律师函: a demand written by a law firm on the creditor's instructions (given on `instructed_on`)."""

    kind: ClassVar[str] = "lawyers_letter"

    law_firm: LawFirm
    lawyer: Lawyer
    instructed_on: date
    overdue_since: date
    days_past_due: int = Field(ge=0)
    demands_on: tuple[date, ...] = Field(default=(), max_length=50,
                                         description="the creditor's written demands, in order (stated with dates)")
    balance: Balance
    total: Money
    pay_by: date

    @model_validator(mode="after")
    def _demand(self) -> LawyersLetterContext:
        _check_balance(self.total, self.balance)
        if list(self.demands_on) != sorted(self.demands_on) or any(
                not self.overdue_since <= d <= self.letter_date for d in self.demands_on):
            raise ValueError("demands_on must be in order, between overdue_since and letter_date")
        _not_after(self.overdue_since, "overdue_since", self.letter_date, "letter_date")
        _not_after(self.contract_signed_on, "contract_signed_on", self.instructed_on, "instructed_on")
        _not_after(self.instructed_on, "instructed_on", self.letter_date, "letter_date")
        if self.pay_by < self.letter_date:
            raise ValueError("pay_by is before letter_date")
        return self


class GuarantorDemandContext(LetterBase):
    """担保责任履行通知书: the creditor calls on a guarantor of the borrower's loan.

    The guarantor is shown only what it must know of the borrower: the name and the ID number with all
    but its last four characters hidden (`borrower_id_masked`), never the full number or the address.

    `balance`/`total` are what the debtor owes; `amount_claimed` is what the guarantor is asked
    for (at most the total and the guarantor's cap). `main_debt_due_on` is when the main debt
    fell due (maturity, or acceleration); `guarantee_period_ends_on` must be what Civil Code
    art. 692 gives (see `guarantee_period_end`). A joint-and-several guarantor must be claimed
    against within the guarantee period (art. 693(2)); a general guarantor is liable only if
    the debtor was sued within it (art. 693(1)), so a notice to a general guarantor after the
    period names those proceedings in `debtor_proceedings` (e.g. a case number).
    """

    kind: ClassVar[str] = "guarantor_demand"

    guarantor: Guarantor
    borrower_id_masked: str = Field(default="", max_length=64,
                                    description="the borrower's ID with all but its last four characters hidden: "
                                                "a guarantor is shown only what it must know (filled from borrower)")
    guarantee_contract_number: PlainText = Field(min_length=1, max_length=128)
    guarantee_signed_on: date
    overdue_since: date
    main_debt_due_on: date
    guarantee_period_ends_on: date
    balance: Balance
    total: Money
    amount_claimed: Money
    debtor_proceedings: PlainText | None = Field(default=None, min_length=1, max_length=500)
    # A general guarantor, once enforcement against the debtor ended without satisfying the debt (Civil Code art.
    # 687): the enforcement's case and the day this round was terminated; the guarantor is asked for what is left.
    enforcement_case: PlainText | None = Field(default=None, min_length=1, max_length=128)
    enforcement_ended_on: date | None = None
    pay_by: date

    @model_validator(mode="before")
    @classmethod
    def _mask(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("borrower_id_masked"):
            borrower = data.get("borrower")
            number = borrower.get("id_number") if isinstance(borrower, dict) else getattr(borrower, "id_number", None)
            if isinstance(number, str):
                data = {**data, "borrower_id_masked": mask_id(number)}
        return data

    @model_validator(mode="after")
    def _claim(self) -> GuarantorDemandContext:
        _check_balance(self.total, self.balance)
        _check_amount("amount_claimed", self.amount_claimed, self.total)
        cap = self.guarantor.cap
        if cap is not None:
            if cap.currency != self.total.currency:
                raise ValueError(f"the guarantor's cap is in {cap.currency}, the debt in {self.total.currency}")
            if self.amount_claimed > cap:
                raise ValueError(f"amount_claimed {self.amount_claimed} exceeds the guarantor's cap {cap}")
        _not_after(self.guarantee_signed_on, "guarantee_signed_on", self.letter_date, "letter_date")
        _not_after(self.overdue_since, "overdue_since", self.letter_date, "letter_date")
        _not_after(self.main_debt_due_on, "main_debt_due_on", self.letter_date, "letter_date")
        expected = guarantee_period_end(self.main_debt_due_on, self.guarantor.period_ends_on)
        if self.guarantee_period_ends_on != expected:
            raise ValueError(f"guarantee_period_ends_on is {self.guarantee_period_ends_on}, "
                             f"but Civil Code art. 692 gives {expected}")
        if self.letter_date > self.guarantee_period_ends_on:
            if self.guarantor.guarantee_type == "joint_and_several":
                raise ValueError("the guarantee period has ended: a joint-and-several guarantor not claimed against "
                                 "within it is discharged (Civil Code art. 693)")
            if self.debtor_proceedings is None:
                raise ValueError("the guarantee period has ended: a general guarantor is liable only if the debtor "
                                 "was sued within it (Civil Code art. 693); name the proceedings in debtor_proceedings")
        if self.pay_by < self.letter_date:
            raise ValueError("pay_by is before letter_date")
        if (self.enforcement_case is None) != (self.enforcement_ended_on is None):
            raise ValueError("enforcement_case and enforcement_ended_on: both or neither")
        if self.enforcement_ended_on is not None:
            if self.guarantor.guarantee_type != "general":
                raise ValueError("enforcement_ended_on: only a general guarantor waits for enforcement (art. 687)")
            _not_after(self.enforcement_ended_on, "enforcement_ended_on", self.letter_date, "letter_date")
        return self


CONTEXT_CLASSES: tuple[type[LetterBase], ...] = (
    FinalDemandContext,
    PromiseToPayConfirmationContext,
    LawyersLetterContext,
    GuarantorDemandContext,
)


# ---- samples: realistic data for tests, previews and template reviews --------------------------



def _sample_final_demand(common: dict[str, Any], locale: str) -> FinalDemandContext:
    balance = _balance("150.00", "690.40", "1310.25", "16000.00")
    return FinalDemandContext(
        **common,
        letter_date=date(2024, 5, 20),
        overdue_since=date(2024, 2, 10),
        days_past_due=100,
        first_demand_on=date(2024, 3, 15),
        reminders_on=(date(2024, 4, 12), date(2024, 5, 6)),
        balance=balance,
        total=balance.total,
        pay_by=date(2024, 5, 30),
        guaranteed=1,
    )


def _sample_ptp_confirmation(common: dict[str, Any], locale: str) -> PromiseToPayConfirmationContext:
    balance = _balance("150.00", "430.12", "1160.80", "16000.00")
    return PromiseToPayConfirmationContext(
        **common,
        letter_date=date(2024, 4, 18),
        overdue_since=date(2024, 2, 10),
        balance=balance,
        total=balance.total,
        promise_made_on=date(2024, 4, 17),
        promised_amount=_cny("6000.00"),
        promise_due_on=date(2024, 4, 30),
        grace_days=3,
        grace_ends_on=date(2024, 5, 3),
    )


def _sample_lawyers_letter(common: dict[str, Any], locale: str) -> LawyersLetterContext:
    if locale == "zh-CN":
        firm = LawFirm(name="上海申衡律师事务所", address="上海市静安区南京西路1266号恒隆广场二期32楼",
                       phone="021-6288 1234")
        lawyer = Lawyer(name="李明远", licence_number="13101201810123456")
    else:
        firm = LawFirm(name="Shanghai Shenheng Law Firm",
                       address="32/F, Plaza 66 Tower 2, 1266 West Nanjing Road, Jing'an District, Shanghai 200040, "
                               "China",
                       phone="+86 21 6288 1234")
        lawyer = Lawyer(name="Li Mingyuan", licence_number="13101201810123456")
    balance = _balance("150.00", "820.60", "1452.30", "16000.00")
    return LawyersLetterContext(
        **common,
        letter_date=date(2024, 6, 18),
        law_firm=firm,
        lawyer=lawyer,
        instructed_on=date(2024, 6, 12),
        overdue_since=date(2024, 2, 10),
        days_past_due=129,
        demands_on=(date(2024, 3, 15), date(2024, 4, 12), date(2024, 5, 20)),
        balance=balance,
        total=balance.total,
        pay_by=date(2024, 6, 28),
    )


def _sample_guarantor_demand(common: dict[str, Any], locale: str) -> GuarantorDemandContext:
    if locale == "zh-CN":
        guarantor = Guarantor(name="王芳", id_number="310104199107226028", guarantee_type="joint_and_several",
                              cap=_cny("15000.00"), phone="13912345678",
                              address="上海市徐汇区漕溪北路595号8号楼1101室")
    else:
        guarantor = Guarantor(name="Margaret Lin", id_number="E48213977", guarantee_type="joint_and_several",
                              cap=_cny("15000.00"), phone="+86 137 6543 2100",
                              address="Room 1101, Building 8, 595 North Caoxi Road, Xuhui District, Shanghai 200030, "
                                      "China")
    balance = _balance("150.00", "690.40", "1310.25", "16000.00")
    main_debt_due_on = date(2024, 3, 29)
    return GuarantorDemandContext(
        **common,
        letter_date=date(2024, 5, 20),
        guarantor=guarantor,
        guarantee_contract_number="JXB(2022)SH-GC-0451-01",
        guarantee_signed_on=date(2022, 6, 8),
        overdue_since=date(2024, 2, 10),
        main_debt_due_on=main_debt_due_on,
        guarantee_period_ends_on=guarantee_period_end(main_debt_due_on, guarantor.period_ends_on),
        balance=balance,
        total=balance.total,
        amount_claimed=_cny("15000.00"),
        pay_by=date(2024, 5, 30),
    )


def _accelerated_final_demand(sample: LetterBase) -> LetterBase:
    """The final demand after the whole loan was declared due (the notice delivered on 10 May 2024)."""
    return type(sample).model_validate({**dict(sample), "accelerated_on": date(2024, 5, 10)})


# Variants with golden texts of their own (documents.contexts.VARIANTS).
VARIANTS: dict[str, Callable[[LetterBase], LetterBase]] = {
    "final_demand.accelerated": _accelerated_final_demand,
    "guarantor_demand.general_after_enforcement": general_after_enforcement,
}


def _lawyers_letter(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    """Params: `law_firm` and `lawyer` (the firm's record and the lawyer it names), `instructed_on` (the
    day the creditor referred the matter), `demands_on` (the days the creditor's demand letters were
    sent, from the record), `respond_within_days` (the time to pay, counted from the letter's date).

    The debt is the record's as of the letter's date: the balance, the first missed due date and the
    days past due."""
    days = params.get("respond_within_days")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 60:
        raise LetterInvalid("respond_within_days: required, a whole number of days from 1 to 60")
    return {
        "overdue_since": facts.intake.overdue.since,
        "days_past_due": facts.days_past_due,
        "balance": facts.balance,
        "total": facts.balance.total,
        "pay_by": facts.letter_date + timedelta(days=days),
    }


def _guarantor_demand(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    """Params: `guarantor` (its position on record, from 1), `guarantee_contract_number` and
    `guarantee_signed_on` (the guarantee contract: not in the record), `main_debt_due_on` (the record's:
    maturity, or the acceleration's delivery), optionally `amount_claimed` (default: the whole debt, up to
    the guarantor's cap), `debtor_proceedings` (the case against the debtor, from the record) and
    `pay_within_days` (default 10). The debt is the record's as of the letter's date; the guarantee period
    is what Civil Code art. 692 gives."""
    record = facts.intake.guarantors
    n = params.get("guarantor")
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= len(record):
        raise LetterInvalid(f"guarantor: not a guarantor on record (1 to {len(record)})")
    g = record[n - 1]
    due = params.get("main_debt_due_on")
    if not due:
        raise LetterInvalid("main_debt_due_on: the record gives no due date of the main debt (no maturity, no "
                            "acceleration served): the guarantee period cannot be stated")
    due_on = date.fromisoformat(str(due))
    total = facts.balance.total
    claimed = params.get("amount_claimed")
    amount = Money.model_validate(claimed) if claimed else (
        g.cap if g.cap is not None and g.cap.currency == total.currency and g.cap < total else total)
    days = params.get("pay_within_days", 10)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 60:
        raise LetterInvalid("pay_within_days: a whole number of days from 1 to 60")
    return {
        "guarantor": g,
        "overdue_since": facts.intake.overdue.since,
        "main_debt_due_on": due_on,
        "guarantee_period_ends_on": guarantee_period_end(due_on, g.period_ends_on),
        "balance": facts.balance,
        "total": total,
        "amount_claimed": amount,
        "pay_by": facts.letter_date + timedelta(days=days),
    }


BUILDERS: dict[str, Callable[[LetterFacts, Mapping[str, Any]], dict[str, Any]]] = {
    "lawyers_letter": _lawyers_letter,
    "guarantor_demand": _guarantor_demand,
}
INTERPRETS: dict[str, frozenset[str]] = {
    "lawyers_letter": frozenset({"respond_within_days"}),
    "guarantor_demand": frozenset({"guarantor", "main_debt_due_on", "amount_claimed", "pay_within_days"}),
}
# The firm's own step (its letterhead, its lawyer) and a guarantor claim's: never ladder letters.
STEP_ONLY = frozenset({"lawyers_letter", "guarantor_demand"})

SAMPLES: dict[str, Callable[[dict[str, Any], str], LetterBase]] = {
    "final_demand": _sample_final_demand,
    "ptp_confirmation": _sample_ptp_confirmation,
    "lawyers_letter": _sample_lawyers_letter,
    "guarantor_demand": _sample_guarantor_demand,
}
PREFIXES: dict[str, str] = {
    "final_demand": "FD",
    "ptp_confirmation": "PTP",
    "lawyers_letter": "LL",
    "guarantor_demand": "GD",
}
TITLES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "final_demand": "最后催告函",
        "ptp_confirmation": "还款承诺确认书",
        "lawyers_letter": "律师函",
        "guarantor_demand": "担保责任履行通知书",
    },
    "en": {
        "final_demand": "Final Demand Before Legal Action",
        "ptp_confirmation": "Promise-to-Pay Confirmation",
        "lawyers_letter": "Lawyer’s Letter",  # a typographic apostrophe: core properties take no quotes
        "guarantor_demand": "Demand on Guarantor",
    },
}
# Addressed to the guarantor, not to the borrower: the body writes its own addressee block.
UNADDRESSED: frozenset[str] = frozenset({"guarantor_demand"})
# Who may receive each kind (documents.registry).
RECIPIENTS: dict[str, tuple[str, ...]] = {
    "final_demand": ("borrower",),
    "ptp_confirmation": ("borrower",),
    "lawyers_letter": ("borrower",),
    "guarantor_demand": ("guarantor",),
}


