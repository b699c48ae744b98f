"""The matters list at portfolio scale: indexes for its order (created_at, id) and common filters, and
`overdue_groups`, the few (time zone, policy-day) pairs a days-past-due filter is built from.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

With 100,000 matters a page of the list sorted by `created_at, id` was a sequential scan and a sort;
with these it is an index range scan, and keyset pagination (`cursor`) reads only the page. A
days-past-due filter read `SELECT DISTINCT timezone, day_seconds FROM matters` on every request (a
scan of every matter); it now reads `overdue_groups`, kept by the projection and back-filled here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_matters_created_at_id": ["created_at", "id"],
    "ix_matters_stage_created_at_id": ["stage", "created_at", "id"],
    "ix_matters_referred_firm_created_at_id": ["referred_firm", "created_at", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "matters", columns)
    op.create_table(
        "overdue_groups",
        sa.Column("timezone", sa.String(64), primary_key=True),
        sa.Column("day_seconds", sa.Integer, primary_key=True),
    )
    op.execute("INSERT INTO overdue_groups (timezone, day_seconds) "
               "SELECT DISTINCT coalesce(timezone, ''), coalesce(day_seconds, 0) FROM matters")


def downgrade() -> None:
    op.drop_table("overdue_groups")
    for name in INDEXES:
        op.drop_index(name, table_name="matters")
