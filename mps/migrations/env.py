"""Alembic environment: runs on the connection mps.database.upgrade hands over."""

from __future__ import annotations

from alembic import context

from mps.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations with `python -m bot.admin db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
