"""The child workflows' public face: the referral to a law firm (`workflows/referral.py`), a suit or an
arbitration (`workflows/proceeding.py`), and what a child reports to its parent (`ChildReport`).

Re-exported by `workflows.contracts`, which the API and the CLI import; kept apart so each reads on its own.
Every model is frozen and every new field gets a default, so old histories keep decoding.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.dates import PolicyClock
from domain.deadlines import Deadline, RestDays
from domain.guarantor_claims import ClaimEvent, Standing
from domain.money import Money
from domain.parties import Guarantor, LawFirm
from domain.proceedings import Event, Forum, Proceeding
from domain.text import PlainText


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class _Given(BaseModel):
    """What a caller gives a draft beyond the record (the API takes these bodies as they are): unknown
    fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# ---- the referral child ------------------------------------------------------------------------

ReferralAnswer = Literal["accept", "decline"]
ReportKind = Literal["instructed", "reminded", "accepted", "declined", "lapsed", "closed",
                     # a proceeding's: an event recorded, its decision effective, a hearing near
                     "proceeding_event", "effective", "hearing_soon",
                     # the time to file after a pre-suit preservation: near its end, or run out unfiled
                     "preservation_due", "preservation_lapsed",
                     # a guarantor claim's: an event recorded, where it stands now (held, refused, released)
                     "claim_event", "claim_standing"]


class ReferralInput(_Model):
    matter_id: str
    number: int = Field(ge=1)
    firm: str
    parent_workflow_id: str
    clock: PolicyClock
    answer_within_days: int = Field(ge=1)
    remind_after_days: int = Field(ge=1)
    instructed_by: str = "system"
    reason: str = ""
    firm_details: LawFirm | None = None  # the firm's particulars when referred (absent before firms were records)


class ReferralAnswerCommand(_Model):
    """A partner's answer to a referral: accept, or decline with a reason."""

    answer_id: str = Field(min_length=1, max_length=128)
    answer: ReferralAnswer
    firm: str = Field(description="the firm of the partner answering (from the API key)")
    reason: PlainText = Field(default="", max_length=2000)
    actor: str = "system"

    @model_validator(mode="after")
    def _reason_to_decline(self) -> ReferralAnswerCommand:
        if self.answer == "decline" and not self.reason.strip():
            raise ValueError("reason: required to decline a referral")
        return self


class ReferralAnswerResult(_Model):
    answer_id: str
    duplicate: bool
    status: str  # instructed, accepted, declined, lapsed, closed
    number: int
    firm: str


class ReferralSnapshot(_Model):
    matter_id: str
    number: int
    workflow_id: str
    firm: str
    status: str
    instructed_at: datetime
    answer_by: datetime
    remind_at: datetime
    answered_at: datetime | None = None
    answered_by: str | None = None


class ChildReport(_Model):
    """What a child workflow tells its parent (signal `child_report`); `key` makes it idempotent."""

    key: str
    workflow_id: str
    kind: ReportKind
    number: int
    firm: str
    at: datetime
    actor: str = "system"
    reason: str = ""
    answer_by: datetime | None = None
    firm_name: str = ""
    summary: str = ""  # a proceeding's event in plain words
    data: dict[str, Any] = Field(default_factory=dict)


# ---- the proceeding child (a suit or an arbitration) ----------------------------------------------

class StartProceedingCommand(_Model):
    """Start a suit or an arbitration on the matter (the firm's partner, or a manager).

    `forum` None: as the contract's dispute clause says (the court by law without one). A suit on a
    contract with an arbitration clause needs a manager's `override_reason` (e.g. the clause is void);
    `appeal_of`: the number of a proceeding whose decision was appealed (this is its second instance)."""

    proceeding_id: str = Field(min_length=1, max_length=128)
    forum: Forum | None = None
    override_reason: PlainText | None = Field(default=None, min_length=1, max_length=2000)
    appeal_of: int | None = Field(default=None, ge=1)
    firm: str | None = Field(default=None, description="the partner's firm (None: a manager)")
    actor: str = "system"


