"""The matter intake model and the stage vocabulary."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.contract import LoanContract, Overdue
from domain.parties import Asset, Borrower, Creditor, Guarantor

Stage = Literal[
    "intake", "notice", "reminders", "negotiation", "amendment",
    "legal_review", "referral", "litigation", "enforcement", "closed",
]
STAGES: tuple[str, ...] = Stage.__args__  # type: ignore[attr-defined]
ClosureReason = Literal["paid", "settled", "written_off", "withdrawn"]


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
