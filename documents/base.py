"""The fields every letter carries, shared by documents/contexts.py and documents/kinds/*."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.parties import Borrower, Creditor

Locale = Literal["zh-CN", "en"]
LOCALES: tuple[str, ...] = ("zh-CN", "en")


class LetterInvalid(ValueError):
    """The matter's facts do not make a valid letter of this kind (the message names fields, never values).

    Defined here (not in documents.registry, which re-exports it) so the families' builders in
    documents/kinds/ can raise it: documents.registry imports the families.
    """


class LetterBase(BaseModel):
    """Fields every letter carries: who writes to whom, about which contract, when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ClassVar[str] = ""

    reference: str = Field(min_length=1, max_length=128, description="letter reference number")
    letter_date: date
    locale: Locale
    creditor: Creditor
    borrower: Borrower
    contract_number: str = Field(min_length=1, max_length=128)
    contract_signed_on: date

    @model_validator(mode="after")
    def _contract_before_letter(self) -> LetterBase:
        if self.contract_signed_on > self.letter_date:
            raise ValueError("contract_signed_on is after letter_date")
        return self
