"""Databases for tests: a fresh SQLite file, and PostgreSQL when TEST_DATABASE_URL is set.

A fresh SQLite database is a copy of the file this test process migrated once (all of
mps/migrations, from empty to head): migrating took 0.4 s a test, the copy a
millisecond. PostgreSQL's schema is reset and migrated for each test (a copy by
`CREATE DATABASE … TEMPLATE` was no faster there: it writes the whole database).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from mps.database import Database, open_database, upgrade

BACKENDS = ["sqlite", "postgresql"]

_sqlite_template: list[Path] = []  # this process's migrated file, once made


async def fresh_database(backend: str, tmp_path: Path, **engine_args: object) -> Database:
    """An empty, migrated database on `backend` (PostgreSQL: its public schema is reset)."""
    if backend == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(await _migrated_sqlite(), path)
        return open_database(f"sqlite+aiosqlite:///{path}", **engine_args)
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


async def _migrated_sqlite() -> Path:
    """This process's migrated SQLite file (migrated on the first call)."""
    if not _sqlite_template:
        folder = Path(tempfile.mkdtemp(prefix="mps-test-template-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "template.db"
        database = open_database(f"sqlite+aiosqlite:///{path}")
        try:
            await upgrade(database)
        finally:
            await database.close()  # the last connection folds the WAL into the file
        assert not path.with_name(f"{path.name}-wal").exists()
        _sqlite_template.append(path)
    return _sqlite_template[0]


def _admin_dsn(url: URL) -> str:
    """asyncpg's address of the server's `postgres` database, as the role of `url`."""
    dsn = url.set(drivername="postgresql", database="postgres")
    return dsn.render_as_string(hide_password=False)


def worker_database(url: str, worker: str) -> str:
    """The URL of a database of this pytest-xdist worker's own, beside the one of `url`
    (made empty now: the tests reset it), so that two workers never share one."""
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"

    async def create() -> None:
        admin = await asyncpg.connect(_admin_dsn(parsed))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()

    asyncio.run(create())
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_worker_database(url: str) -> None:
    """Drop the database `worker_database` made."""
    parsed = make_url(url)

    async def drop() -> None:
        admin = await asyncpg.connect(_admin_dsn(parsed))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(drop())
