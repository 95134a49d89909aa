"""The bot's, the action server's and the web application's probes: /healthz answers
while the bot's jobs run and names one that stopped; /readyz is 200 while the database,
Redis and Rasa answer and 503 naming the one that does not (an error type, never a URL
or a value); `python -m bot.health` exits by what they say."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import time
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import actions.store
from actions import probes as action_probes
from actions.server import token_check
from actions.store import Store
from bot.health import main as health_main
from bot.probes import serve_probes
from bot.rasa_client import RasaClient
from bot.services import SERVICES_KEY, Services
from bot.shared_state import open_redis
from mps.database import Database, open_database
from mps.routing import StationIndex
from mps.settings import StoreSettings
from tests.e2e.slow_rasa import create_app as rasa_stand_in
from tests.e2e.stack_fixture import free_port
from tests.test_outbox import Now, services
from web.app import create_app as create_web_app
from web.context import CONTEXT as WEB_CONTEXT

JOBS = ("outbox", "reminders")
# Nothing listens there: a database, Redis or Rasa that is down.
DOWN = free_port()
DOWN_DATABASE = f"postgresql+asyncpg://mps:secret-password@127.0.0.1:{DOWN}/mps"


@dataclasses.dataclass
class Running:
    """A served bot's probes and what stands behind them."""

    base: str
    application: Any
    http: aiohttp.ClientSession

    async def get(self, path: str) -> tuple[int, dict[str, Any]]:
        async with self.http.get(self.base + path) as response:
            return response.status, await response.json()


@pytest.fixture
async def rasa() -> AsyncIterator[str]:
    """A stand-in Rasa answering `GET /`, as Rasa's server does."""
    runner = web.AppRunner(rasa_stand_in(0.0))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def _jobs() -> dict[str, asyncio.Task[None]]:
    return {key: asyncio.create_task(asyncio.sleep(3600)) for key in JOBS}


@pytest.fixture
async def serve(rasa: str) -> AsyncIterator[Any]:
    """Serve a bot's probes over `svc`, Rasa at `rasa_url` (the stand-in by default)."""
    sessions: list[aiohttp.ClientSession] = []
    runners: list[web.AppRunner] = []
    tasks: list[asyncio.Task[None]] = []

    async def start(svc: Services, rasa_url: str = rasa, running: bool = True) -> Running:
        http = aiohttp.ClientSession()
        sessions.append(http)
        svc = dataclasses.replace(svc, rasa=RasaClient(http, rasa_url, 5))
        jobs = await _jobs()
        tasks.extend(jobs.values())
        application = SimpleNamespace(
            bot_data={SERVICES_KEY: svc, **jobs},
            running=running,
            updater=SimpleNamespace(running=running),
        )
        port = free_port()
        runner = await serve_probes(application, JOBS, "127.0.0.1", port)  # type: ignore[arg-type]
        assert runner is not None
        runners.append(runner)
        return Running(f"http://127.0.0.1:{port}", application, http)

    yield start
    for task in tasks:
        task.cancel()
    for runner in runners:
        await runner.cleanup()
    for http in sessions:
        await http.close()


def _redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set (`.ci/run` sets it)")
    return url


async def test_ready_while_the_database_and_rasa_answer(serve: Any, database: Database) -> None:
    bot = await serve(services(database, Now()))
    assert await bot.get("/readyz") == (
        200,
        {"status": "ready", "checks": {"running": "ok", "database": "ok", "rasa": "ok"}},
    )
    assert await bot.get("/healthz") == (200, {"status": "ok"})


async def test_ready_with_redis_too(serve: Any, database: Database) -> None:
    redis = open_redis(_redis_url())
    try:
        bot = await serve(dataclasses.replace(services(database, Now()), redis=redis))
        status, body = await bot.get("/readyz")
        assert status == 200 and body["checks"]["redis"] == "ok"
    finally:
        await redis.aclose()


async def test_not_ready_while_rasa_is_down(serve: Any, database: Database) -> None:
    bot = await serve(services(database, Now()), rasa_url=f"http://127.0.0.1:{DOWN}")
    status, body = await bot.get("/readyz")
    assert status == 503 and body["status"] == "not ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["rasa"] == "ClientConnectorError"
    assert await bot.get("/healthz") == (200, {"status": "ok"})  # alive: restarting won't help


async def test_not_ready_while_the_database_is_down_and_no_secret_is_said(
    serve: Any, database: Database
) -> None:
    down = open_database(DOWN_DATABASE)
    try:
        bot = await serve(dataclasses.replace(services(database, Now()), database=down))
        async with bot.http.get(bot.base + "/readyz") as response:
            status, text = response.status, await response.text()
        assert status == 503
        assert '"database": "ConnectionRefusedError"' in text, text
        assert '"rasa": "ok"' in text
        assert "secret-password" not in text and str(DOWN) not in text
    finally:
        await down.close()


