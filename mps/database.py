"""Engines, sessions and migrations. Nothing here runs at import time.

`open_database(url)` is called once at start-up by each process (bot, action
server, admin CLI). SQLite gets WAL, a busy timeout and foreign keys, so the
same code serves the default file database and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_URL = "sqlite+aiosqlite:///var/mps.db"
CONNECT_SECONDS = 5.0
COMMAND_SECONDS = 10.0


@dataclass
class Database:
    """An engine and its session factory."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def ping(self) -> None:
        """One round trip (`SELECT 1`); raises if the database cannot answer."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def close(self) -> None:
        """Release every pooled connection."""
        await self.engine.dispose()


def one_row(result: Any) -> bool:
    """Whether a guarded UPDATE changed exactly one row (the guard held)."""
    return bool(result.rowcount == 1)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_database(url: str = DEFAULT_URL, **engine_args: Any) -> Database:
    """Create the engine and sessionmaker for `url` (the SQLite folder is created).

    Errors never carry the statement's values (they may be a citizen's words).
    PostgreSQL: a connection attempt gives up after CONNECT_SECONDS and a statement
    after COMMAND_SECONDS, so a hung database fails a handler instead of stalling
    it; pooled connections are checked before use (the database may have restarted).
    """
    parsed = make_url(url)
    engine_args.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine_args.setdefault("connect_args", {"timeout": 30})
    elif parsed.get_driver_name() == "asyncpg":
        engine_args.setdefault(
            "connect_args", {"timeout": CONNECT_SECONDS, "command_timeout": COMMAND_SECONDS}
        )
        engine_args.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **engine_args)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return Database(engine, async_sessionmaker(engine, expire_on_commit=False))


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configuration pointing at mps/migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Apply the migrations up to `revision` on the database's own connection."""

    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)
