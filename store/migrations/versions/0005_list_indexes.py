"""Indexes for the matters list at portfolio scale: its order (created_at, id) and common filters.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

With 100,000 matters a page of the list sorted by `created_at, id` was a sequential scan and a sort;
with these it is an index range scan, and keyset pagination (`cursor`) reads only the page.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="matters")
