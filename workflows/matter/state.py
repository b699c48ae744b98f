"""The matter workflow's state: one typed object made of typed parts.

Everything the workflow must remember lives here, and the whole object is what continue-as-new
carries to the next run: the ledger (the money), promises, the reminder ladder, legal review,
the referral, the queue of side effects still to do, the `needs_attention` condition, and the
projection records not yet written (the outbox), so that nothing a command added is lost at a
run boundary. Parts are mutable models changed by typed attribute assignment in the workflow
(deterministic code, one thread); every field has a default where it can, and unknown fields are
ignored, so states recorded by older code keep decoding.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from activities.inputs import LetterJob
from domain.allocation import Allocation, Balance, allocate
from domain.contract import Overdue
from domain.dates import PolicyClock
from domain.evidence import DocumentRef
from domain.matter import ClosureReason, Stage
from domain.money import Money
from domain.risk import RiskAssessment
from domain.status import Attention, ReferralEnded, ReferralView
from store.records import MatterOpened, PaymentRecord, PromiseRecord, TimelineEvent

PromiseStatus = Literal["pending", "kept", "broken", "superseded"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PromiseState(BaseModel):
    """A promise to pay as the workflow tracks it (also the shape of the snapshot's promises)."""

    model_config = ConfigDict(frozen=True)

    promise_id: str
    amount: Money
    due_on: date
    deadline: datetime
    status: PromiseStatus = "pending"
    paid_at_start: Money  # total paid when the promise was made
    note: str | None = None
    actor: str = "system"
    created_at: datetime
    resolved_at: datetime | None = None


class Ledger(_Part):
    """The money: what is owed by bucket, what was paid, each payment's allocation by its id."""

    balance: Balance
    original_total: Money
    paid_total: Money
    payments: dict[str, Allocation] = Field(default_factory=dict)

    @classmethod
    def opening(cls, overdue: Overdue) -> Ledger:
        balance = Balance.from_overdue(overdue)
        return cls(balance=balance, original_total=balance.total, paid_total=Money.zero(balance.currency))

    @property
    def currency(self) -> str:
        return self.balance.currency

    def apply(self, payment_id: str, amount: Money) -> Allocation:
        """Allocate a new payment down the waterfall and record it."""
        allocation, self.balance = allocate(self.balance, amount)
        self.paid_total = self.paid_total + allocation.applied
        self.payments[payment_id] = allocation
        return allocation


class Promises(_Part):
    items: list[PromiseState] = Field(default_factory=list)
    paused_at: datetime | None = None  # the reminder ladder is paused while a promise is pending

    def pending(self) -> PromiseState | None:
        return next((p for p in self.items if p.status == "pending"), None)

    def get(self, promise_id: str) -> PromiseState | None:
        return next((p for p in self.items if p.promise_id == promise_id), None)

    def replace(self, promise: PromiseState) -> None:
        self.items = [promise if p.promise_id == promise.promise_id else p for p in self.items]

    @property
    def broken(self) -> int:
        return sum(1 for p in self.items if p.status == "broken")


class Ladder(_Part):
    index: int = 0  # next step to run
    shift_seconds: float = 0.0  # pauses (promises) push the remaining steps later


class Review(_Part):
    negotiation_ends_on: date | None = None
    decisions: list[str] = Field(default_factory=list)  # decision ids applied (idempotency)
    entered: int = 0  # how many times legal review began


class Referral(_Part):
    count: int = 0  # referrals made so far; the next child is number count + 1
    current: ReferralView | None = None
    last: ReferralEnded | None = None  # the last one that ended without the firm taking the matter
    reports: list[str] = Field(default_factory=list)  # child report keys applied (idempotency)
    children: list[str] = Field(default_factory=list)  # child workflow ids still running, in start order


class LetterOrder(_Part):
    """A letter to send: which kind, for which step, with what extra parameters."""

    kind: str
    step: str  # business step, part of the document id: "notice", "step2", "closure"
    summary: str  # plain words for the timeline, e.g. "Collection notice"
    params: dict[str, Any] = Field(default_factory=dict)
    due_at: datetime | None = None  # when the step fell due (for lag)


class ReferralOrder(_Part):
    number: int
    firm: str
    actor: str
    reason: str = ""


class Effect(_Part):
    """One side effect still to do. Effects run in order; a failing one stops the queue."""

    key: str  # unique: "letter:notice", "referral:1", "cancel:<workflow id>"
    letter: LetterOrder | None = None
    referral: ReferralOrder | None = None
    cancel: str | None = None  # id of a child workflow to cancel
    job: LetterJob | None = None  # the letter as built: frozen once built, so retries store the same bytes
    revision: int = 0  # > 0: a retry that must not reuse the document id (its key holds other bytes)
    attempts: int = 0  # failed attempts so far (each one the activity's own retries, or a refusal)
    failing_since: datetime | None = None
    queued_at: datetime


class Outbox(_Part):
    """Projection records not yet written. Handlers append; a successful write removes what it sent."""

    opened: MatterOpened | None = None
    events: list[TimelineEvent] = Field(default_factory=list)
    payments: list[PaymentRecord] = Field(default_factory=list)
    promises: list[PromiseRecord] = Field(default_factory=list)
    documents: list[DocumentRef] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return self.opened is None and not (self.events or self.payments or self.promises or self.documents)

    def sent(self, opened: bool, events: int, payments: int, promises: int, documents: int) -> None:
        """Forget what a successful write carried (records added meanwhile stay)."""
        if opened:
            self.opened = None
        del self.events[:events]
        del self.payments[:payments]
        del self.promises[:promises]
        del self.documents[:documents]


class Published(_Part):
    """What the projection and Temporal's search attributes last received."""

    status_digest: str | None = None
    search: list[Any] | None = None
    failing_since: datetime | None = None  # projection writes failing since
    failures: int = 0
    retry_at: datetime | None = None


class MatterState(_Part):
    stage: Stage = "intake"
    closure_reason: ClosureReason | None = None
    clock: PolicyClock
    intake_days_past_due: int
    ledger: Ledger
    promises: Promises = Field(default_factory=Promises)
    ladder: Ladder = Field(default_factory=Ladder)
    review: Review = Field(default_factory=Review)
    referral: Referral = Field(default_factory=Referral)
    risk: RiskAssessment | None = None
    documents: list[DocumentRef] = Field(default_factory=list)
    first_demand_on: date | None = None  # the collection notice's date
    effects: list[Effect] = Field(default_factory=list)
    done: list[str] = Field(default_factory=list)  # keys of effects completed
    attention: Attention | None = None
    retries: list[str] = Field(default_factory=list)  # retry command ids applied
    # "<kind>:<command id>" -> digest of the command's body: the same id with another body is refused
    bodies: dict[str, str] = Field(default_factory=dict)
    outbox: Outbox = Field(default_factory=Outbox)
    published: Published = Field(default_factory=Published)
    seq: int = 0  # projection status sequence
    events_made: int = 0  # timeline events made (part of some event keys)
