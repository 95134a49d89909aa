"""The journal of accepted updates, on real Redis: a replica's unfinished updates are
taken over once its lease lapses, a finished one never is, a handled update leaves
nothing behind, and the dedup gate lets a taken-over update through exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.chat_state_stores import RedisChatState
from bot.dedup import UpdateGate
from bot.journal import ENTRY_SECONDS, Journal, keep
from tests.test_dedup import handled

TEXT = "my neighbour threatens me"  # what must not outlive its handling


@pytest.fixture
def replica(redis: aioredis.Redis, prefix: str) -> Callable[..., Journal]:
    """A replica's journal ("a", "b", …) on the test's keys."""

    def make(name: str, lease: float = 30.0) -> Journal:
        return Journal(redis, replica=name, lease=lease, prefix=prefix)

    return make


def body(update_id: int, text: str = TEXT) -> bytes:
    message = {"message_id": 7, "date": 0, "chat": {"id": 42, "type": "private"}, "text": text}
    return json.dumps({"update_id": update_id, "message": message}).encode()


async def until(condition: Callable[[], Awaitable[Any]], timeout: float = 30) -> Any:
    """`await condition()` once it is truthy (checked every 50 ms); fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while not (result := await condition()):
        assert time.monotonic() < deadline, "gave up waiting"
        await asyncio.sleep(0.05)
    return result


async def died(redis: aioredis.Redis, prefix: str, journal: Journal) -> None:
    """Wait until `journal`'s replica, which renews nothing any more, has lost its lease."""
    key = f"{prefix}alive:{journal.replica}"

    async def gone() -> bool:
        return not await redis.exists(key)

    await until(gone)


async def values(redis: aioredis.Redis, prefix: str) -> list[bytes]:
    """Every string value under the prefix."""
    found: list[bytes] = []
    async for key in redis.scan_iter(f"{prefix}*"):
        if await redis.type(key) == b"string":
            value = await redis.get(key)
            found.append(value if isinstance(value, bytes) else b"")
    return found


async def test_a_handled_update_leaves_no_text_behind(redis, prefix, replica) -> None:
    a = replica("a")
    assert await a.accept(1001, body(1001)) is True
    assert any(TEXT.encode() in v for v in await values(redis, prefix))
    await a.finish(1001)
    assert not any(TEXT.encode() in v for v in await values(redis, prefix))
    assert await redis.smembers(f"{prefix}held:a") == set()


async def test_an_entry_expires_by_itself_as_a_backstop(redis, prefix, replica) -> None:
    await replica("a").accept(1002, body(1002))
    assert 0 < await redis.ttl(f"{prefix}entry:1002") <= ENTRY_SECONDS


async def test_a_dead_replicas_updates_are_taken_over_once_in_order(
    redis, prefix, replica
) -> None:
    a, b, c = replica("a", lease=0.3), replica("b"), replica("c")
    for update_id in (2002, 2001):
        assert await a.accept(update_id, body(update_id))
    await died(redis, prefix, a)
    taken = await b.take_over()
    assert [i for i, _ in taken] == [2001, 2002]
    assert json.loads(taken[0][1])["message"]["text"] == TEXT
    assert await c.take_over() == []  # one replica takes them
    assert b.replaying == {2001, 2002}
    # The dead one's late finish (it was only stalled) deletes nothing now held by b.
    await a.finish(2001)
    assert await redis.exists(f"{prefix}entry:2001")
    await b.finish(2001)
    await b.finish(2002)
    assert not await redis.exists(f"{prefix}entry:2001", f"{prefix}entry:2002")
    assert b.replaying == set()


async def test_a_live_replicas_updates_stay_with_it(redis, prefix, replica) -> None:
    a, b = replica("a", lease=5), replica("b")
    await a.accept(3001, body(3001))
    await a.beat()
    assert await b.take_over() == []
    assert await redis.smembers(f"{prefix}held:a") == {b"3001"}


async def test_a_finished_update_is_never_handed_over(redis, prefix, replica) -> None:
    a, b = replica("a", lease=0.3), replica("b")
    await a.accept(4001, body(4001))
    await a.finish(4001)
    await died(redis, prefix, a)
    assert await b.take_over() == []


async def test_a_copy_of_a_held_update_is_refused(redis, prefix, replica) -> None:
    a, b = replica("a"), replica("b")
    assert await a.accept(5001, body(5001)) is True
    assert await b.accept(5001, body(5001)) is False  # a holds it: b must not handle it
    await a.finish(5001)
    # A later copy is journaled again; the dedup gate drops it as seen.
    assert await b.accept(5001, body(5001)) is True


async def test_a_stopping_replica_hands_over_at_once(redis, prefix, replica) -> None:
    a, b = replica("a", lease=600), replica("b")
    await a.accept(6001, body(6001))
    await a.release()
    assert [i for i, _ in await b.take_over()] == [6001]


async def test_keep_feeds_what_a_dead_replica_left(redis, prefix, replica) -> None:
    a, b = replica("a", lease=0.3), replica("b", lease=0.3)
    await a.accept(7001, body(7001))
    fed: list[dict[str, Any]] = []

    async def feed(update: dict[str, Any]) -> None:
        fed.append(update)

    keeper = asyncio.create_task(keep(b, feed))
    try:

        async def got() -> bool:
            return bool(fed)

        await until(got)
    finally:
        keeper.cancel()
    assert [u["update_id"] for u in fed] == [7001]
    assert await redis.exists(f"{prefix}alive:b")  # b renewed its own lease meanwhile


async def test_the_gate_lets_a_taken_over_update_through_once(redis, prefix, replica) -> None:
    url = os.environ["TEST_REDIS_URL"]
    state = RedisChatState(url, b"journal-test-secret-0123456789", prefix=prefix)
    try:
        a, b = replica("a", lease=0.3), replica("b")
        await a.accept(8001, body(8001))
        assert await handled(UpdateGate(state, a.replaying), 8001)  # a starts, then dies
        await died(redis, prefix, a)
        await b.take_over()
        gate_b = UpdateGate(state, b.replaying)
        assert await handled(gate_b, 8001)  # a did not finish it: b handles it
        assert not await handled(UpdateGate(state), 8001)  # a copy elsewhere: dropped
        await b.finish(8001)
        assert not await handled(gate_b, 8001)  # and b never handles it again
    finally:
        await state.aclose()
