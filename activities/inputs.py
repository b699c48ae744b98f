"""Activity names and inputs: what workflows may import (no I/O libraries here)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializeAsAny, model_validator

from documents.base import LetterBase
from documents.registry import context_from_data
from domain.allocation import Balance
from domain.matter import MatterIntake
from domain.money import Money

PROJECT = "project"
STORE_LETTER = "store_letter"
RENDER_LETTER = "render_and_store_letter"  # matters started before workflow v2 (LetterRequest)


def letters_queue(task_queue: str) -> str:
    """The task queue of the letters worker that serves the matters on `task_queue`.

    Derived, not configured: a workflow knows its own task queue, and a running matter must
    keep finding its letters worker whatever the settings say later.
    """
    return f"{task_queue}-letters"


class LetterJob(BaseModel):
    """One letter to render and store: its business identity and its typed context.

    The context is built in the workflow from the matter's facts at one instant
    (`documents.registry.build`); the history keeps it (encrypted), so the data a letter was
    rendered from can be shown later. Re-running the activity with the same job makes neither a
    second object nor different bytes.
    """

    model_config = ConfigDict(frozen=True)

    matter_id: str
    document_id: str
    kind: str
    context: SerializeAsAny[LetterBase]

    @model_validator(mode="before")
    @classmethod
    def _typed_context(cls, data: Any) -> Any:
        # On the wire the context is a plain mapping: its kind says which model it is.
        if isinstance(data, dict) and isinstance(data.get("context"), dict):
            data = {**data, "context": context_from_data(str(data.get("kind")), data["context"])}
        return data

    @model_validator(mode="after")
    def _kind_matches(self) -> LetterJob:
        if type(self.context).kind != self.kind:
            raise ValueError(f"context is a {type(self.context).kind!r} context, not {self.kind!r}")
        return self


class LetterRequest(BaseModel):
    """The v1 letter input (matters started before workflow v2; see workflows/legacy).

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
