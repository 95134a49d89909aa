"""staff revocation audit, staff numbers, revoked invites, outbox dead letters, chat
failures; sensitive reports unlinked from their owner

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Kept in step with data/report_routing.yml (sensitive_units, sensitive_categories).
SENSITIVE_UNITS = ("fcpu", "juvenile")
SENSITIVE_CATEGORIES = ("online_harassment", "callback")


def upgrade() -> None:
    op.create_table(
        "staff_numbers",
        sa.Column("number", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("number"),
        sa.UniqueConstraint("user_id"),
    )
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("station_code", sa.String(length=32), nullable=True),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_staff_audit_at", "staff_audit", ["at"])
    op.create_table(
        "chat_failures",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    with op.batch_alter_table("staff_invites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True))
    # Every member so far gets a number, in the order they joined.
    op.execute(
        "INSERT INTO staff_numbers (user_id, created_at) "
        "SELECT user_id, MIN(joined_at) FROM staff_members GROUP BY user_id "
        "ORDER BY MIN(joined_at), user_id"
    )
    # Reports of the sensitive units and categories become sensitive, and no
    # sensitive report stays linked to a pseudonym or a chat.
    reports = sa.table(
        "reports",
        sa.column("id", sa.Integer),
        sa.column("owner", sa.String),
        sa.column("unit", sa.String),
        sa.column("category", sa.String),
        sa.column("sensitive", sa.Boolean),
        sa.column("chat_id", sa.BigInteger),
        sa.column("contact_consent", sa.Boolean),
    )
    op.execute(
        reports.update()
        .where(
            sa.or_(
                reports.c.unit.in_(SENSITIVE_UNITS),
                reports.c.category.in_(SENSITIVE_CATEGORIES),
            )
        )
        .values(sensitive=True)
    )
    op.execute(
        reports.update()
        .where(reports.c.sensitive.is_(True))
        .values(
            owner=sa.literal("sealed:") + sa.cast(reports.c.id, sa.String),
            chat_id=None,
            contact_consent=False,
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("dead_at")
    with op.batch_alter_table("staff_invites", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
    op.drop_table("chat_failures")
    op.drop_index("ix_staff_audit_at", table_name="staff_audit")
    op.drop_table("staff_audit")
    op.drop_table("staff_numbers")
