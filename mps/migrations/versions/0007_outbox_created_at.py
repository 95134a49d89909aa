"""outbox.created_at: when each row was committed, so /metrics can show the age of
the oldest undelivered row (next_attempt_at moves with every retry)

Rows written before this revision never kept their time: a staff card takes its
report's (they were filed in one transaction), any other row its next attempt (its
creation, if it was never retried; later than that otherwise).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    outbox = sa.table(
        "outbox",
        sa.column("report_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    reports = sa.table(
        "reports", sa.column("id", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True))
    )
    filed = (
        sa.select(reports.c.created_at).where(reports.c.id == outbox.c.report_id).scalar_subquery()
    )
    op.execute(outbox.update().where(outbox.c.kind == "staff_card").values(created_at=filed))
    op.execute(
        outbox.update()
        .where(outbox.c.created_at.is_(None))
        .values(created_at=outbox.c.next_attempt_at)
    )
    # New rows get their time from the code (the clock of the change); the default
    # covers a row written by hand.
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "created_at",
            existing_type=sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("created_at")
