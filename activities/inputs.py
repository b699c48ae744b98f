"""Activity names and inputs: what workflows may import (no I/O libraries here)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from domain.allocation import Balance
from domain.matter import MatterIntake
from domain.money import Money

PROJECT = "project"
RENDER_LETTER = "render_and_store_letter"


class LetterRequest(BaseModel):
    """The facts a letter states; the activity maps them onto the template's context.

    `document_id` is the business identity of the letter (`<matter>-notice`,
    `<matter>-reminder-2`, ...): re-running the activity with it never makes a second
    object or row.
    """

    model_config = ConfigDict(frozen=True)

    matter_id: str
    document_id: str
    kind: str  # collection_notice | reminder_letter | closure_letter
    reference: str
    letter_date: date
    intake: MatterIntake
    balance: Balance
    total: Money
    paid_total: Money
    original_total: Money
    days_past_due: int
    pay_by: date | None = None
    sequence: int = 1
    closed_on: date | None = None
