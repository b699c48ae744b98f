"""`store.projection.apply`: one transaction, idempotent, safe under races, stale writes ignored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.dates import OverdueClock
from domain.status import MatterStatus
from store.models import Base, Matter, Party, Payment, Promise, TimelineEvent
from store.projection import ProjectionConflict, UnknownMatter, apply
from store.records import ProjectionUpdate
from tests.store import builders as b

Factory = async_sessionmaker[AsyncSession]


async def snapshot(factory: Factory) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with factory() as session:
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(select(table).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(r) for r in rows]
    return out


async def matter(factory: Factory, matter_id: str) -> Matter:
    async with factory() as session:
        row = await session.get(Matter, matter_id)
    assert row is not None
    return row


async def test_full_update_writes_every_part(factory: Factory) -> None:
    mid = b.new_id()
    await apply(factory, b.full_update(mid, firm="Firm A"))
    m = await matter(factory, mid)
    assert (m.stage, m.status_seq, m.referred_firm, m.external_ref) == ("notice", 1, "Firm A", f"REF-{mid}")
    assert m.outstanding == Decimal("19518.00") and isinstance(m.outstanding, Decimal)
    assert m.paid_total == Decimal("1250.55")
    assert m.overdue_since.isoformat() == "2026-04-02"  # as the status says (60 days before NOW)
    assert m.created_at == b.T0 and m.created_at.tzinfo is not None
    assert m.details["contract"]["number"] == "LN-1"
    snap = await snapshot(factory)
    assert [len(snap[t]) for t in ("parties", "timeline_events", "payments", "promises", "documents")] == [
        3, 2, 2, 1, 1,
    ]  # fmt: skip
    async with factory() as session:
        pay = await session.scalar(select(Payment).where(Payment.payment_id == "P2"))
        ev = await session.scalar(select(TimelineEvent).where(TimelineEvent.event_key == "step-1-letter"))
    assert pay is not None and pay.amount == Decimal("250.55") and pay.allocation["fees"]["amount"] == "18.00"
    assert ev is not None and ev.data == {"amount": "12.50", "on": "2026-03-02"}


async def test_opened_alone_projects_intake_values(factory: Factory) -> None:
    mid = b.new_id()
    await apply(factory, ProjectionUpdate(opened=b.opened(mid, guarantors=2)))
    m = await matter(factory, mid)
    assert (m.stage, m.status_seq, m.paid_total) == ("intake", None, Decimal(0))
    # Days past due are read from these (59 on the day it opened: 2026-01-01 to 2026-03-01 in Shanghai).
    assert (m.timezone, m.day_seconds) == ("Asia/Shanghai", 86400)
    assert m.overdue_zero_at == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert OverdueClock(overdue_since=m.overdue_since, timezone="Asia/Shanghai", day_seconds=86400,
                        zero_at=m.overdue_zero_at).days_past_due(b.T0) == 59
    assert (m.principal, m.interest, m.penalty, m.fees, m.costs) == (
        Decimal("18000"), Decimal("1200"), Decimal("300"), Decimal("18"), Decimal("0"),
    )  # fmt: skip
    async with factory() as session:
        parties = (await session.scalars(select(Party).where(Party.matter_id == mid))).all()
    assert sorted((p.role, p.position) for p in parties) == [
        ("borrower", 0), ("creditor", 0), ("guarantor", 0), ("guarantor", 1),
    ]  # fmt: skip
    assert "Zhang" not in repr(parties)  # PII masked in reprs


async def test_applying_twice_yields_the_same_rows(factory: Factory) -> None:
    mid = b.new_id()
    update = b.full_update(mid, firm="Firm A")
    await apply(factory, update)
    first = await snapshot(factory)
    await apply(factory, update)
    assert await snapshot(factory) == first


async def test_racing_applies_of_one_update_make_one_of_everything(factory: Factory) -> None:
    mid = b.new_id()
    update = b.full_update(mid)
    await asyncio.gather(*(apply(factory, update) for _ in range(6)))
    snap = await snapshot(factory)
    assert len(snap["matters"]) == 1
    assert [len(snap[t]) for t in ("parties", "timeline_events", "payments", "promises", "documents")] == [
        3, 2, 2, 1, 1,
    ]  # fmt: skip
    assert (await matter(factory, mid)).paid_total == Decimal("1250.55")


async def test_racing_different_payments_keep_paid_total_exact(factory: Factory) -> None:
    mid = b.new_id()
    await apply(factory, ProjectionUpdate(opened=b.opened(mid)))
    updates = [ProjectionUpdate(payments=(b.payment(mid, f"P{i}", "100.01"),)) for i in range(8)]
    await asyncio.gather(*(apply(factory, u) for u in updates))
    assert (await matter(factory, mid)).paid_total == Decimal("800.08")


async def test_a_status_is_stored_whole_and_repeated_in_the_filter_columns(factory: Factory) -> None:
    mid = b.new_id()
    record = b.status(mid, 1, stage="referral", firm="Firm A", days_past_due=75, paid="10.00")
    await apply(factory, ProjectionUpdate(opened=b.opened(mid), status=record))
    m = await matter(factory, mid)
    assert MatterStatus.model_validate(m.status) == record.status
    assert (m.referred_firm, m.referral_status, m.paid_total) == ("Firm A", "accepted", Decimal("10.00"))
    assert m.attention_since is None and m.attention_reason is None
    assert MatterStatus.model_validate(m.status).days_past_due(b.NOW) == 75


async def test_a_v1_status_still_writes_its_columns(factory: Factory) -> None:
    """Matters opened before workflow v2 write v1 statuses until they migrate."""
    mid = b.new_id()
    await apply(factory, ProjectionUpdate(opened=b.opened(mid), status=b.legacy_status(mid, 2, "reminders", "F"),
                                          payments=(b.payment(mid, "P1", "10.00"),)))
    m = await matter(factory, mid)
    assert (m.status_seq, m.stage, m.referred_firm, m.status) == (2, "reminders", "F", None)
    assert m.paid_total == Decimal("10.00")  # recomputed from the payments for v1


async def test_stale_status_is_ignored(factory: Factory) -> None:
    mid = b.new_id()
    await apply(factory, ProjectionUpdate(opened=b.opened(mid), status=b.status(mid, 5, stage="negotiation")))
    await apply(factory, ProjectionUpdate(status=b.status(mid, 3, stage="notice", firm="Late Firm")))
    await apply(factory, ProjectionUpdate(status=b.status(mid, 5, stage="reminders")))  # same seq: stale too
    m = await matter(factory, mid)
    assert (m.status_seq, m.stage, m.referred_firm) == (5, "negotiation", None)
    await apply(factory, ProjectionUpdate(status=b.status(mid, 6, stage="referral", firm="Firm B", principal="1.00")))
    m = await matter(factory, mid)
    assert (m.status_seq, m.stage, m.referred_firm, m.outstanding) == (6, "referral", "Firm B", Decimal("1519.00"))


async def test_a_batch_of_many_matters_is_one_transaction_with_every_row(factory: Factory) -> None:
    """`apply_many`: what the worker's projection writer does with the updates of a burst of matters."""
    from store.projection import apply_many

    ids = [b.new_id() for _ in range(5)]
    first = [b.full_update(mid) for mid in ids]
    later = [
        ProjectionUpdate(status=b.status(mid, 2, stage="reminders"),
                         promises=(b.promise(mid, "PR1", "kept"), b.promise(mid, "PR2")),
                         events=(b.event(mid, "step-2", 7), b.event(mid, "step-3", 8)))
        for mid in ids
    ]
    await apply_many(factory, first)
    await apply_many(factory, later + first)  # replays in the same batch change nothing
    snap = await snapshot(factory)
    assert len(snap["matters"]) == 5 and {(await matter(factory, mid)).stage for mid in ids} == {"reminders"}
    assert [len(snap[t]) for t in ("parties", "timeline_events", "payments", "promises", "documents")] == [
        15, 20, 10, 10, 5,
    ]  # fmt: skip
    async with factory() as session:
        statuses = sorted((await session.scalars(select(Promise.status))).all())
    assert statuses == ["kept"] * 5 + ["pending"] * 5
    # All or nothing: one update of an unknown matter refuses the whole batch.
    with pytest.raises(UnknownMatter):
        await apply_many(factory, [b.full_update(b.new_id()), ProjectionUpdate(events=(b.event("nope", "x"),))])
    assert len((await snapshot(factory))["matters"]) == 5


