"""Matters awaiting an approver: the role a pending settlement, amendment or write-off needs.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

`matters.awaiting_approval` is `legal_team` or `manager` while the matter's latest proposal
waits for a decision (from the published status's `arrangement`), null otherwise: the column the
approvals queue (`GET /approvals`) filters on, indexed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("matters") as batch:
        batch.add_column(sa.Column("awaiting_approval", sa.String(16), nullable=True))
        batch.create_index("ix_matters_awaiting_approval", ["awaiting_approval"])


def downgrade() -> None:
    with op.batch_alter_table("matters") as batch:
        batch.drop_index("ix_matters_awaiting_approval")
        batch.drop_column("awaiting_approval")
