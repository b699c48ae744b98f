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
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, literal_column, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.allocation import Balance
from domain.dates import OverdueClock, PolicyClock, days_past_due
from store.db import write_session
from store.models import Document, Matter, OverdueGroup, Party, Payment, Promise, TimelineEvent
from store.records import LegacyMatterStatus, MatterOpened, ProjectionUpdate, StatusRecord

log = logging.getLogger(__name__)

PROMISE_FINAL = ("kept", "broken", "superseded")


class UnknownMatter(LookupError):
    """The update refers to a matter whose `opened` record was never projected."""


class ProjectionConflict(ValueError):
    """The update contradicts the stored projection (e.g. an external_ref owned by another matter)."""


def _insert(session: AsyncSession, model: Any) -> Any:
    """The dialect's INSERT (both support ON CONFLICT)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise RuntimeError(f"unsupported database dialect {name!r}")


async def apply(session_factory: async_sessionmaker[AsyncSession], update: ProjectionUpdate) -> None:
    """Write every part of `update` in one transaction; applying it again changes nothing."""
    await apply_many(session_factory, [update])


async def apply_many(session_factory: async_sessionmaker[AsyncSession], updates: Sequence[ProjectionUpdate]) -> None:
    """Write several updates (of any matters) in one transaction: what a burst of matters needs.

    One statement per kind of row for the whole batch (executemany), one commit: on SQLite, whose
    writers take turns, a batch costs little more than one update. All or nothing: if one update
    is refused (`UnknownMatter`, `ProjectionConflict`), none is written.
    """
    async with write_session(session_factory) as session:
        await apply_in(session, *updates)


async def apply_in(session: AsyncSession, *updates: ProjectionUpdate) -> None:
    """`apply_many` inside the caller's (write) transaction."""
    openings = [u.opened for u in updates if u.opened is not None]
    if openings:
        await _open(session, openings)
    matter_ids: set[str] = set()
    for u in updates:
        matter_ids |= _matter_ids(u)
    if not matter_ids:
        return
    await _lock_matters(session, matter_ids)
    v2 = [u.status for u in updates if isinstance(u.status, StatusRecord)]
    v1 = [u.status for u in updates if isinstance(u.status, LegacyMatterStatus)]
    for records in (v2, v1):
        if records:
            await _status(session, records)
    conn = await session.connection()
    events = [e for u in updates for e in u.events]
    if events:
        await conn.execute(_insert_ignore(session, TimelineEvent, ["matter_id", "event_key"]), [
            {
                "matter_id": e.matter_id, "event_key": e.event_key, "occurred_at": e.occurred_at, "kind": e.kind,
                "summary": e.summary, "actor": e.actor, "data": e.model_dump(mode="json", include={"data"})["data"],
            }
            for e in events
        ])
    payments = [p for u in updates for p in u.payments]
    if payments:
        await conn.execute(_insert_ignore(session, Payment, ["matter_id", "payment_id"]), [
            {
                "matter_id": p.matter_id, "payment_id": p.payment_id, "amount": p.amount.amount,
                "currency": p.amount.currency, "received_on": p.received_on,
                "allocation": p.allocation.model_dump(mode="json"), "actor": p.actor, "recorded_at": p.recorded_at,
            }
            for p in payments
        ])
    promises = [p for u in updates for p in u.promises]
    if promises:
        await conn.execute(_promise_upsert(session), [
            {
                "matter_id": p.matter_id, "promise_id": p.promise_id, "amount": p.amount.amount,
                "currency": p.amount.currency, "due_on": p.due_on, "deadline": p.deadline, "status": p.status,
                "note": p.note, "actor": p.actor, "created_at": p.created_at, "resolved_at": p.resolved_at,
            }
            for p in promises
        ])
    documents = [d for u in updates for d in u.documents]
    if documents:
        await conn.execute(_insert_ignore(session, Document, ["id"]), [
            {
                "id": d.document_id, "matter_id": d.matter_id, "kind": d.kind, "locale": d.locale,
                "template_version": d.template_version, "bucket": d.bucket, "key": d.key,
                "version_id": d.version_id, "sha256": d.sha256, "size": d.size, "media_type": d.media_type,
                "created_at": d.created_at,
            }
            for d in documents
        ])
    # v1 updates carry no paid total: it is recomputed from the payments.
    recompute = sorted({p.matter_id for u in updates if not isinstance(u.status, StatusRecord) for p in u.payments})
    for matter_id in recompute:
        await _recompute_paid_total(session, matter_id)


def _insert_ignore(session: AsyncSession, model: type[Any], keys: list[str]) -> Any:
    return _insert(session, model.__table__).on_conflict_do_nothing(index_elements=keys)


