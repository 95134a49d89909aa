"""satisfaction surveys: asked after a closed report or an Open House visit; the
answers keep no chat

Revision ID: 0011
Revises: 0010 (chained after the console at the merge in s13b)
Create Date: 2026-11-28 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("station_code", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("token", sa.String(length=24), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("after_outbox_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("asked_on", sa.Date(), nullable=True),
        sa.Column("comment_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("respected", sa.Boolean(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_1_to_5"),
        sa.ForeignKeyConstraint(["station_code"], ["stations.code"]),
        sa.ForeignKeyConstraint(["after_outbox_id"], ["outbox.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_index("ix_surveys_station_code", "surveys", ["station_code"])
    op.create_index("ix_surveys_chat_id", "surveys", ["chat_id"])
    op.create_index("ix_surveys_asked_on", "surveys", ["asked_on"])
    op.create_index("ix_surveys_due", "surveys", ["status", "due_at"])


def downgrade() -> None:
    op.drop_table("surveys")
