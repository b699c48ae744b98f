"""The projection's tables: SQLAlchemy 2 declarative models.

The database is a projection of the Temporal workflows (the source of truth): lists, filters,
dashboards, audit and API keys. Every table is written by idempotent activities through
`store.projection.apply`, so each row carries a key derived from business identity.

Two portable column types keep the same meaning on SQLite and PostgreSQL:

- `Amount`: money as `Decimal`, never float. `NUMERIC(20, 4)` on PostgreSQL; on SQLite, whose
  NUMERIC affinity silently turns "19518.01" into a binary float, the exact decimal text is
  stored instead (so SQL arithmetic or ordering on amounts is not meaningful on SQLite; sum
  in Python, as `store.projection` does).
- `UtcDateTime`: timezone-aware timestamps. `TIMESTAMP WITH TIME ZONE` on PostgreSQL; SQLite
  has no time zones, so values are stored in UTC and read back as aware UTC datetimes.
  Naive datetimes are refused: in a legal record an instant without a zone is a bug.

The initial Alembic revision (`store/migrations/versions/`) creates exactly these tables;
`tests/store/test_migrations.py` checks that the two never drift apart.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from domain.matter import STAGES, ClosureReason

CLOSURE_REASONS: tuple[str, ...] = ClosureReason.__args__  # type: ignore[attr-defined]
PARTY_ROLES: tuple[str, ...] = ("borrower", "guarantor", "creditor")
PROMISE_STATUSES: tuple[str, ...] = ("pending", "kept", "broken", "superseded")
API_ROLES: tuple[str, ...] = ("legal_team", "manager", "partner")

AMOUNT_PRECISION, AMOUNT_SCALE = 20, 4


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Amount(TypeDecorator[Decimal]):
    """An exact decimal amount: NUMERIC(20, 4) on PostgreSQL, decimal text on SQLite."""

    impl = Numeric(AMOUNT_PRECISION, AMOUNT_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(48))
        return dialect.type_descriptor(Numeric(AMOUNT_PRECISION, AMOUNT_SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be a Decimal, never a float")
        amount = Decimal(value)
        if not amount.is_finite():
            raise ValueError(f"amount {value!r} is not finite")
        quantized = amount.quantize(Decimal(1).scaleb(-AMOUNT_SCALE))
        if quantized != amount:
            raise ValueError(f"amount {value} has more than {AMOUNT_SCALE} decimal places")
        return format(quantized, "f") if dialect.name == "sqlite" else quantized

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value) if not isinstance(value, Decimal) else value


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored as UTC; read back aware (UTC) on every dialect."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: give it a time zone (UTC)")
        value = value.astimezone(UTC)
        # SQLite stores text without an offset: store the UTC wall time.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# JSON documents: JSONB on PostgreSQL (indexable, compact), JSON (text) elsewhere.
JsonDoc = JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base with deterministic constraint names (Alembic needs names to alter them)."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {
        datetime: UtcDateTime(),
        date: Date(),
        Decimal: Amount(),
        dict[str, Any]: JsonDoc,
    }


def _matter_fk() -> Mapped[str]:
    return mapped_column(String(128), ForeignKey("matters.id", ondelete="CASCADE"), nullable=False)


class Matter(Base):
    """One overdue-loan matter: its latest projected status (the workflow is the truth).

    Written first from `MatterOpened` (intake values, stage `intake`), then overwritten by
    each status record whose `seq` is newer than `status_seq` (NULL until the first status).
    `status` holds the whole public status (`domain.status.MatterStatus`, no PII) as the workflow
    published it; the other columns repeat what lists filter and sort on. Days past due are not
    stored (they change every day): they are computed when read, from `overdue_since` and
    `timezone` (real-time policies) or `overdue_zero_at` and `day_seconds` (compressed ones).
    """

    __tablename__ = "matters"
    __table_args__ = (
        CheckConstraint(_in("stage", STAGES), name="stage"),
        CheckConstraint(f"closure_reason IS NULL OR {_in('closure_reason', CLOSURE_REASONS)}", name="closure"),
        # The list's order (newest first, then id) and its common filters, so a page is an index range
        # scan whatever the portfolio's size (keyset pagination: `store.queries.list_matters`).
        Index("ix_matters_created_at_id", "created_at", "id"),
        Index("ix_matters_stage_created_at_id", "stage", "created_at", "id"),
        Index("ix_matters_referred_firm_created_at_id", "referred_firm", "created_at", "id"),
        # A days-past-due filter: per (time zone, policy day) group, a bound on one of these (0006).
        Index("ix_matters_overdue_group_since", "timezone", "day_seconds", "overdue_since"),
        Index("ix_matters_overdue_group_zero_at", "timezone", "day_seconds", "overdue_zero_at"),
    )

    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # the matter id
    external_ref: Mapped[str] = mapped_column(String(128), unique=True)
    workflow_id: Mapped[str] = mapped_column(String(200))
    policy_name: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[int]
    stage: Mapped[str] = mapped_column(String(32), index=True)
    closure_reason: Mapped[str | None] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    outstanding: Mapped[Decimal]
    costs: Mapped[Decimal]
    fees: Mapped[Decimal]
    penalty: Mapped[Decimal]
    interest: Mapped[Decimal]
    principal: Mapped[Decimal]
    paid_total: Mapped[Decimal]
    overdue_since: Mapped[date]
    timezone: Mapped[str | None] = mapped_column(String(64))
    day_seconds: Mapped[int | None] = mapped_column(Integer)
    overdue_zero_at: Mapped[datetime | None]
    risk_grade: Mapped[str | None] = mapped_column(String(16))
    risk_score: Mapped[int | None]
    next_step: Mapped[str | None] = mapped_column(String(200))
    next_step_at: Mapped[datetime | None]
    negotiation_ends_on: Mapped[date | None]
    referred_firm: Mapped[str | None] = mapped_column(String(200), index=True)
    referral_status: Mapped[str | None] = mapped_column(String(16))
    attention_since: Mapped[datetime | None] = mapped_column(index=True)
    attention_reason: Mapped[str | None] = mapped_column(Text)
    # The role a pending proposal (settlement, amendment, write-off) needs to be decided (revision 0008).
    awaiting_approval: Mapped[str | None] = mapped_column(String(16), index=True)
    # The counted last day of the running limitation period (revision 0009); null when none runs.
    limitation_last_day: Mapped[date | None] = mapped_column(index=True)
    borrower_locale: Mapped[str] = mapped_column(String(16))
    status_seq: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    opened_by: Mapped[str] = mapped_column(String(200))
    # Contract and assets as taken in (no borrower PII): {"contract": {...}, "assets": [...]}.
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OverdueGroup(Base):
    """Each (time zone, policy-day length) some matter has: what a days-past-due filter is built from.

    A handful of rows, kept by the projection as matters open, so a filter never scans every
    matter to find them. `timezone` "" and `day_seconds` 0 stand for a matter's NULL.
    """

    __tablename__ = "overdue_groups"

    timezone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day_seconds: Mapped[int] = mapped_column(Integer, primary_key=True)


class Party(Base):
    """A borrower, guarantor or creditor of a matter. Holds PII: never log these rows."""

    __tablename__ = "parties"
    __table_args__ = (
        UniqueConstraint("matter_id", "role", "position"),
        CheckConstraint(_in("role", PARTY_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    matter_id: Mapped[str] = _matter_fk()
    role: Mapped[str] = mapped_column(String(16))
    position: Mapped[int]  # 0 for the borrower and creditor; guarantors 0, 1, ... in intake order
    name: Mapped[str] = mapped_column(Text)
    id_number: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    address: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Role-specific data: guarantee_type/cap/period_ends_on, registration_number, ...
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    def __repr__(self) -> str:  # never print personal data
        return f"Party(id={self.id!r}, matter_id={self.matter_id!r}, role={self.role!r}, masked=True)"


class Payment(Base):
    """A payment received and how it was allocated down the waterfall (a fact: never updated)."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("matter_id", "payment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    matter_id: Mapped[str] = _matter_fk()
    payment_id: Mapped[str] = mapped_column(String(128))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date]
    allocation: Mapped[dict[str, Any]]  # Allocation.model_dump(mode="json"): amounts as strings
    actor: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime]


