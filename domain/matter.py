"""The matter intake model and the stage vocabulary."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.contract import LoanContract, Overdue
from domain.parties import Asset, Borrower, Creditor, Guarantor

Stage = Literal[
    "intake", "notice", "reminders", "negotiation", "amendment",
    "legal_review", "referral", "litigation", "enforcement", "closed",
]
STAGES: tuple[str, ...] = Stage.__args__  # type: ignore[attr-defined]
# paid: the whole contract balance is paid (a payoff certificate); cured: the arrears are paid and the loan
# continues on its schedule (principal not yet due remains, and so does the security).
ClosureReason = Literal["paid", "cured", "settled", "written_off", "withdrawn"]


class MatterIntake(BaseModel):
    """Everything needed to open a matter. Contains borrower PII."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    external_ref: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
    policy: str = Field(min_length=1, max_length=64)
    creditor: Creditor
    borrower: Borrower
    contract: LoanContract
    overdue: Overdue
    guarantors: tuple[Guarantor, ...] = ()
    assets: tuple[Asset, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> MatterIntake:
        cur = self.overdue.currency
        if self.contract.principal.currency != cur:
            raise ValueError(
                f"contract principal is in {self.contract.principal.currency} but overdue amounts are in {cur}"
            )
        if self.overdue.since < self.contract.signed_on:
            raise ValueError("overdue.since is before the contract was signed")
        not_due = self.contract.principal_not_due
        if not_due is not None:
            if not_due.currency != cur:
                raise ValueError(f"contract.principal_not_due is not in {cur}")
            if not_due + self.overdue.principal > self.contract.principal:
                raise ValueError("contract.principal_not_due plus the overdue principal is more than the contract's "
                                 "principal")
        for i, asset in enumerate(self.assets):
            if asset.estimated_value and asset.estimated_value.currency != cur:
                raise ValueError(f"assets[{i}].estimated_value is not in {cur}")
        for i, g in enumerate(self.guarantors):
            if g.cap and g.cap.currency != cur:
                raise ValueError(f"guarantors[{i}].cap is not in {cur}")
        return self

    @property
    def currency(self) -> str:
        return self.overdue.currency

    def loan_continues(self, today: date) -> bool:
        """Whether principal may remain that is not yet due, once the arrears are paid.

        False (paying the arrears pays the whole loan) only when the record says so: the contract
        matured (`due_on` on or before `today`) or no principal is outstanding beyond the overdue
        (`principal_not_due` zero). Unknown counts as continuing: a payoff certificate releases
        security, so it is never issued on a guess.
        """
        contract = self.contract
        if contract.due_on is not None and contract.due_on <= today:
            return False
        return contract.principal_not_due is None or contract.principal_not_due.is_positive()
