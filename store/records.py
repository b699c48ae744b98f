"""What activities write into the projection: plain, idempotent records.

Each record carries a key derived from business identity (`event_key`, `payment_id`,
`promise_id`, `document_id`), so writing it twice changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.allocation import Allocation, Balance
from domain.evidence import DocumentRef
from domain.matter import MatterIntake
from domain.money import Money
from domain.status import MatterStatus


class MatterOpened(BaseModel):
    """First projection write: the matter row and its parties (borrower, guarantors, creditor)."""

    model_config = ConfigDict(frozen=True)

    matter_id: str
    workflow_id: str
    intake: MatterIntake
    policy_name: str
    policy_version: int
    opened_at: datetime
    opened_by: str
    day_seconds: int | None = None  # the policy's day (None from matters opened before v2)


class LegacyMatterStatus(BaseModel):
    """The status record of workflow v1 (matters started before v2 write it until they migrate).

    Overwrites the previous one only if `seq` is newer. Kept so v1 histories still decode.
    """

    model_config = ConfigDict(frozen=True)

    matter_id: str
    seq: int = Field(description="monotonic per matter; older writes are ignored")
    stage: str
    closure_reason: str | None = None
    balance: Balance
    outstanding: Money
    days_past_due: int
    risk_grade: str | None = None
    risk_score: int | None = None
    next_step: str | None = None
    next_step_at: datetime | None = None
    negotiation_ends_on: date | None = None
    referred_firm: str | None = None
    updated_at: datetime


class StatusRecord(BaseModel):
    """The matter's current status (`domain.status.MatterStatus`), written only if `seq` is newer."""

    model_config = ConfigDict(frozen=True)

    seq: int = Field(description="monotonic per matter; older writes are ignored")
    status: MatterStatus

    @property
    def matter_id(self) -> str:
        return self.status.matter_id


class TimelineEvent(BaseModel):
    """One line of a matter's timeline (append-only)."""

    model_config = ConfigDict(frozen=True)

    matter_id: str
    event_key: str = Field(description="unique per matter, e.g. 'payment-P1' or 'step-3-sms'")
    occurred_at: datetime
    kind: str  # opened, risk_assessed, letter, sms, email, phone_task, payment, promise, promise_kept, ...
    summary: str  # plain words, no PII
    actor: str = "system"
    data: dict[str, Any] = Field(default_factory=dict)


class PaymentRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    matter_id: str
    payment_id: str
    amount: Money
    received_on: date
    allocation: Allocation
    actor: str
    recorded_at: datetime


class PromiseRecord(BaseModel):
    """A promise to pay; written when made and again when kept or broken (same promise_id)."""

    model_config = ConfigDict(frozen=True)

    matter_id: str
    promise_id: str
    amount: Money
    due_on: date
    deadline: datetime
    status: str  # pending, kept, broken, superseded
    note: str | None = None
    actor: str
    created_at: datetime
    resolved_at: datetime | None = None


class ProjectionUpdate(BaseModel):
    """One batch for the projection activity; every part optional, every part idempotent."""

    model_config = ConfigDict(frozen=True)

    opened: MatterOpened | None = None
    # A v2 status (`StatusRecord`) or, from matters not yet migrated, a v1 one.
    status: StatusRecord | LegacyMatterStatus | None = None
    events: tuple[TimelineEvent, ...] = ()
    payments: tuple[PaymentRecord, ...] = ()
    promises: tuple[PromiseRecord, ...] = ()
    documents: tuple[DocumentRef, ...] = ()
