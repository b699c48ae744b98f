"""The loan contract and what is overdue on it, as taken in at intake."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.money import BoundedMoney
from domain.text import PlainText

DayCount = Literal["actual/360", "actual/365"]

# The earliest date any contract, overdue date or payment may carry: older is a typo (or epoch 0).
EARLIEST_DATE = date(1970, 1, 2)


class DisputeClause(BaseModel):
    """How the contract says disputes are resolved: by a people's court (optionally one the parties
    agreed in writing) or by arbitration before the institution it names (an award is final).

    A valid arbitration agreement excludes the courts (the Arbitration Law); a contract without a
    clause on record goes to the court with jurisdiction by law.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    forum: Literal["court", "arbitration"]
    institution: PlainText | None = Field(
        default=None, min_length=1, max_length=500, description="the arbitration commission the clause names")
    court: PlainText | None = Field(
        default=None, min_length=1, max_length=500, description="the people's court the parties agreed on, if any")
    article: PlainText | None = Field(default=None, min_length=1, max_length=100,
                                      description="where the contract says so, e.g. 'Article 18'")
    text: PlainText | None = Field(default=None, min_length=1, max_length=4000,
                                   description="the clause's wording (what an arbitration application quotes)")

    @model_validator(mode="after")
    def _consistent(self) -> DisputeClause:
        if self.forum == "arbitration" and self.institution is None:
            raise ValueError("institution: an arbitration clause names the arbitration commission")
        if self.forum == "arbitration" and self.court is not None:
            raise ValueError("court: an arbitration clause names no court")
        if self.forum == "court" and self.institution is not None:
            raise ValueError("institution: only an arbitration clause names an arbitration commission")
        if self.forum == "arbitration" and self.text is not None and (self.institution or "") not in self.text:
            raise ValueError("text: the clause's wording does not name the institution given")
        return self


class LoanContract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    number: PlainText = Field(min_length=1, max_length=128)
    signed_on: date = Field(ge=EARLIEST_DATE)
    principal: BoundedMoney
    annual_rate: Decimal = Field(ge=0, le=1, description="e.g. 0.0435 for 4.35% a year")
    penalty_rate: Decimal | None = Field(
        default=None, ge=0, le=1, description="annual penalty (default) rate on overdue principal, if agreed")
    compound_rate: Decimal | None = Field(
        default=None, ge=0, le=1, description="annual rate of compound interest on overdue interest, if agreed")
    day_count: DayCount | None = Field(default=None, description="actual/360 or actual/365, if the contract names it")
    due_on: date | None = Field(default=None, description="the final maturity: from then on all of it is due")
    principal_not_due: BoundedMoney | None = Field(
        default=None, description="principal outstanding at intake that is not yet due (falls due on the "
                                  "schedule); 0: nothing beyond the overdue; omitted: not known")
    dispute: DisputeClause | None = Field(
        default=None, description="the dispute-resolution clause; omitted: none, the court with jurisdiction by law")

    @model_validator(mode="after")
    def _positive(self) -> LoanContract:
        if not self.principal.is_positive():
            raise ValueError("contract principal must be greater than zero")
        if self.principal_not_due is not None and self.principal_not_due.is_negative():
            raise ValueError("contract.principal_not_due cannot be negative")
        return self


class Overdue(BaseModel):
    """The overdue amounts at intake, by bucket; `since` is the first missed due date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    since: date = Field(ge=EARLIEST_DATE)
    principal: BoundedMoney
    interest: BoundedMoney
    penalty: BoundedMoney
    fees: BoundedMoney
    costs: BoundedMoney | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Overdue:
        parts = [self.principal, self.interest, self.penalty, self.fees] + ([self.costs] if self.costs else [])
        currencies = {p.currency for p in parts}
        if len(currencies) != 1:
            raise ValueError(f"overdue amounts mix currencies: {sorted(currencies)}")
        if any(p.is_negative() for p in parts):
            raise ValueError("overdue amounts cannot be negative")
        if all(p.is_zero() for p in parts):
            raise ValueError("nothing is overdue: every amount is zero")
        return self

    @property
    def currency(self) -> str:
        return self.principal.currency
