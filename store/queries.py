"""Read side of the projection, for the API and the CLI.

Every function takes an `AsyncSession` and returns ORM rows from `store.models` (`Matter`,
`Party`, `Payment`, `Promise`, `Document`, `TimelineEvent`). They are plain column holders
(no relationships, so nothing can lazy-load under asyncio); the API maps them onto its
`...Public` schemas and never returns them directly. Amounts are `Decimal`, timestamps aware
UTC `datetime`s.

Object-level authorization lives in the query: pass `firm` for a partner and every function
only sees matters whose `referred_firm` equals it; anything else looks absent (None or an empty
list), which the API turns into a 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol, TypedDict, TypeVar, Unpack

from sqlalchemy import ColumnElement, Select, and_, case, false, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from domain.dates import overdue_cutoff
from store.models import (
    Document,
    EvidenceBundle,
    Matter,
    OverdueGroup,
    Party,
    Payment,
    Promise,
    TimelineEvent,
    Upload,
)

MAX_LIMIT = 500
MAX_DAYS_PAST_DUE = 36_500  # a century: the largest bound a days-past-due filter takes

T = TypeVar("T")


def _visible(stmt: Select[Any], firm: str | None) -> Select[Any]:
    return stmt if firm is None else stmt.where(Matter.referred_firm == firm)


async def days_past_due_condition(
    session: AsyncSession, now: datetime, min_days: int | None, max_days: int | None
) -> ColumnElement[bool] | None:
    """SQL that holds for matters whose days past due at `now` are within [min_days, max_days].

    Days past due are not stored: they depend on the day. Per (time zone, policy day) group the
    bounds become exact date or instant comparisons (`domain.dates.overdue_cutoff`), so the list
    agrees with what each matter's page shows.
    """
    if min_days is None and max_days is None:
        return None
    return days_past_due_within(await overdue_groups(session), now, min_days, max_days)


async def overdue_groups(session: AsyncSession) -> list[tuple[str, int]]:
    """The (time zone, policy day) groups the matters' clocks fall into ('' and 0: none recorded)."""
    rows = (await session.execute(select(OverdueGroup.timezone, OverdueGroup.day_seconds))).all()
    return [(tz, ds) for tz, ds in rows]


def days_past_due_within(groups: Sequence[tuple[str, int]], now: datetime, min_days: int | None,
                         max_days: int | None) -> ColumnElement[bool]:
    """`days_past_due_condition` over groups already read (several bounds from one read of them)."""
    for bound in (min_days, max_days):
        if bound is not None and not 0 <= bound <= MAX_DAYS_PAST_DUE:
            raise ValueError(f"days past due bounds must be between 0 and {MAX_DAYS_PAST_DUE}")
    conditions = []
    for tz_or_empty, ds_or_zero in groups:
        timezone, day_seconds = tz_or_empty or None, ds_or_zero or None
        tz, ds = timezone or "UTC", day_seconds or 86400
        parts: list[ColumnElement[bool]] = [
            Matter.timezone.is_(None) if timezone is None else Matter.timezone == timezone,
            Matter.day_seconds.is_(None) if day_seconds is None else Matter.day_seconds == day_seconds,
        ]
        column: Any = Matter.overdue_since if ds == 86400 else Matter.overdue_zero_at
        if min_days is not None:
            parts.append(column <= overdue_cutoff(now, tz, ds, min_days))
        if max_days is not None:
            parts.append(column > overdue_cutoff(now, tz, ds, max_days + 1))
        conditions.append(and_(*parts))
    return or_(*conditions) if conditions else false()


class PageQuery(TypedDict, total=False):
    """What one list page asks for; every key is optional (see `list_matters` for the meaning).

    `after` (keyset pagination): only matters after this `(created_at, id)` in that order, so a deep
    page is an index range scan, not a sort of everything before it. `count_limit`: count at most
    this many plus one (a caller shows "more than N"), so a count never scans a whole portfolio.
    """

    stage: str | None
    min_days_past_due: int | None
    max_days_past_due: int | None
    needs_attention: bool | None
    referral_status: str | None
    limitation_before: date | None
    risk_grade: str | None
    next_step_due_before: datetime | None  # the next step falls due before this instant (overdue: now)
    next_step_due_after: datetime | None  # ... at or after this one
    order: str  # "newest" (the default) or "next_step_due": the next step's due time, soonest first, none last
    with_referral: bool
    firm: str | None
    now: datetime | None
    limit: int
    offset: int
    after: tuple[datetime, str] | None
    count_limit: int | None


