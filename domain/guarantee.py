"""What binds a guarantor when the main debt is rearranged without its written consent (Civil Code art. 695).

A settlement's instalments and an amendment's schedule postpone sums already due, which changes the main
contract's performance period; an amendment may also increase the debt. `guarantee_warnings` says, guarantor
by guarantor, what that means (their names are personal data: histories only, never logs).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.arrangements import AmendmentProposal, SettlementProposal

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



__all__ = ["GuaranteeWarning", "debt_increases", "guarantee_warnings"]
