"""Request and response schemas: `XCreate` (input, extra fields refused), `XPublic` (output).

Amounts are `Money` objects (`{"amount": "19518.00", "currency": "CNY"}`), dates and times
ISO 8601. Responses are built from projection rows or workflow results by the routes, never
by returning ORM objects. No response schema carries borrower PII.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from api.schemas_firms import (
    FilingDraftCreate as FilingDraftCreate,
)
from api.schemas_firms import (
    FirmCreate as FirmCreate,
)
from api.schemas_firms import (
    FirmPartner as FirmPartner,
)
from api.schemas_firms import (
    FirmPublic as FirmPublic,
)
from api.schemas_firms import (
    FirmsPublic as FirmsPublic,
)
from api.schemas_firms import (
    FirmUpdate as FirmUpdate,
)
from api.schemas_firms import (
    LawyersLetterCreate as LawyersLetterCreate,
)
from api.schemas_firms import (
    LawyersLetterPublic as LawyersLetterPublic,
)
from api.schemas_firms import (
    PreservationDraftCreate as PreservationDraftCreate,
)
from api.schemas_firms import (
    ProceedingCreate as ProceedingCreate,
)
from api.schemas_firms import (
    ProceedingEventCreate as ProceedingEventCreate,
)
from api.schemas_firms import (
    RecallCreate as RecallCreate,
)
from api.schemas_firms import (
    RecallPublic as RecallPublic,
)

# The firms' and the proceedings' bodies live in api/schemas_firms.py (re-exported here).
from api.schemas_firms import (
    ReferralAcceptCreate as ReferralAcceptCreate,
)
from api.schemas_firms import (
    ReferralAnswerPublic as ReferralAnswerPublic,
)
from api.schemas_firms import (
    ReferralDeclineCreate as ReferralDeclineCreate,
)
from domain.accrual import AccrualTerms, Charges
from domain.allocation import Allocation, Balance
from domain.contract import EARLIEST_DATE
from domain.matter import MatterIntake, Stage
from domain.money import Money, within_limit
from domain.status import ArrangementView, ProceedingView
from domain.text import PlainText
from workflows.contracts import NextStep

# Anything a caller may name: payment, promise and decision ids (also from Idempotency-Key).
CommandId = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PositiveMoney(Money):
    """A Money that must be greater than zero (payments, promises)."""

    @model_validator(mode="after")
    def _positive(self) -> PositiveMoney:
        if not self.is_positive():
            raise ValueError("amount must be greater than zero")
        within_limit(self)
        return self


# ---------------------------------------------------------------- matters
def latest_today() -> date:
    """The latest calendar date anywhere on Earth (UTC+14): no date a caller gives may be after it."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def _not_future(value: date) -> date:
    if value > latest_today():
        raise ValueError(f"{value.isoformat()} is in the future")
    return value


# A date that has happened somewhere on Earth already (received, reversed, signed, delivered on).
PastDate = Annotated[date, Field(ge=EARLIEST_DATE), AfterValidator(_not_future)]
# A date on the matter's own calendar that must not be before an event the matter dated (a letter sent, a notice
# made, an approval): its workflow refuses it, naming the field, when it is after the matter's date. Not bounded by
# the real date here, which a compressed policy clock (the demo's, one day a second) runs ahead of.
MatterDate = Annotated[date, Field(ge=EARLIEST_DATE)]


class MatterCreate(MatterIntake):
    """A new matter: exactly the intake fields (unknown fields are refused)."""

    @model_validator(mode="after")
    def _not_future(self) -> MatterCreate:
        latest = latest_today()
        for name, value in (("contract.signed_on", self.contract.signed_on), ("overdue.since", self.overdue.since)):
            if value > latest:
                raise ValueError(f"{name}: {value.isoformat()} is in the future")
        return self

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "external_ref": "LN-2026-0001",
                "policy": "standard",
                "creditor": {"name": "Example Bank plc"},
                "borrower": {"name": "John Smith", "id_number": "AB123456C", "locale": "en",
                             "timezone": "Europe/London"},
                "contract": {"number": "JK-2024-000123", "signed_on": "2024-03-15",
                             "principal": {"amount": "200000.00", "currency": "CNY"}, "annual_rate": "0.0435"},
                "overdue": {"since": "2026-09-01",
                            "principal": {"amount": "18000.00", "currency": "CNY"},
                            "interest": {"amount": "1200.00", "currency": "CNY"},
                            "penalty": {"amount": "218.00", "currency": "CNY"},
                            "fees": {"amount": "100.00", "currency": "CNY"}},
            }
        }
    )


