"""Closure reason `cured`: the arrears are paid and the loan continues (no payoff certificate).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

`paid` now means the whole contract balance is paid; a matter whose arrears are paid while
principal not yet due remains closes `cured` (domain.matter.ClosureReason).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("paid", "settled", "written_off", "withdrawn")
NEW = ("paid", "cured", "settled", "written_off", "withdrawn")


def _closure(values: tuple[str, ...]) -> str:
    return f"closure_reason IS NULL OR closure_reason IN ({', '.join(repr(v) for v in values)})"


def _replace(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("matters") as batch:  # SQLite: copy and move
        # Named as 0001 named it: the naming convention makes it ck_matters_ck_matters_closure.
        batch.drop_constraint("ck_matters_closure", type_="check")
        batch.create_check_constraint("ck_matters_closure", _closure(values))


def upgrade() -> None:
    _replace(NEW)


def downgrade() -> None:
    op.execute("UPDATE matters SET closure_reason = 'paid' WHERE closure_reason = 'cured'")
    _replace(OLD)
