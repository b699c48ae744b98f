"""The managers' reports (`api/routes/reports.py`): the portfolio dashboard and the legal deadlines near.

Every amount is exact decimal text in its currency's minor units (`{"amount": "19518.00", "currency": "CNY"}`),
per currency: amounts in different currencies are never added together. Rates are percentages with two places,
as text, or null when there is nothing to divide by.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from store import reports

DEFINITIONS = {
    "amount_at_intake": "what was overdue when the matter was taken in (principal, interest, penalty, fees and "
                        "costs at intake), per currency",
    "recovered": "payments recorded for the matter, less payments reversed since",
    "recovery_rate_by_month": "recovered with a received date in the month ÷ the amount at intake of every "
                              "matter taken in (UTC) up to the month's last day, per currency, as a percentage",
    "firm_recovered": "payments recorded while the firm held the matter's accepted referral (from its "
                      "acceptance to the referral's close or recall, or now)",
    "firm_recovery_rate": "the firm's recovered amount ÷ the amount at intake of the matters it accepted",
    "time_to_accept": "time from the referral's instruction to the firm's acceptance (wall clock), in seconds "
                      "and in hours",
    "deadlines_missed": "pre-suit preservations whose filing window lapsed (CPL art. 104) in proceedings the firm "
                        "acts in, and limitation periods that ran out on matters the firm holds; appeal and "
                        "enforcement windows missed are not recorded in the projection and are not counted",
    "aging": "open (not closed) matters by days past due today, each on its own calendar",
}


class Amount(BaseModel):
    amount: str = Field(description="exact decimal text")
    currency: str


def amounts(values: dict[str, Decimal]) -> list[Amount]:
    return [Amount(amount=format(v, "f"), currency=c) for c, v in sorted(values.items())]


def percent(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


class GroupPublic(BaseModel):
    key: str = Field(description="the stage, days-past-due bucket or risk grade ('' : not graded yet)")
    count: int
    amounts: list[Amount] = Field(description="outstanding today, per currency")

    @classmethod
    def of(cls, g: reports.Group) -> GroupPublic:
        return cls(key=g.key, count=g.count, amounts=amounts(g.amounts))


class MonthPublic(BaseModel):
    month: str = Field(description="YYYY-MM")
    recovered: list[Amount]
    intake_to_date: list[Amount] = Field(description="amount at intake of the matters taken in by the month's end")
    rates: dict[str, str | None] = Field(description="per currency: recovered ÷ intake_to_date, in percent")

    @classmethod
    def of(cls, m: reports.Month) -> MonthPublic:
        return cls(month=m.month, recovered=amounts(m.recovered), intake_to_date=amounts(m.intake_to_date),
                   rates={c: percent(r) for c, r in m.rates().items()})


class FirmPublic(BaseModel):
    firm: str
    name: str
    instructed: int = Field(description="referrals instructed to the firm")
    accepted: int
    declined: int
    lapsed: int = Field(description="referrals the firm did not answer in time")
    accepted_measured: int = Field(description="acceptances whose instruction time is recorded (the means' base)")
    mean_seconds_to_accept: int | None
    median_seconds_to_accept: int | None
    mean_hours_to_accept: str | None
    median_hours_to_accept: str | None
    recovered: list[Amount]
    intake: list[Amount] = Field(description="amount at intake of the matters the firm accepted")
    rates: dict[str, str | None]
    preservation_lapsed: int
    limitation_expired: int
    deadlines_missed: int

    @classmethod
    def of(cls, f: reports.FirmFigures) -> FirmPublic:
        rates = {c: percent(r) for c, r in reports.rates(f.recovered, f.intake).items()}
        return cls(firm=f.firm, name=f.name, instructed=f.instructed, accepted=f.accepted, declined=f.declined,
                   lapsed=f.lapsed, accepted_measured=len(f.seconds_to_accept),
                   mean_seconds_to_accept=f.mean_seconds, median_seconds_to_accept=f.median_seconds,
                   mean_hours_to_accept=percent(reports.hours(f.mean_seconds)),
                   median_hours_to_accept=percent(reports.hours(f.median_seconds)),
                   recovered=amounts(f.recovered), intake=amounts(f.intake), rates=rates,
                   preservation_lapsed=f.preservation_lapsed, limitation_expired=f.limitation_expired,
                   deadlines_missed=f.preservation_lapsed + f.limitation_expired)


class PortfolioPublic(BaseModel):
    """The portfolio as the projection has it now."""

    as_of: str = Field(description="when the figures were read (UTC)")
    matters: int
    stages: list[GroupPublic]
    aging: list[GroupPublic] = Field(description="'0' (not past due), 1-30, 31-60, 61-90, 90+")
    risk: list[GroupPublic]
    intake: list[Amount] = Field(description="amount at intake of every matter")
    recovered: list[Amount] = Field(description="recovered from every matter")
    rates: dict[str, str | None] = Field(description="per currency: recovered ÷ intake, in percent")
    months: list[MonthPublic] = Field(description="the last 12 months with payments, oldest first")
    firms: list[FirmPublic]
    definitions: dict[str, str]


class NearPublic(BaseModel):
    matter_id: str
    external_ref: str
    stage: str
    referred_firm: str | None
    kind: reports.DeadlineKind = Field(description="which legal deadline it is")
    name: str = Field(description="what must be done by then: limitation, guarantee period, preservation measure")
    rule: str
    source: str
    last_day: date
    ends_on: date | None = Field(description="the last day moved off a rest day; null when not known")
    due: date = Field(description="ends_on, or last_day when that is not known")
    days_left: int = Field(description="days from the matter's today to `due`; negative: overdue")
    overdue: bool

    @classmethod
    def of(cls, n: reports.Near) -> NearPublic:
        return cls(matter_id=n.matter_id, external_ref=n.external_ref, stage=n.stage, referred_firm=n.referred_firm,
                   kind=n.kind, name=n.name, rule=n.rule, source=n.source, last_day=n.last_day, ends_on=n.ends_on,
                   due=n.due, days_left=n.days_left, overdue=n.days_left < 0)


class DeadlinesNearPublic(BaseModel):
    data: list[NearPublic]
    count: int
    within_days: int
    not_covered: str = Field(description="what this list does not hold, and where it is")