async def test_promise_moves_once_from_pending(factory: Factory) -> None:
    mid = b.new_id()
    await apply(factory, ProjectionUpdate(opened=b.opened(mid), promises=(b.promise(mid, "PR1", note="will pay"),)))
    await apply(factory, ProjectionUpdate(promises=(b.promise(mid, "PR1", "kept"),)))
    await apply(factory, ProjectionUpdate(promises=(b.promise(mid, "PR1", "pending"),)))  # late, stale
    await apply(factory, ProjectionUpdate(promises=(b.promise(mid, "PR1", "broken"),)))  # no second move
    async with factory() as session:
        rows = (await session.scalars(select(Promise).where(Promise.matter_id == mid))).all()
    assert len(rows) == 1
    assert (rows[0].status, rows[0].note, rows[0].amount) == ("kept", "will pay", Decimal("5000.00"))
    assert rows[0].resolved_at is not None and rows[0].resolved_at.tzinfo is not None


async def test_events_for_an_unopened_matter_are_refused_whole(factory: Factory) -> None:
    known, unknown = b.new_id(), b.new_id()
    await apply(factory, ProjectionUpdate(opened=b.opened(known)))
    with pytest.raises(UnknownMatter, match=unknown):
        await apply(
            factory,
            ProjectionUpdate(events=(b.event(known, "e1"), b.event(unknown, "e2"))),
        )
    assert (await snapshot(factory))["timeline_events"] == []  # one transaction: nothing written


