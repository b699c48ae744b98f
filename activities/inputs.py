"""Activity names and inputs: what workflows may import (no I/O libraries here)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SerializeAsAny, model_validator

from documents.base import LetterBase
from documents.registry import context_from_data
from domain.allocation import Balance
from domain.contact import ContactAttempt, ContactChannel, ContactLimits, ContactOutcome
from domain.matter import MatterIntake
from domain.money import Money
from domain.parties import Locale
from domain.text import PlainText

PROJECT = "project"
STORE_LETTER = "store_letter"
RENDER_LETTER = "render_and_store_letter"  # matters started before workflow v2 (LetterRequest)
SEND_EMAIL = "send_email"
SEND_SMS = "send_sms"
MAKE_INSTRUCTION_BUNDLE = "make_instruction_bundle"  # a referral's evidence bundle (activities/matter.py)
SEND_FIRM_EMAIL = "send_firm_email"  # e-mails to the law firm: instruction, reminders (activities/notify.py)
RESERVE_CONTACT = "reserve_contact"  # a contact attempt in the borrower's budget (activities/contact.py)
# The borrower's contact budget: one entity workflow per person, across all of the person's matters.
BORROWER_WORKFLOW = "BorrowerContacts"
UPDATE_RESERVE_CONTACT = "reserve_contact"
QUERY_CONTACT_BUDGET = "contact_budget"


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


# ---- notifications: e-mail and SMS reminders (activities/notify.py) --------------------------------


class ReminderFacts(BaseModel):
    """What a payment reminder (e-mail or SMS) says: the borrower's name, the matter's reference, the
    amount outstanding and the pay-by date, and who is writing.

    Deliberately not the borrower's ID number, address or contract details: a message can be read
    on a lock screen or by whoever shares the phone. Build it with `from_intake` where the intake is
    at hand. The workflow takes the amount and the date from one instant, like a letter's.
    """

    model_config = ConfigDict(frozen=True)

    borrower_name: PlainText = Field(min_length=1, max_length=2000)
    creditor_name: PlainText = Field(min_length=1, max_length=500)
    creditor_phone: PlainText | None = Field(default=None, max_length=64)
    reference: PlainText = Field(min_length=1, max_length=40)  # the matter's reference, e.g. RC-1A2B3C4D
    outstanding: Money
    pay_by: date

    @classmethod
    def from_intake(cls, intake: MatterIntake, *, reference: str, outstanding: Money, pay_by: date) -> ReminderFacts:
        return cls(
            borrower_name=intake.borrower.name,
            creditor_name=intake.creditor.name,
            creditor_phone=intake.creditor.phone,
            reference=reference,
            outstanding=outstanding,
            pay_by=pay_by,
        )


class EmailJob(BaseModel):
    """One reminder e-mail: built, kept as evidence, then sent once (activity `send_email`).

    `message_id` is its business identity (`<matter>-reminder-2-email`: letters, digits, `.`, `_`,
    `-`): it names the evidence object and makes the Message-ID header. `dated` is the Date header,
    taken by the workflow (`workflow.now()`), so every attempt makes the same bytes. `to` is the
    borrower's address (the history is encrypted); one that is not an address fails the activity
    non-retryably (`EmailInvalid`), not the workflow.
    """

    model_config = ConfigDict(frozen=True)

    matter_id: str = Field(min_length=1, max_length=100)
    message_id: str = Field(min_length=1, max_length=200)
    to: str = Field(min_length=1, max_length=320)
    locale: Locale = "zh-CN"
    facts: ReminderFacts
    dated: AwareDatetime


class SmsJob(BaseModel):
    """One reminder SMS through the configured gateway (activity `send_sms`); same identity rules as `EmailJob`.

    `to` is the borrower's phone number (digits, spaces, `+`, `-`, brackets; else `SmsInvalid`).
    """

    model_config = ConfigDict(frozen=True)

    matter_id: str = Field(min_length=1, max_length=100)
    message_id: str = Field(min_length=1, max_length=200)
    to: str = Field(min_length=1, max_length=64)
    locale: Locale = "zh-CN"
    facts: ReminderFacts


class MessageSent(BaseModel):
    """What was sent and where its evidence is: what the workflow records (never the text itself).

    `bucket`/`key`/`version_id`/`sha256`/`size` name the exact bytes sent (the `.eml` of an e-mail,
    the UTF-8 text of an SMS), stored before sending. `response` is the SMTP server's final reply
    (`250 ...`) or the SMS gateway's receipt; `via` is `smtp` or the gateway kind (`local` sends
    nothing: it records). `already_sent`: an earlier attempt had sent it, so this one sent nothing.
    """

    model_config = ConfigDict(frozen=True)

    channel: Literal["email", "sms"]
    matter_id: str
    message_id: str
    bucket: str
    key: str
    version_id: str | None
    sha256: str
    size: int
    sent_at: datetime
    response: str
    via: str
    already_sent: bool = False


class ContactRequest(BaseModel):
    """A contact attempt on a matter, to be counted in its borrower's budget (activity `reserve_contact`).

    The activity finds the borrower's contact workflow (`borrower-<key>`, the key a keyed hash of the
    ID number: no personal data in the workflow ID) and reserves the attempt there: `wished_at` is
    when the matter wants to make it; the answer says when it may lawfully happen (`ContactGrant`).
    `made`: the attempt already happened (the team logged a call): it is counted at `wished_at` as it
    is, and the answer says whether it went over the limit. `attempt_id` makes the request idempotent:
    the same id and `wished_at` give the same answer; the same id with another `wished_at` moves the
    reservation (a message that waited for a hold to end asks again); `release` cancels it (the
    message will not be sent: it no longer counts).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    matter_id: str = Field(min_length=1, max_length=100)
    attempt_id: str = Field(min_length=1, max_length=300)
    id_number: PlainText = Field(min_length=1, max_length=64)  # the borrower's (PII: encrypted payloads only)
    channel: ContactChannel
    wished_at: AwareDatetime
    timezone: str = "Asia/Shanghai"
    limits: ContactLimits = ContactLimits()
    made: bool = False
    release: bool = False  # the reserved attempt will not be made (the matter closed while it waited)
    outcome: ContactOutcome | None = None


