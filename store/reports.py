"""The managers' reports over the projection: the portfolio dashboard and the legal deadlines near.

Counts are SQL aggregates (GROUP BY) on every dialect. Amounts are summed exactly as `Decimal`, per currency:
by SQL `SUM` on PostgreSQL (NUMERIC), and in Python on SQLite, whose amounts are stored as decimal text
(`store.models.Amount`: SQL arithmetic on them would be float arithmetic). Each function returns plain
values; the API (`api/routes/reports.py`) states them.

Definitions (the dashboard prints them):
- amount at intake: what was overdue when the matter was taken in (the status's `original_total`; a matter
  whose first status is not projected yet: its intake balance).
- recovered: payments recorded in the projection (`payments`), less those reversed since (`payment_reversed`).
- recovery rate of a month: recovered with a received date in that month ÷ the amount at intake of every
  matter taken in (by its intake time, UTC) up to the month's last day, per currency.
- a firm's recovered amount: payments recorded while the firm held the matter's accepted referral (from the
  acceptance to the referral's close, recall, or now); its rate: that ÷ the amount at intake of the matters
  it accepted. Time to accept: from the referral's instruction to its acceptance (wall-clock seconds).
- deadlines missed by a firm: filing windows after a pre-suit preservation that lapsed (`preservation_lapsed`)
  in proceedings the firm acts in, and limitation periods that ran out on matters the firm holds accepted.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from statistics import median
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.assets import AssetRecord
from domain.deadlines import Deadline
from domain.money import minor_units
from domain.parties import Asset
from domain.status import MatterStatus
from store.models import Firm, Matter, Payment, TimelineEvent
from store.queries import days_past_due_within, overdue_groups

AGING = (("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))
MONTHS = 12  # months of the recovery-rate series
REFERRAL_KINDS = ("referral_instructed", "referral_accepted", "referral_declined", "referral_lapsed",
                  "referral_closed", "referral_recalled")
Amounts = dict[str, Decimal]  # currency -> exact amount


def exact(amount: Decimal, currency: str) -> Decimal:
    """The amount in the currency's minor units (PostgreSQL's NUMERIC(20, 4) gives four places)."""
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)))


def month_of(day: date) -> str:
    """'YYYY-MM': the month a day is in."""
    return f"{day.year:04d}-{day.month:02d}"


def month_end(month: str) -> date:
    """The last day of a 'YYYY-MM' month."""
    year, mon = int(month[:4]), int(month[5:7])
    return date(year, mon, calendar.monthrange(year, mon)[1])


def rate(part: Decimal, whole: Decimal) -> Decimal | None:
    """part ÷ whole as a percentage with two places (None when there is no whole to divide by)."""
    if whole <= 0:
        return None
    return (part * 100 / whole).quantize(Decimal("0.01"))


def rates(recovered: Amounts, intake: Amounts) -> dict[str, Decimal | None]:
    """The recovery rate per currency of `intake`: recovered ÷ intake, as `rate`."""
    return {c: rate(recovered.get(c, Decimal(0)), a) for c, a in intake.items()}


@dataclass
class Group:
    """A count of matters and their amounts per currency under one key (a stage, a bucket, a grade)."""

    key: str
    count: int = 0
    amounts: Amounts = field(default_factory=dict)

    def add(self, currency: str, count: int, amount: Decimal) -> None:
        self.count += count
        self.amounts[currency] = self.amounts.get(currency, Decimal(0)) + amount


async def _grouped(session: AsyncSession, key: Any, where: Sequence[ColumnElement[bool]],
                   currency: str | None = None) -> dict[str, Group]:
    """Matters matching `where` (and in `currency`, if given), counted and their outstanding summed per (key,
    currency)."""
    where = [*where, *([Matter.currency == currency] if currency else [])]
    postgres = (await session.connection()).dialect.name == "postgresql"
    groups: dict[str, Group] = {}
    if postgres:
        stmt = select(key, Matter.currency, func.count(), func.sum(Matter.outstanding)).where(*where)
        rows = (await session.execute(stmt.group_by(key, Matter.currency))).all()
        for k, currency, count, total in rows:
            groups.setdefault(str(k) if k is not None else "", Group(str(k) if k is not None else "")).add(
                currency, int(count), Decimal(total or 0))
    else:  # (SQLite sums money as floats: added up here exactly, row by row)
        for k, currency, amount in (await session.execute(select(key, Matter.currency, Matter.outstanding)
                                                          .where(*where))).all():
            groups.setdefault(str(k) if k is not None else "", Group(str(k) if k is not None else "")).add(
                currency, 1, amount)
    for g in groups.values():
        g.amounts = {c: exact(a, c) for c, a in sorted(g.amounts.items())}
    return groups


async def by_stage(session: AsyncSession, currency: str | None = None) -> list[Group]:
    return sorted((await _grouped(session, Matter.stage, [], currency)).values(), key=lambda g: g.key)


async def by_risk(session: AsyncSession, currency: str | None = None) -> list[Group]:
    """Open matters (not closed) by risk grade; '' for matters not graded yet."""
    found = await _grouped(session, Matter.risk_grade, [Matter.stage != "closed"], currency)
    return sorted(found.values(), key=lambda g: (g.key == "", g.key))


async def by_aging(session: AsyncSession, now: datetime, currency: str | None = None) -> list[Group]:
    """Open matters by days past due today (each matter's own calendar): '0' for those not past due."""
    groups = await overdue_groups(session)  # (read once for the five buckets)
    buckets = (("0", 0, 0), *AGING)
    label = case(*((days_past_due_within(groups, now, low, high), name) for name, low, high in buckets), else_="")
    found = await _grouped(session, label, [Matter.stage != "closed"], currency)
    return [found.get(name) or Group(name) for name, _, _ in buckets]


@dataclass
class MatterFacts:
    """What the recovery figures need of a matter (no PII)."""

    id: str
    currency: str
    opened_on: date
    intake: Decimal


async def matter_facts(session: AsyncSession, currency: str | None = None) -> dict[str, MatterFacts]:
    original = Matter.status[("original_total", "amount")].as_string()
    stmt = select(Matter.id, Matter.currency, Matter.created_at, Matter.outstanding, original)
    rows = (await session.execute(stmt.where(Matter.currency == currency) if currency else stmt)).all()
    facts = {}
    for mid, currency, created, outstanding, original_amount in rows:
        intake = Decimal(original_amount) if original_amount is not None else outstanding
        facts[mid] = MatterFacts(mid, currency, created.astimezone(UTC).date(), exact(intake, currency))
    return facts


def _with_event(kind: str) -> Any:
    """The matters that have a timeline event of `kind`, as a subquery (never a list of ids sent back)."""
    return select(TimelineEvent.matter_id).where(TimelineEvent.kind == kind)


async def reversed_payments(session: AsyncSession) -> set[tuple[str, str]]:
    rows = await session.execute(select(TimelineEvent.matter_id, TimelineEvent.data)
                                 .where(TimelineEvent.kind == "payment_reversed"))
    return {(mid, str((data or {}).get("payment_id"))) for mid, data in rows.all()}


@dataclass
class Month:
    month: str
    recovered: Amounts
    intake_to_date: Amounts

    def rates(self) -> dict[str, Decimal | None]:
        return rates(self.recovered, self.intake_to_date)


async def recovery_by_month(session: AsyncSession, facts: dict[str, MatterFacts],
                            reversed_: set[tuple[str, str]], months: int = MONTHS,
                            currency: str | None = None) -> list[Month]:
    """The last `months` months that have payments (by received date), oldest first."""
    only = [Payment.currency == currency] if currency else []
    per_day: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    postgres = (await session.connection()).dialect.name == "postgresql"
    if postgres:
        stmt = select(Payment.received_on, Payment.currency, func.sum(Payment.amount)).where(*only).group_by(
            Payment.received_on, Payment.currency)
        for on, currency, total in (await session.execute(stmt)).all():
            per_day[(on, currency)] += Decimal(total)
    else:
        for on, currency, amount in (await session.execute(
                select(Payment.received_on, Payment.currency, Payment.amount).where(*only))).all():
            per_day[(on, currency)] += amount
    if reversed_:
        for mid, pid, on, currency, amount in (await session.execute(
                select(Payment.matter_id, Payment.payment_id, Payment.received_on, Payment.currency,
                       Payment.amount).where(Payment.matter_id.in_(_with_event("payment_reversed")), *only))).all():
            if (mid, pid) in reversed_:
                per_day[(on, currency)] -= amount
    return bucket_months(per_day, facts.values(), months)


def bucket_months(per_day: dict[tuple[date, str], Decimal], matters: Iterable[MatterFacts],
                  months: int = MONTHS) -> list[Month]:
    """Daily recovered amounts into months (the last `months` that have any), each with the amount at intake
    of the matters taken in by the month's end."""
    recovered: dict[str, Amounts] = defaultdict(dict)
    for (on, currency), amount in per_day.items():
        m = recovered[month_of(on)]
        m[currency] = m.get(currency, Decimal(0)) + amount
    chosen = sorted(recovered)[-months:]
    matters = sorted(matters, key=lambda f: f.opened_on)
    out = []
    for name in chosen:
        end = month_end(name)
        intake: Amounts = {}
        for f in matters:
            if f.opened_on > end:
                break
            intake[f.currency] = intake.get(f.currency, Decimal(0)) + f.intake
        out.append(Month(name, {c: exact(a, c) for c, a in sorted(recovered[name].items())},
                         {c: exact(a, c) for c, a in sorted(intake.items())}))
    return out


@dataclass
class FirmFigures:
    firm: str
    name: str
    instructed: int = 0
    accepted: int = 0
    declined: int = 0
    lapsed: int = 0
    seconds_to_accept: list[int] = field(default_factory=list)
    recovered: Amounts = field(default_factory=dict)
    intake: Amounts = field(default_factory=dict)
    preservation_lapsed: int = 0
    limitation_expired: int = 0

    @property
    def mean_seconds(self) -> int | None:
        s = self.seconds_to_accept
        return round(Decimal(sum(s)) / len(s)) if s else None

    @property
    def median_seconds(self) -> int | None:
        return round(Decimal(median(self.seconds_to_accept))) if self.seconds_to_accept else None


def hours(seconds: int | None) -> Decimal | None:
    """Seconds as hours, to two places."""
    return None if seconds is None else (Decimal(seconds) / 3600).quantize(Decimal("0.01"))


async def firm_performance(session: AsyncSession, facts: dict[str, MatterFacts], reversed_: set[tuple[str, str]],
                           now: datetime) -> list[FirmFigures]:
    names = {f.id: f.name for f in (await session.scalars(select(Firm))).all()}
    firms: dict[str, FirmFigures] = {}

    def firm(fid: str) -> FirmFigures:
        return firms.setdefault(fid, FirmFigures(fid, names.get(fid, fid)))

    events = (await session.execute(
        select(TimelineEvent.matter_id, TimelineEvent.kind, TimelineEvent.occurred_at, TimelineEvent.data)
        .where(TimelineEvent.kind.in_(REFERRAL_KINDS)).order_by(TimelineEvent.occurred_at, TimelineEvent.id))).all()
    # Each referral (matter, number): its firm, when instructed, accepted, ended.
    referrals: dict[tuple[str, int], dict[str, Any]] = {}
    for mid, kind, at, data in events:
        number = (data or {}).get("number")
        if not isinstance(number, int):
            continue
        if mid not in facts:  # (another currency's)
            continue
        r = referrals.setdefault((mid, number), {"firm": None})
        if (data or {}).get("firm"):
            r["firm"] = data["firm"]
        r.setdefault(kind.removeprefix("referral_"), at)
    held: list[tuple[str, str, datetime, datetime]] = []  # (firm, matter, accepted at, ended at)
    for (mid, _), r in referrals.items():
        if r["firm"] is None:
            continue
        f = firm(r["firm"])
        f.instructed += "instructed" in r
        f.declined += "declined" in r
        f.lapsed += "lapsed" in r
        if "accepted" in r:
            f.accepted += 1
            if "instructed" in r:
                f.seconds_to_accept.append(max(0, round((r["accepted"] - r["instructed"]).total_seconds())))
            ends = [r[k] for k in ("closed", "recalled") if k in r]
            held.append((r["firm"], mid, r["accepted"], min(ends) if ends else now))
    counted: set[tuple[str, str]] = set()
    if held:
        payments = (await session.execute(
            select(Payment.matter_id, Payment.payment_id, Payment.currency, Payment.amount, Payment.recorded_at)
            .where(Payment.matter_id.in_(_with_event("referral_accepted"))))).all()
        by_matter: dict[str, list[Any]] = defaultdict(list)
        for p in payments:
            if (p.matter_id, p.payment_id) not in reversed_:
                by_matter[p.matter_id].append(p)
        for fid, mid, start, end in held:
            f = firm(fid)
            for p in by_matter[mid]:
                if start <= p.recorded_at <= end:
                    f.recovered[p.currency] = f.recovered.get(p.currency, Decimal(0)) + p.amount
            if (fid, mid) not in counted and mid in facts:
                counted.add((fid, mid))
                m = facts[mid]
                f.intake[m.currency] = f.intake.get(m.currency, Decimal(0)) + m.intake
    await _missed(session, firm, now, facts)
    for f in firms.values():
        f.recovered = {c: exact(a, c) for c, a in sorted(f.recovered.items())}
        f.intake = {c: exact(a, c) for c, a in sorted(f.intake.items())}
    return sorted(firms.values(), key=lambda f: f.name)


async def _missed(session: AsyncSession, firm: Any, now: datetime, facts: dict[str, MatterFacts]) -> None:
    lapsed = (await session.execute(select(TimelineEvent.matter_id, TimelineEvent.data)
                                    .where(TimelineEvent.kind == "preservation_lapsed"))).all()
    held = select(Matter.id, Matter.status, Matter.referred_firm, Matter.referral_status, Matter.limitation_last_day)
    rows = (await session.execute(held.where(
        (Matter.id.in_(_with_event("preservation_lapsed"))) | ((Matter.referral_status == "accepted")
                                           & (Matter.limitation_last_day < now.date() + timedelta(days=1)))))).all()
    statuses = {r.id: MatterStatus.model_validate(r.status) for r in rows if r.status}
    for mid, data in lapsed:
        st = statuses.get(mid) if mid in facts else None
        number = (data or {}).get("number")
        for p in (st.proceedings or ()) if st else ():
            if p.number == number and p.firm:
                firm(p.firm).preservation_lapsed += 1
    for r in rows:
        st = statuses.get(r.id)
        if r.id not in facts or r.referral_status != "accepted" or not r.referred_firm or st is None \
                or st.limitation is None:
            continue
        if (st.limitation.ends_on or st.limitation.last_day) < st.policy_today(now):
            firm(r.referred_firm).limitation_expired += 1


@dataclass
class Portfolio:
    stages: list[Group]
    aging: list[Group]
    risk: list[Group]
    months: list[Month]
    firms: list[FirmFigures]
    intake: Amounts
    recovered: Amounts


async def portfolio(session: AsyncSession, now: datetime, currency: str | None = None) -> Portfolio:
    """The whole portfolio, or the matters in `currency` only."""
    facts = await matter_facts(session, currency)
    reversed_ = await reversed_payments(session)
    months = await recovery_by_month(session, facts, reversed_, months=10_000, currency=currency)
    intake: Amounts = {}
    for f in facts.values():
        intake[f.currency] = intake.get(f.currency, Decimal(0)) + f.intake
    recovered: Amounts = {}
    for m in months:
        for c, a in m.recovered.items():
            recovered[c] = recovered.get(c, Decimal(0)) + a
    return Portfolio(stages=await by_stage(session, currency), aging=await by_aging(session, now, currency),
                     risk=await by_risk(session, currency),
                     months=months[-MONTHS:], firms=await firm_performance(session, facts, reversed_, now),
                     intake={c: exact(a, c) for c, a in sorted(intake.items())},
                     recovered={c: exact(a, c) for c, a in sorted(recovered.items())})


# ---------------------------------------------------------------- the legal deadlines near
DeadlineKind = Literal["limitation", "guarantee", "measure"]


@dataclass
class Near:
    """One legal deadline of a matter, as of the matter's own today."""

    matter_id: str
    external_ref: str
    stage: str
    referred_firm: str | None
    kind: DeadlineKind
    name: str
    rule: str
    source: str
    last_day: date
    ends_on: date | None
    today: date

    @property
    def due(self) -> date:
        return self.ends_on or self.last_day

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days


async def deadlines_near(session: AsyncSession, now: datetime, within_days: int, limit: int = 500) -> list[Near]:
    """Limitation periods that run out within `within_days` (or ran out: still running means overdue), guarantee
    periods still running that end within them, and court measures on assets that end within them (or
    lapsed unrenewed), soonest first. Proceedings' own windows (appeal, performance, enforcement) are kept
    by each proceeding's workflow, not the projection: `GET /matters/{id}/deadlines` states them."""
    horizon = now.date() + timedelta(days=within_days + 1)  # a matter's today may be a day ahead of UTC's
    candidates = (Matter.limitation_last_day <= horizon) | Matter.status["guarantees"].as_string().is_not(None) \
        | Matter.status["assets"].as_string().is_not(None)
    rows = (await session.execute(select(Matter.id, Matter.external_ref, Matter.stage, Matter.referred_firm,
                                         Matter.status).where(candidates, Matter.status.is_not(None)))).all()
    found: list[Near] = []
    for mid, ref, stage, firm, raw in rows:
        st = MatterStatus.model_validate(raw)
        today = st.policy_today(now)
        last = today + timedelta(days=within_days)

        def near(kind: DeadlineKind, d: Deadline, mid: str = mid, ref: str = ref, stage: str = stage,
                 firm: str | None = firm, today: date = today) -> Near:
            return Near(mid, ref, stage, firm, kind, d.name, d.rule, d.source, d.last_day, d.ends_on, today)

        if st.limitation is not None and (st.limitation.ends_on or st.limitation.last_day) <= last:
            found.append(near("limitation", st.limitation))
        for d in st.guarantees or ():
            if today <= d.last_day and (d.ends_on or d.last_day) <= last:
                found.append(near("guarantee", d))
        for a in st.assets or ():
            if a.measure_ends_on is not None and a.lift_applied_on is None \
                    and a.standing not in ("released", "sold", "transferred") \
                    and a.measure_ends_on <= last:
                # (as the matter's own deadlines name it, running or lapsed unrenewed)
                asset = Asset.model_validate({"kind": a.kind, "description": a.description})
                measure = AssetRecord(number=a.number, asset=asset, events=a.events).measure_as_deadline()
                if measure is not None:
                    found.append(near("measure", measure))
    found.sort(key=lambda n: (n.due, n.external_ref, n.name))
    return found[:limit]