class FilingParticulars(_Given):
    """A natural person's particulars as a pleading states them. Gender and date of birth may be left out
    for a valid PRC resident ID number, which encodes them; the ethnicity (a PRC national) or the
    nationality (a foreigner) is always given: the record does not hold it."""

    gender: Literal["male", "female"] | None = Field(
        default=None, description="omit for a valid PRC resident ID number: read from it")
    born_on: date | None = Field(default=None, description="omit for a valid PRC resident ID number: read from it")
    ethnicity: PlainText | None = Field(default=None, min_length=1, max_length=32, description="民族 (PRC nationals)")
    nationality: PlainText | None = Field(default=None, min_length=1, max_length=100, description="a foreigner's")


class FilingAgent(_Given):
    """A lawyer of the firm appointed the creditor's agent in the suit (the power of attorney)."""

    name: PlainText = Field(min_length=1, max_length=200)
    licence_number: str = Field(pattern=r"^\d{17}$", description="律师执业证号: 17 digits")


class DraftFilingCommand(_Model):
    """Draft the filing of proceeding `number` from the matter's record: the complaint (a suit) or the
    arbitration application, the evidence bundle whose catalogue it encloses, and for a suit the power of
    attorney for the firm's lawyers. What the record lacks comes here."""

    draft_id: str = Field(min_length=1, max_length=128)
    number: int = Field(ge=1)
    representative: PlainText = Field(min_length=1, max_length=200)
    contact_person: PlainText = Field(min_length=1, max_length=200)
    contact_phone: PlainText = Field(min_length=1, max_length=64)
    borrower: FilingParticulars
    guarantors: list[FilingParticulars] = Field(default_factory=list, max_length=6)
    court: PlainText | None = Field(default=None, min_length=1, max_length=200)
    agents: list[FilingAgent] = Field(default_factory=list, max_length=2)
    special_authorisation: bool = False
    firm: str | None = None
    actor: str = "system"


class PreservedAsset(_Given):
    asset: int = Field(ge=0, le=99, description="the asset's position in the matter's record (0-based)")
    location: PlainText = Field(min_length=1, max_length=2000,
                                description="where it is: the bank and account, the registry and number, the address")


class PreservationSecurity(_Given):
    provider: PlainText = Field(min_length=1, max_length=500, description="who gives it, e.g. an insurer")
    instrument: PlainText = Field(min_length=1, max_length=200, description="e.g. 诉讼财产保全责任保险保函")
    reference: PlainText = Field(min_length=1, max_length=128)
    amount: Money


class SecurityExcuse(_Given):
    """In the case, the request that the court not require security (SPC Provisions on Property Preservation
    art. 9): (6) the applicant is a financial institution approved by the financial regulator, or its branch;
    (5) the facts are clear and the rights and obligations certain, so a wrongful preservation is unlikely."""

    ground: Literal["financial_institution", "clear_facts"]
    licence: PlainText | None = Field(default=None, min_length=1, max_length=64,
                                      description="financial_institution: the licence's institution code "
                                                  "(金融许可证机构编码)")
    reason: PlainText | None = Field(default=None, min_length=1, max_length=2000,
                                     description="clear_facts: the facts that make a wrongful preservation unlikely "
                                                 "(e.g. the borrower acknowledged the debt in writing)")


class _DraftByFiler(_Model):
    """What a filing drafted from the record needs of the filer: the command's id, the proceeding, who signs
    for the creditor and is contacted, and the borrower's particulars."""

    draft_id: str = Field(min_length=1, max_length=128)
    number: int = Field(ge=1)
    representative: PlainText = Field(min_length=1, max_length=200)
    contact_person: PlainText = Field(min_length=1, max_length=200)
    contact_phone: PlainText = Field(min_length=1, max_length=64)
    borrower: FilingParticulars


