"""Uploaded evidence: files a legal team or law firm adds to a matter (contracts, vouchers, receipts).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Types spelled out (not imported from store.models), as in 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("matter_id", sa.String(128), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(255), nullable=False),
        sa.Column("description", sa.String(2000), nullable=False),
        sa.Column("proves", sa.String(2000), nullable=False),
        sa.Column("source", sa.String(2000), nullable=False),
        sa.Column("bucket", sa.String(63), nullable=False),
        sa.Column("key", sa.String(1024), nullable=False),
        sa.Column("version_id", sa.String(1024), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_uploads"),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matters.id"], name="fk_uploads_matter_id_matters", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("matter_id", "sha256", "file_name", name="uq_uploads_matter_id_sha256_file_name"),
    )
    op.create_index("ix_uploads_matter_id", "uploads", ["matter_id"])


def downgrade() -> None:
    op.drop_index("ix_uploads_matter_id", table_name="uploads")
    op.drop_table("uploads")
