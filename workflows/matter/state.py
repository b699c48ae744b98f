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

from activities.inputs import BundleRef, EmailJob, FirmEmailJob, LetterJob, SmsJob
from domain.accrual import Book, Payment, Reversal, Statement, Waiver
from domain.allocation import WATERFALL, Allocation, Balance, allocate
from domain.arrangements import AmendmentProposal, Approval, Proposal, SettlementProposal
from domain.contact import ContactAttempt
from domain.contract import Overdue
from domain.dates import PolicyClock
from domain.evidence import DocumentRef
from domain.holds import Hold
from domain.matter import ClosureReason, Stage
from domain.money import Money
from domain.parties import LawFirm
from domain.risk import RiskAssessment
from domain.status import (
    AccelerationView,
    Attention,
    ReferralEnded,
    ReferralView,
)
from store.records import MatterOpened, PaymentRecord, PromiseRecord, TimelineEvent
from workflows.children import DebtorPaid
from workflows.matter.parts import _Part
from workflows.matter.parts import digest as digest  # (re-exported: the handlers digest bodies)

# (the courts' parts live in state_court.py; re-exported for the handlers)
from workflows.matter.state_court import AssetRegister as AssetRegister
from workflows.matter.state_court import ClaimFacts as ClaimFacts
from workflows.matter.state_court import ClaimOrder as ClaimOrder
from workflows.matter.state_court import FilingOrder as FilingOrder
from workflows.matter.state_court import GuarantorClaims as GuarantorClaims
from workflows.matter.state_court import HandOver as HandOver
from workflows.matter.state_court import ProceedingOrder as ProceedingOrder
from workflows.matter.state_court import Proceedings as Proceedings
from workflows.matter.state_court import Unwinding as Unwinding

PromiseStatus = Literal["pending", "kept", "broken", "superseded"]


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
    """The money: what is owed by bucket, what was paid, each payment's allocation by its id.

    Matters opened since accrual (`book` set) grow day by day: `book` holds the opening balance,
    the terms and every entry, and `balance` is its statement on `as_of` (refreshed whenever the
    workflow wakes, and before every letter). Older matters have no book and never accrue.
    """

    balance: Balance
    original_total: Money
    paid_total: Money
    payments: dict[str, Allocation] = Field(default_factory=dict)
    book: Book | None = None
    as_of: date | None = None
    reversals: dict[str, str] = Field(default_factory=dict)  # reversal id -> the payment it reversed
    received_on: dict[str, date] = Field(default_factory=dict)  # payment id -> the date given with it
    unapplied: Money | None = None  # overpayments held for refund (matters with a book)

    @property
    def received(self) -> Money:
        """Everything paid and not reversed, overpayments included."""
        return self.paid_total + (self.unapplied or Money.zero(self.currency))

    @classmethod
    def opening(cls, overdue: Overdue) -> Ledger:
        balance = Balance.from_overdue(overdue)
        return cls(balance=balance, original_total=balance.total, paid_total=Money.zero(balance.currency))

    @property
    def currency(self) -> str:
        return self.balance.currency

    def apply(self, payment_id: str, amount: Money, received_on: date | None = None,
              today: date | None = None) -> Allocation:
        """Allocate a new payment down the waterfall and record it.

        With a book, the payment is an entry dated `received_on` (the intake date if earlier: the
        intake's figures are as of then), and its allocation is the one the statement gives it."""
        if self.book is None or received_on is None or today is None:
            allocation, self.balance = allocate(self.balance, amount)
            self.paid_total = self.paid_total + allocation.applied
            self.payments[payment_id] = allocation
            return allocation
        # Dated within the matter's days: the intake's figures are as of its start, and a date ahead of
        # the borrower's today (another time zone's today) counts from today.
        entry = Payment(id=payment_id, on=min(max(received_on, self.book.start), max(today, self.book.start)),
                        amount=amount)
        self.received_on[payment_id] = received_on
        self.book = self.book.add(entry)
        stmt = self._take(today)
        allocation = next(line.allocation for line in stmt.lines
                          if line.entry_id == payment_id and line.allocation is not None)
        self.payments[payment_id] = allocation
        return allocation

    def reverse(self, reversal_id: str, payment_id: str, on: date, reason: str, today: date) -> Allocation:
        """Undo a payment exactly (a bounced transfer); returns what it had paid, now owed again."""
        undone = self.payments[payment_id]
        self.reversals[reversal_id] = payment_id
        if self.book is None:
            b = self.balance
            self.balance = b.model_copy(update={k: getattr(b, k) + getattr(undone, k) for k in WATERFALL})
            self.paid_total = self.paid_total - undone.applied
            return undone
        paid_on = next(e.on for e in self.book.entries if isinstance(e, Payment) and e.id == payment_id)
        self.book = self.book.add(Reversal(id=f"reversal:{reversal_id}", payment_id=payment_id,
                                           on=min(max(on, paid_on), max(today, paid_on)), reason=reason))
        self._take(today)
        return undone

    def waive_rest(self, prefix: str, today: date) -> Money:
        """Forgive whatever is still owed today, bucket by bucket (a settlement kept to its end)."""
        assert self.book is not None
        self._take(today)
        waived = Money.zero(self.currency)
        for bucket in WATERFALL:
            owed: Money = getattr(self.balance, bucket)
            if owed.is_positive():
                self.book = self.book.add(Waiver(id=f"{prefix}-{bucket}", on=self.as_of or today,
                                                 bucket=bucket, amount=owed))  # type: ignore[arg-type]
                waived = waived + owed
        self._take(today)
        return waived

    def add_waivers(self, waivers: tuple[Waiver, ...], today: date) -> None:
        assert self.book is not None
        for w in waivers:
            owed: Money = getattr(self.book.on(max(w.on, self.book.start)).balance, w.bucket)
            amount = min(w.amount, owed, key=lambda m: m.amount)
            if amount.is_positive():
                self.book = self.book.add(w.model_copy(update={"amount": amount}))
        self._take(today)

    def reversed_ids(self) -> set[str]:
        return set(self.reversals.values())

    def refresh(self, today: date) -> None:
        """The balance as of `today` (no-op for matters without a book)."""
        if self.book is not None:
            self._take(today)

    def stop_accrual(self, on: date) -> None:
        """Nothing accrues after `on` (the matter closed)."""
        if self.book is not None and self.book.until is None:
            self.book = self.book.model_copy(update={"until": on})
            self._take(on)

    def statement(self, as_of: date) -> Statement | None:
        return None if self.book is None else self.book.on(max(as_of, self.book.start))

    def _take(self, today: date) -> Statement:
        assert self.book is not None
        as_of = max(today, self.book.start, self.book.last_entry_on() or self.book.start)
        stmt = self.book.on(as_of)
        self.balance, self.paid_total, self.as_of, self.unapplied = stmt.balance, stmt.paid, as_of, stmt.unapplied
        return stmt


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