async def test_second_matter_for_one_external_ref_is_a_conflict(factory: Factory) -> None:
    first, second = b.new_id(), b.new_id()
    await apply(factory, ProjectionUpdate(opened=b.opened(first, external_ref="LOAN-1")))
    with pytest.raises(ProjectionConflict):
        await apply(factory, ProjectionUpdate(opened=b.opened(second, external_ref="LOAN-1")))
    assert len((await snapshot(factory))["matters"]) == 1


async def test_exact_money_and_utc_round_trip(factory: Factory) -> None:
    mid = b.new_id()
    big = "999999999999.99"  # the largest amount intake takes (domain.money.MAX_AMOUNT), to the cent
    await apply(factory, ProjectionUpdate(opened=b.opened(mid, principal=big)))
    m = await matter(factory, mid)
    assert m.principal == Decimal(big)
    assert m.outstanding == Decimal(big) + Decimal("1518.00")
    assert m.updated_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC) and m.updated_at.utcoffset().total_seconds() == 0


async def test_naive_datetimes_and_floats_are_refused(factory: Factory) -> None:
    mid = b.new_id()
    await apply(factory, ProjectionUpdate(opened=b.opened(mid)))
    async with factory() as session, session.begin():
        m = await session.get(Matter, mid)
        assert m is not None
        m.updated_at = datetime(2026, 1, 1)  # naive
        with pytest.raises(Exception, match="naive"):
            await session.flush()
    async with factory() as session, session.begin():
        m = await session.get(Matter, mid)
        assert m is not None
        m.paid_total = 0.1  # type: ignore[assignment]
        with pytest.raises(Exception, match="float"):
            await session.flush()
