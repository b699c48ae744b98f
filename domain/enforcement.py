"""The doubled interest for delayed performance of an effective decision (CPL art. 264), as the SPC
Interpretation on Calculating Interest on Debts during the Period of Delayed Performance in Enforcement
Proceedings (2014) counts it: art. 1, the additional part = the money debt the decision orders (other than the
ordinary debt interest) not yet paid x 0.0175% a day x the days of delay; art. 2, from the end of the time to
perform (counting the next day first, Civil Code art. 201); art. 3, up to the day of performance. Payments reduce
the debt from their day on (the money debt is paid before the doubled interest, art. 4). Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from domain.money import Money

DELAY_DAILY_RATE = Decimal("0.000175")  # 日万分之一点七五


def delay_interest(debt: Money, deadline: date, to: date, paid: Sequence[tuple[date, Money]] = ()) -> Money:
    """The additional interest on `debt` (what the decision orders paid) for each day after `deadline` up to
    `to`, on what was still unpaid that day (`paid`: each payment's day and amount), to the cent."""
    if to <= deadline:
        return Money.zero(debt.currency)
    owed = debt.amount
    for on, amount in sorted(paid, key=lambda p: p[0]):
        if on <= deadline:
            owed -= amount.amount
    total, start = Decimal(0), deadline
    for on, amount in sorted(paid, key=lambda p: p[0]):
        if deadline < on <= to:
            total += max(owed, Decimal(0)) * DELAY_DAILY_RATE * (on - start).days
            owed -= amount.amount
            start = on
    total += max(owed, Decimal(0)) * DELAY_DAILY_RATE * (to - start).days
    return Money(amount=total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), currency=debt.currency)


__all__ = ["DELAY_DAILY_RATE", "delay_interest"]