class LawyersLetter(_Part):
    """A law firm's lawyer's letter: who ordered it, when its time to pay ends, and whether that passed."""

    letter_id: str
    number: int  # the referral
    firm: str
    document_id: str
    ordered_at: datetime
    respond_by: date  # the last day to pay it states
    actor: str
    ended: bool = False  # its time to pay has passed (recorded once)


class Referral(_Part):
    count: int = 0  # referrals made so far; the next child is number count + 1
    current: ReferralView | None = None
    last: ReferralEnded | None = None  # the last one that ended without the firm taking the matter
    reports: list[str] = Field(default_factory=list)  # child report keys applied (idempotency)
    children: list[str] = Field(default_factory=list)  # child workflow ids still running, in start order
    recalls: dict[str, int] = Field(default_factory=dict)  # recall id -> the referral number it recalled
    lawyers_letters: list[LawyersLetter] = Field(default_factory=list)  # in the order the firms sent them
    firms: dict[int, LawFirm] = Field(default_factory=dict)  # referral number -> the firm's record when referred
    instructed: dict[int, FirmEmailJob] = Field(default_factory=dict)  # referral number -> its instruction e-mail


class Arrangement(_Part):
    """One settlement, amendment or write-off: proposed, decided by authority, signed, then performed."""

    proposal: Proposal
    status: Literal["proposed", "approved", "rejected", "effective", "kept", "breached"] = "proposed"
    approvals: list[Approval] = Field(default_factory=list)
    approval_ids: list[str] = Field(default_factory=list)  # idempotency of decisions
    warnings: tuple[str, ...] = ()
    approved_on: date | None = None
    signed_on: date | None = None
    document_id: str | None = None  # the signed copy in the evidence
    paid_at_start: Money | None = None  # the ledger's paid total when it took effect
    received_at_proposal: Money | None = None  # the ledger's received total when it was proposed
    next_due: int = 0  # index of the next instalment to check at its deadline
    shift_seconds: float = 0.0  # holds since it took effect push its deadlines later
    reason: str | None = None
    number: int = 1  # 1 for the matter's first arrangement, ... (part of letter ids)
    mediation: int | None = None  # in effect by the mediation agreement of this proceeding

    def instalments(self) -> list[tuple[int, date, Money]]:
        p = self.proposal
        if isinstance(p, SettlementProposal):
            return [(i.number, i.due_on, i.amount) for i in p.instalments]
        if isinstance(p, AmendmentProposal):
            return [(r.number, r.due_on, r.total) for r in p.rows]
        return []

    def due_through(self, index: int) -> Money:
        """What the instalments up to and including `index` add up to."""
        rows = self.instalments()
        total = Money.zero(self.proposal.balance.currency)
        for _, _, amount in rows[: index + 1]:
            total = total + amount
        return total