class DraftPreservationCommand(_DraftByFiler):
    """Draft the application for property preservation of proceeding `number` from the record: pre-suit
    while the case is not filed (CPL art. 104: security of the full amount), else in the case (art. 103)."""

    court: PlainText = Field(min_length=1, max_length=200)
    assets: list[PreservedAsset] = Field(min_length=1, max_length=20)
    preserve_amount: Money | None = None
    security: PreservationSecurity | None = None
    excused: SecurityExcuse | None = None  # in the case only: instead of security
    firm: str | None = None
    actor: str = "system"


class DraftPreservationResult(_Model):
    draft_id: str
    duplicate: bool
    number: int
    pre_suit: bool
    document_id: str


class EnforcedAsset(_Given):
    asset: int = Field(ge=1, le=999, description="the asset's number in the matter's register (from 1)")
    location: PlainText = Field(min_length=1, max_length=2000,
                                description="where it is: the bank and account, the registry and number, the address")


class DraftEnforcementCommand(_DraftByFiler):
    """Draft the application for compulsory enforcement (强制执行申请书) of proceeding `number`'s effective
    decision from the record: the decision's court or commission, case, dates and amounts, the time to perform,
    the doubled interest for the delay (CPL art. 264) to the day, what was paid since the decision."""

    court: PlainText = Field(min_length=1, max_length=200, description="the court applied to for enforcement")
    assets: list[EnforcedAsset] = Field(default_factory=list, max_length=20)
    firm: str | None = None
    actor: str = "system"


class DraftEnforcementResult(_Model):
    draft_id: str
    duplicate: bool
    number: int
    document_id: str
    late: bool  # after the two years of CPL art. 250: the court may still accept it, the debtor may object


class DebtorPaid(_Model):
    """The debtor paid part of what it owes (signal `proceeding_paid`, parent -> child): partial performance
    interrupts the time to apply for enforcement (CPL art. 250, which follows the rules of limitation)."""

    payment_id: str
    on: date


class CounselChange(_Model):
    """The firm that acts in a proceeding changed (signal `proceeding_counsel`, parent -> child): recalled
    from its firm (`firm` ""), none acts until another firm accepts the matter and takes the case over."""

    firm: str = ""
    firm_name: str = ""
    actor: str = "system"


class DraftFilingResult(_Model):
    draft_id: str
    duplicate: bool
    number: int
    kind: Literal["civil_complaint", "arbitration_application"]
    documents: list[str]  # the ids the drafts are stored under once made
    evidence_reference: str  # the evidence bundle's reference, as the filing cites it


class StartProceedingResult(_Model):
    proceeding_id: str
    duplicate: bool
    number: int
    forum: Forum
    instance: int
    workflow_id: str
    stage: str


class ProceedingInput(_Model):
    matter_id: str
    number: int = Field(ge=1)
    forum: Forum
    instance: Literal[1, 2] = 1
    firm: str
    firm_name: str = ""
    parent_workflow_id: str
    clock: PolicyClock
    started_on: date
    started_by: str = "system"
    hearing_reminder_days: int = Field(default=3, ge=1, le=30)
    preservation_warn_days: tuple[int, ...] = Field(
        default=(10, 5, 2), max_length=10, description="warnings this many days before the last day to file after "
                                                       "a pre-suit preservation (CPL art. 104)")
    rest_days: RestDays | None = Field(default=None, description="the rest-day calendar; None: China's "
                                                                 "(chinese-calendar, workflows/calendars.py)")


class ProceedingEventCommand(_Model):
    """One event of the proceeding, recorded by the firm's partner (or staff): see `domain.proceedings`."""

    event_id: str = Field(min_length=1, max_length=128)
    event: Event
    firm: str | None = Field(default=None, description="the partner's firm (None: staff)")
    actor: str = "system"


