"""Fixtures shared by the unit tests."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis

import actions.store
from actions.store import Store
from mps.clock import Clock
from mps.database import Database
from mps.registry import check_registry
from mps.routing import StationIndex
from mps.settings import StoreSettings
from mps.stations import all_stations, import_registry, load_index
from tests.db import BACKENDS, database_fixture

ROOT = Path(__file__).resolve().parents[1]
DEMO_REGISTRY = ROOT / "data" / "stations" / "demo.yml"
BAGHDAD = ZoneInfo("Asia/Baghdad")


def clock_at(text: str) -> Clock:
    """A clock stopped at a Baghdad wall-clock time, "YYYY-MM-DD HH:MM"."""
    local = dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BAGHDAD)
    return Clock(local.astimezone(dt.UTC), BAGHDAD)


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database on SQLite and on PostgreSQL."""
    async for db in database_fixture(request.param, tmp_path):
        yield db


@pytest.fixture
async def stocked(database: Database) -> Database:
    """The database with the demo registry imported."""
    registry, problems = check_registry(DEMO_REGISTRY)
    assert registry is not None, problems
    async with database.sessions.begin() as session:
        await import_registry(session, registry)
    return database


@pytest.fixture(scope="module")
def index() -> StationIndex:
    """A routing index over the demo registry (no database)."""
    registry, problems = check_registry(DEMO_REGISTRY)
    assert registry is not None, problems
    rows = []
    for s in registry.stations:
        row = s.model_dump()
        row["governorate_name"] = registry.governorates[s.governorate].name.model_dump()
        rows.append(row)
    return StationIndex.from_rows(rows)


@pytest.fixture
async def action_store(stocked: Database) -> AsyncIterator[Store]:
    """The actions' Store on the stocked database (what `get_store()` returns)."""
    settings = StoreSettings(database_url="sqlite+aiosqlite:///unused.db")
    async with stocked.sessions() as session:
        stations = {s.code: s for s in await all_stations(session)}
        index = await load_index(session)
    actions.store._store = Store(stocked, settings, index, stations, time.monotonic())
    yield actions.store._store
    actions.store._store = None


@pytest.fixture
async def redis() -> AsyncIterator[aioredis.Redis]:
    """A client of the test Redis (TEST_REDIS_URL); the test is skipped without one."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set (`.ci/run` sets it)")
    client = aioredis.Redis.from_url(url)
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis: aioredis.Redis) -> AsyncIterator[str]:
    """A key prefix of this test alone; its keys are deleted after it."""
    name = f"mpstest:{secrets.token_hex(4)}:"
    yield name
    async for key in redis.scan_iter(f"{name}*"):
        await redis.delete(key)
