"""The public status of a matter: one shape for the workflow's snapshot, the projection and the API.

The workflow computes it from its state (`workflows/matter/status.py`), the projection stores it
(`store/projection.py`) and reads it back (`store/queries.status_of`), and the API turns it into
its responses (`api/mapping.py`), so each field is mapped once per direction instead of
being copied by hand in five places.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from domain.accrual import Book, Statement
from domain.allocation import Balance
from domain.assets import AssetEvent, AssetStanding
from domain.dates import OverdueClock, PolicyClock
from domain.deadlines import Deadline
from domain.matter import ClosureReason, Stage
from domain.money import Money
from domain.unwinding import UnwindStep

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
    firm: str  # the firm's id (its name, for referrals made before firms were records)
    status: ReferralStatus
    since: datetime
    answer_by: datetime | None = None
    firm_name: str | None = None


class ProceedingView(BaseModel):
    """One suit or arbitration of the matter (its own child workflow), as the parent last heard of it."""

    model_config = ConfigDict(frozen=True)

    number: int
    workflow_id: str
    forum: Literal["court", "arbitration"]
    instance: int = 1
    firm: str
    status: Literal["starting", "started", "filed", "decided", "appealed", "effective", "closed"] = "starting"
    since: datetime
    case_number: str | None = None
    body: str | None = None  # the court or commission
    effective_on: date | None = None
    override_reason: str | None = None  # why a court hears it despite an arbitration clause
    filed_on: date | None = None  # the filing, which interrupts limitation (recorded since patch "filing-limitation")
    settlement: str | None = None  # a mediation agreement's settlement proposal: effective with the agreement


class GuarantorClaimView(BaseModel):
    """The claim against one guarantor (its own child workflow), as the parent last heard of it. No personal
    data: the guarantor is its number on the matter's record."""

    model_config = ConfigDict(frozen=True)

    number: int
    workflow_id: str
    guarantee_type: Literal["joint_and_several", "general"]
    standing: Literal["starting", "open", "held", "refused", "released"] = "starting"
    why: str = ""
    since: datetime
    paid: Money | None = None  # what the guarantor paid into the matter's ledger (the status adds it)


class AssetView(BaseModel):
    """One asset of the register: what it is, where it stands, until when its measure holds, what happened."""

    model_config = ConfigDict(frozen=True)

    number: int
    kind: str
    description: str
    estimated_value: Money | None = None
    pledged: bool = False
    discovered_on: date | None = None  # None: known at intake
    standing: AssetStanding
    measure_ends_on: date | None = None
    events: tuple[AssetEvent, ...] = ()
    lift_applied_on: date | None = None  # the matter closed: the day the lift of its measure was applied for
    proceeds: Money | None = None  # what the court's distributions from it brought the creditor (when recorded)


class UnwindingView(BaseModel):
    """A closed matter's unwinding: why it closed, each step in order (with its document once made), and the
    assets a measure still holds although their lift was applied for (until the court's release is recorded)."""

    model_config = ConfigDict(frozen=True)

    ground: Literal["paid", "settled", "cured", "withdrawn"]
    closed_on: date
    steps: tuple[UnwindStep, ...]
    done: bool  # every step done
    still_held: tuple[int, ...] = ()


class ReferralEnded(BaseModel):
    """The last referral that ended without the firm taking the matter: who, how, when.

    The partner's reason for a decline is in the timeline (free text), not here.
    """

    model_config = ConfigDict(frozen=True)

    number: int
    workflow_id: str
    firm: str
    outcome: Literal["declined", "lapsed", "closed", "recalled"]
    at: datetime


class ArrangementView(BaseModel):
    """Where one proposal stands (what the API shows and a manager's queue lists). No personal data
    beyond the names in `warnings` (guarantors), which the API shows only to those who see the matter."""

    model_config = ConfigDict(frozen=True)

    proposal_id: str
    kind: Literal["settlement", "amendment", "write_off"]
    status: Literal["proposed", "approved", "rejected", "effective", "kept", "breached"]
    proposed_by: str
    proposed_on: date
    balance: Balance
    waived: Money
    waived_share: str  # "12.50%"
    needs: str  # the authority it needs, in words ("one manager")
    needs_role: str
    approvals: tuple[dict[str, Any], ...] = ()
    warnings: tuple[str, ...] = ()
    approved_on: date | None = None
    signed_on: date | None = None
    instalments: tuple[dict[str, Any], ...] = ()  # number, due_on, amount
    payable_on_signing: Money | None = None  # an amendment: due before it takes effect
    next_due: int | None = None  # the next instalment number not yet due-checked
    reason: str | None = None  # why it ended (breach) or was rejected


class AccelerationView(BaseModel):
    """The creditor's declaration that the whole loan is due, and its service."""

    model_config = ConfigDict(frozen=True)

    declared_at: datetime
    declared_by: str
    clause: str | None = None
    notice_document: str | None = None  # the notice as stored
    delivered_on: date | None = None
    method: str | None = None
    upload_id: str | None = None
    accelerated: Money | None = None  # principal made due


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
    # Matters that accrue: the ledger (opening, terms, entries) and the date `balance` is as of.
    ledger: Book | None = None
    balance_as_of: date | None = None
    arrangement: ArrangementView | None = None  # the latest settlement, amendment or write-off, if any
    recovered_after_write_off: Money | None = None
    holds: tuple[dict[str, Any], ...] | None = None  # every hold placed (kind, reason, dates); None: never held
    held: bool | None = None  # a hold is active now: the process's clocks are stopped
    acceleration: AccelerationView | None = None
    limitation: Deadline | None = None  # the running limitation period (matters that track it)
    proceedings: tuple[ProceedingView, ...] | None = None  # its suits and arbitrations; None: never any
    # Each guarantor's guarantee period still running as of the workflow's last task (matters that track them;
    # a reader drops those whose last day its own today has passed).
    guarantees: tuple[Deadline, ...] | None = None
    guarantor_claims: tuple[GuarantorClaimView, ...] | None = None  # one per guarantor claimed against; None: none
    assets: tuple[AssetView, ...] | None = None  # the asset register (matters that keep it), as of the last task
    unwinding: UnwindingView | None = None  # closed with proceedings or measures running: what undoes them

    def statement(self, as_of: date) -> Statement | None:
        """The exact statement on `as_of` (None for matters opened before accrual)."""
        return None if self.ledger is None else self.ledger.on(as_of)

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