class ProceedingSnapshot(_Model):
    matter_id: str
    number: int
    workflow_id: str
    forum: Forum
    instance: int
    firm: str
    status: str  # open, decided, appealed, effective, closed
    proceeding: Proceeding
    effective_on: date | None = None
    deadlines: tuple[Deadline, ...] = ()
    calendar: str = ""


class ProceedingEventResult(_Model):
    event_id: str
    duplicate: bool
    snapshot: ProceedingSnapshot


# ---- the guarantor claim child (one per guarantor) -------------------------------------------------

class GuarantorClaimInput(_Model):
    matter_id: str
    number: int = Field(ge=1)
    guarantor: Guarantor
    main_due_on: date | None = None
    debtor_sued_on: date | None = None
    parent_workflow_id: str
    clock: PolicyClock
    started_by: str = "system"


class GuarantorFacts(_Model):
    """What the matter tells a claim (signal `guarantor_facts`): the main debt's due date (maturity, or a served
    acceleration) and the day a suit or arbitration against the debtor was filed."""

    main_due_on: date | None = None
    debtor_sued_on: date | None = None


class GuarantorEventCommand(_Model):
    event_id: str = Field(min_length=1, max_length=128)
    event: ClaimEvent
    actor: str = "system"


class GuarantorClaimSnapshot(_Model):
    """Where one claim stands (no personal data: the guarantor is its number on the matter's record)."""

    matter_id: str
    number: int
    workflow_id: str
    guarantee_type: str
    cap: Money | None = None
    standing: Standing
    why: str
    period: Deadline | None = None
    held_on: date | None = None
    events: tuple[ClaimEvent, ...] = ()
    closed: bool = False
    paid: Money | None = None  # what the guarantor paid into the matter's ledger (the matter's record; the API adds it)


class GuarantorEventResult(_Model):
    event_id: str
    duplicate: bool
    snapshot: GuarantorClaimSnapshot


class OpenClaimsCommand(_Model):
    """Open a claim against every guarantor on record that has none yet (one child workflow each)."""

    open_id: str = Field(min_length=1, max_length=128)
    note: PlainText = Field(default="", max_length=2000)
    actor: str = "system"


class DemandGuarantorCommand(_Model):
    """Send guarantor `number` the demand for performance (担保责任履行通知书) from the record."""

    demand_id: str = Field(min_length=1, max_length=128)
    number: int = Field(ge=1)
    guarantee_contract_number: PlainText = Field(min_length=1, max_length=128)
    guarantee_signed_on: date
    amount_claimed: Money | None = None
    pay_within_days: int = Field(default=10, ge=1, le=60)
    actor: str = "system"


class DemandGuarantorResult(_Model):
    demand_id: str
    duplicate: bool
    number: int
    document_id: str


class OpenClaimsResult(_Model):
    open_id: str
    duplicate: bool
    opened: tuple[int, ...] = ()  # the guarantors' numbers whose claims this opened
    claims: tuple[int, ...] = ()  # every guarantor's number with a claim


__all__ = [
    "ChildReport",
    "DemandGuarantorCommand",
    "DemandGuarantorResult",
    "GuarantorClaimInput",
    "GuarantorClaimSnapshot",
    "GuarantorEventCommand",
    "GuarantorEventResult",
    "GuarantorFacts",
    "OpenClaimsCommand",
    "OpenClaimsResult",
    "CounselChange",
    "DraftFilingCommand",
    "DraftPreservationCommand",
    "DraftPreservationResult",
    "DraftFilingResult",
    "FilingAgent",
    "FilingParticulars",
    "ProceedingEventCommand",
    "ProceedingEventResult",
    "ProceedingInput",
    "ProceedingSnapshot",
    "ReferralAnswer",
    "ReferralAnswerCommand",
    "ReferralAnswerResult",
    "ReferralInput",
    "ReferralSnapshot",
    "ReportKind",
    "StartProceedingCommand",
    "StartProceedingResult",
]
