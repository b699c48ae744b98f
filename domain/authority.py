"""Who may approve a concession, and up to what: the authority levels of the policy (`AuthorityPolicy`),
and the errors the arrangement rules raise (`Problem`, `ArrangementError`: `<field path>: <reason>`).

The proposals and their approval state are `domain/arrangements.py`, which re-exports these names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from domain.money import Money

Role = Literal["legal_team", "manager"]
_RANK: dict[str, int] = {"legal_team": 1, "manager": 2}
Decision = Literal["approve", "reject"]


# ---- errors --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule: the field path (`instalments[2].due_on`) and why."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class ArrangementError(ValueError):
    """A proposal or a decision that is refused. The message has one line per problem: `<field>: <reason>`."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _raise(problems: Sequence[Problem]) -> None:
    if problems:
        raise ArrangementError(problems)


def _rule_errors(model: str, broken: Sequence[tuple[tuple[str | int, ...], str, object]]) -> ValidationError:
    # The shape of domain.policy's rule errors (type `policy_rule`), so that a PolicyError reads them.
    details = [
        InitErrorDetails(type=PydanticCustomError("policy_rule", "{reason}", {"reason": reason}), loc=loc, input=value)
        for loc, reason, value in broken
    ]
    return ValidationError.from_exception_data(model, details)


# ---- authority -----------------------------------------------------------------------------------

_COUNT = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


class AuthorityLevel(BaseModel):
    """Who may approve a concession, and up to what: `max_amount` waived (in the matter's currency) and
    `max_share` of the balance waived (0.10 for 10%); None is no limit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role
    approvers: int = Field(default=1, ge=1, le=5, description="distinct people of `role` (or above) needed")
    max_amount: Decimal | None = Field(default=None, ge=0)
    max_share: Decimal | None = Field(default=None, gt=0, le=1)

    def covers(self, waived_amount: Decimal, waived_share: Decimal) -> bool:
        return ((self.max_amount is None or waived_amount <= self.max_amount)
                and (self.max_share is None or waived_share <= self.max_share))

    def describe(self) -> str:
        """In words: `one manager`, `two managers`, `one member of the legal team`."""
        many = self.approvers > 1
        who = ("members of the legal team" if many else "member of the legal team") if self.role == "legal_team" \
            else ("managers" if many else "manager")
        return f"{_COUNT[self.approvers]} {who}"

    @property
    def rank(self) -> tuple[int, int]:
        return _RANK[self.role], self.approvers


DEFAULT_LEVELS: tuple[AuthorityLevel, ...] = (
    AuthorityLevel(role="legal_team", max_amount=Decimal(5000), max_share=Decimal("0.10")),
    AuthorityLevel(role="manager", max_amount=Decimal(50000), max_share=Decimal("0.30")),
    AuthorityLevel(role="manager", approvers=2),
)


class AuthorityPolicy(BaseModel):
    """The authority levels, lowest first: each covers at least what the one before covers, with at least
    its authority, and the last has no limit (so every concession has someone who may approve it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: tuple[AuthorityLevel, ...] = DEFAULT_LEVELS

    @field_validator("levels")
    @classmethod
    def _ascending(cls, levels: tuple[AuthorityLevel, ...]) -> tuple[AuthorityLevel, ...]:
        if not levels:
            raise ValueError("at least one authority level is needed")
        broken: list[tuple[tuple[str | int, ...], str, object]] = []
        for i in range(1, len(levels)):
            level, previous = levels[i], levels[i - 1]
            if level.rank < previous.rank:
                broken.append(((i, "role"), f"{level.describe()} is less authority than the level before "
                               f"({previous.describe()}): levels ascend", level.role))
            for limit in ("max_amount", "max_share"):
                mine, theirs = getattr(level, limit), getattr(previous, limit)
                if mine is not None and (theirs is None or mine < theirs):
                    covered = "no limit" if theirs is None else theirs
                    broken.append(((i, limit), f"{mine} is below the level before's ({covered}): each level "
                                   "covers at least what the one before covers", mine))
        last = levels[-1]
        for limit in ("max_amount", "max_share"):
            if getattr(last, limit) is not None:
                broken.append(((len(levels) - 1, limit), "the last level has no limit, so that every concession "
                               "has someone who may approve it", getattr(last, limit)))
        if broken:
            raise _rule_errors("AuthorityPolicy", broken)
        return levels


def required_authority(waived_amount: Money | Decimal, waived_share: Decimal,
                       policy: AuthorityPolicy) -> AuthorityLevel:
    """The lowest level of `policy` covering both the amount waived and the share of the balance waived."""
    amount = waived_amount.amount if isinstance(waived_amount, Money) else waived_amount
    for level in policy.levels:
        if level.covers(amount, waived_share):
            return level
    raise ArrangementError([Problem("waived", f"{amount} ({waived_share:.2%}) is beyond every authority level")])


class ArrangementRules(BaseModel):
    """The policy's part: who approves what, and the grace after each instalment's due date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    authority: AuthorityPolicy = AuthorityPolicy()
    grace_days: int = Field(default=3, ge=0, le=60,
                            description="policy days after an instalment's due date before it counts as missed")



__all__ = ["DEFAULT_LEVELS", "ArrangementError", "ArrangementRules", "AuthorityLevel", "AuthorityPolicy", "Decision",
           "Problem", "Role", "required_authority"]