async def list_matters(session: AsyncSession, **query: Unpack[PageQuery]) -> tuple[list[Matter], int]:
    """One page of matters (newest first, then by id descending) and the count of all that match."""
    where, counting, limit, offset = await _page(session, query)
    total = await session.scalar(counting)
    rows = await session.scalars(
        select(Matter)
        .options(defer(Matter.details, raiseload=True))  # contract and assets: no list shows them
        .where(*where).order_by(*_order(query)).limit(limit).offset(offset)
    )
    return list(rows), int(total or 0)


def _order(q: PageQuery) -> tuple[Any, ...]:
    """A page's order: newest first (keyset-paged), or what is due first (soonest next step, matters
    without one last, then newest)."""
    newest = (Matter.created_at.desc(), Matter.id.desc())
    if q.get("order", "newest") == "next_step_due":
        return (Matter.next_step_at.is_(None), Matter.next_step_at, *newest)
    return newest


class ListedMatter(Protocol):
    """What a list shows of a matter: its stored status and the columns the status does not hold."""

    id: str
    external_ref: str
    created_at: datetime
    status: dict[str, Any] | None


async def list_matter_rows(
    session: AsyncSession, **query: Unpack[PageQuery]
) -> tuple[list[ListedMatter], dict[str, Matter], int]:
    """`list_matters` for a list page: plain rows of (id, external_ref, created_at, status).

    Loading 50 ORM instances took ~2.5 ms of CPU more than reading these four columns (a third of
    the API's work for a page). Rows written before workflow v2 have no status; the second value
    holds their whole projection rows by id (read in one more query, only when the page has any).
    """
    where, counting, limit, offset = await _page(session, query)
    c = Matter.__table__.c
    result = await session.execute(  # the count rides along (evaluated once): one round trip, not two
        select(c.id, c.external_ref, c.created_at, c.status, counting.scalar_subquery().label("total"))
        .where(*where).order_by(*_order(query)).limit(limit).offset(offset)
    )
    rows: list[ListedMatter] = list(result.all())  # type: ignore[arg-type]
    total = rows[0].total if rows else await session.scalar(counting)  # type: ignore[attr-defined]
    legacy_ids = [r.id for r in rows if not r.status]
    legacy: dict[str, Matter] = {}
    if legacy_ids:
        found = await session.scalars(
            select(Matter).options(defer(Matter.details, raiseload=True)).where(Matter.id.in_(legacy_ids)))
        legacy = {m.id: m for m in found}
    return rows, legacy, int(total or 0)


async def _page(session: AsyncSession, q: PageQuery) -> tuple[list[ColumnElement[bool]], Select[Any], int, int]:
    """The WHERE of a list page (the cursor's bound included), the count query, the limit and offset."""
    limit, offset = q.get("limit", 50), q.get("offset", 0)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise ValueError("offset must not be negative")
    where: list[ColumnElement[bool]] = []
    if (stage := q.get("stage")) is not None:
        where.append(Matter.stage == stage)
    dpd = await days_past_due_condition(session, q.get("now") or datetime.now().astimezone(),
                                        q.get("min_days_past_due"), q.get("max_days_past_due"))
    if dpd is not None:
        where.append(dpd)
    if (attention := q.get("needs_attention")) is not None:
        where.append(Matter.attention_since.is_not(None) if attention else Matter.attention_since.is_(None))
    if (referral_status := q.get("referral_status")) is not None:
        where.append(Matter.referral_status == referral_status)
    if (before := q.get("limitation_before")) is not None:
        where.append(Matter.limitation_last_day <= before)
    if (grade := q.get("risk_grade")) is not None:
        where.append(Matter.risk_grade == grade)
    if (due_before := q.get("next_step_due_before")) is not None:
        where.append(Matter.next_step_at < due_before)
    if (due_after := q.get("next_step_due_after")) is not None:
        where.append(Matter.next_step_at >= due_after)
    if q.get("with_referral"):
        where.append(Matter.referral_status.is_not(None))
    if (firm := q.get("firm")) is not None:
        where.append(Matter.referred_firm == firm)
    if (count_limit := q.get("count_limit")) is None:
        counting = select(func.count()).select_from(Matter).where(*where)
    else:
        counting = select(func.count()).select_from(select(Matter.id).where(*where).limit(count_limit + 1).subquery())
    if (after := q.get("after")) is not None:
        created = literal(after[0], Matter.__table__.c.created_at.type)  # the column's own bind processing
        where.append(tuple_(Matter.created_at, Matter.id) < tuple_(created, literal(after[1])))
    return where, counting, limit, offset


async def get_matter(session: AsyncSession, matter_id: str, firm: str | None = None) -> Matter | None:
    """The matter, or None if it does not exist or is not referred to `firm`."""
    return await session.scalar(_visible(select(Matter).where(Matter.id == matter_id), firm))


async def get_matter_by_external_ref(
    session: AsyncSession, external_ref: str, firm: str | None = None
) -> Matter | None:
    """The matter opened for the lender's reference `external_ref` (unique), or None."""
    return await session.scalar(_visible(select(Matter).where(Matter.external_ref == external_ref), firm))


