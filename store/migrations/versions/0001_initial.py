"""Initial schema: matters, parties, payments, promises, documents, timeline, API keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-29

Types are spelled out here (not imported from store.models) so that this revision keeps
creating the same schema whatever the models become later. Money is NUMERIC(20, 4) on
PostgreSQL and exact decimal text on SQLite (see store.models.Amount).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AMOUNT = sa.Numeric(20, 4).with_variant(sa.String(48), "sqlite")
TS = sa.DateTime(timezone=True)
JSONDOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

STAGES = ("intake", "notice", "reminders", "negotiation", "amendment",
          "legal_review", "referral", "litigation", "enforcement", "closed")
CLOSURE_REASONS = ("paid", "settled", "written_off", "withdrawn")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _matter_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["matter_id"], ["matters.id"], name=f"fk_{table}_matter_id_matters", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "matters",
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("external_ref", sa.String(128), nullable=False),
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column("policy_name", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("closure_reason", sa.String(32), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("outstanding", AMOUNT, nullable=False),
        sa.Column("costs", AMOUNT, nullable=False),
        sa.Column("fees", AMOUNT, nullable=False),
        sa.Column("penalty", AMOUNT, nullable=False),
        sa.Column("interest", AMOUNT, nullable=False),
        sa.Column("principal", AMOUNT, nullable=False),
        sa.Column("paid_total", AMOUNT, nullable=False),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("overdue_since", sa.Date(), nullable=False),
        sa.Column("risk_grade", sa.String(16), nullable=True),
        sa.Column("risk_score", sa.Integer(), nullable=True),
        sa.Column("next_step", sa.String(200), nullable=True),
        sa.Column("next_step_at", TS, nullable=True),
        sa.Column("negotiation_ends_on", sa.Date(), nullable=True),
        sa.Column("referred_firm", sa.String(200), nullable=True),
        sa.Column("borrower_locale", sa.String(16), nullable=False),
        sa.Column("status_seq", sa.Integer(), nullable=True),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("details", JSONDOC, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_matters"),
        sa.UniqueConstraint("external_ref", name="uq_matters_external_ref"),
        sa.CheckConstraint(_in("stage", STAGES), name="ck_matters_stage"),
        sa.CheckConstraint(
            f"closure_reason IS NULL OR {_in('closure_reason', CLOSURE_REASONS)}", name="ck_matters_closure"
        ),
    )
    op.create_index("ix_matters_stage", "matters", ["stage"])
    op.create_index("ix_matters_days_past_due", "matters", ["days_past_due"])
    op.create_index("ix_matters_referred_firm", "matters", ["referred_firm"])

    op.create_table(
        "parties",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("matter_id", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("id_number", sa.String(64), nullable=True),
        sa.Column("phone", sa.String(64), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("locale", sa.String(16), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("details", JSONDOC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_parties"),
        _matter_fk("parties"),
        sa.UniqueConstraint("matter_id", "role", "position", name="uq_parties_matter_id_role_position"),
        sa.CheckConstraint(_in("role", ("borrower", "guarantor", "creditor")), name="ck_parties_role"),
    )

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("matter_id", sa.String(128), nullable=False),
        sa.Column("payment_id", sa.String(128), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("allocation", JSONDOC, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
        _matter_fk("payments"),
        sa.UniqueConstraint("matter_id", "payment_id", name="uq_payments_matter_id_payment_id"),
    )

    op.create_table(
        "promises",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("matter_id", sa.String(128), nullable=False),
        sa.Column("promise_id", sa.String(128), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_promises"),
        _matter_fk("promises"),
        sa.UniqueConstraint("matter_id", "promise_id", name="uq_promises_matter_id_promise_id"),
        sa.CheckConstraint(
            _in("status", ("pending", "kept", "broken", "superseded")), name="ck_promises_status"
        ),
    )

    op.create_table(
        "documents",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("matter_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("template_version", sa.String(64), nullable=False),
        sa.Column("bucket", sa.String(63), nullable=False),
        sa.Column("key", sa.String(1024), nullable=False),
        sa.Column("version_id", sa.String(1024), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(255), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        _matter_fk("documents"),
    )
    op.create_index("ix_documents_matter_id", "documents", ["matter_id"])

    op.create_table(
        "timeline_events",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("matter_id", sa.String(128), nullable=False),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("data", JSONDOC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_timeline_events"),
        _matter_fk("timeline_events"),
        sa.UniqueConstraint("matter_id", "event_key", name="uq_timeline_events_matter_id_event_key"),
    )

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("firm", sa.String(200), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
        sa.CheckConstraint(_in("role", ("legal_team", "manager", "partner")), name="ck_api_keys_role"),
        sa.CheckConstraint(
            "(role = 'partner' AND firm IS NOT NULL) OR (role <> 'partner' AND firm IS NULL)",
            name="ck_api_keys_partner_firm",
        ),
    )


def downgrade() -> None:
    for table in ("api_keys", "timeline_events", "documents", "promises", "payments", "parties", "matters"):
        op.drop_table(table)