class MatterLinks(BaseModel):
    self: str
    documents: str
    history: str
    payments: str
    promises: str
    legal_review: str
    retry: str
    referral: str

    @staticmethod
    def paths(matter_id: str) -> dict[str, str]:
        base = f"/matters/{matter_id}"
        return {"self": base, "documents": f"{base}/documents", "history": f"{base}/history",
                "payments": f"{base}/payments", "promises": f"{base}/promises",
                "legal_review": f"{base}/legal-review", "retry": f"{base}/attention/retry",
                "referral": f"{base}/referral"}

    @classmethod
    def for_matter(cls, matter_id: str) -> MatterLinks:
        return cls(**cls.paths(matter_id))


class AttentionPublic(BaseModel):
    """`needs_attention`: a side effect failed and the matter waits on it (it still takes payments)."""

    effect: str = Field(description="what failed, e.g. 'letter:notice' (the collection notice)")
    error: str = Field(description="the kind of failure, e.g. LetterInvalid, TemplateError, EvidenceConflict")
    reason: str
    since: datetime
    retryable: bool = Field(description="true: retried automatically at retry_at; false: a manager must retry")
    attempts: int
    retry_at: datetime | None = None


class ReferralPublic(BaseModel):
    """The matter's current referral to a law firm (its own child workflow)."""

    number: int
    workflow_id: str
    firm: str = Field(description="the firm's id (`GET /firms/{id}`)")
    firm_name: str | None = Field(default=None, description="the firm's name when the matter was referred")
    status: Literal["instructing", "instructed", "accepted"]
    since: datetime
    answer_by: datetime | None = Field(default=None, description="the firm must accept or decline by then")


class ReferralEndedPublic(BaseModel):
    """The last referral that ended without the firm taking the matter (the reason is in the history)."""

    number: int
    workflow_id: str
    firm: str
    outcome: Literal["declined", "lapsed", "closed", "recalled"] = Field(
        description="declined by the firm, lapsed (not answered in time), closed with the matter, or recalled by "
                    "a manager")
    at: datetime


class MatterPublic(BaseModel):
    """A matter as listed: the projection's view (the workflow is the truth, this may lag).

    `days_past_due` is computed when read (at the time of the request), never stored.
    """

    id: str
    external_ref: str | None = Field(description="the creditor's reference; null only while the projection lags")
    workflow_id: str
    stage: Stage
    closure_reason: str | None = None
    policy: str
    policy_version: int
    outstanding: Money
    balance: Balance | None = None
    balance_as_of: date | None = Field(
        default=None, description="the policy date `balance` and `outstanding` are calculated to (interest and "
                                  "penalties accrue daily; null: a matter opened before accrual, whose balance "
                                  "changes only with payments)")
    paid_total: Money | None = None
    days_past_due: int | None = None
    overdue_since: date | None = None
    risk_grade: str | None = None
    risk_score: int | None = None
    next_step: str | None = None
    next_step_at: datetime | None = None
    negotiation_ends_on: date | None = None
    referred_firm: str | None = None
    referral: ReferralPublic | None = None
    last_referral: ReferralEndedPublic | None = None
    needs_attention: AttentionPublic | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    links: MatterLinks


class MattersPublic(BaseModel):
    data: list[MatterPublic]
    count: int = Field(description="matters matching the filters, exact up to 10,000")
    count_capped: bool = Field(default=False, description="true: more than 10,000 match (`count` is 10,000)")
    next_cursor: str | None = Field(default=None, description="pass as `cursor` for the next page; null at the end")


