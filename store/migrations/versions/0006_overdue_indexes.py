"""Days-past-due filters at portfolio scale: indexes on (time zone, policy day, overdue bound).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

A days-past-due filter is, per (time zone, policy-day) group, `timezone = ? AND day_seconds = ? AND
overdue_since <= ?` (or `overdue_zero_at` on compressed calendars; `store.queries`). With an index
on `overdue_since` alone the capped count of such a list read up to 10,001 matter rows from the table
(12 ms on 100,000 matters); with the group's columns first it is an index-only scan (~1.5 ms). The
single-column indexes they replace served nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = {
    "ix_matters_overdue_group_since": ["timezone", "day_seconds", "overdue_since"],
    "ix_matters_overdue_group_zero_at": ["timezone", "day_seconds", "overdue_zero_at"],
}
OLD = {"ix_matters_overdue_since": ["overdue_since"], "ix_matters_overdue_zero_at": ["overdue_zero_at"]}


def upgrade() -> None:
    for name, columns in NEW.items():
        op.create_index(name, "matters", columns)
    for name in OLD:
        op.drop_index(name, table_name="matters")


def downgrade() -> None:
    for name, columns in OLD.items():
        op.create_index(name, "matters", columns)
    for name in NEW:
        op.drop_index(name, table_name="matters")
