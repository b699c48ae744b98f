"""Breach notices: the whole loan accelerated on the borrower's default; a repayment arrangement broken.

Both are written demands served on the borrower, so both state the limitation-period
consequence of Civil Code art. 195, a pay-by day that counts ((含当日)前 / "no later than"),
and the measures that may follow, naming security and guarantors only when the matter has
them (`secured` / `guaranteed`, from the record, as the other demands do).

- The acceleration notice rests on the loan contract (its acceleration clause, `clause`), never
  on a statute: no article of the Civil Code makes a loan due early on non-payment. It takes
  effect on delivery, and from then the principal not yet due (`contract.principal_not_due` in
  the record) is due with the arrears.
- The notice of breach of a repayment arrangement names the instalment missed under a
  settlement or an amendment, its due date and amount, and, where the agreement says so, that
  the waiver it granted has lapsed.

Each kind's builder makes its context from the matter's facts (`LetterFacts`) and params and
refuses, with `LetterInvalid` naming the field, a letter the record does not support.
Validators refuse letters wrong on their face: amounts that do not add up, a missed instalment
not yet due, a lapsed waiver without its amount.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from documents.base import LetterBase, LetterInvalid
from documents.kinds._breach_wording import BODIES as BODIES  # the templates' wording
from documents.kinds._samples import cny as _cny
from documents.kinds._samples import sample_balance as _balance
from domain.allocation import Balance
from domain.money import Money
from domain.text import PlainText

if TYPE_CHECKING:
    from documents.registry import LetterFacts


def _same_currency(currency: str, **amounts: Money | None) -> None:
    for name, money in amounts.items():
        if money is not None and money.currency != currency:
            raise ValueError(f"{name}: is in {money.currency}, the debt in {currency}")


# ---- contexts ----------------------------------------------------------------------------------

class AccelerationNoticeContext(LetterBase):
    """提前到期通知书: the creditor declares the whole loan due because of the borrower's default.

    The basis is the loan contract: `clause` names its acceleration clause ("第十二条" /
    "clause 12"; None: the letter says "under the loan contract" without a number). The
    acceleration takes effect on the day this notice is delivered. `balance` holds the arrears
    by bucket (`arrears_total`), `principal_not_due` the principal the contract had not yet made
    due; `total` is both, now all due.
    """

    kind: ClassVar[str] = "acceleration_notice"

    clause: PlainText | None = Field(default=None, min_length=1, max_length=200,
                                     description="the loan contract's acceleration clause, e.g. 第十二条 / clause 12")
    overdue_since: date
    days_past_due: int = Field(ge=0)
    balance: Balance
    arrears_total: Money
    principal_not_due: Money
    total: Money
    pay_by: date
    secured: bool = False
    guaranteed: int = Field(default=0, ge=0)

    @field_validator("clause", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @model_validator(mode="after")
    def _accelerated(self) -> AccelerationNoticeContext:
        currency = self.balance.currency
        _same_currency(currency, arrears_total=self.arrears_total, principal_not_due=self.principal_not_due,
                       total=self.total)
        if self.arrears_total != self.balance.total:
            raise ValueError(f"arrears_total: {self.arrears_total} is not the sum of the balance buckets "
                             f"{self.balance.total}")
        if not self.arrears_total.is_positive():
            raise ValueError("arrears_total: nothing is overdue, and acceleration follows a default")
        if not self.principal_not_due.is_positive():
            raise ValueError("principal_not_due: must be greater than zero (nothing is left to accelerate)")
        if self.total != self.arrears_total + self.principal_not_due:
            raise ValueError(f"total: {self.total} is not arrears_total plus principal_not_due")
        if self.overdue_since > self.letter_date:
            raise ValueError("overdue_since: is after letter_date")
        if self.pay_by < self.letter_date:
            raise ValueError("pay_by: is before letter_date")
        return self


Arrangement = Literal["settlement", "amendment"]


class ArrangementBreachContext(LetterBase):
    """违约通知书（还款安排）: the borrower missed an instalment of a settlement or a contract amendment.

    `arrangement` says which agreement (signed on `agreement_date`); instalment
    `missed_instalment` of `missed_amount` fell due on `missed_due_on`, before this letter, and
    was not paid in full. With `waiver_lapsed` the agreement's waiver (`waived_amount`) lapses on
    that default and the full balance is owed again. `balance`/`total` are what is owed now.
    """

    kind: ClassVar[str] = "arrangement_breach"

    arrangement: Arrangement
    agreement_date: date
    missed_instalment: int = Field(ge=1)
    missed_due_on: date
    missed_amount: Money
    waiver_lapsed: bool = False
    waived_amount: Money | None = None
    balance: Balance
    total: Money
    pay_by: date
    secured: bool = False
    guaranteed: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _breach(self) -> ArrangementBreachContext:
        currency = self.balance.currency
        _same_currency(currency, total=self.total, missed_amount=self.missed_amount, waived_amount=self.waived_amount)
        if self.total != self.balance.total:
            raise ValueError(f"total: {self.total} is not the sum of the balance buckets {self.balance.total}")
        if self.agreement_date < self.contract_signed_on:
            raise ValueError("agreement_date: is before the loan contract was signed (contract_signed_on)")
        if self.missed_due_on < self.agreement_date:
            raise ValueError("missed_due_on: is before agreement_date")
        if self.missed_due_on >= self.letter_date:
            raise ValueError("missed_due_on: is not before letter_date (an instalment is missed only once its due "
                             "date has passed)")
        if not self.missed_amount.is_positive():
            raise ValueError("missed_amount: must be greater than zero")
        if self.missed_amount > self.total:
            raise ValueError("missed_amount: is more than the total now owed")
        if self.waiver_lapsed:
            if self.waived_amount is None:
                raise ValueError("waived_amount: required when waiver_lapsed is true (the letter states the "
                                 "waiver that lapsed)")
            if not self.waived_amount.is_positive():
                raise ValueError("waived_amount: must be greater than zero")
            if self.waived_amount >= self.total:
                raise ValueError("waived_amount: is not less than the total now owed, which must include the "
                                 "waiver that lapsed")
        elif self.waived_amount is not None:
            raise ValueError("waived_amount: given but waiver_lapsed is false (the letter states a waiver only "
                             "when it lapsed)")
        if self.pay_by < self.letter_date:
            raise ValueError("pay_by: is before letter_date")
        return self


CONTEXT_CLASSES: tuple[type[LetterBase], ...] = (AccelerationNoticeContext, ArrangementBreachContext)


# ---- builders: the matter's facts (+ params) -> the context's own fields -----------------------

def _pay_by(facts: LetterFacts, params: Mapping[str, Any]) -> date:
    # As every demand letter (documents.registry): the letter's date + pay_within_days (7), that day included.
    return facts.letter_date + timedelta(days=int(params.get("pay_within_days", 7)))


def _security(facts: LetterFacts) -> dict[str, Any]:
    """What the measures may name: a pledged asset, guarantors (the record's, counted)."""
    intake = facts.intake
    return {"secured": any(asset.pledged for asset in intake.assets), "guaranteed": len(intake.guarantors)}


def _acceleration_notice(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    """Params: `clause` (optional text), `pay_within_days` (default 7)."""
    contract = facts.intake.contract
    not_due = contract.principal_not_due
    if not_due is None:
        raise LetterInvalid("contract.principal_not_due: the matter's record does not say how much principal is "
                            "not yet due, and an acceleration notice states it")
    if not not_due.is_positive():
        raise LetterInvalid("contract.principal_not_due: is zero: no principal is left to fall due, so there is "
                            "nothing to accelerate (demand the arrears instead)")
    if contract.due_on is not None and contract.due_on <= facts.letter_date:
        raise LetterInvalid("contract.due_on: the loan has matured, so all of it is already due and there is "
                            "nothing to accelerate")
    arrears = facts.balance.total
    return {
        "overdue_since": facts.intake.overdue.since,
        "days_past_due": facts.days_past_due,
        "balance": facts.balance,
        "arrears_total": arrears,
        "principal_not_due": not_due,
        "total": arrears + not_due,
        "pay_by": _pay_by(facts, params),
        **_security(facts),
    }


def _arrangement_breach(facts: LetterFacts, params: Mapping[str, Any]) -> dict[str, Any]:
    """Params (fields of the context): `arrangement`, `agreement_date`, `missed_instalment`,
    `missed_due_on`, `missed_amount`, `waiver_lapsed`, `waived_amount`; and `pay_within_days` (7)."""
    return {"balance": facts.balance, "total": facts.balance.total, "pay_by": _pay_by(facts, params),
            **_security(facts)}


BUILDERS: dict[str, Callable[[LetterFacts, Mapping[str, Any]], dict[str, Any]]] = {
    "acceleration_notice": _acceleration_notice,
    "arrangement_breach": _arrangement_breach,
}


# ---- samples: realistic data for tests, previews and template reviews --------------------------



def _sample_acceleration(common: dict[str, Any], locale: str) -> AccelerationNoticeContext:
    balance = _balance("150.00", "512.80", "1203.40", "16000.00")
    not_due = _cny("162000.00")
    return AccelerationNoticeContext(
        **common,
        letter_date=date(2024, 4, 26),
        clause="第十二条" if locale == "zh-CN" else "clause 12",
        overdue_since=date(2024, 2, 10),
        days_past_due=76,
        balance=balance,
        arrears_total=balance.total,
        principal_not_due=not_due,
        total=balance.total + not_due,
        pay_by=date(2024, 5, 3),
        guaranteed=1,
    )


def _sample_arrangement_breach(common: dict[str, Any], locale: str) -> ArrangementBreachContext:
    # The settlement of 8 May 2024 (golden settlement_agreement): 18,900.00 of 19,518.00 in three
    # instalments of 6,300.00, 618.00 waived. The first was paid (charges first, then 4,782.00 of
    # principal); the second (15 June) was not: the waiver lapses, 13,218.00 and charges since are owed.
    balance = _balance("0.00", "212.40", "96.35", "13218.00")
    return ArrangementBreachContext(
        **common,
        letter_date=date(2024, 6, 24),
        arrangement="settlement",
        agreement_date=date(2024, 5, 8),
        missed_instalment=2,
        missed_due_on=date(2024, 6, 15),
        missed_amount=_cny("6300.00"),
        waiver_lapsed=True,
        waived_amount=_cny("618.00"),
        balance=balance,
        total=balance.total,
        pay_by=date(2024, 7, 1),
        guaranteed=1,
    )


def _without_clause(sample: LetterBase) -> LetterBase:
    """No clause named (the letter says "under the loan contract"); secured, two guarantors."""
    return type(sample).model_validate({**dict(sample), "clause": None, "secured": True, "guaranteed": 2})


def _amendment_kept_no_waiver(sample: LetterBase) -> LetterBase:
    """A missed instalment of a contract amendment that granted no waiver; secured, no guarantor."""
    # The amendment of 10 May 2024 (golden amendment_agreement): its first instalment, 3,244.06 on 10 June.
    balance = _balance("0.00", "35.20", "69.06", "19050.00")
    return type(sample).model_validate({
        **dict(sample), "arrangement": "amendment", "agreement_date": date(2024, 5, 10), "missed_instalment": 1,
        "missed_due_on": date(2024, 6, 10), "missed_amount": _cny("3244.06"), "waiver_lapsed": False,
        "waived_amount": None, "balance": balance, "total": balance.total, "secured": True, "guaranteed": 0,
    })


SAMPLES: dict[str, Callable[[dict[str, Any], str], LetterBase]] = {
    "acceleration_notice": _sample_acceleration,
    "arrangement_breach": _sample_arrangement_breach,
}
VARIANTS: dict[str, Callable[[LetterBase], LetterBase]] = {
    "acceleration_notice.no_clause": _without_clause,
    "arrangement_breach.amendment": _amendment_kept_no_waiver,
}
PREFIXES: dict[str, str] = {
    "acceleration_notice": "AN",
    "arrangement_breach": "AB",
}
TITLES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "acceleration_notice": "提前到期通知书",
        "arrangement_breach": "违约通知书（还款安排）",
    },
    "en": {
        "acceleration_notice": "Notice of Acceleration",
        "arrangement_breach": "Notice of Breach of Repayment Arrangement",
    },
}
# Who may receive each kind (documents.registry): the borrower, as the other demands.
RECIPIENTS: dict[str, tuple[str, ...]] = {
    "acceleration_notice": ("borrower",),
    "arrangement_breach": ("borrower",),
}
