"""The public face of the matter workflows: IDs, inputs, commands, results, snapshots, reports.

The API and the CLI import only this module (no workflow code), so the names of the
updates, signals and queries and the shapes they carry live here in one place. Every model is
frozen and every new field gets a default, so old histories keep decoding.

Workflow types:
- `MatterWorkflowV2` (`workflows/matter/`): every matter opened since workflow v2;
- `MatterWorkflow` (`workflows/legacy/matter_v1.py`): matters opened before; each one continues
  as new into v2 at its next workflow task (see "Versioning" in the README);
- `ReferralWorkflow` (`workflows/referral.py`): one child per referral to a law firm, with the ID
  `matter-<matter id>/referral-<n>`;
- `ProceedingWorkflow` (`workflows/proceeding.py`): one child per suit or arbitration, with the ID
  `matter-<matter id>/proceeding-<n>`;
- `GuarantorClaimWorkflow` (`workflows/guarantor.py`): one child per guarantor claimed against, with the
  ID `matter-<matter id>/guarantor-<n>` (n: the guarantor's position on record, from 1).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.allocation import Allocation, Balance
from domain.arrangements import Decision, Role
from domain.contact import ContactChannel, ContactOutcome, DefaultCause
from domain.deadlines import Deadline
from domain.evidence import DocumentRef
from domain.holds import HoldKind
from domain.matter import MatterIntake
from domain.money import Money
from domain.parties import LawFirm
from domain.policy import EscalationPolicy
from domain.risk import RiskAssessment
from domain.status import AccelerationView, ArrangementView, MatterStatus, NextStep
from domain.text import PlainText

# The children's commands, inputs, snapshots and reports live in workflows/children.py (re-exported here).
from workflows.children import (
    ChildReport as ChildReport,
)
from workflows.children import (
    CounselChange as CounselChange,
)
from workflows.children import (
    DemandGuarantorCommand as DemandGuarantorCommand,
)
from workflows.children import (
    DemandGuarantorResult as DemandGuarantorResult,
)
from workflows.children import (
    DraftFilingCommand as DraftFilingCommand,
)
from workflows.children import (
    DraftFilingResult as DraftFilingResult,
)
from workflows.children import (
    DraftPreservationCommand as DraftPreservationCommand,
)
from workflows.children import (
    DraftPreservationResult as DraftPreservationResult,
)
from workflows.children import (
    GuarantorClaimInput as GuarantorClaimInput,
)
from workflows.children import (
    GuarantorClaimSnapshot as GuarantorClaimSnapshot,
)
from workflows.children import (
    GuarantorEventCommand as GuarantorEventCommand,
)
from workflows.children import (
    GuarantorEventResult as GuarantorEventResult,
)
from workflows.children import (
    GuarantorFacts as GuarantorFacts,
)
from workflows.children import (
    OpenClaimsCommand as OpenClaimsCommand,
)
from workflows.children import (
    OpenClaimsResult as OpenClaimsResult,
)
from workflows.children import (
    ProceedingEventCommand as ProceedingEventCommand,
)
from workflows.children import (
    ProceedingEventResult as ProceedingEventResult,
)
from workflows.children import (
    ProceedingInput as ProceedingInput,
)
from workflows.children import (
    ProceedingSnapshot as ProceedingSnapshot,
)
from workflows.children import (
    ReferralAnswer as ReferralAnswer,
)
from workflows.children import (
    ReferralAnswerCommand as ReferralAnswerCommand,
)
from workflows.children import (
    ReferralAnswerResult as ReferralAnswerResult,
)
from workflows.children import (
    ReferralInput as ReferralInput,
)
from workflows.children import (
    ReferralSnapshot as ReferralSnapshot,
)
from workflows.children import (
    ReportKind as ReportKind,
)
from workflows.children import (
    StartProceedingCommand as StartProceedingCommand,
)
from workflows.children import (
    StartProceedingResult as StartProceedingResult,
)

# The commands of the court side (the firm, the register of assets) live in workflows/contracts_court.py.
from workflows.contracts_court import (  # noqa: E402
    AddAssetCommand,
    AddAssetResult,
    AssetEventCommand,
    AssetEventResult,
    LawyersLetterCommand,
    LawyersLetterResult,
    RecallCommand,
    RecallResult,
)
from workflows.matter.state import MatterState, PromiseState

__all__ = ["AccelerationView", "AddAssetCommand", "AddAssetResult", "ArrangementView", "AssetEventCommand",
           "AssetEventResult", "LawyersLetterCommand", "LawyersLetterResult", "MatterState", "NextStep",
           "PromiseState", "RecallCommand", "RecallResult"]

WORKFLOW_NAME = "MatterWorkflowV2"
LEGACY_WORKFLOW_NAME = "MatterWorkflow"
REFERRAL_WORKFLOW_NAME = "ReferralWorkflow"
PROCEEDING_WORKFLOW_NAME = "ProceedingWorkflow"
GUARANTOR_WORKFLOW_NAME = "GuarantorClaimWorkflow"

UPDATE_PAYMENT = "record_payment"
UPDATE_PROMISE = "record_promise"
UPDATE_DECISION = "legal_review_decision"
UPDATE_RETRY = "retry_attention"
UPDATE_REVERSAL = "reverse_payment"
UPDATE_PROPOSE = "propose_arrangement"  # a settlement, an amendment or a write-off
UPDATE_APPROVAL = "decide_arrangement"  # an approver's decision on one
UPDATE_SIGNED = "arrangement_signed"  # the signed agreement is in the evidence: it takes effect
UPDATE_CONTACT = "log_contact"
UPDATE_ACCELERATE = "accelerate"
UPDATE_SERVED = "acceleration_served"
UPDATE_DELIVERED = "letter_delivered"
UPDATE_HOLD = "place_hold"
UPDATE_RELEASE = "release_hold"
UPDATE_REFERRAL_ANSWER = "answer_referral"  # on the referral child
UPDATE_RECALL_REFERRAL = "recall_referral"
UPDATE_LAWYERS_LETTER = "lawyers_letter"  # the firm's lawyer's letter, ordered by its partner
UPDATE_START_PROCEEDING = "start_proceeding"  # a suit or an arbitration (its own child)
UPDATE_DRAFT_ENFORCEMENT = "draft_enforcement"  # a proceeding's application for compulsory enforcement
UPDATE_DRAFT_PRESERVATION = "draft_preservation"  # a proceeding's application for property preservation
UPDATE_DRAFT_FILING = "draft_filing"  # the complaint or arbitration application (and power of attorney) of a proceeding
UPDATE_PROCEEDING_EVENT = "proceeding_event"  # on the proceeding child: filing, hearing, decision, service, appeal
QUERY_PROCEEDING = "proceeding_snapshot"  # on the proceeding child
UPDATE_OPEN_CLAIMS = "open_guarantor_claims"  # a claim (its own child) against each guarantor on record
UPDATE_ADD_ASSET = "add_asset"  # an asset of the debtor discovered after intake
UPDATE_ASSET_EVENT = "asset_event"  # preserved, renewed, valued, auctioned, transferred, released
UPDATE_DEMAND_GUARANTOR = "demand_guarantor"  # the demand letter to one guarantor, from the record
UPDATE_GUARANTOR_EVENT = "guarantor_event"  # on the guarantor claim child: demanded, refused, released
QUERY_GUARANTOR = "guarantor_snapshot"  # on the guarantor claim child
SIGNAL_GUARANTOR_FACTS = "guarantor_facts"  # parent -> guarantor claim child: the due date, the suit filed
SIGNAL_CHILD_REPORT = "child_report"  # child -> parent
SIGNAL_PROCEEDING_PAID = "proceeding_paid"  # parent -> proceeding child: the debtor paid part of what it owes
SIGNAL_PROCEEDING_COUNSEL = "proceeding_counsel"  # parent -> proceeding child: the firm acting changed
QUERY_SNAPSHOT = "snapshot"
QUERY_REFERRAL = "referral_snapshot"  # on the referral child

# ApplicationError types with which the workflows refuse a command.
ERR_CLOSED = "MatterClosed"  # -> HTTP 409
ERR_STAGE = "StageNotAllowed"  # -> HTTP 409
ERR_INVALID = "InvalidCommand"  # -> HTTP 422
ERR_KEY_REUSED = "IdempotencyKeyReused"  # -> HTTP 409 (a command id used again with a different body)
ERR_NOT_YOURS = "NotYours"  # -> HTTP 404 (a partner answering for another firm's referral)
ERR_FORBIDDEN = "NotAllowed"  # -> HTTP 403 (an approval by the proposer, or by a role below the authority needed)

_MATTER_NS = uuid.UUID("6f1d3c5e-8a0b-4c4e-9b71-2f0d6a3e9c11")


def matter_id_for(external_ref: str) -> str:
    """The matter id is derived from the creditor's reference: one reference, one matter, ever."""
    return str(uuid.uuid5(_MATTER_NS, external_ref))


