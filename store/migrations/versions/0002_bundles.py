"""Evidence bundles: one row per stored bundle ZIP of a matter.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Types spelled out (not imported from store.models), as in 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
JSONDOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "bundles",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("matter_id", sa.String(128), nullable=False),
        sa.Column("bucket", sa.String(63), nullable=False),
        sa.Column("key", sa.String(1024), nullable=False),
        sa.Column("version_id", sa.String(1024), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("manifest", JSONDOC, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bundles"),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matters.id"], name="fk_bundles_matter_id_matters", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_bundles_matter_id", "bundles", ["matter_id"])


def downgrade() -> None:
    op.drop_index("ix_bundles_matter_id", table_name="bundles")
    op.drop_table("bundles")
