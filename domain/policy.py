"""Escalation policies: versioned data (policies/*.yaml), never code.

A matter keeps the policy name and version it started with: the whole policy object
travels in the workflow input, so a later edit of the YAML file never changes a matter
in flight. New sections therefore get defaults (old inputs still decode), and a field that
is no longer used stays, ignored, for the same reason (see `dpd_refresh_days`).

The rules here are the pure ones (ranges, order, windows). `PolicyError` reports every
broken rule as `<source>: <field path>: <reason>`; the loader (store/policies.py) adds the
file-level rules and the start-up check that every document kind a policy names exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from domain.accrual import AccrualPolicy
from domain.arrangements import ArrangementRules

Channel = Literal["letter", "sms", "email", "phone_task"]

# ---- errors --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One broken rule: where (file, field path such as `ladder[2].day`) and why."""

    source: str
    field: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.field}: {self.reason}" if self.field else f"{self.source}: {self.reason}"


class PolicyError(ValueError):
    """A policy is invalid. The message has one line per problem: `<source>: <field path>: <reason>`."""

    def __init__(self, problems: Iterable[PolicyProblem]) -> None:
        self.problems: tuple[PolicyProblem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def field_path(loc: Sequence[str | int]) -> str | None:
    """pydantic's location as a policy author reads it: `('ladder', 2, 'day')` -> `ladder[2].day`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or None


_SCALARS = (str, int, float, Decimal, bool, type(None))


def _reason(error: Any) -> str:
    kind, message, value = error["type"], error["msg"], error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (not part of the policy format)"
    if kind == "value_error":  # a plain ValueError raised by a validator: its own words
        return str(error["ctx"]["error"])
    if kind == "policy_rule":  # `_rule_error` below: the message already shows the values
        return message
    return f"{message} (got {value!r})" if isinstance(value, _SCALARS) else message


def validation_problems(exc: ValidationError, source: str) -> list[PolicyProblem]:
    """Every error of a policy's ValidationError, as problems naming the field and the reason."""
    return [PolicyProblem(source, field_path(e["loc"]), _reason(e)) for e in exc.errors()]


def _rule_error(model: str, loc: tuple[str | int, ...], reason: str, value: object) -> ValidationError:
    """A rule broken at `loc` (relative to the validated value), so the error names that field.

    pydantic keeps the locations of a ValidationError raised inside a validator, which a
    plain ValueError would lose (it would point at the whole list or model).
    """
    return _rule_errors(model, [(loc, reason, value)])


def _rule_errors(model: str, broken: Sequence[tuple[tuple[str | int, ...], str, object]]) -> ValidationError:
    details = [
        InitErrorDetails(type=PydanticCustomError("policy_rule", "{reason}", {"reason": reason}), loc=loc, input=value)
        for loc, reason, value in broken
    ]
    return ValidationError.from_exception_data(model, details)


# ---- the model -----------------------------------------------------------------------------------


class LadderStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    day: int = Field(ge=1, description="policy days after the collection notice")
    channel: Channel
    template: str | None = Field(default=None, description="document kind for letters")
    name: str

    @model_validator(mode="after")
    def _letter_has_template(self) -> LadderStep:
        if self.channel == "letter" and not self.template:
            reason = f"ladder step {self.name!r} is a letter and needs a template"
            raise _rule_error("LadderStep", ("template",), reason, self.template)
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

    @model_validator(mode="after")
    def _window(self) -> ContactRules:
        if self.start_hour >= self.end_hour:
            raise _rule_error(
                "ContactRules", ("end_hour",),
                f"{self.end_hour} is not after start_hour {self.start_hour} (contact hours must be a non-empty window)",
                self.end_hour,
            )  # fmt: skip
        return self


class ReferralRules(BaseModel):
    """How long a law firm has to answer a referral, and when it is reminded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    answer_within_days: int = Field(default=5, ge=1, description="policy days the firm has to accept or decline")
    remind_after_days: int = Field(default=3, ge=1, description="policy days after the referral to remind the firm")

    @model_validator(mode="after")
    def _reminder_before_deadline(self) -> ReferralRules:
        if self.remind_after_days >= self.answer_within_days:
            raise _rule_error(
                "ReferralRules", ("remind_after_days",),
                f"{self.remind_after_days} is not before answer_within_days {self.answer_within_days} "
                "(the reminder must come before the firm's deadline)",
                self.remind_after_days,
            )  # fmt: skip
        return self


class CommandLimits(BaseModel):
    """What a command may ask, beyond which it is a typo, not a decision (refused with 422)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    promise_within_days: int = Field(
        default=180, ge=1, le=3650, description="a promise's due date: at most this many policy days ahead")
    extend_within_days: int = Field(
        default=180, ge=1, le=3650, description="a negotiation extension: to at most this many policy days ahead")
    overpayment_percent: int = Field(
        default=10, ge=0, le=100,
        description="a payment may exceed what is outstanding by at most this percentage of the original claim")


class EscalationPolicy(BaseModel):
    """One version of one policy.

    `dpd_refresh_days` is deprecated and ignored: policy files no longer set it, and it stays
    (optional, default 1) only so that workflow inputs recorded with it still decode. New code
    must not read it.
    """

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
    referral: ReferralRules = ReferralRules()
    limits: CommandLimits = CommandLimits()
    accrual: AccrualPolicy = AccrualPolicy()
    arrangements: ArrangementRules = ArrangementRules()
    limitation_warn_days: tuple[int, ...] = Field(
        default=(90, 30, 7), max_length=10,
        description="policy days before the limitation period's last day at which the team is warned")
    reinvestigate_days: int = Field(
        default=90, ge=1, le=3650,
        description="policy days between the tasks to investigate the debtor's property again after a round of "
                    "enforcement was terminated with nothing found (until enforcement is applied for again)")
    measure_warn_days: tuple[int, ...] = Field(
        default=(30, 7), max_length=10,
        description="policy days before a freeze, seizure or sealing-up ends at which the team is warned to renew it")
    guarantee_warn_days: tuple[int, ...] = Field(
        default=(60, 30, 7), max_length=10,
        description="policy days before a guarantee period's last day at which the team is warned (Civil Code "
                    "art. 692: the period is never extended)")
    reversal_window_days: int = Field(
        default=30, ge=0, le=365,
        description="policy days a closed matter still takes a payment reversal (and re-opens on it)")
    pay_within_days: int = Field(
        default=7, ge=1, le=90,
        description="a demand letter's pay-by date: its date plus this many policy days (that day included)")
    dpd_refresh_days: int = Field(default=1, ge=1, description="deprecated and ignored; kept so old inputs decode")

    @field_validator("ladder")
    @classmethod
    def _days_ascend(cls, ladder: tuple[LadderStep, ...]) -> tuple[LadderStep, ...]:
        broken: list[tuple[tuple[str | int, ...], str, object]] = []
        for i in range(1, len(ladder)):
            day, previous = ladder[i].day, ladder[i - 1].day
            if day <= previous:
                same = ": two steps on the same day are not allowed" if day == previous else ""
                reason = f"{day} is not after the previous step's day {previous}{same}"
                reason += " (ladder days must strictly ascend)"
                broken.append(((i, "day"), reason, day))
        if broken:
            raise _rule_errors("EscalationPolicy", broken)
        return ladder

    def letter_spacing_problems(self) -> list[tuple[str, str]]:
        """(field, reason) for each ladder letter that would go out on or before the deadline it follows.

        The collection notice (day 0) and each reminder letter give `pay_within_days` to pay, the
        last day included; a reminder sent by then reminds of a deadline not yet passed. A rule for
        policy files only (the loader applies it): versions recorded in running matters still decode.
        """
        found: list[tuple[str, str]] = []
        previous_day, previous = 0, "the collection notice (day 0)"
        for i, step in enumerate(self.ladder):
            if step.channel != "letter":
                continue
            deadline = previous_day + self.pay_within_days
            if step.day <= deadline:
                found.append((f"ladder[{i}].day", f"{step.day} is not after the pay-by day {deadline} of {previous} "
                              f"(pay_within_days {self.pay_within_days}): a reminder comes after the deadline it "
                              "reminds of"))
            previous_day, previous = step.day, f"{step.name!r} (day {step.day})"
        return found

    @property
    def ladder_days(self) -> int:
        return self.ladder[-1].day if self.ladder else 0

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str = "policy") -> EscalationPolicy:
        """Validate a policy read from `source` (a file path); raises PolicyError naming each bad field."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise PolicyError(validation_problems(exc, source)) from None
