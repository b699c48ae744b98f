"""The last day of each matter's limitation period, for the managers' view of matters near expiry.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

`matters.limitation_last_day` is the counted last day of the running limitation period (from the
published status's `limitation`; null when none runs, or for matters whose workflow does not track
it), indexed: `GET /matters?limitation_before=` filters on it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("matters") as batch:
        batch.add_column(sa.Column("limitation_last_day", sa.Date(), nullable=True))
        batch.create_index("ix_matters_limitation_last_day", ["limitation_last_day"])


def downgrade() -> None:
    with op.batch_alter_table("matters") as batch:
        batch.drop_index("ix_matters_limitation_last_day")
        batch.drop_column("limitation_last_day")
