"""Fixtures shared by the unit tests."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import os
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis
from _pytest.nodeid import NodeId

import actions.store
from actions.store import Store
from mps.clock import Clock
from mps.database import Database
from mps.registry import Registry, check_registry
from mps.routing import StationIndex
from mps.settings import StoreSettings
from mps.stations import all_stations, import_registry, load_index
from tests.db import BACKENDS, database_fixture, drop_worker_database, worker_database

ROOT = Path(__file__).resolve().parents[1]
DEMO_REGISTRY = ROOT / "data" / "stations" / "demo.yml"
BAGHDAD = ZoneInfo("Asia/Baghdad")
# pytest-xdist (`make test` runs `pytest -n`) sets this in each worker: gw0, gw1, …
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def pytest_configure(config: pytest.Config) -> None:
    """In an xdist worker: a PostgreSQL database of its own (TEST_DATABASE_URL is
    changed for the worker, and so for every stack it starts)."""
    config.addinivalue_line("markers", "xdist_group(name): run in one pytest-xdist worker")
    url = os.environ.get("TEST_DATABASE_URL")
    if WORKER and url:
        os.environ["TEST_DATABASE_URL"] = worker_database(url, WORKER)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Drop a worker's own database."""
    url = os.environ.get("TEST_DATABASE_URL")
    if WORKER and url:
        drop_worker_database(url)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """How `pytest -n --dist loadgroup` shares the tests out (a group's tests run in one
    worker, in their order): a module's tests form a group, so that its module fixtures
    (a stack) start once and its tests run in order; every test that uses a session
    fixture of tests/e2e/conftest.py is in one group, so that its stack starts once; a
    module marked with a group of its own (tests/e2e/stack_fixture.SHARED_REDIS) keeps
    it."""
    for item in items:
        marked = item.get_closest_marker("xdist_group")
        group = str(marked.args[0]) if marked else _group(item)
        if not marked:
            item.add_marker(pytest.mark.xdist_group(group))
        if config.getoption("loadgroup", False) and "@" not in item.nodeid:
            # The scheduler reads the group from the worker's node id. pytest-xdist
            # 3.8 writes it into `item._nodeid`, which pytest 9.2 no longer reads
            # (pytest-xdist issue 1386; every test would go its own way): write it
            # where pytest 9.2 keeps the node id.
            item._id = NodeId.parse(f"{item.nodeid}@{group}")


def _group(item: pytest.Item) -> str:
    fixtures = getattr(item, "_fixtureinfo", None)
    for definitions in fixtures.name2fixturedefs.values() if fixtures else ():
        used = definitions[-1]
        if used.scope == "session" and used.func.__module__ == "tests.e2e.conftest":
            return "e2e-session-stacks"
    return item.nodeid.split("::", 1)[0]


def clock_at(text: str) -> Clock:
    """A clock stopped at a Baghdad wall-clock time, "YYYY-MM-DD HH:MM"."""
    local = dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BAGHDAD)
    return Clock(local.astimezone(dt.UTC), BAGHDAD)


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database on SQLite and on PostgreSQL."""
    async for db in database_fixture(request.param, tmp_path):
        yield db


@functools.cache
def _checked_demo_registry() -> Registry:
    registry, problems = check_registry(DEMO_REGISTRY)
    assert registry is not None, problems
    return registry


def demo_registry() -> Registry:
    """The demo registry, read and checked once a process (0.2 s), a copy of its own
    each time (nothing a test does to it is seen by another)."""
    return copy.deepcopy(_checked_demo_registry())


@pytest.fixture
async def stocked(database: Database) -> Database:
    """The database with the demo registry imported."""
    async with database.sessions.begin() as session:
        await import_registry(session, demo_registry())
    return database


@pytest.fixture(scope="module")
def index() -> StationIndex:
    """A routing index over the demo registry (no database)."""
    registry = demo_registry()
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
