"""The outstanding balance by bucket and the payment allocation waterfall.

A payment pays costs first, then fees, penalty interest, interest and finally principal
(the order of PRC lending practice and most loan contracts). Allocation works in minor units
(integers), so it conserves every cent: applied + unapplied == payment, always.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.contract import Overdue
from domain.money import CurrencyMismatch, Money

WATERFALL: tuple[str, ...] = ("costs", "fees", "penalty", "interest", "principal")


class Balance(BaseModel):
    """What the borrower owes now, by bucket, in one currency."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    costs: Money
    fees: Money
    penalty: Money
    interest: Money
    principal: Money

    @classmethod
    def from_overdue(cls, overdue: Overdue) -> Balance:
        cur = overdue.currency
        return cls(
            costs=overdue.costs or Money.zero(cur),
            fees=overdue.fees,
            penalty=overdue.penalty,
            interest=overdue.interest,
            principal=overdue.principal,
        )

    @property
    def currency(self) -> str:
        return self.principal.currency

    @property
    def total(self) -> Money:
        result = Money.zero(self.currency)
        for bucket in WATERFALL:
            result = result + getattr(self, bucket)
        return result

    def is_settled(self) -> bool:
        return self.total.is_zero()


class Allocation(BaseModel):
    """How one payment was applied. `unapplied` is any overpayment, held for refund."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    payment: Money
    costs: Money
    fees: Money
    penalty: Money
    interest: Money
    principal: Money
    unapplied: Money

    @property
    def applied(self) -> Money:
        result = Money.zero(self.payment.currency)
        for bucket in WATERFALL:
            result = result + getattr(self, bucket)
        return result


def allocate(balance: Balance, payment: Money) -> tuple[Allocation, Balance]:
    """Apply `payment` to `balance` down the waterfall; return the allocation and new balance."""
    if payment.currency != balance.currency:
        raise CurrencyMismatch(f"payment in {payment.currency} on a balance in {balance.currency}")
    if not payment.is_positive():
        raise ValueError("a payment must be greater than zero")
    remaining = payment.minor
    applied: dict[str, Money] = {}
    left: dict[str, Money] = {}
    for bucket in WATERFALL:
        owed = getattr(balance, bucket).minor
        take = min(owed, remaining)
        remaining -= take
        applied[bucket] = Money.from_minor(take, payment.currency)
        left[bucket] = Money.from_minor(owed - take, payment.currency)
    allocation = Allocation(
        payment=payment, unapplied=Money.from_minor(remaining, payment.currency), **applied
    )
    return allocation, Balance(**left)
