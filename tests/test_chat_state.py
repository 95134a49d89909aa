"""The /exit trail, exited chats and handled updates, in Redis and in the database:
shared by every bot process, surviving a restart, expiring after 48 hours."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.chat_state import DELETE_WINDOW_SECONDS, PER_CHAT, ChatState, Exited
from bot.chat_state_stores import DatabaseChatState, RedisChatState
from tests.db import fresh_database

SECRET = b"chat-state-test-secret-0123456789"


class Clock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


Opener = Callable[[], ChatState]


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
async def opener(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock
) -> AsyncIterator[Opener]:
    """Opens a store on the same data (as a restarted bot, or a second replica would)."""
    opened: list[ChatState] = []
    if request.param == "redis":
        url = os.environ.get("TEST_REDIS_URL")
        if not url:
            pytest.skip("TEST_REDIS_URL is not set (`.ci/run` sets it)")
        prefix = f"test-{secrets.token_hex(4)}:"

        def open_redis() -> ChatState:
            opened.append(RedisChatState(url, SECRET, prefix=prefix, clock=clock))
            return opened[-1]

        yield open_redis
        client = aioredis.Redis.from_url(url)
        keys = [key async for key in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
    else:
        database = await fresh_database(request.param, tmp_path)

        def open_database() -> ChatState:
            opened.append(DatabaseChatState(database, SECRET, clock=clock))
            return opened[-1]

        yield open_database
        await database.close()
    for state in opened:
        await state.aclose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_the_trail_survives_a_restart_and_take_empties_it(opener: Opener) -> None:
    state = opener()
    for message_id in (12, 10, 11):
        assert await state.note(555, message_id) is None
    await state.note(777, 70)
    restarted = opener()
    assert await restarted.take(555) == [10, 11, 12]
    assert await restarted.take(555) == []  # nothing left after /exit
    assert await state.take(777) == [70]


async def test_a_thousand_other_chats_do_not_push_a_chat_out(opener: Opener) -> None:
    state = opener()
    await state.note(1, 5)
    for chat in range(2, 1002):
        await state.note(chat, chat)
    assert await state.take(1) == [5]


async def test_only_ids_telegram_still_lets_us_delete_are_returned(
    opener: Opener, clock: Clock
) -> None:
    state = opener()
    await state.note(1, 10)
    clock.now += DELETE_WINDOW_SECONDS - 5
    await state.note(1, 11)
    clock.now += 10
    await state.purge()
    assert await state.take(1) == [11]


async def test_an_exit_blocks_older_updates_and_jobs_until_she_writes_again(
    opener: Opener,
) -> None:
    state = opener()
    assert await state.exited(42) is None
    await state.close(42, update_id=100)
    exited = await opener().exited(42)  # another process sees it
    assert exited == Exited(100, reopened=False)
    assert exited.blocks(99) and exited.blocks(100) and not exited.blocks(101)
    assert exited.blocks(None)  # a report update or a reminder
    assert await state.note(42, 7) == Exited(100, reopened=False)
    await state.reopen(42, update_id=99)  # a late copy of an older update: still closed
    assert await state.exited(42) == Exited(100, reopened=False)
    await state.reopen(42, update_id=101)
    reopened = await state.exited(42)
    assert reopened == Exited(100, reopened=True)
    assert reopened.blocks(99) and not reopened.blocks(None)
    assert await state.exited(43) is None


async def test_an_exit_is_forgotten_after_ten_minutes(opener: Opener, clock: Clock) -> None:
    state = opener()
    await state.close(42, update_id=100)
    if isinstance(state, RedisChatState):
        return  # Redis expires the key itself (EX); the time here is the test's
    clock.now += 601
    await state.purge()
    assert await state.exited(42) is None


async def test_each_update_is_handled_once_in_any_order(opener: Opener) -> None:
    state = opener()
    assert [await state.first_time(i) for i in (12, 10, 11)] == [True, True, True]
    assert await state.first_time(11) is False
    assert await opener().first_time(12) is False  # after a restart too
    assert await state.first_time(13) is True


async def test_a_chat_keeps_at_most_its_latest_ids(opener: Opener, clock: Clock) -> None:
    state = opener()
    if not isinstance(state, RedisChatState):
        return  # the database keeps all (48 hours bound them)
    for message_id in range(PER_CHAT + 3):
        clock.now += 1
        await state.note(9, message_id)
    assert await state.take(9) == list(range(3, PER_CHAT + 3))


async def test_redis_holds_no_chat_id(clock: Clock) -> None:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set (`.ci/run` sets it)")
    prefix = f"test-{secrets.token_hex(4)}:"
    state = RedisChatState(url, SECRET, prefix=prefix, clock=clock)
    client = aioredis.Redis.from_url(url)
    try:
        await state.note(987654321, 5)
        await state.close(987654321, 6)
        keys = [key async for key in client.scan_iter(f"{prefix}*")]
        assert len(keys) == 2
        assert not any(b"987654321" in key for key in keys)
    finally:
        keys = [key async for key in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        await state.aclose()
