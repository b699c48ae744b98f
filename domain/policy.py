"""Escalation policies: versioned data (policies/*.yaml), never code.

A matter keeps the policy name and version it started with: the whole policy object
travels in the workflow input, so a later edit of the YAML file never changes a matter
in flight.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Channel = Literal["letter", "sms", "email", "phone_task"]


class LadderStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    day: int = Field(ge=1, description="policy days after the collection notice")
    channel: Channel
    template: str | None = Field(default=None, description="document kind for letters")
    name: str

    @model_validator(mode="after")
    def _letter_has_template(self) -> LadderStep:
        if self.channel == "letter" and not self.template:
            raise ValueError(f"ladder step {self.name!r} is a letter and needs a template")
        return self


class LegalReviewThresholds(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    min_outstanding: Decimal = Field(default=Decimal(0), ge=0)
    min_days_past_due: int = Field(default=0, ge=0)


class ContactRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    start_hour: int = Field(default=8, ge=0, le=23)
    end_hour: int = Field(default=21, ge=1, le=24)
    max_attempts_per_7_days: int = Field(default=7, ge=1)


class EscalationPolicy(BaseModel):
    """One version of one policy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: int = Field(ge=1)
    description: str = ""
    day_seconds: int = Field(default=86400, ge=1, description="length of one policy day in seconds")
    ladder: tuple[LadderStep, ...]
    negotiation_days: int = Field(ge=1)
    promise_grace_days: int = Field(ge=0)
    legal_review: LegalReviewThresholds = LegalReviewThresholds()
    contact: ContactRules = ContactRules()
    dpd_refresh_days: int = Field(default=1, ge=1, description="how often DaysPastDue is refreshed")

    @model_validator(mode="after")
    def _ordered(self) -> EscalationPolicy:
        days = [s.day for s in self.ladder]
        if days != sorted(days):
            raise ValueError("ladder steps must be in day order")
        return self

    @property
    def ladder_days(self) -> int:
        return self.ladder[-1].day if self.ladder else 0

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> EscalationPolicy:
        return cls.model_validate(data)
