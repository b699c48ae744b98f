"""Request and response bodies of the law firms' routes (`/firms`), of a referral's answer, lawyer's letter
and recall, and of suits and arbitrations (`/matters/{id}/proceedings`); re-exported by `api.schemas`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.money import Money
from domain.proceedings import Event as ProceedingEvent
from domain.text import PlainText
from workflows.children import (
    EnforcedAsset,
    FilingAgent,
    FilingParticulars,
    PreservationSecurity,
    PreservedAsset,
    SecurityExcuse,
)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# ---- referrals: the firm's answer, its lawyer's letter, a recall ----------------------------------
class ReferralAcceptCreate(_Input):
    note: PlainText = Field(default="", max_length=2000)


class ReferralDeclineCreate(_Input):
    reason: PlainText = Field(min_length=1, max_length=2000, description="why the firm declines (kept with the matter)")


class ReferralAnswerPublic(BaseModel):
    answer_id: str
    duplicate: bool
    status: str = Field(description="accepted or declined")
    number: int
    firm: str


class LawyersLetterCreate(_Input):
    lawyer_name: PlainText = Field(min_length=1, max_length=200, description="the lawyer in charge, who signs")
    licence_number: PlainText = Field(min_length=1, max_length=64,
                                      description="the lawyer's licence to practise (律师执业证号)")
    respond_within_days: int = Field(default=7, ge=1, le=60,
                                     description="the time to pay the letter gives, in days from its date")


class LawyersLetterPublic(BaseModel):
    letter_id: str
    duplicate: bool
    number: int = Field(description="the referral")
    document_id: str = Field(description="the letter (GET /documents/{id}/content once stored)")
    respond_by: date = Field(description="the last day to pay it states")


class RecallCreate(_Input):
    reason: PlainText = Field(min_length=1, max_length=2000, description="why the matter is taken back (kept)")


class RecallPublic(BaseModel):
    recall_id: str
    duplicate: bool
    number: int = Field(description="the referral recalled")
    firm: str = Field(description="the firm that lost the matter")
    stage: str = Field(description="the matter's stage now (legal_review: a manager decides what next)")


# ---- law firms -----------------------------------------------------------------------------------
class FirmCreate(_Input):
    name: PlainText = Field(min_length=1, max_length=200, description="the firm's name as its letters carry it")
    address: PlainText = Field(default="", max_length=500, description="its address (its letterhead)")
    email: PlainText = Field(default="", max_length=254, description="where instructions are e-mailed")
    phone: PlainText = Field(default="", max_length=64)
    fee_arrangement: PlainText = Field(
        default="", max_length=2000,
        description="the fee terms agreed with the firm, as its instruction letters state them (needed to refer)")


class FirmUpdate(_Input):
    name: PlainText | None = Field(default=None, min_length=1, max_length=200)
    address: PlainText | None = Field(default=None, max_length=500)
    email: PlainText | None = Field(default=None, max_length=254)
    phone: PlainText | None = Field(default=None, max_length=64)
    fee_arrangement: PlainText | None = Field(default=None, max_length=2000)
    disabled: bool | None = Field(
        default=None, description="true: no new referrals or partner keys (matters it holds stay until recalled)")


class FirmPartner(BaseModel):
    key_id: str
    name: str
    created_at: datetime


class FirmPublic(BaseModel):
    id: str
    name: str
    address: str
    email: str
    phone: str
    fee_arrangement: str
    disabled: bool
    created_at: datetime
    updated_at: datetime
    partners: list[FirmPartner] = Field(description="the active partner keys acting for the firm")


class FirmsPublic(BaseModel):
    data: list[FirmPublic]
    count: int


# ---- proceedings -----------------------------------------------------------------------------------
class ProceedingCreate(_Input):
    forum: Literal["court", "arbitration"] | None = Field(
        default=None, description="omitted: as the contract's dispute clause says (the court by law without one)")
    override_reason: PlainText | None = Field(
        default=None, min_length=1, max_length=2000,
        description="managers only: why a court hears it despite the contract's arbitration clause")
    appeal_of: int | None = Field(default=None, ge=1, description="the appealed proceeding this is the second "
                                                                  "instance of")


class ProceedingEventCreate(_Input):
    event: ProceedingEvent = Field(description="one event; `kind` says which: preserved (property preservation "
                                               "before the filing or in the case), filed, hearing, decided, "
                                               "served, appealed")


class FilingDraftCreate(_Input):
    """What the record does not hold; everything else in the filing is the record's."""

    representative: PlainText = Field(min_length=1, max_length=200, description="the creditor's 负责人 (a branch) or "
                                                                              "法定代表人, who signs")
    contact_person: PlainText = Field(min_length=1, max_length=200)
    contact_phone: PlainText = Field(min_length=1, max_length=64)
    borrower: FilingParticulars
    guarantors: list[FilingParticulars] = Field(default_factory=list, max_length=6,
                                            description="a suit: one per guarantor on record, in its order")
    court: PlainText | None = Field(default=None, min_length=1, max_length=200,
                                    description="a suit: the court with jurisdiction, when the contract agrees none")
    agents: list[FilingAgent] = Field(default_factory=list, max_length=2,
                                  description="a suit: the firm's lawyers the power of attorney appoints")
    special_authorisation: bool = Field(default=False, description="the agents may settle, admit, waive or appeal "
                                                                   "(CPL art. 62)")


class _ByFiler(_Input):
    """Who signs for the creditor and is contacted, and the borrower's particulars: what no record holds."""

    representative: PlainText = Field(min_length=1, max_length=200)
    contact_person: PlainText = Field(min_length=1, max_length=200)
    contact_phone: PlainText = Field(min_length=1, max_length=64)
    borrower: FilingParticulars


class PreservationDraftCreate(_ByFiler):
    """What the record does not hold: who signs and is contacted, the borrower's particulars, the court, which
    of the record's assets and where they are, the security (or, in the case, the request to be excused from it)."""

    court: PlainText = Field(min_length=1, max_length=200)
    assets: list[PreservedAsset] = Field(min_length=1, max_length=20)
    preserve_amount: Money | None = Field(default=None, description="omitted: the whole claim")
    security: PreservationSecurity | None = Field(default=None, description="the security offered; pre-suit it is "
                                                                            "required, of the full amount")
    excused: SecurityExcuse | None = Field(default=None, description="in the case, instead of security: the ground "
                                                                     "(SPC Provisions on Property Preservation art. 9) "
                                                                     "and the fact that shows it")


class EnforcementDraftCreate(_ByFiler):
    """What the record does not hold: who signs and is contacted, the borrower's particulars, the court applied
    to, and which of the register's assets are known and where they are."""

    court: PlainText = Field(min_length=1, max_length=200, description="the court applied to for enforcement")
    assets: list[EnforcedAsset] = Field(default_factory=list, max_length=20,
                                        description="the register's assets (by number) and where each is")


__all__ = [
    "EnforcementDraftCreate",
    "PreservationDraftCreate",
    "FilingDraftCreate",
    "ReferralAcceptCreate",
    "ReferralDeclineCreate",
    "ReferralAnswerPublic",
    "LawyersLetterCreate",
    "LawyersLetterPublic",
    "RecallCreate",
    "RecallPublic",
    "FirmCreate",
    "FirmUpdate",
    "FirmPartner",
    "FirmPublic",
    "FirmsPublic",
    "ProceedingCreate",
    "ProceedingEventCreate",
]