async def _children(
    session: AsyncSession, model: type[T], matter_id: str, firm: str | None, order: Sequence[Any]
) -> list[T]:
    stmt = select(model).where(model.matter_id == matter_id)  # type: ignore[attr-defined]
    if firm is not None:
        stmt = stmt.join(Matter, Matter.id == model.matter_id).where(  # type: ignore[attr-defined]
            Matter.referred_firm == firm
        )
    return list(await session.scalars(stmt.order_by(*order)))


async def list_documents(session: AsyncSession, matter_id: str, firm: str | None = None) -> list[Document]:
    """The matter's stored documents, oldest first."""
    return await _children(session, Document, matter_id, firm, (Document.created_at, Document.id))


async def get_document(session: AsyncSession, document_id: str, firm: str | None = None) -> Document | None:
    """One document by its id (`DocumentRef.document_id`), or None (also when not the firm's)."""
    stmt = select(Document).where(Document.id == document_id)
    if firm is not None:
        stmt = stmt.join(Matter, Matter.id == Document.matter_id).where(Matter.referred_firm == firm)
    return await session.scalar(stmt)


async def list_timeline(session: AsyncSession, matter_id: str, firm: str | None = None) -> list[TimelineEvent]:
    """The matter's history, in the order things happened."""
    return await _children(session, TimelineEvent, matter_id, firm, (TimelineEvent.occurred_at, TimelineEvent.id))


async def list_payments(session: AsyncSession, matter_id: str, firm: str | None = None) -> list[Payment]:
    """Payments received, oldest first."""
    return await _children(session, Payment, matter_id, firm, (Payment.received_on, Payment.recorded_at, Payment.id))


async def list_promises(session: AsyncSession, matter_id: str, firm: str | None = None) -> list[Promise]:
    """Promises to pay, oldest first, with their current status."""
    return await _children(session, Promise, matter_id, firm, (Promise.created_at, Promise.id))


async def get_parties(session: AsyncSession, matter_id: str, firm: str | None = None) -> list[Party]:
    """Borrower, guarantors (by position) and creditor. PII: never log what this returns."""
    role_order = case({"borrower": 0, "guarantor": 1, "creditor": 2}, value=Party.role, else_=3)
    return await _children(session, Party, matter_id, firm, (role_order, Party.position))


async def list_bundles(session: AsyncSession, matter_id: str, firm: str | None = None) -> list[EvidenceBundle]:
    """The matter's evidence bundles, oldest first."""
    return await _children(session, EvidenceBundle, matter_id, firm, (EvidenceBundle.created_at, EvidenceBundle.id))


async def get_bundle(
    session: AsyncSession, matter_id: str, bundle_id: str, firm: str | None = None
) -> EvidenceBundle | None:
    """One bundle of the matter, or None (also when the matter is not the firm's)."""
    stmt = select(EvidenceBundle).where(EvidenceBundle.id == bundle_id, EvidenceBundle.matter_id == matter_id)
    if firm is not None:
        stmt = stmt.join(Matter, Matter.id == EvidenceBundle.matter_id).where(Matter.referred_firm == firm)
    return await session.scalar(stmt)


async def list_uploads(session: AsyncSession, matter_id: str, firm: str | None = None) -> list[Upload]:
    """Uploaded evidence of the matter, oldest first."""
    return await _children(session, Upload, matter_id, firm, (Upload.created_at, Upload.id))


# ---- point look-ups by business key (each backed by a unique index) --------------------------
async def get_payment(session: AsyncSession, matter_id: str, payment_id: str) -> Payment | None:
    """The payment recorded under `payment_id` for the matter, or None."""
    stmt = select(Payment).where(Payment.matter_id == matter_id, Payment.payment_id == payment_id)
    return await session.scalar(stmt)


async def has_promise(session: AsyncSession, matter_id: str, promise_id: str) -> bool:
    stmt = select(Promise.id).where(Promise.matter_id == matter_id, Promise.promise_id == promise_id)
    return await session.scalar(stmt.limit(1)) is not None


async def has_event(session: AsyncSession, matter_id: str, event_key: str) -> bool:
    stmt = select(TimelineEvent.id).where(TimelineEvent.matter_id == matter_id, TimelineEvent.event_key == event_key)
    return await session.scalar(stmt.limit(1)) is not None


async def get_upload_by_content(session: AsyncSession, matter_id: str, sha256: str, file_name: str) -> Upload | None:
    """The upload of these bytes under this name for the matter, or None."""
    stmt = select(Upload).where(Upload.matter_id == matter_id, Upload.sha256 == sha256, Upload.file_name == file_name)
    return await session.scalar(stmt)