def workflow_id(matter_id: str) -> str:
    return f"matter-{matter_id}"


def referral_workflow_id(matter_id: str, number: int) -> str:
    """The ID of the matter's `number`-th referral child (children's IDs derive from the matter's)."""
    return f"{workflow_id(matter_id)}/referral-{number}"


def guarantor_workflow_id(matter_id: str, number: int) -> str:
    """The ID of the claim against the matter's `number`-th guarantor (as on record, from 1)."""
    return f"{workflow_id(matter_id)}/guarantor-{number}"


def proceeding_workflow_id(matter_id: str, number: int) -> str:
    """The ID of the matter's `number`-th proceeding (a suit or an arbitration)."""
    return f"{workflow_id(matter_id)}/proceeding-{number}"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class MatterInput(_Model):
    matter_id: str
    intake: MatterIntake
    policy: EscalationPolicy
    opened_by: str = "system"
    state: MatterState | None = None  # set when continuing as new (or migrating from v1)
    # Tests force continue-as-new with a small number; production waits for the SDK's suggestion.
    continue_as_new_after_events: int | None = None
    # A side effect that failed for a reason retrying may fix is tried again after this long
    # (doubling each time, at most 24 times as long).
    attention_retry_seconds: int = Field(default=900, ge=1)


class PaymentCommand(_Model):
    payment_id: str = Field(min_length=1, max_length=128)
    amount: Money
    received_on: date
    actor: str = "system"
    guarantor: int | None = Field(default=None, ge=1, le=99,
                                  description="paid by the guarantor at this position on record (from 1)")


