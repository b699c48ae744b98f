"""Workflow v2's status: the whole public status, needs-attention, referral, days past due read live.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

- `status` (JSON): the public status as the workflow published it (`domain.status.MatterStatus`).
- `attention_since`, `attention_reason`: the `needs_attention` condition (filterable).
- `referral_status`: instructing / instructed / accepted while a law firm holds a referral.
- `timezone`, `day_seconds`, `overdue_zero_at`: what days past due are computed from when read.
- `days_past_due` is dropped: a stored count was wrong the day after it was written, and keeping it
  current woke every open matter once a day.

Rows written before this revision are back-filled: the borrower's time zone from `parties`, one
second per policy day for the `demo` policy and a real day otherwise (the two policies that
existed), and `overdue_zero_at` from `overdue_since` (real days) or from the stored count and the
time it was written (demo days). Types spelled out (not imported from store.models), as in 0001.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
JSONDOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _aware(value: object) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _day(value: object) -> object:
    return value if not isinstance(value, str) else datetime.fromisoformat(value).date()


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("matters", sa.Column("timezone", sa.String(64), nullable=True))
    op.add_column("matters", sa.Column("day_seconds", sa.Integer(), nullable=True))
    op.add_column("matters", sa.Column("overdue_zero_at", TS, nullable=True))
    op.add_column("matters", sa.Column("referral_status", sa.String(16), nullable=True))
    op.add_column("matters", sa.Column("attention_since", TS, nullable=True))
    op.add_column("matters", sa.Column("attention_reason", sa.Text(), nullable=True))
    op.add_column("matters", sa.Column("status", JSONDOC, nullable=True))
    op.create_index("ix_matters_overdue_zero_at", "matters", ["overdue_zero_at"])
    op.create_index("ix_matters_attention_since", "matters", ["attention_since"])
    op.create_index("ix_matters_overdue_since", "matters", ["overdue_since"])

    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT m.id, m.policy_name, m.overdue_since, m.days_past_due, m.updated_at, p.timezone "
        "FROM matters m LEFT JOIN parties p ON p.matter_id = m.id AND p.role = 'borrower'"
    )).all()
    for matter_id, policy, since, dpd, updated_at, tz in rows:
        tz = tz or "Asia/Shanghai"
        day_seconds = 1 if policy == "demo" else 86400
        if day_seconds == 86400:
            zero_at = datetime.combine(_day(since), time(0), ZoneInfo(tz)).astimezone(UTC)  # type: ignore[arg-type]
        else:
            zero_at = _aware(updated_at) - timedelta(seconds=int(dpd) * day_seconds)
        value: object = zero_at.replace(tzinfo=None) if sqlite else zero_at
        bind.execute(
            sa.text("UPDATE matters SET timezone = :tz, day_seconds = :ds, overdue_zero_at = :z WHERE id = :id"),
            {"tz": tz, "ds": day_seconds, "z": value, "id": matter_id},
        )

    op.drop_index("ix_matters_days_past_due", table_name="matters")
    if sqlite:
        # SQLite (>= 3.35) drops a plain column in place; batch mode would recreate the table, and
        # dropping the old one would cascade-delete every child row.
        op.execute("ALTER TABLE matters DROP COLUMN days_past_due")
    else:
        op.drop_column("matters", "days_past_due")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("matters", sa.Column("days_past_due", sa.Integer(), nullable=False, server_default="0"))
    if not sqlite:
        op.alter_column("matters", "days_past_due", server_default=None)
    op.create_index("ix_matters_days_past_due", "matters", ["days_past_due"])
    op.drop_index("ix_matters_overdue_since", table_name="matters")
    op.drop_index("ix_matters_attention_since", table_name="matters")
    op.drop_index("ix_matters_overdue_zero_at", table_name="matters")
    for column in ("status", "attention_reason", "attention_since", "referral_status", "overdue_zero_at",
                   "day_seconds", "timezone"):
        if sqlite:
            op.execute(f"ALTER TABLE matters DROP COLUMN {column}")
        else:
            op.drop_column("matters", column)
