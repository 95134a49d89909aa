"""A user can file only so many reports and call-back requests a day; past that the
action says so politely and files nothing, and other users are not affected; with
Redis, every action server counts the same filings."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

import actions.limits
from actions.callback import ActionFileCallback
from actions.reports import ActionFileReport
from actions.store import Store
from actions.texts import label
from mps.models import Report
from mps.settings import StoreSettings


@pytest.fixture(autouse=True)
async def _fresh_counts() -> AsyncIterator[None]:
    await actions.limits.forget_counts()
    yield
    await actions.limits.forget_counts()


@pytest.fixture
def store(action_store: Store) -> Store:
    """The action store, with a reference key (filing needs one)."""
    action_store.settings = StoreSettings(
        database_url="sqlite+aiosqlite:///unused.db",
        reference_secret="test-reference-secret-0123456789",  # type: ignore[arg-type]
    )
    return action_store


def _tracker(owner: str, slots: dict[str, Any]) -> Tracker:
    return Tracker(owner, {"language": "en", **slots}, {}, [], False, None, {}, "action_listen")


REPORT = {
    "report_confirmed": True,
    "report_category": "noise",
    "report_description": "Loud music every night after midnight",
    "report_place": "BGD-KRD",
    "report_consent": False,
}
CALLBACK = {
    "callback_consent": True,
    "callback_phone": "+9647701234567",
    "callback_window": "morning",
    "station": "BGD-KRD",
}


async def _file(action: Any, owner: str, slots: dict[str, Any]) -> str:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, _tracker(owner, slots), {})
    return " ".join(m.get("text") or "" for m in dispatcher.messages)


async def _count(store: Store) -> int:
    async with store.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


async def test_reports_past_the_daily_limit_are_refused(store: Store) -> None:
    allowed = store.settings.rate_reports_per_day
    for _ in range(allowed):
        assert "MPS-" in await _file(ActionFileReport(), "owner-a", REPORT)
    refused = await _file(ActionFileReport(), "owner-a", REPORT)
    assert refused == label("report_limit", "en")
    assert await _count(store) == allowed
    assert "MPS-" in await _file(ActionFileReport(), "owner-b", REPORT)  # someone else


async def test_callbacks_past_the_daily_limit_are_refused(store: Store) -> None:
    allowed = store.settings.rate_callbacks_per_day
    for _ in range(allowed):
        assert label("callback_limit", "en") not in await _file(
            ActionFileCallback(), "owner-c", CALLBACK
        )
    refused = await _file(ActionFileCallback(), "owner-c", CALLBACK)
    assert refused == label("callback_limit", "en")
    assert await _count(store) == allowed


async def test_action_servers_sharing_redis_count_one_users_filings_together(
    store: Store, redis: aioredis.Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions.limits, "KEY_PREFIX", prefix)
    store.settings = StoreSettings(
        database_url="sqlite+aiosqlite:///unused.db",
        reference_secret="test-reference-secret-0123456789",  # type: ignore[arg-type]
        redis_url=os.environ["TEST_REDIS_URL"],
    )
    allowed = store.settings.rate_reports_per_day
    for _ in range(allowed):
        await actions.limits.forget_counts()  # each filing on another action server
        assert "MPS-" in await _file(ActionFileReport(), "owner-r", REPORT)
    await actions.limits.forget_counts()
    assert await _file(ActionFileReport(), "owner-r", REPORT) == label("report_limit", "en")
    assert await _count(store) == allowed
    # One counter, named by a keyed hash (no pseudonym), for a day.
    [key] = [k async for k in redis.scan_iter(f"{prefix}*")]
    assert b"owner-r" not in key and int(await redis.get(key) or 0) == allowed + 1
    assert 86_000 < await redis.ttl(key) <= 86_400
