"""Writes `ProjectionUpdate`s into the database: one transaction per update, idempotent.

The projection activity may run twice for one update (retries after a timeout, replays), and
two updates for one matter may race. Every write is therefore keyed by business identity and
expressed as `INSERT ... ON CONFLICT` (SQLite and PostgreSQL dialects), never as
read-then-insert:

- `opened`: the matter and its parties, inserted if absent (a no-op if present).
- `status`: overwrites the matter's current state only if `status.seq` is newer than the
  stored `status_seq`, so a late, stale write never moves a matter backwards. A v2 record
  (`StatusRecord`) carries the whole public status, stored as is in `matters.status` and
  repeated in the columns lists filter on; a v1 record (`LegacyMatterStatus`, from matters not
  yet migrated) writes the columns it has.
- `events`, `payments`, `documents`: inserted if their key is absent (facts are never updated).
- `promises`: inserted if absent; a pending promise may then move once to kept, broken or
  superseded (a late "pending" write never reopens a resolved promise).
- `paid_total` comes with a v2 status (the workflow's ledger is the truth); for v1 updates it is
  recomputed from the payments table when payments arrive (exact Decimal sum in Python: SQLite
  stores amounts as text).

The matter rows an update touches are locked first (`SELECT ... FOR UPDATE` on PostgreSQL;
SQLite serialises writers with `BEGIN IMMEDIATE`), so concurrent updates of one matter apply
one after the other. Writing anything for a matter that was never opened raises
`UnknownMatter` (the activity retries until the `opened` write lands).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.allocation import Balance
from domain.dates import OverdueClock, PolicyClock, days_past_due
from store.db import write_session
from store.models import Document, Matter, Party, Payment, Promise, TimelineEvent
from store.records import LegacyMatterStatus, MatterOpened, ProjectionUpdate, StatusRecord

log = logging.getLogger(__name__)

PROMISE_FINAL = ("kept", "broken", "superseded")


class UnknownMatter(LookupError):
    """The update refers to a matter whose `opened` record was never projected."""


class ProjectionConflict(ValueError):
    """The update contradicts the stored projection (e.g. an external_ref owned by another matter)."""


def _insert(session: AsyncSession, model: type[Any]) -> Any:
    """The dialect's INSERT (both support ON CONFLICT)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise RuntimeError(f"unsupported database dialect {name!r}")


async def apply(session_factory: async_sessionmaker[AsyncSession], update: ProjectionUpdate) -> None:
    """Write every part of `update` in one transaction; applying it again changes nothing."""
    async with write_session(session_factory) as session:
        await apply_in(session, update)


async def apply_in(session: AsyncSession, update: ProjectionUpdate) -> None:
    """`apply` inside the caller's (write) transaction."""
    if update.opened is not None:
        await _open(session, update.opened)
    matter_ids = _matter_ids(update)
    if not matter_ids:
        return
    await _lock_matters(session, matter_ids)
    if update.status is not None:
        await _status(session, update.status)
    for event in update.events:
        await session.execute(
            _insert(session, TimelineEvent)
            .values(
                matter_id=event.matter_id,
                event_key=event.event_key,
                occurred_at=event.occurred_at,
                kind=event.kind,
                summary=event.summary,
                actor=event.actor,
                data=event.model_dump(mode="json", include={"data"})["data"],
            )
            .on_conflict_do_nothing(index_elements=["matter_id", "event_key"])
        )
    for payment in update.payments:
        await session.execute(
            _insert(session, Payment)
            .values(
                matter_id=payment.matter_id,
                payment_id=payment.payment_id,
                amount=payment.amount.amount,
                currency=payment.amount.currency,
                received_on=payment.received_on,
                allocation=payment.allocation.model_dump(mode="json"),
                actor=payment.actor,
                recorded_at=payment.recorded_at,
            )
            .on_conflict_do_nothing(index_elements=["matter_id", "payment_id"])
        )
    for promise in update.promises:
        stmt = _insert(session, Promise).values(
            matter_id=promise.matter_id,
            promise_id=promise.promise_id,
            amount=promise.amount.amount,
            currency=promise.amount.currency,
            due_on=promise.due_on,
            deadline=promise.deadline,
            status=promise.status,
            note=promise.note,
            actor=promise.actor,
            created_at=promise.created_at,
            resolved_at=promise.resolved_at,
        )
        # Only one transition: pending -> kept | broken | superseded. Amount, due date and
        # creator are the promise as made and never change.
        stmt = stmt.on_conflict_do_update(
            index_elements=["matter_id", "promise_id"],
            set_={
                "status": stmt.excluded.status,
                "resolved_at": stmt.excluded.resolved_at,
                "note": func.coalesce(stmt.excluded.note, Promise.__table__.c.note),
            },
            where=(Promise.__table__.c.status == "pending") & stmt.excluded.status.in_(PROMISE_FINAL),
        )
        await session.execute(stmt)
    for doc in update.documents:
        await session.execute(
            _insert(session, Document)
            .values(
                id=doc.document_id,
                matter_id=doc.matter_id,
                kind=doc.kind,
                locale=doc.locale,
                template_version=doc.template_version,
                bucket=doc.bucket,
                key=doc.key,
                version_id=doc.version_id,
                sha256=doc.sha256,
                size=doc.size,
                media_type=doc.media_type,
                created_at=doc.created_at,
            )
            .on_conflict_do_nothing(index_elements=["id"])
        )
    if not isinstance(update.status, StatusRecord):
        for matter_id in sorted({p.matter_id for p in update.payments}):
            await _recompute_paid_total(session, matter_id)