class PromiseStatePublic(BaseModel):
    promise_id: str
    amount: Money
    due_on: date
    deadline: datetime
    status: str
    actor: str
    created_at: datetime
    resolved_at: datetime | None = None


class StatementPublic(BaseModel):
    """How the balance on `as_of` is made: what accrued since intake, on what terms, and what was paid or waived."""

    as_of: date
    accrual_start: date = Field(description="the intake date: the opening balance is as of this date")
    opening: Balance
    terms: AccrualTerms
    accrued: Charges
    paid: Money = Field(description="applied to the balance (reversed payments left out)")
    unapplied: Money = Field(description="overpayments held for refund")
    waived: Money
    capped: bool = Field(description="true: the policy's cap on the annual cost cut some charge")
    accrual_stopped_on: date | None = Field(default=None, description="the matter closed: nothing accrues after")


class HoldStatePublic(BaseModel):
    """One hold on the matter (a dispute, hardship, bankruptcy stay or death) as placed and perhaps released."""

    hold_id: str
    kind: str
    reason: str
    placed_at: datetime
    ends_on: date | None = None
    released_at: datetime | None = None
    placed_by: str
    released_by: str | None = None


class MatterDetailPublic(MatterPublic):
    """One matter: the projection merged with the workflow's live snapshot when it answers."""

    statement: StatementPublic | None = None

    source: Literal["workflow", "projection"] = Field(
        description="'workflow' when the live snapshot answered (stage, amounts and next step are current)"
    )
    policy_today: date | None = None
    next: NextStep | None = None
    payments_count: int | None = None
    documents_count: int | None = None
    promises: list[PromiseStatePublic] = []
    proceedings: list[ProceedingView] = Field(
        default=[], description="the matter's suits and arbitrations (GET .../proceedings/{number} for each)")
    holds: list[HoldStatePublic] = Field(default=[], description="every hold placed on the matter, oldest first "
                                                                 "(active: `released_at` null and not ended)")
    held: bool = Field(default=False, description="a hold is active now: the matter's clocks are stopped")
    arrangement: ArrangementView | None = Field(default=None, description="the latest settlement, amendment or "
                                                                          "write-off proposal and where it stands")


# -------------------------------------------------------------- commands
class PaymentCreate(_Input):
    payment_id: str = CommandId
    amount: PositiveMoney
    received_on: PastDate = Field(description="the day the money was received; not in the future, nor before the "
                                          "contract was signed")
    guarantor: int | None = Field(default=None, ge=1, le=99,
                                  description="paid by the guarantor at this position on record (from 1): the same "
                                              "ledger, up to its cap, never more than the debt still owes")


class PaymentPublic(BaseModel):
    payment_id: str
    duplicate: bool = Field(description="true when this payment_id was already recorded: nothing changed")
    allocation: Allocation
    outstanding: Money
    stage: str
    closed: bool


class ReversalCreate(_Input):
    reversed_on: PastDate = Field(description="the day the payment was returned (e.g. the bounce); "
                                                           "not in the future, nor before it was received")
    reason: PlainText = Field(min_length=1, max_length=500, description="why it did not hold, e.g. 'transfer "
                                                                       "returned: account closed'")


class ReversalPublic(BaseModel):
    reversal_id: str
    duplicate: bool = Field(description="true when this reversal was already recorded: nothing changed")
    payment_id: str
    undone: Allocation = Field(description="what the payment had paid, by bucket: owed again")
    outstanding: Money
    stage: str
    reopened: bool = Field(description="true: the matter had closed on this money and is open again")


class PromiseCreate(_Input):
    amount: PositiveMoney
    due_on: date = Field(description="a date on the matter's policy calendar")
    note: PlainText | None = Field(default=None, max_length=2000)


class PromisePublic(BaseModel):
    promise_id: str
    duplicate: bool
    deadline: datetime
    status: str


