"""Databases for tests: a fresh SQLite file, and PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from mps.database import Database, open_database, upgrade

BACKENDS = ["sqlite", "postgresql"]


async def fresh_database(backend: str, tmp_path: Path, **engine_args: object) -> Database:
    """An empty, migrated database on `backend` (PostgreSQL: its public schema is reset)."""
    if backend == "sqlite":
        database = open_database(f"sqlite+aiosqlite:///{tmp_path}/test.db", **engine_args)
    else:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("TEST_DATABASE_URL is not set (`.ci/run` sets it)")
        database = open_database(url, **engine_args)
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(database)
    return database


async def database_fixture(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    """Yield a fresh database and close it afterwards."""
    database = await fresh_database(backend, tmp_path)
    try:
        yield database
    finally:
        await database.close()