class PaymentResult(_Model):
    payment_id: str
    duplicate: bool
    allocation: Allocation
    outstanding: Money
    stage: str
    closed: bool


class ReversalCommand(_Model):
    """A payment that did not hold (a bounced transfer): its allocation is undone exactly."""

    reversal_id: str = Field(min_length=1, max_length=128)
    payment_id: str = Field(min_length=1, max_length=128)
    reversed_on: date
    reason: PlainText = Field(min_length=1, max_length=500)
    actor: str = "system"


class ReversalResult(_Model):
    reversal_id: str
    duplicate: bool
    payment_id: str
    undone: Allocation  # what the payment had paid, now owed again
    outstanding: Money
    stage: str
    reopened: bool


ArrangementKind = Literal["settlement", "amendment", "write_off"]
# How a notice was served (proof of service of the acceleration notice).
ServiceMethod = Literal["in_person", "registered_post", "courier", "email", "notary", "other"]


class ProposeCommand(_Model):
    """A proposal: `terms` are the fields of the domain's proposal of that kind (domain/arrangements.py)
    other than who proposed it, when, and the balance: the workflow fills those from its record."""

    proposal_id: str = Field(min_length=1, max_length=128)
    kind: ArrangementKind
    terms: dict[str, Any]
    actor: str = "system"


class ProposeResult(_Model):
    proposal_id: str
    duplicate: bool
    arrangement: ArrangementView
    stage: str


class ApprovalCommand(_Model):
    approval_id: str = Field(min_length=1, max_length=128)
    proposal_id: str = Field(min_length=1, max_length=128)
    decision: Decision
    role: Role
    note: PlainText = Field(default="", max_length=2000)
    actor: str = "system"


class ApprovalResult(_Model):
    approval_id: str
    duplicate: bool
    arrangement: ArrangementView
    stage: str
    closed: bool


class SignedCommand(_Model):
    proposal_id: str = Field(min_length=1, max_length=128)
    document_id: str = Field(min_length=1, max_length=200, description="the signed copy, uploaded as evidence")
    signed_on: date
    actor: str = "system"