class Promise(Base):
    """A promise to pay. Its status moves once: pending -> kept | broken | superseded."""

    __tablename__ = "promises"
    __table_args__ = (
        UniqueConstraint("matter_id", "promise_id"),
        CheckConstraint(_in("status", PROMISE_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    matter_id: Mapped[str] = _matter_fk()
    promise_id: Mapped[str] = mapped_column(String(128))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    due_on: Mapped[date]
    deadline: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class Document(Base):
    """A stored, Object-Locked document: where it is and the SHA-256 every download re-checks."""

    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # DocumentRef.document_id
    matter_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("matters.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16))
    template_version: Mapped[str] = mapped_column(String(64))
    bucket: Mapped[str] = mapped_column(String(63))
    key: Mapped[str] = mapped_column(String(1024))
    version_id: Mapped[str | None] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class TimelineEvent(Base):
    """One line of a matter's history. Append-only: rows are inserted, never updated."""

    __tablename__ = "timeline_events"
    __table_args__ = (UniqueConstraint("matter_id", "event_key"),)

    # BIGINT on PostgreSQL (the busiest table); SQLite autoincrements only an INTEGER key.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    matter_id: Mapped[str] = _matter_fk()
    event_key: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ApiKey(Base):
    """An API key: only its SHA-256 is kept. A partner key is bound to exactly one firm."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(_in("role", API_ROLES), name="role"),
        CheckConstraint(
            "(role = 'partner' AND firm IS NOT NULL) OR (role <> 'partner' AND firm IS NULL)",
            name="partner_firm",
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    firm: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        revoked = self.revoked_at is not None
        return f"ApiKey(id={self.id!r}, role={self.role!r}, firm={self.firm!r}, revoked={revoked})"


class EvidenceBundle(Base):
    """A stored evidence bundle (ZIP of a matter's evidence + manifest + catalogue). Never updated.

    Created by revision 0002. `manifest` is the bundle's manifest.json as stored in the ZIP
    (file names, sizes, hashes: no borrower PII beyond what file names carry).
    """

    __tablename__ = "bundles"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    matter_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("matters.id", ondelete="CASCADE"), nullable=False, index=True
    )
    bucket: Mapped[str] = mapped_column(String(63))
    key: Mapped[str] = mapped_column(String(1024))
    version_id: Mapped[str | None] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    item_count: Mapped[int]
    manifest: Mapped[dict[str, Any]]
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Upload(Base):
    """A file uploaded as evidence for a matter, stored in S3 like a letter. Never updated.

    Created by revision 0003. The same bytes under the same name for the same matter are one
    upload (the unique constraint makes a repeated upload a no-op).
    """

    __tablename__ = "uploads"
    __table_args__ = (UniqueConstraint("matter_id", "sha256", "file_name"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    matter_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("matters.id", ondelete="CASCADE"), nullable=False, index=True
    )
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(String(2000))
    proves: Mapped[str] = mapped_column(String(2000))
    source: Mapped[str] = mapped_column(String(2000))
    bucket: Mapped[str] = mapped_column(String(63))
    key: Mapped[str] = mapped_column(String(1024))
    version_id: Mapped[str | None] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Firm(Base):
    """A law firm matters are referred to. Its partners are the `partner` API keys bound to its id.

    Created by revision 0010 (which also turned the free-text firm names of earlier keys and
    referrals into firms whose id is that name). `disabled_at`: the firm takes no new referrals;
    what it holds stays with it until recalled.
    """

    __tablename__ = "firms"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    # The fee terms agreed with the firm (its framework agreement), as the instruction letter states them.
    fee_arrangement: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"Firm(id={self.id!r}, name={self.name!r})"


# The web application's tables (kept in their own module for size), registered on the same Base.
from store.models_people import (  # noqa: E402
    IMPORT_STATUSES,
    USER_LANGUAGES,
    ImportJob,
    LoginFailure,
    User,
    WebSession,
)

__all__ = [
    "API_ROLES", "IMPORT_STATUSES", "USER_LANGUAGES", "Amount", "ApiKey", "Base", "Document", "EvidenceBundle", "Firm",
    "ImportJob", "LoginFailure", "Matter", "OverdueGroup", "Party", "Payment", "Promise", "TimelineEvent", "Upload",
    "User", "UtcDateTime", "WebSession",
]
