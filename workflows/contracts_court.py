"""The matter workflow's commands on the court side: taking a matter back from its firm, the firm's lawyer's
letter, and the register of the debtor's assets. Re-exported by `workflows/contracts.py` (import them from
there, like every other command)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from domain.assets import AssetEvent
from domain.parties import Asset
from domain.status import AssetView, MatterStatus
from domain.text import PlainText


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class AddAssetCommand(_Model):
    asset_id: str = Field(min_length=1, max_length=128)
    asset: Asset
    discovered_on: date
    actor: str = "system"


class AddAssetResult(_Model):
    asset_id: str
    duplicate: bool
    number: int


class AssetEventCommand(_Model):
    event_id: str = Field(min_length=1, max_length=128)
    number: int = Field(ge=1, le=999)
    event: AssetEvent
    actor: str = "system"


class AssetEventResult(_Model):
    event_id: str
    duplicate: bool
    asset: AssetView

class RecallCommand(_Model):
    """A manager takes the matter back from the firm it is referred to (the firm loses it at once)."""

    recall_id: str = Field(min_length=1, max_length=128)
    reason: PlainText = Field(min_length=1, max_length=2000)
    actor: str = "system"


class RecallResult(_Model):
    recall_id: str
    duplicate: bool
    number: int
    firm: str
    stage: str
    firm_name: str = ""
    # The status after the recall, for the API to write to the projection at once (so the firm's
    # partners lose the matter before the workflow's own write lands); None on a replay.
    seq: int | None = None
    status: MatterStatus | None = None


class LawyersLetterCommand(_Model):
    """A partner of the firm the matter is referred to orders the firm's lawyer's letter (律师函)."""

    letter_id: str = Field(min_length=1, max_length=128)
    firm: str = Field(description="the firm of the partner ordering it (from the API key)")
    lawyer_name: PlainText = Field(min_length=1, max_length=200)
    licence_number: PlainText = Field(min_length=1, max_length=64)
    respond_within_days: int = Field(ge=1, le=60)
    actor: str = "system"


class LawyersLetterResult(_Model):
    letter_id: str
    duplicate: bool
    number: int  # the referral
    document_id: str  # the letter, once stored
    respond_by: date  # the last day to pay it states


__all__ = ["AddAssetCommand", "AddAssetResult", "AssetEventCommand", "AssetEventResult", "LawyersLetterCommand",
           "LawyersLetterResult", "RecallCommand", "RecallResult"]
