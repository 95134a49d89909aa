"""The staff console: one-time login links and sessions (hashed), headquarters
analysts, and invites for the hq role

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hq_analysts",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    for name, seen in (("console_links", "expires_at"), ("console_sessions", "last_seen_at")):
        extra = (
            [
                sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
                sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
            ]
            if name == "console_links"
            else [sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False)]
        )
        op.create_table(
            name,
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("user_id", sa.BigInteger(), nullable=False),
            sa.Column("role", sa.String(length=16), nullable=False),
            sa.Column("station_code", sa.String(length=32), nullable=True),
            sa.Column("language", sa.String(length=8), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            *extra,
            sa.PrimaryKeyConstraint("token_hash"),
        )
        op.create_index(f"ix_{name}_user_id", name, ["user_id"])
        op.create_index(f"ix_{name}_{seen}", name, [seen])
    with op.batch_alter_table("staff_invites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="station")
        )
        batch_op.alter_column("station_code", existing_type=sa.String(length=32), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM staff_invites WHERE station_code IS NULL")
    with op.batch_alter_table("staff_invites", schema=None) as batch_op:
        batch_op.alter_column("station_code", existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column("role")
    for name, seen in (("console_sessions", "last_seen_at"), ("console_links", "expires_at")):
        op.drop_index(f"ix_{name}_{seen}", table_name=name)
        op.drop_index(f"ix_{name}_user_id", table_name=name)
        op.drop_table(name)
    op.drop_table("hq_analysts")
