"""The public status of a matter: one shape for the workflow's snapshot, the projection and the API.

The workflow computes it from its state (`workflows/matter/status.py`), the projection stores it
(`store/projection.py`) and reads it back (`store/queries.status_of`), and the API turns it into
its responses (`api/mapping.py`), so each field is mapped once per direction instead of
being copied by hand in five places.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.allocation import Balance
from domain.dates import OverdueClock, PolicyClock
from domain.matter import ClosureReason, Stage
from domain.money import Money

ReferralStatus = Literal["instructing", "instructed", "accepted"]


class NextStep(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    at: datetime


class Attention(BaseModel):
    """A side effect that failed and that the matter is waiting on: why, since when, what next.

    `reason` is plain words without personal data (field names and error kinds, never values).
    A `retryable` failure (a server down) is tried again at `retry_at` by itself; any failure can
    be retried at once by a manager once its cause is fixed.
    """

    model_config = ConfigDict(frozen=True)

    effect: str  # e.g. "letter:notice", "projection", "referral-1"
    error: str  # e.g. LetterInvalid, TemplateMissing, EvidenceConflict, Timeout
    reason: str
    since: datetime
    retryable: bool
    attempts: int = 1
    retry_at: datetime | None = None


class ReferralView(BaseModel):
    """The current referral to a law firm, if any (its own child workflow)."""

    model_config = ConfigDict(frozen=True)

    number: int
    workflow_id: str
    firm: str
    status: ReferralStatus
    since: datetime
    answer_by: datetime | None = None


class ReferralEnded(BaseModel):
    """The last referral that ended without the firm taking the matter: who, how, when.

    The partner's reason for a decline is in the timeline (free text), not here.
    """

    model_config = ConfigDict(frozen=True)

    number: int
    workflow_id: str
    firm: str
    outcome: Literal["declined", "lapsed", "closed"]
    at: datetime


class MatterStatus(BaseModel):
    """Where a matter stands. Contains no personal data."""

    model_config = ConfigDict(frozen=True)

    matter_id: str
    stage: Stage
    closure_reason: ClosureReason | None = None
    policy: str
    policy_version: int
    balance: Balance
    original_total: Money
    paid_total: Money
    clock: PolicyClock
    overdue: OverdueClock
    risk_grade: str | None = None
    risk_score: int | None = None
    next_step: NextStep | None = None
    negotiation_ends_on: date | None = None
    referral: ReferralView | None = None
    last_referral: ReferralEnded | None = None
    attention: Attention | None = None
    updated_at: datetime

    @property
    def outstanding(self) -> Money:
        return self.balance.total

    @property
    def referred_firm(self) -> str | None:
        """The firm whose partners may see the matter: the one a referral is with now."""
        return self.referral.firm if self.referral is not None else None

    def days_past_due(self, now: datetime) -> int:
        return self.overdue.days_past_due(now)

    def policy_today(self, now: datetime) -> date:
        return self.clock.today(now)
