"""Law firms as records: `firms`, and the free-text firm names of earlier keys and referrals.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

Before this revision a partner key and a referral named their firm in free text. Each distinct
name found in `api_keys.firm` or `matters.referred_firm` becomes a firm whose id *is* that name,
so keys, the projection and running workflows (which carry the name as the firm's id) keep
agreeing; new firms get generated ids (`store.firms`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    firms = op.create_table(
        "firms",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(500), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("phone", sa.String(64), nullable=False),
        sa.Column("fee_arrangement", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("disabled_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_firms"),
        sa.UniqueConstraint("name", name="uq_firms_name"),
    )
    conn = op.get_bind()
    names = {row[0] for row in conn.execute(sa.text("SELECT DISTINCT firm FROM api_keys WHERE firm IS NOT NULL"))}
    names |= {row[0] for row in conn.execute(
        sa.text("SELECT DISTINCT referred_firm FROM matters WHERE referred_firm IS NOT NULL"))}
    now = datetime.now(UTC)
    if names:
        op.bulk_insert(firms, [
            {"id": n, "name": n, "address": "", "email": "", "phone": "", "fee_arrangement": "", "created_at": now, "updated_at": now,
             "disabled_at": None}
            for n in sorted(names)
        ])


def downgrade() -> None:
    op.drop_table("firms")
