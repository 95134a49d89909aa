"""the hand-off to station staff: hand-offs, their staff-chat messages, the unlinked
tallies of discreet ones, and each station's staffed hours

Revision ID: 0008
Revises: 0006 (0007, the outbox's created_at, is another branch's: the lead re-chains
this one after it at merge)
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Sunday to Thursday, 08:00-14:00: what a station without its own hours gets
# (mps.registry.DEFAULT_STAFFED_HOURS; a station import writes the registry's).
DEFAULT_STAFFED_HOURS = [
    {"days": ["sun", "mon", "tue", "wed", "thu"], "start": "08:00", "end": "14:00"}
]


def upgrade() -> None:
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "staffed_hours",
                sa.JSON(),
                nullable=False,
                server_default=json.dumps(DEFAULT_STAFFED_HOURS),
            )
        )
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_code", sa.String(length=32), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("owner_user", sa.BigInteger(), nullable=True),
        sa.Column("owner_chat", sa.BigInteger(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=16), nullable=True),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cards_due", sa.Boolean(), nullable=False),
        sa.Column("redraw_due", sa.Boolean(), nullable=False),
        sa.Column("farewell_due", sa.Boolean(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["station_code"], ["stations.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id"),
    )
    op.create_index("ix_handoffs_station_code", "handoffs", ["station_code"])
    op.create_index("ix_handoffs_open", "handoffs", ["status", "last_message_at"])
    op.create_table(
        "handoff_messages",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "message_id"),
    )
    op.create_index("ix_handoff_messages_handoff_id", "handoff_messages", ["handoff_id"])
    op.create_table(
        "handoff_tallies",
        sa.Column("station_code", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("ended", sa.Integer(), nullable=False),
        sa.Column("take_seconds", sa.Float(), nullable=False),
        sa.Column("end_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("station_code", "month"),
    )


def downgrade() -> None:
    op.drop_table("handoff_tallies")
    op.drop_index("ix_handoff_messages_handoff_id", table_name="handoff_messages")
    op.drop_table("handoff_messages")
    op.drop_index("ix_handoffs_open", table_name="handoffs")
    op.drop_index("ix_handoffs_station_code", table_name="handoffs")
    op.drop_table("handoffs")
    # Not a batch: on SQLite that copies the table, which the reports' foreign keys
    # to it refuse; SQLite (3.35+) and PostgreSQL both drop a column in place.
    op.execute("ALTER TABLE stations DROP COLUMN staffed_hours")