class LetterOrder(_Part):
    """A letter to send: which kind, for which step, with what extra parameters."""

    kind: str
    step: str  # business step, part of the document id: "notice", "step2", "closure"
    summary: str  # plain words for the timeline, e.g. "Collection notice"
    params: dict[str, Any] = Field(default_factory=dict)
    due_at: datetime | None = None  # when the step fell due (for lag)


class MessageOrder(_Part):
    """A reminder to send by e-mail or SMS for a ladder step."""

    channel: Literal["email", "sms"]
    step: str  # "step3"
    summary: str
    due_at: datetime | None = None


class ContactCount(_Part):
    """A contact the team logged, to be counted in the borrower's budget across all matters (or, with
    `release`, a dropped message's reservation to be taken out of it)."""

    attempt_id: str
    channel: Literal["phone", "visit", "sms", "email"]
    at: datetime
    outcome: str | None = None
    release: bool = False  # not a contact made: a message's reservation released (it will not be sent)


class ReferralOrder(_Part):
    number: int
    firm: str
    actor: str
    reason: str = ""
    firm_details: LawFirm | None = None
    attention: str | None = None  # the partner the instruction is addressed to (else the firm)


class InstructOrder(_Part):
    """Send the firm its instruction: the evidence bundle (letter included), then the e-mail."""

    number: int
    firm: LawFirm
    letter_document_id: str
    pack_reference: str
    bundle: BundleRef | None = None  # once made: an e-mail retry sends the same bundle
    email: FirmEmailJob | None = None  # once built: every attempt sends the same bytes


class Effect(_Part):
    """One side effect still to do. Effects run in order; a failing one stops the queue."""

    key: str  # unique: "letter:notice", "referral:1", "cancel:<workflow id>"
    letter: LetterOrder | None = None
    message: MessageOrder | None = None
    contact: ContactCount | None = None  # count a logged contact in the borrower's budget
    referral: ReferralOrder | None = None
    cancel: str | None = None  # id of a child workflow to cancel
    instruct: InstructOrder | None = None  # the law firm's instruction (bundle and e-mail)
    proceeding: ProceedingOrder | None = None  # start a suit or an arbitration (its child)
    filing: FilingOrder | None = None  # draft a proceeding's filing (bundle, then the documents)
    hand_over: HandOver | None = None  # tell a proceeding's child which firm now acts in it
    claim: ClaimOrder | None = None  # start a guarantor claim (its child)
    claim_facts: ClaimFacts | None = None  # tell a guarantor claim's child the matter's news
    unwind: int | None = None  # run the unwinding's step n (the firm told, the children closed)
    paid_to: str | None = None  # tell this proceeding's child the debtor paid part (`paid`: its id and day)
    paid: DebtorPaid | None = None
    firm_email: FirmEmailJob | None = None  # another e-mail to the firm (a reminder to answer)
    job: LetterJob | None = None  # the letter as built: frozen once built, so retries store the same bytes
    message_job: EmailJob | SmsJob | None = None  # the message as built (frozen likewise)
    lawful_at: datetime | None = None  # a message: when the borrower's contact budget lets it go
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
    proceedings: Proceedings = Field(default_factory=Proceedings)
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
    arrangements: list[Arrangement] = Field(default_factory=list)
    acceleration: AccelerationView | None = None
    holds: list[Hold] = Field(default_factory=list)
    contacts: list[ContactAttempt] = Field(default_factory=list)
    contact_ids: list[str] = Field(default_factory=list)
    cease_contact_at: datetime | None = None  # the borrower asked to be contacted no more
    limitation_tracked: bool = False  # opened since the patch "limitation" (workflows/matter/limitation.py)
    limitation_warned: list[str] = Field(default_factory=list)  # "<last day>:<days before>" warnings given
    guarantees_tracked: bool = False  # opened since the patch "guarantee-periods" (workflows/matter/guarantees.py)
    guarantees_warned: list[str] = Field(default_factory=list)  # "<period>:<last day>:<days before>" given
    claims: GuarantorClaims = Field(default_factory=GuarantorClaims)  # one child per guarantor claimed against
    assets: AssetRegister = Field(default_factory=AssetRegister)  # the debtor's assets and the courts' measures
    unwinding: Unwinding | None = None  # closed with proceedings or measures running: what undoes them
    deliveries: dict[str, date] = Field(default_factory=dict)  # letter document id -> the day it reached the borrower
    held_since: datetime | None = None  # the clocks stopped at this instant (a hold became active)
    held_seconds: float = 0.0  # time held so far, added to every clock of the process
    recovered_after_write_off: Money | None = None
    closed_from: Stage | None = None  # the stage the matter was in when it last closed
    closed_at: datetime | None = None
    reopened: int = 0  # times a reversal re-opened the matter