class BorrowerContactUpdate(BaseModel):
    """The update the borrower's contact workflow answers: a `ContactRequest` without the ID number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    matter_id: str
    attempt_id: str
    channel: ContactChannel
    wished_at: AwareDatetime
    timezone: str = "Asia/Shanghai"
    limits: ContactLimits = ContactLimits()
    made: bool = False
    release: bool = False
    outcome: ContactOutcome | None = None


class ContactGrant(BaseModel):
    """When a reserved contact may lawfully happen, why it moved, and the borrower's count of attempts.

    `allowed_at` is `wished_at` when nothing stood in the way; `reasons` say what moved it (the
    contact hours, the attempts per rolling 7 days across all the borrower's matters). For an attempt
    already `made`, `allowed_at` is when it was made and `over_limit` says whether it broke the limit.
    `attempts_in_7_days`: the borrower's attempts in the 7 days up to `allowed_at`, this one included.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    attempt_id: str
    wished_at: AwareDatetime
    allowed_at: AwareDatetime
    reasons: tuple[str, ...] = ()
    over_limit: bool = False
    attempts_in_7_days: int = 0


class BorrowerContacts(BaseModel):
    """The state of a borrower's contact workflow, carried over continue-as-new: the attempts that can
    still share a 7-day window with a new one (with their ids) and the answers given for them."""

    model_config = ConfigDict(extra="forbid")

    attempts: dict[str, ContactAttempt] = Field(default_factory=dict)
    grants: dict[str, ContactGrant] = Field(default_factory=dict)


# ---- the instruction to a law firm --------------------------------------------------------------
class BundleJob(BaseModel):
    """A referral's evidence bundle: everything on the matter when the firm is instructed (activity
    `make_instruction_bundle`). `required` names documents the bundle must hold (the instruction
    letter just stored): until the projection has them the activity fails, retryably. `created_at`
    is the workflow's time, so every attempt with the same evidence makes the same bytes."""

    model_config = ConfigDict(frozen=True)

    matter_id: str = Field(min_length=1, max_length=100)
    number: int = Field(ge=1)  # the referral (or the proceeding, prefix "P")
    reference: str = Field(min_length=1, max_length=100)  # the evidence pack's reference, as the letter cites it
    prefix: Literal["R", "P"] = "R"  # the bundle's id: R<referral>-<sha> or P<proceeding>-<sha>
    locale: Locale = "zh-CN"
    created_at: AwareDatetime
    created_by: str = "system"
    required: tuple[str, ...] = ()


class BundleRef(BaseModel):
    """A stored evidence bundle: its id (content-addressed: `R<n>-<sha256 prefix>`), bytes and size."""

    model_config = ConfigDict(frozen=True)

    bundle_id: str
    bucket: str
    key: str
    version_id: str | None
    sha256: str
    size: int
    item_count: int


class HearingFacts(BaseModel):
    """A hearing near, as the firm's reminder e-mail states it: the proceeding, the case number and the
    court or commission once filed, the day and the place. Nothing about the borrower."""

    model_config = ConfigDict(frozen=True)

    proceeding: int = Field(ge=1)  # the proceeding's number in the matter
    forum: Literal["court", "arbitration"] = "court"
    instance: int = Field(default=1, ge=1, le=2)
    on: date
    place: str | None = None
    case_number: str | None = None  # once filed
    body: str | None = None  # the court or the commission, once filed


class UnwoundDocument(BaseModel):
    """One application of a closed matter's unwinding, as the firm's e-mail lists it."""

    model_config = ConfigDict(frozen=True)

    words: str  # what it asks, of which court
    document_id: str
    sha256: str


class UnwindingFacts(BaseModel):
    """The matter closed with proceedings or measures running: why, on which day, and the applications the
    firm is to file (each stored in the matter's record). Nothing about the borrower."""

    model_config = ConfigDict(frozen=True)

    ground: Literal["paid", "settled", "cured", "withdrawn"]
    closed_on: date
    documents: tuple[UnwoundDocument, ...] = ()


class FirmEmailJob(BaseModel):
    """The e-mail telling a law firm it is instructed (activity `send_firm_email`): which matter,
    the instruction letter and the evidence bundle with their SHA-256, and where its partners fetch
    them. No borrower data beyond the matter's reference: the documents carry the rest.

    The same job, copied from the instruction, makes the firm's other e-mails: `answer_by`, a reminder
    that the instruction is not answered; `hearing`, a reminder of a hearing in the firm's case (its own
    words: `activities/firm_messages.py`)."""

    model_config = ConfigDict(frozen=True)

    matter_id: str = Field(min_length=1, max_length=100)
    message_id: str = Field(min_length=1, max_length=200)
    to: str = Field(min_length=1, max_length=320)
    firm_name: str
    locale: Locale = "zh-CN"
    creditor_name: str
    matter_reference: str
    contract_number: str
    number: int = Field(ge=1)
    answer_within_days: int = Field(ge=1)
    letter_document_id: str
    letter_sha256: str
    pack_reference: str
    bundle: BundleRef
    dated: AwareDatetime
    answer_by: AwareDatetime | None = None  # a reminder: the firm has not answered; it must by then
    hearing: HearingFacts | None = None  # a hearing reminder (since patch "hearing-reminder-email")
    unwinding: UnwindingFacts | None = None  # the matter closed: the applications that undo its steps
