"""central triage queue, report message threads, unit invites, call-back contact

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TRIAGE_NAME = {"en": "Central triage", "ar": "الفرز المركزي", "ckb": "پۆلێنکردنی ناوەندی"}


def upgrade() -> None:
    op.create_table(
        "report_messages",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"]),
        sa.PrimaryKeyConstraint("chat_id", "message_id"),
    )
    op.create_index("ix_report_messages_report_id", "report_messages", ["report_id"])
    with op.batch_alter_table("staff_invites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("units", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("contact_window", sa.String(length=32), nullable=True))
    # The central triage queue is a station row that no finder or list shows:
    # reports that cannot be placed go there, and its staff join it like any other.
    stations = sa.table(
        "stations",
        sa.column("code", sa.String),
        sa.column("name", sa.JSON),
        sa.column("governorate", sa.String),
        sa.column("region", sa.String),
        sa.column("governorate_name", sa.JSON),
        sa.column("address", sa.JSON),
        sa.column("hours", sa.JSON),
        sa.column("phone", sa.String),
        sa.column("units", sa.JSON),
        sa.column("longitude", sa.Float),
        sa.column("latitude", sa.Float),
        sa.column("jurisdiction", sa.JSON),
        sa.column("areas", sa.JSON),
        sa.column("demo", sa.Boolean),
    )
    empty = {"en": "", "ar": "", "ckb": ""}
    op.bulk_insert(
        stations,
        [
            {
                "code": "TRIAGE",
                "name": TRIAGE_NAME,
                "governorate": "",
                "region": "",
                "governorate_name": empty,
                "address": empty,
                "hours": empty,
                "phone": "",
                "units": ["fcpu", "juvenile", "community_policing"],
                "longitude": 0.0,
                "latitude": 0.0,
                "jurisdiction": {},
                "areas": [],
                "demo": False,
            }
        ],
    )


def downgrade() -> None:
    op.execute("DELETE FROM stations WHERE code = 'TRIAGE'")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("contact_window")
        batch_op.drop_column("contact_phone")
    with op.batch_alter_table("staff_invites", schema=None) as batch_op:
        batch_op.drop_column("units")
    op.drop_index("ix_report_messages_report_id", table_name="report_messages")
    op.drop_table("report_messages")