async def test_not_ready_while_redis_is_down(serve: Any, database: Database) -> None:
    redis = open_redis(f"redis://127.0.0.1:{DOWN}/0")
    try:
        bot = await serve(dataclasses.replace(services(database, Now()), redis=redis))
        status, body = await bot.get("/readyz")
        assert status == 503 and body["checks"]["redis"] == "ConnectionError"
        assert body["checks"]["database"] == body["checks"]["rasa"] == "ok"
    finally:
        await redis.aclose()


async def test_not_ready_until_the_bot_runs(serve: Any, database: Database) -> None:
    bot = await serve(services(database, Now()), running=False)
    status, body = await bot.get("/readyz")
    assert status == 503 and body["checks"]["running"] == "not ready"


async def test_a_stopped_job_fails_liveness(serve: Any, database: Database) -> None:
    bot = await serve(services(database, Now()))
    outbox = bot.application.bot_data["outbox"]
    outbox.cancel()  # the job ended (a bug let an exception through, say)
    with pytest.raises(asyncio.CancelledError):
        await outbox
    assert await bot.get("/healthz") == (503, {"status": "down", "reasons": ["outbox stopped"]})


async def test_the_health_command_exits_by_what_the_probes_say(
    serve: Any, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await serve(services(database, Now()), rasa_url=f"http://127.0.0.1:{DOWN}")
    monkeypatch.setenv("METRICS_LISTEN", "0.0.0.0")
    monkeypatch.setenv("METRICS_PORT", bot.base.rsplit(":", 1)[1])
    assert await asyncio.to_thread(health_main, []) == 0
    assert await asyncio.to_thread(health_main, ["--ready"]) == 1  # Rasa is down
    monkeypatch.setenv("METRICS_PORT", str(DOWN))
    assert await asyncio.to_thread(health_main, []) == 1
    monkeypatch.setenv("METRICS_PORT", "0")
    assert await asyncio.to_thread(health_main, []) == 1


async def test_the_action_server_is_ready_while_its_database_answers(
    action_store: Store,
) -> None:
    answer = await action_probes.readyz(SimpleNamespace())  # type: ignore[arg-type]
    assert (answer.status, json.loads(answer.body or b"")) == (
        200,
        {"status": "ready", "checks": {"database": "ok"}},
    )
    down = open_database(DOWN_DATABASE)
    actions.store._store = Store(
        down, StoreSettings(database_url=DOWN_DATABASE), StationIndex([]), {}, time.monotonic()
    )
    try:
        answer = await action_probes.readyz(SimpleNamespace())  # type: ignore[arg-type]
        assert (answer.status, json.loads(answer.body or b"")) == (
            503,
            {"status": "not ready", "checks": {"database": "ConnectionRefusedError"}},
        )
        live = await action_probes.healthz(SimpleNamespace())  # type: ignore[arg-type]
        assert live.status == 200
    finally:
        await down.close()


async def test_the_action_servers_probes_need_no_token() -> None:
    check = token_check("a-long-action-server-token")
    for path in ("/healthz", "/readyz", "/health", "/metrics"):
        assert await check(SimpleNamespace(path=path, args={})) is None  # type: ignore[arg-type]
    refused = await check(SimpleNamespace(path="/webhook", args={}))  # type: ignore[arg-type]
    assert refused is not None and refused.status == 401


async def test_the_web_application_is_ready_while_its_database_answers(
    database: Database,
) -> None:
    settings = StoreSettings(
        database_url="sqlite+aiosqlite:///unused.db",
        reference_secret="web-probe-test-reference-secret-0123",  # type: ignore[arg-type]
    )
    app = create_web_app(settings, database)
    async with TestClient(TestServer(app)) as client:
        ready = await client.get("/readyz")
        assert (ready.status, await ready.json()) == (
            200,
            {"status": "ready", "checks": {"database": "ok"}},
        )
        down = open_database(DOWN_DATABASE)
        app[WEB_CONTEXT].store.database = down  # the database goes away
        try:
            ready = await client.get("/readyz")
            assert (ready.status, await ready.json()) == (
                503,
                {"status": "not ready", "checks": {"database": "ConnectionRefusedError"}},
            )
            live = await client.get("/healthz")
            assert (live.status, await live.json()) == (200, {"status": "ok"})
        finally:
            app[WEB_CONTEXT].store.database = database
            await down.close()