class SignedResult(_Model):
    proposal_id: str
    duplicate: bool
    arrangement: ArrangementView
    stage: str


class ContactCommand(_Model):
    """A contact with the borrower, as the team logs it (a call, a visit, a message) with what it found."""

    contact_id: str = Field(min_length=1, max_length=128)
    channel: ContactChannel
    outcome: ContactOutcome
    at: datetime | None = None  # when it happened (default: now)
    cause: DefaultCause | None = None
    cease_contact: bool = False  # the borrower asked to be contacted no more
    note: PlainText = Field(default="", max_length=2000)
    actor: str = "system"


class ContactResult(_Model):
    contact_id: str
    duplicate: bool
    ability: str
    willingness: str
    risk_grade: str | None
    cease_contact: bool
    contacts_in_7_days: int


class AccelerateCommand(_Model):
    """A manager declares the whole loan due (the contract's acceleration clause)."""

    clause: PlainText | None = Field(default=None, max_length=200, description="e.g. 第十二条 / clause 12")
    role: Role = "manager"
    actor: str = "system"


class ServedCommand(_Model):
    """Proof of service of the acceleration notice: from `delivered_on` the whole balance is due."""

    delivered_on: date
    method: ServiceMethod
    upload_id: str | None = Field(default=None, max_length=64, description="the proof (a receipt), if uploaded")
    note: PlainText = Field(default="", max_length=2000)
    actor: str = "system"


class DeliveredCommand(_Model):
    """A letter's proof of delivery: a demand interrupts limitation from the day it reached the borrower."""

    document_id: str = Field(min_length=1, max_length=300)
    delivered_on: date
    method: ServiceMethod
    upload_id: str | None = Field(default=None, max_length=64, description="the proof (a receipt), if uploaded")
    actor: str = "system"


class DeliveredResult(_Model):
    document_id: str
    duplicate: bool
    limitation: Deadline | None = None


class AccelerationResult(_Model):
    duplicate: bool
    acceleration: AccelerationView
    stage: str
    outstanding: Money


class HoldCommand(_Model):
    hold_id: str = Field(min_length=1, max_length=128)
    kind: HoldKind
    reason: PlainText = Field(min_length=1, max_length=2000)
    ends_on: date | None = None  # the last policy date of the hold; None: until released
    role: Role = "legal_team"
    actor: str = "system"


class ReleaseCommand(_Model):
    hold_id: str = Field(min_length=1, max_length=128)
    note: PlainText = Field(default="", max_length=2000)
    role: Role = "legal_team"
    actor: str = "system"


class HoldResult(_Model):
    hold_id: str
    duplicate: bool
    kind: str
    active: bool
    placed_at: datetime
    ends_on: date | None = None
    released_at: datetime | None = None
    held: bool  # any hold active on the matter now
    stage: str
    shifted_seconds: float = 0.0  # how far the clocks moved when the last active hold ended


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
    firm: PlainText | None = Field(default=None, max_length=200, description="law firm to refer to (escalate): its id")
    reason: PlainText = Field(default="", max_length=2000)
    actor: str = "system"
    firm_details: LawFirm | None = Field(
        default=None, description="the firm's record as the API found it (escalate): name, address, e-mail")
    attention: PlainText | None = Field(
        default=None, max_length=200, description="escalate: the partner the instruction is addressed to")


class DecisionResult(_Model):
    decision_id: str
    duplicate: bool
    stage: str
    negotiation_ends_on: date | None = None
    referred_firm: str | None = None


class MatterSnapshot(_Model):
    """The live state a query returns.

    `status` is the one public status (v2); `days_past_due` and `policy_today` are as of the
    workflow's last task (a sleeping workflow's clock does not move): readers compute both from
    `status` at their own now. Matters not yet migrated from v1 answer without `status`.
    """

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
    status: MatterStatus | None = None


class RetryCommand(_Model):
    """A manager's order to retry the side effect the matter is waiting on (`needs_attention`)."""

    retry_id: str = Field(min_length=1, max_length=128)
    note: PlainText = Field(default="", max_length=2000)
    actor: str = "system"


class RetryResult(_Model):
    retry_id: str
    duplicate: bool
    effect: str | None  # the side effect retried
    stage: str