def _matter_ids(update: ProjectionUpdate) -> set[str]:
    parts: Iterable[Any] = (
        *((update.status,) if update.status else ()),
        *update.events,
        *update.payments,
        *update.promises,
        *update.documents,
    )
    ids = {part.matter_id for part in parts}
    if update.opened is not None:
        ids.add(update.opened.matter_id)
    return ids


async def _lock_matters(session: AsyncSession, matter_ids: set[str]) -> None:
    # Sorted, so two transactions locking the same matters cannot deadlock.
    found = (
        await session.scalars(
            select(Matter.id).where(Matter.id.in_(sorted(matter_ids))).order_by(Matter.id).with_for_update()
        )
    ).all()
    missing = matter_ids - set(found)
    if missing:
        raise UnknownMatter(f"matter(s) not opened in the projection: {', '.join(sorted(missing))}")


async def _open(session: AsyncSession, opened: MatterOpened) -> None:
    intake = opened.intake
    balance = Balance.from_overdue(intake.overdue)
    # Matters opened before v2 do not say their policy day; those policies were `demo` (1 s) and real days.
    day_seconds = opened.day_seconds or (1 if opened.policy_name == "demo" else 86400)
    clock = PolicyClock.start(opened.opened_at, intake.borrower.timezone, day_seconds)
    overdue = OverdueClock.for_matter(
        clock, intake.overdue.since, days_past_due(intake.overdue.since, clock.start_date)
    )
    await session.execute(
        _insert(session, Matter)
        .values(
            id=opened.matter_id,
            external_ref=intake.external_ref,
            workflow_id=opened.workflow_id,
            policy_name=opened.policy_name,
            policy_version=opened.policy_version,
            stage="intake",
            closure_reason=None,
            currency=intake.currency,
            outstanding=balance.total.amount,
            costs=balance.costs.amount,
            fees=balance.fees.amount,
            penalty=balance.penalty.amount,
            interest=balance.interest.amount,
            principal=balance.principal.amount,
            paid_total=Decimal(0),
            overdue_since=intake.overdue.since,
            timezone=overdue.timezone,
            day_seconds=overdue.day_seconds,
            overdue_zero_at=overdue.zero_at,
            borrower_locale=intake.borrower.locale,
            status_seq=None,
            opened_by=opened.opened_by,
            details=intake.model_dump(mode="json", include={"contract", "assets"}),
            created_at=opened.opened_at,
            updated_at=opened.opened_at,
        )
        .on_conflict_do_nothing()
    )
    owner = await session.scalar(select(Matter.id).where(Matter.external_ref == intake.external_ref))
    if owner != opened.matter_id:
        raise ProjectionConflict(
            f"external_ref of matter {opened.matter_id} already belongs to matter {owner}"
            if owner
            else f"matter {opened.matter_id} exists with a different external_ref"
        )
    for values in _parties(opened):
        await session.execute(
            _insert(session, Party)
            .values(matter_id=opened.matter_id, **values)
            .on_conflict_do_nothing(index_elements=["matter_id", "role", "position"])
        )