def _promise_upsert(session: AsyncSession) -> Any:
    table = Promise.__table__
    stmt = _insert(session, table)
    # Only one transition: pending -> kept | broken | superseded. Amount, due date and creator are
    # the promise as made and never change.
    return stmt.on_conflict_do_update(
        index_elements=["matter_id", "promise_id"],
        set_={
            "status": stmt.excluded.status,
            "resolved_at": stmt.excluded.resolved_at,
            "note": func.coalesce(stmt.excluded.note, table.c.note),
        },
        # Literal values (not an expanding IN parameter), so the statement runs as executemany.
        where=(table.c.status == literal_column("'pending'"))
        & stmt.excluded.status.in_([literal_column(f"'{s}'") for s in PROMISE_FINAL]),
    )


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
    # Sorted, so two transactions locking the same matters cannot deadlock. (SQLite: the write
    # transaction already holds the database's write lock; FOR UPDATE is not emitted.)
    found = (
        await session.scalars(
            select(Matter.id).where(Matter.id.in_(sorted(matter_ids))).order_by(Matter.id).with_for_update()
        )
    ).all()
    missing = matter_ids - set(found)
    if missing:
        raise UnknownMatter(f"matter(s) not opened in the projection: {', '.join(sorted(missing))}")


def _opening_values(opened: MatterOpened) -> dict[str, Any]:
    intake = opened.intake
    balance = Balance.from_overdue(intake.overdue)
    # Matters opened before v2 do not say their policy day; those policies were `demo` (1 s) and real days.
    day_seconds = opened.day_seconds or (1 if opened.policy_name == "demo" else 86400)
    clock = PolicyClock.start(opened.opened_at, intake.borrower.timezone, day_seconds)
    overdue = OverdueClock.for_matter(
        clock, intake.overdue.since, days_past_due(intake.overdue.since, clock.start_date)
    )
    return {
        "id": opened.matter_id,
        "external_ref": intake.external_ref,
        "workflow_id": opened.workflow_id,
        "policy_name": opened.policy_name,
        "policy_version": opened.policy_version,
        "stage": "intake",
        "closure_reason": None,
        "currency": intake.currency,
        "outstanding": balance.total.amount,
        "costs": balance.costs.amount,
        "fees": balance.fees.amount,
        "penalty": balance.penalty.amount,
        "interest": balance.interest.amount,
        "principal": balance.principal.amount,
        "paid_total": Decimal(0),
        "overdue_since": intake.overdue.since,
        "timezone": overdue.timezone,
        "day_seconds": overdue.day_seconds,
        "overdue_zero_at": overdue.zero_at,
        "borrower_locale": intake.borrower.locale,
        "status_seq": None,
        "opened_by": opened.opened_by,
        "details": intake.model_dump(mode="json", include={"contract", "assets"}),
        "created_at": opened.opened_at,
        "updated_at": opened.opened_at,
    }


async def _open(session: AsyncSession, openings: Sequence[MatterOpened]) -> None:
    conn = await session.connection()
    values = [_opening_values(o) for o in openings]
    await conn.execute(_insert(session, Matter.__table__).on_conflict_do_nothing(), values)
    groups = {(v["timezone"] or "", v["day_seconds"] or 0) for v in values}
    await conn.execute(_insert(session, OverdueGroup.__table__).on_conflict_do_nothing(),
                       [{"timezone": tz, "day_seconds": ds} for tz, ds in sorted(groups)])
    refs = {o.intake.external_ref for o in openings}
    ids = {o.matter_id for o in openings}
    rows = (await session.execute(
        select(Matter.id, Matter.external_ref).where(or_(Matter.external_ref.in_(sorted(refs)),
                                                         Matter.id.in_(sorted(ids))))
    )).all()
    owner_of = {ref: mid for mid, ref in rows}
    for o in openings:
        owner = owner_of.get(o.intake.external_ref)
        if owner != o.matter_id:
            raise ProjectionConflict(
                f"external_ref of matter {o.matter_id} already belongs to matter {owner}"
                if owner
                else f"matter {o.matter_id} exists with a different external_ref"
            )
    await conn.execute(
        _insert(session, Party.__table__).on_conflict_do_nothing(index_elements=["matter_id", "role", "position"]),
        [{"matter_id": o.matter_id, **values} for o in openings for values in _parties(o)],
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
            "awaiting_approval": (st.arrangement.needs_role if st.arrangement is not None
                                  and st.arrangement.status == "proposed" else None),
            "limitation_last_day": st.limitation.last_day if st.limitation is not None else None,
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


async def _status(session: AsyncSession, records: Sequence[StatusRecord | LegacyMatterStatus]) -> None:
    """Overwrite each matter's status where the record's `seq` is newer (records of one shape)."""
    table: Any = Matter.__table__
    values = [_status_values(r) for r in records]
    columns = list(values[0])
    stmt = (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            or_(table.c.status_seq.is_(None), table.c.status_seq < bindparam("b_seq")),
        )
        .values({"status_seq": bindparam("b_seq"), **{c: bindparam(f"b_{c}") for c in columns}})
    )
    conn = await session.connection()
    await conn.execute(stmt, [
        {"b_id": r.matter_id, "b_seq": r.seq, **{f"b_{c}": v for c, v in row.items()}}
        for r, row in zip(records, values, strict=True)
    ])


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
