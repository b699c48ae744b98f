"""Helpers for the families' samples (realistic data for golden texts, previews and template reviews)."""

from __future__ import annotations

from domain.allocation import Balance
from domain.money import Money


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def sample_balance(fees: str, penalty: str, interest: str, principal: str, costs: str = "0.00") -> Balance:
    return Balance(costs=cny(costs), fees=cny(fees), penalty=cny(penalty), interest=cny(interest),
                   principal=cny(principal))


__all__ = ["cny", "sample_balance"]
