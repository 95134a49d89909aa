"""stations, events, bookings, staff

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 19:34:25.491675
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "stations",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("governorate", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("governorate_name", sa.JSON(), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("jurisdiction", sa.JSON(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stations_governorate"), ["governorate"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_code", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("end", sa.Time(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_code"],
            ["stations.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("station_code", "day", "start"),
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"
        ),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_station_code"), ["station_code"], unique=False)

    op.create_table(
        "staff_chats",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("station_code", sa.String(length=32), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_code"],
            ["stations.code"],
        ),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    with op.batch_alter_table("staff_chats", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_chats_station_code"), ["station_code"], unique=False
        )

    op.create_table(
        "staff_invites",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("station_code", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_code"],
            ["stations.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "staff_members",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("station_code", sa.String(length=32), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_code"],
            ["stations.code"],
        ),
        sa.PrimaryKeyConstraint("user_id", "station_code"),
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("party_size", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bookings_due", ["status", "reminded_at", "remind_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bookings_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_owner"), ["owner"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_owner"))
        batch_op.drop_index(batch_op.f("ix_bookings_event_id"))
        batch_op.drop_index("ix_bookings_due")

    op.drop_table("bookings")
    op.drop_table("staff_members")
    op.drop_table("staff_invites")
    with op.batch_alter_table("staff_chats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_chats_station_code"))

    op.drop_table("staff_chats")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_station_code"))

    op.drop_table("events")
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stations_governorate"))

    op.drop_table("stations")