def _parties(opened: MatterOpened) -> list[dict[str, Any]]:
    intake = opened.intake
    b = intake.borrower
    rows: list[dict[str, Any]] = [
        {
            "role": "borrower",
            "position": 0,
            "name": b.name,
            "id_number": b.id_number,
            "phone": b.phone,
            "email": b.email,
            "address": b.address,
            "locale": b.locale,
            "timezone": b.timezone,
            "details": {},
        }
    ]
    for i, g in enumerate(intake.guarantors):
        rows.append(
            {
                "role": "guarantor",
                "position": i,
                "name": g.name,
                "id_number": g.id_number,
                "phone": g.phone,
                "email": None,
                "address": g.address,
                "locale": None,
                "timezone": None,
                "details": g.model_dump(mode="json", include={"guarantee_type", "cap", "period_ends_on"}),
            }
        )
    c = intake.creditor
    rows.append(
        {
            "role": "creditor",
            "position": 0,
            "name": c.name,
            "id_number": None,
            "phone": c.phone,
            "email": None,
            "address": c.address,
            "locale": None,
            "timezone": None,
            "details": c.model_dump(mode="json", include={"registration_number"}),
        }
    )
    return rows


def _status_values(record: StatusRecord | LegacyMatterStatus) -> dict[str, Any]:
    """The columns a status record writes (one mapping per record shape)."""
    if isinstance(record, StatusRecord):
        st = record.status
        b = st.balance
        attention = st.attention
        return {
            "stage": st.stage,
            "closure_reason": st.closure_reason,
            "outstanding": st.outstanding.amount,
            "costs": b.costs.amount,
            "fees": b.fees.amount,
            "penalty": b.penalty.amount,
            "interest": b.interest.amount,
            "principal": b.principal.amount,
            "paid_total": st.paid_total.amount,
            "overdue_since": st.overdue.overdue_since,
            "timezone": st.overdue.timezone,
            "day_seconds": st.overdue.day_seconds,
            "overdue_zero_at": st.overdue.zero_at,
            "risk_grade": st.risk_grade,
            "risk_score": st.risk_score,
            "next_step": st.next_step.name[:200] if st.next_step else None,
            "next_step_at": st.next_step.at if st.next_step else None,
            "negotiation_ends_on": st.negotiation_ends_on,
            "referred_firm": st.referred_firm,
            "referral_status": st.referral.status if st.referral else None,
            "attention_since": attention.since if attention else None,
            "attention_reason": attention.reason if attention else None,
            "status": st.model_dump(mode="json"),
            "updated_at": st.updated_at,
        }
    b = record.balance
    return {
        "stage": record.stage,
        "closure_reason": record.closure_reason,
        "outstanding": record.outstanding.amount,
        "costs": b.costs.amount,
        "fees": b.fees.amount,
        "penalty": b.penalty.amount,
        "interest": b.interest.amount,
        "principal": b.principal.amount,
        "risk_grade": record.risk_grade,
        "risk_score": record.risk_score,
        "next_step": record.next_step,
        "next_step_at": record.next_step_at,
        "negotiation_ends_on": record.negotiation_ends_on,
        "referred_firm": record.referred_firm,
        "updated_at": record.updated_at,
    }


async def _status(session: AsyncSession, record: StatusRecord | LegacyMatterStatus) -> None:
    result = await session.execute(
        update(Matter)
        .where(
            Matter.id == record.matter_id,
            or_(Matter.status_seq.is_(None), Matter.status_seq < record.seq),
        )
        .values(status_seq=record.seq, **_status_values(record))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        log.info("stale status for matter %s ignored (seq %d)", record.matter_id, record.seq)


async def _recompute_paid_total(session: AsyncSession, matter_id: str) -> None:
    # What was applied to the debt, as the workflow counts it: an overpayment's unapplied
    # remainder is held for refund, not paid towards the matter.
    allocations = (await session.scalars(select(Payment.allocation).where(Payment.matter_id == matter_id))).all()
    applied = [Decimal(a["payment"]["amount"]) - Decimal(a["unapplied"]["amount"]) for a in allocations]
    await session.execute(
        update(Matter)
        .where(Matter.id == matter_id)
        .values(paid_total=sum(applied, Decimal(0)))
        .execution_options(synchronize_session=False)
    )