class DecisionCreate(_Input):
    decision: Literal["escalate", "extend_negotiation"]
    new_end_on: date | None = Field(
        default=None,
        validate_default=True,
        description="the new last day of negotiation (policy calendar); required with extend_negotiation, else refused",
    )
    firm: PlainText | None = Field(
        default=None, min_length=1, max_length=200, validate_default=True,
        description="with escalate (required): the id of the law firm the matter is referred to (`GET /firms`; "
                    "its partners then see the matter)",
    )
    reason: PlainText = Field(min_length=1, max_length=2000)
    attention: PlainText | None = Field(
        default=None, min_length=1, max_length=200,
        description="with escalate: the partner the instruction letter is addressed to (else to the firm)")

    @field_validator("attention")
    @classmethod
    def _attention(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("decision") != "escalate":
            raise ValueError("only allowed with escalate")
        return value

    @field_validator("firm")
    @classmethod
    def _firm(cls, value: str | None, info: ValidationInfo) -> str | None:
        decision = info.data.get("decision")
        if value is not None and decision != "escalate":
            raise ValueError("only allowed with escalate")
        if (value is None or not value.strip()) and decision == "escalate":
            raise ValueError("required to escalate: the law firm the referral goes to")
        return value

    @field_validator("new_end_on")
    @classmethod
    def _end_on(cls, value: date | None, info: ValidationInfo) -> date | None:
        decision = info.data.get("decision")
        if decision == "extend_negotiation" and value is None:
            raise ValueError("required to extend negotiation")
        if decision == "escalate" and value is not None:
            raise ValueError("only allowed with extend_negotiation")
        return value


class RetryCreate(_Input):
    note: PlainText = Field(default="", max_length=2000, description="what was fixed (kept with the command)")


class RetryPublic(BaseModel):
    retry_id: str
    duplicate: bool
    effect: str | None = Field(description="the side effect retried")
    stage: str


class ReferralListItem(BaseModel):
    """One referral in a firm's inbox (or, for staff, any firm's)."""

    matter_id: str
    external_ref: str
    firm: str
    firm_name: str | None = None
    status: str
    number: int | None = None
    since: datetime | None = None
    answer_by: datetime | None = None
    outstanding: Money
    links: MatterLinks


class ReferralsPublic(BaseModel):
    data: list[ReferralListItem]
    count: int


class DecisionPublic(BaseModel):
    decision_id: str
    duplicate: bool
    stage: str
    negotiation_ends_on: date | None = None
    referred_firm: str | None = None


# ------------------------------------------------------------- documents
class DocumentPublic(BaseModel):
    id: str
    matter_id: str
    kind: str
    locale: str
    template_version: str
    media_type: str
    sha256: str
    size: int
    version_id: str | None
    created_at: datetime
    content_url: str


class DocumentsPublic(BaseModel):
    data: list[DocumentPublic]
    count: int


# ---------------------------------------------------------------- health
class ProcessPublic(BaseModel):
    state: Literal["up", "restarting"]
    restarts: int = Field(description="times the launcher has started it again since the stack came up")


class HealthPublic(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, Literal["up", "down"]]
    down: list[str] = []
    workers: dict[str, Literal["up", "down", "unknown"]] = Field(
        default_factory=dict,
        description="whether a worker polled each task queue in the last 90 s (`workflows`, `letters`); a down "
                    "worker does not make /health 503 (the API still serves), it says so here",
    )
    worker_processes: dict[str, int] = Field(
        default_factory=dict,
        description="how many worker processes polled each task queue in the last 90 s",
    )
    processes: dict[str, ProcessPublic] | None = Field(
        default=None,
        description="under `recovery up`: each process its launcher supervises (e.g. `api-2`, `worker-1`), up or "
                    "being restarted, and how often it was restarted; null when no launcher runs this API",
    )


def field_error(loc: tuple[str | int, ...], msg: str, type_: str = "value_error") -> dict[str, Any]:
    """One entry of a 422 `detail` list, shaped like FastAPI's own validation errors."""
    return {"loc": list(loc), "msg": msg, "type": type_}
