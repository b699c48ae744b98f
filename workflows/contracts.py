"""The public face of the matter workflow: its ID, input, commands, results and snapshot.

The API and the CLI import only this module (no workflow code), so the names of the
updates and queries and the shapes they carry live here in one place. Every model is
frozen and every new field gets a default, so old histories keep decoding.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.allocation import Allocation, Balance
from domain.evidence import DocumentRef
from domain.matter import MatterIntake
from domain.money import Money
from domain.policy import EscalationPolicy
from domain.risk import RiskAssessment
from domain.text import PlainText

WORKFLOW_NAME = "MatterWorkflow"
UPDATE_PAYMENT = "record_payment"
UPDATE_PROMISE = "record_promise"
UPDATE_DECISION = "legal_review_decision"
QUERY_SNAPSHOT = "snapshot"

# ApplicationError types with which the workflow refuses a command.
ERR_CLOSED = "MatterClosed"  # -> HTTP 409
ERR_STAGE = "StageNotAllowed"  # -> HTTP 409
ERR_INVALID = "InvalidCommand"  # -> HTTP 422

_MATTER_NS = uuid.UUID("6f1d3c5e-8a0b-4c4e-9b71-2f0d6a3e9c11")


def matter_id_for(external_ref: str) -> str:
    """The matter id is derived from the creditor's reference: one reference, one matter, ever."""
    return str(uuid.uuid5(_MATTER_NS, external_ref))


def workflow_id(matter_id: str) -> str:
    return f"matter-{matter_id}"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class PromiseState(_Model):
    promise_id: str
    amount: Money
    due_on: date
    deadline: datetime
    status: Literal["pending", "kept", "broken", "superseded"] = "pending"
    paid_at_start: Money  # total paid when the promise was made
    note: str | None = None
    actor: str = "system"
    created_at: datetime
    resolved_at: datetime | None = None


class MatterState(_Model):
    """Everything the workflow carries across continue-as-new."""

    stage: str
    closure_reason: str | None = None
    balance: Balance
    original_total: Money
    paid_total: Money
    started_at: datetime
    start_date: date
    intake_days_past_due: int
    payments: dict[str, Allocation] = Field(default_factory=dict)
    promises: tuple[PromiseState, ...] = ()
    documents: tuple[DocumentRef, ...] = ()
    risk: RiskAssessment | None = None
    ladder_index: int = 0  # next ladder step to run
    ladder_shift_seconds: float = 0  # pauses (promises) push the remaining ladder later
    negotiation_ends_on: date | None = None
    decisions: tuple[str, ...] = ()  # decision ids applied (idempotency)
    referred_firm: str | None = None  # the law firm a referral goes to
    seq: int = 0  # projection sequence
    notice_sent: bool = False


class MatterInput(_Model):
    matter_id: str
    intake: MatterIntake
    policy: EscalationPolicy
    opened_by: str = "system"
    state: MatterState | None = None  # set when continuing as new
    # Tests force continue-as-new with a small number; production waits for the SDK's suggestion.
    continue_as_new_after_events: int | None = None


class PaymentCommand(_Model):
    payment_id: str = Field(min_length=1, max_length=128)
    amount: Money
    received_on: date
    actor: str = "system"


class PaymentResult(_Model):
    payment_id: str
    duplicate: bool
    allocation: Allocation
    outstanding: Money
    stage: str
    closed: bool


class PromiseCommand(_Model):
    promise_id: str = Field(min_length=1, max_length=128)
    amount: Money
    due_on: date
    note: PlainText | None = Field(default=None, max_length=2000)
    actor: str = "system"


class PromiseResult(_Model):
    promise_id: str
    duplicate: bool
    deadline: datetime
    status: str


class DecisionCommand(_Model):
    decision_id: str = Field(min_length=1, max_length=128)
    decision: Literal["escalate", "extend_negotiation"]
    new_end_on: date | None = None
    firm: PlainText | None = Field(default=None, max_length=200, description="law firm to refer to (escalate)")
    reason: PlainText = Field(default="", max_length=2000)
    actor: str = "system"


class DecisionResult(_Model):
    decision_id: str
    duplicate: bool
    stage: str
    negotiation_ends_on: date | None = None
    referred_firm: str | None = None


class NextStep(_Model):
    name: str
    at: datetime


class MatterSnapshot(_Model):
    """The live state a query returns."""

    matter_id: str
    stage: str
    closure_reason: str | None
    policy: str
    policy_version: int
    outstanding: Money
    balance: Balance
    paid_total: Money
    days_past_due: int
    policy_today: date
    next_step: NextStep | None
    negotiation_ends_on: date | None
    referred_firm: str | None = None
    risk: RiskAssessment | None
    promises: tuple[PromiseState, ...]
    documents: tuple[DocumentRef, ...]
    payments: int
    extra: dict[str, Any] = Field(default_factory=dict)
