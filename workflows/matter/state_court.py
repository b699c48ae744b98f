"""The parts of the matter state for the courts: its proceedings (and the orders to start them, draft their
filings and hand them over), the claims against its guarantors, and the asset register. Part of
`workflows/matter/state.py`, which holds them in `MatterState`."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from activities.inputs import BundleRef
from domain.assets import AssetRecord
from domain.status import GuarantorClaimView, ProceedingView
from domain.unwinding import Ruling, UnwindStep
from workflows.children import (
    DemandGuarantorResult,
    DraftEnforcementResult,
    DraftFilingResult,
    DraftPreservationResult,
)
from workflows.matter.parts import _Part


class ProceedingOrder(_Part):
    number: int
    forum: Literal["court", "arbitration"]
    instance: Literal[1, 2] = 1
    firm: str
    firm_name: str = ""
    actor: str
    started_on: date


class Proceedings(_Part):
    count: int = 0
    items: list[ProceedingView] = Field(default_factory=list)
    starts: dict[str, int] = Field(default_factory=dict)  # start command id -> the proceeding it started
    reports: list[str] = Field(default_factory=list)  # child report keys applied (idempotency)
    drafts: dict[str, DraftFilingResult] = Field(default_factory=dict)  # draft command id -> what it ordered
    preservations: dict[str, DraftPreservationResult] = Field(default_factory=dict)  # likewise, preservation
    # What the unwinding needs of each proceeding (from its reports): the enforcement running (court, case
    # number) and the preservation rulings.
    enforcing: dict[int, list[str]] = Field(default_factory=dict)
    rulings: dict[int, list[Ruling]] = Field(default_factory=dict)
    appeals: dict[int, str] = Field(default_factory=dict)  # proceeding -> who appealed its decision
    ended: dict[int, list[str]] = Field(default_factory=dict)  # proceeding -> [enforcement case, day terminated]
    # Since patch "reinvestigation": proceeding -> the day its round was terminated, while none runs again; and
    # the tasks to look for property again given ("<proceeding>:<day>:<k>").
    reinvestigate: dict[int, date] = Field(default_factory=dict)
    decisions: dict[int, dict[str, Any]] = Field(default_factory=dict)  # proceeding -> its decision (the event)
    enforcement_drafts: dict[str, DraftEnforcementResult] = Field(default_factory=dict)
    reinvestigated: list[str] = Field(default_factory=list)


class FilingOrder(_Part):
    """Draft a proceeding's filing: the evidence bundle first (its catalogue is what the filing encloses),
    then the complaint or application, and the power of attorney for a suit."""

    number: int  # the proceeding
    step: str  # "filing-<proceeding>-<draft>": the letters' steps
    kind: Literal["civil_complaint", "arbitration_application"]
    reference: str  # the bundle's reference, as the filing cites it
    params: dict[str, Any]
    power_of_attorney: bool
    bundle: BundleRef | None = None  # once made: a retry does not make another


class HandOver(_Part):
    """Tell proceeding `number`'s child that `firm` now acts in it ("": none, after a recall)."""

    number: int
    workflow_id: str
    firm: str = ""
    firm_name: str = ""
    actor: str = "system"


class ClaimOrder(_Part):
    """Start the claim against guarantor `number` (its child workflow)."""

    number: int
    actor: str = "system"


class ClaimFacts(_Part):
    """Tell claim `number`'s child the main debt's due date and the day the debtor was sued."""

    number: int
    workflow_id: str
    main_due_on: date | None = None
    debtor_sued_on: date | None = None


class AssetRegister(_Part):
    """The asset register: `records` once anything was recorded (before: the intake's assets, untouched)."""

    tracked: bool = False  # opened since the patch "asset-register": the status lists the assets
    records: list[AssetRecord] = Field(default_factory=list)
    adds: dict[str, int] = Field(default_factory=dict)  # add command id -> the asset's number
    events: dict[str, int] = Field(default_factory=dict)  # event id -> the asset's number
    warned: list[str] = Field(default_factory=list)  # "<asset>:<measure end>:<days before>" warnings given
    proceeds: dict[int, list[str]] = Field(default_factory=dict)  # asset -> the distributions it fetched (their ids)


class Unwinding(_Part):
    """A closed matter's unwinding (domain/unwinding.py): its steps in order, and the assets whose lift was
    applied for (the day), chased until the court's release is recorded or the measure runs out."""

    ground: Literal["paid", "settled", "cured", "withdrawn"]
    closed_on: date
    steps: list[UnwindStep] = Field(default_factory=list)
    lifted: dict[int, date] = Field(default_factory=dict)  # asset number -> the day its lift was applied for
    chased: list[str] = Field(default_factory=list)  # "<asset>:<n>" reminders given


class GuarantorClaims(_Part):
    items: list[GuarantorClaimView] = Field(default_factory=list)
    opens: dict[str, list[int]] = Field(default_factory=dict)  # open command id -> the claims it opened
    demands: dict[str, DemandGuarantorResult] = Field(default_factory=dict)  # demand command id -> its letter
    payers: dict[str, int] = Field(default_factory=dict)  # payment id -> the guarantor who paid it
    reports: list[str] = Field(default_factory=list)  # child report keys applied (idempotency)


__all__ = ["AssetRegister", "ClaimFacts", "ClaimOrder", "FilingOrder", "GuarantorClaims", "HandOver",
           "ProceedingOrder", "Proceedings", "Unwinding"]
