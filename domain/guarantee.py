"""Guarantors: the guarantee period, and what binds a guarantor when the main debt is rearranged.

The guarantee period (Civil Code art. 692) decides whether a guarantor can be held to its guarantee at
all. It is never suspended, interrupted or extended. An agreed period applies only if it ends after the
main debt's due date (one ending earlier or the same day counts as none); without one it is six months
from that due date. Acceleration makes the whole debt due on the day it takes effect, which is then the
main debt's due date (`main_debt_due_on`). Within the period the creditor must (art. 693): for a
joint-and-several guarantor, demand performance from the guarantor (or sue it); for a general guarantor,
sue or apply for arbitration against the debtor. A guarantee that does not say which is general (art.
686(2)), and a general guarantor may refuse to pay until the debtor's property has been enforced against
without satisfying the debt (art. 687(2)). `guarantee_period` states the period of one guarantor as a
`Deadline`; its last day is never moved off a rest day (the period is not extended: act by it).

A settlement's instalments and an amendment's schedule postpone sums already due, which changes the main
contract's performance period; an amendment may also increase the debt. `guarantee_warnings` says, guarantor
by guarantor, what that means (art. 695; their names are personal data: histories only, never logs).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.arrangements import AmendmentProposal, SettlementProposal
from domain.deadlines import Deadline, add_period
from domain.parties import Guarantor

# Civil Code art. 692: where the guarantee contract is silent, six months from the main debt's due date.
STATUTORY_GUARANTEE_MONTHS = 6


# ---- the guarantee period ------------------------------------------------------------------------


def main_debt_due_on(contract_due_on: date | None, accelerated_on: date | None) -> date | None:
    """The main debt's due date the guarantee period runs from: the contract's final maturity, or the day
    an acceleration made the whole debt due, whichever is earlier (None: the record knows neither)."""
    days = [d for d in (contract_due_on, accelerated_on) if d is not None]
    return min(days) if days else None


def guarantee_period_end(main_debt_due_on: date, agreed_end: date | None) -> date:
    """The last day of the guarantee period (Civil Code art. 692): the agreed end if it falls after the main
    debt's due date, else (an earlier or equal one counts as none, as does silence) six months from it."""
    if agreed_end is not None and agreed_end > main_debt_due_on:
        return agreed_end
    return add_period(main_debt_due_on, months=STATUTORY_GUARANTEE_MONTHS)


def guarantee_period(guarantor: Guarantor, number: int, due_on: date) -> Deadline:
    """Guarantor `number`'s (1-based, as on record) guarantee period, from the main debt's due date `due_on`:
    what must be done within it depends on the guarantee's type (art. 693)."""
    end = guarantee_period_end(due_on, guarantor.period_ends_on)
    agreed = guarantor.period_ends_on is not None and guarantor.period_ends_on > due_on
    if guarantor.guarantee_type == "joint_and_several":
        act = ("demand performance from the guarantor (or sue it) within the period, or the guarantor is released "
               "(Civil Code art. 693 para 2)")
        kind = "joint and several"
    else:
        act = ("sue or apply for arbitration against the debtor within the period, or the guarantor is released "
               "(Civil Code art. 693 para 1); the guarantor pays only what enforcement against the debtor leaves "
               "unpaid (art. 687 para 2)")
        kind = "general"
    period = ("as agreed" if agreed else
              f"{STATUTORY_GUARANTEE_MONTHS} months from the main debt's due date (Civil Code art. 692"
              + (": the agreed end is not after that date, which counts as none)" if guarantor.period_ends_on
                 else ")"))
    return Deadline(name=f"guarantee period: guarantor {number} ({kind})",
                    rule=f"{period}; never suspended, interrupted or extended: {act}",
                    source=f"the main debt due on {due_on.isoformat()}", runs_from=due_on, last_day=end, ends_on=end)


# ---- guarantors ----------------------------------------------------------------------------------


class GuaranteeWarning(BaseModel):
    """What a proposal means for one guarantor who has not consented to it in writing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    guarantor: str
    rule: Literal["art_695_para_1", "art_695_para_2"]
    message: str


def _percent(rate: Decimal) -> str:
    return format((rate * 100).normalize(), "f") + "%"


def debt_increases(p: AmendmentProposal, contract_rate: Decimal | None = None) -> tuple[str, ...]:
    """How the amendment increases the debt, in words (empty: it does not): more principal bearing
    interest than the balance's principal (carried charges become principal), or a higher annual rate
    than the contract's `contract_rate`."""
    found = []
    if p.restructured_principal.currency == p.balance.currency and p.restructured_principal > p.balance.principal:
        found.append(f"the principal bearing interest rises from {p.balance.principal} to {p.restructured_principal}")
    if contract_rate is not None and p.clause.annual_rate > contract_rate:
        found.append(f"the annual interest rate rises from {_percent(contract_rate)} to "
                     f"{_percent(p.clause.annual_rate)}")
    return tuple(found)


def guarantee_warnings(p: SettlementProposal | AmendmentProposal, contract_rate: Decimal | None = None,
                       guarantors: Sequence[str] = ()) -> tuple[GuaranteeWarning, ...]:
    """For each guarantor who has not consented in writing (in `p.guarantor_consents` as False, or named in
    `guarantors` and absent there), what Civil Code art. 695 leaves of the guarantee.

    Para 2 always: both kinds of proposal postpone sums already due, which changes the main contract's
    performance period. Para 1 for an amendment that increases the debt (see `debt_increases`; a
    settlement only ever lessens it, and a lessened debt stays guaranteed).
    """
    names = list(dict.fromkeys([*guarantors, *p.guarantor_consents]))
    increases = debt_increases(p, contract_rate) if isinstance(p, AmendmentProposal) else ()
    warnings: list[GuaranteeWarning] = []
    for name in names:
        if p.guarantor_consents.get(name) is True:
            continue
        warnings.append(GuaranteeWarning(guarantor=name, rule="art_695_para_2", message=(
            f"{name} has not consented in writing: under Civil Code art. 695 para 2, a change of the main "
            "contract's performance period without the guarantor's written consent does not change the "
            "guarantee period; the guarantee period is not extended.")))
        if increases:
            warnings.append(GuaranteeWarning(guarantor=name, rule="art_695_para_1", message=(
                f"{name} has not consented in writing: under Civil Code art. 695 para 1, the amendment increases "
                f"the debt ({'; '.join(increases)}) and the guarantor is not liable for the increase.")))
    return tuple(warnings)



__all__ = ["STATUTORY_GUARANTEE_MONTHS", "GuaranteeWarning", "debt_increases", "guarantee_period",
           "guarantee_period_end", "guarantee_warnings", "main_debt_due_on"]
