"""the /exit trail, exited chats and the handled updates, shared by every bot process

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_trail",
        sa.Column("chat_key", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_key", "message_id"),
    )
    op.create_index("ix_chat_trail_sent_at", "chat_trail", ["sent_at"])
    op.create_table(
        "exited_chats",
        sa.Column("chat_key", sa.String(length=64), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_key"),
    )
    op.create_index("ix_exited_chats_until", "exited_chats", ["until"])
    op.create_table(
        "seen_updates",
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_seen_updates_seen_at", "seen_updates", ["seen_at"])
    # The "highest update id seen" of the old dedup is replaced by seen_updates.
    bot_state = sa.table("bot_state", sa.column("key", sa.String))
    op.execute(bot_state.delete().where(bot_state.c.key == "last_update_id"))


def downgrade() -> None:
    op.drop_index("ix_seen_updates_seen_at", table_name="seen_updates")
    op.drop_table("seen_updates")
    op.drop_index("ix_exited_chats_until", table_name="exited_chats")
    op.drop_table("exited_chats")
    op.drop_index("ix_chat_trail_sent_at", table_name="chat_trail")
    op.drop_table("chat_trail")
