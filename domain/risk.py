"""The risk grade: deterministic points, each factor explained.

Severity (days past due, amount), security (collateral cover, guarantors) and willingness
(broken promises, payments made) each give points; the total maps to a grade A (lowest risk)
to E, and the grade to a strategy. The same inputs always give the same grade and the
same explanation, so a manager can see why a matter was graded as it was.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

Grade = Literal["A", "B", "C", "D", "E"]

STRATEGIES: dict[str, str] = {
    "A": "soft reminders; expect self-cure",
    "B": "standard reminder ladder; offer a promise to pay",
    "C": "active negotiation; consider restructuring",
    "D": "early legal review; secure collateral",
    "E": "prepare legal action; claim against guarantors",
}


class RiskInputs(BaseModel):
    model_config = ConfigDict(frozen=True)

    days_past_due: int
    outstanding: Decimal
    principal: Decimal
    collateral_value: Decimal = Decimal(0)
    guarantors: int = 0
    broken_promises: int = 0
    payments_made: int = 0
    # From the contact log (domain.contact.ability_and_willingness); unknown adds no factor.
    ability: Literal["able", "unable", "unknown"] = "unknown"
    willingness: Literal["willing", "unwilling", "unknown"] = "unknown"


class RiskFactor(BaseModel):
    model_config = ConfigDict(frozen=True)

    factor: str
    points: int
    reason: str


class RiskAssessment(BaseModel):
    model_config = ConfigDict(frozen=True)

    grade: Grade
    score: int
    strategy: str
    factors: tuple[RiskFactor, ...]


def _band(value: Decimal | int, bands: list[tuple[Decimal | int, int]]) -> int:
    for limit, points in bands:
        if value <= limit:
            return points
    return bands[-1][1]


def assess(inputs: RiskInputs) -> RiskAssessment:
    """Grade a matter from its inputs; pure and deterministic."""
    factors: list[RiskFactor] = []
    dpd = inputs.days_past_due
    p = _band(dpd, [(30, 0), (60, 10), (90, 20), (180, 30), (10**9, 40)])
    factors.append(RiskFactor(factor="days_past_due", points=p, reason=f"{dpd} days past due"))

    amt = inputs.outstanding
    p = _band(amt, [(Decimal(10_000), 0), (Decimal(100_000), 5), (Decimal(1_000_000), 10), (Decimal(10**18), 15)])
    factors.append(RiskFactor(factor="outstanding", points=p, reason=f"outstanding {amt}"))

    if inputs.outstanding > 0:
        cover = (inputs.collateral_value / inputs.outstanding).quantize(Decimal("0.01"))
    else:
        cover = Decimal(0)
    p = 0 if cover >= 1 else 10 if cover >= Decimal("0.5") else 20
    factors.append(RiskFactor(factor="collateral_cover", points=p, reason=f"collateral covers {cover:.0%} of the debt"))

    p = 0 if inputs.guarantors >= 2 else 5 if inputs.guarantors == 1 else 10
    factors.append(RiskFactor(factor="guarantors", points=p, reason=f"{inputs.guarantors} guarantor(s)"))

    p = min(inputs.broken_promises * 10, 30)
    factors.append(RiskFactor(factor="broken_promises", points=p, reason=f"{inputs.broken_promises} broken promise(s)"))

    p = -min(inputs.payments_made * 5, 15)
    factors.append(RiskFactor(factor="payments_made", points=p, reason=f"{inputs.payments_made} payment(s) received"))

    if inputs.willingness != "unknown":
        p = 15 if inputs.willingness == "unwilling" else -5
        factors.append(RiskFactor(factor="willingness", points=p, reason=(
            "refuses to pay (contact log)" if p > 0 else "willing to pay: has promised (contact log)")))
    if inputs.ability != "unknown":
        p = 5 if inputs.ability == "unable" else -5
        factors.append(RiskFactor(factor="ability", points=p, reason=(
            "unable to pay in full: hardship stated (contact log)" if p > 0 else "able to pay (contact log)")))

    score = max(0, sum(f.points for f in factors))
    grade: Grade = "A" if score < 15 else "B" if score < 30 else "C" if score < 50 else "D" if score < 70 else "E"
    return RiskAssessment(grade=grade, score=score, strategy=STRATEGIES[grade], factors=tuple(factors))
