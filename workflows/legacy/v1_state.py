"""Workflow v1's state, input and constants (frozen: see workflows/legacy/matter_v1.py), apart from its code."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel, ConfigDict, Field

    from domain.allocation import Allocation, Balance
    from domain.evidence import DocumentRef
    from domain.matter import MatterIntake
    from domain.money import Money
    from domain.policy import EscalationPolicy
    from domain.risk import RiskAssessment
    from workflows.contracts import (
        PromiseState,
    )


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class MatterState(_Model):
    """Everything the v1 workflow carries across continue-as-new (v1's shape, unchanged)."""

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
    """v1's workflow input (v1's shape, unchanged)."""

    matter_id: str
    intake: MatterIntake
    policy: EscalationPolicy
    opened_by: str = "system"
    state: MatterState | None = None  # set when continuing as new
    continue_as_new_after_events: int | None = None


STAGE = SearchAttributeKey.for_keyword("MatterStage")
DPD = SearchAttributeKey.for_int("DaysPastDue")
OUTSTANDING = SearchAttributeKey.for_float("OutstandingAmount")

NOTICE_PAY_WITHIN_DAYS = 7
REMINDER_PAY_WITHIN_DAYS = 7

LETTER_TIMEOUT = timedelta(minutes=2)
LETTER_RETRY = RetryPolicy(
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=["EvidenceConflict", "TemplateError"],
)
PROJECT_TIMEOUT = timedelta(seconds=30)
PROJECT_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))


def _sentence(text: str) -> str:
    """First letter upper case, the rest as written (keeps 'SMS')."""
    return text[:1].upper() + text[1:]
