"""The chats waiting for word of a call-back request, shared by bot replicas through
Redis: one replica's entry is taken by another, once; /exit through any replica
forgets her; Redis holds neither her chat id nor the reference; and while Redis is
away a replica still tells the chats it took."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from bot.callback_watch import KEEP_SECONDS, CallbackWatch, RedisCallbackWatch

SECRET = b"callback-watch-test-secret-0123456789"
CHAT, OTHER_CHAT = 7_123_456_789, 5_555_001
REFERENCE = "MPS-7K3D-QX"


def _replicas(redis: aioredis.Redis, prefix: str) -> tuple[CallbackWatch, CallbackWatch]:
    return RedisCallbackWatch(redis, SECRET, prefix), RedisCallbackWatch(redis, SECRET, prefix)


async def test_a_chat_watched_on_one_replica_is_taken_once_on_another(
    redis: aioredis.Redis, prefix: str
) -> None:
    a, b = _replicas(redis, prefix)
    await a.add(REFERENCE, CHAT)
    await a.add("MPS-4HJ9-TT", -100_200_300)  # any chat id comes back as it was
    assert await b.take(REFERENCE) == CHAT
    assert await a.take(REFERENCE) is None and await b.take(REFERENCE) is None
    assert await a.take("MPS-4HJ9-TT") == -100_200_300


async def test_redis_holds_no_chat_id_and_no_reference_and_forgets_in_hours(
    redis: aioredis.Redis, prefix: str
) -> None:
    a, _ = _replicas(redis, prefix)
    await a.add(REFERENCE, CHAT)
    keys = [k async for k in redis.scan_iter(f"{prefix}*")]
    assert len(keys) == 2  # the sealed chat, and her entries for /exit
    for key in keys:
        stored = key + (await redis.dump(key) or b"")
        assert str(CHAT).encode() not in stored and REFERENCE.encode() not in stored
        assert KEEP_SECONDS - 5 < await redis.ttl(key) <= KEEP_SECONDS
    # Another secret (a copy of Redis alone) opens nothing.
    stranger = RedisCallbackWatch(redis, b"another-secret-0123456789abcdef", prefix)
    assert await stranger.take(REFERENCE) is None


async def test_exit_through_any_replica_forgets_only_her_chat(
    redis: aioredis.Redis, prefix: str
) -> None:
    a, b = _replicas(redis, prefix)
    await a.add(REFERENCE, CHAT)
    await a.add("MPS-4HJ9-TT", CHAT)
    await a.add("MPS-9PPX-AC", OTHER_CHAT)
    await b.forget_chat(CHAT)
    assert await a.take(REFERENCE) is None and await a.take("MPS-4HJ9-TT") is None
    assert await a.take("MPS-9PPX-AC") == OTHER_CHAT
    assert [k async for k in redis.scan_iter(f"{prefix}*")] != []  # OTHER_CHAT's set only
    await b.forget_chat(OTHER_CHAT)
    assert [k async for k in redis.scan_iter(f"{prefix}*")] == []


async def test_while_redis_is_away_a_replica_tells_the_chats_it_took() -> None:
    dead = aioredis.Redis(port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    watch = RedisCallbackWatch(dead, SECRET, "mpstest:")
    await watch.add(REFERENCE, CHAT)
    await watch.add("MPS-4HJ9-TT", OTHER_CHAT)
    await watch.forget_chat(OTHER_CHAT)
    assert await watch.take(REFERENCE) == CHAT and await watch.take(REFERENCE) is None
    assert await watch.take("MPS-4HJ9-TT") is None
    await dead.aclose()
