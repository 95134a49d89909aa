"""Button tokens, languages and rate-limit counters in Redis: what one replica stores,
another finds; keys expire and hold no Telegram id."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from bot.buttons import EXIT_CALLBACK, OTHER_USER
from bot.limits import bot_limiter
from bot.services import open_shared_state
from bot.shared_state import (
    BUTTON_SECONDS,
    LANGUAGE_SECONDS,
    RedisButtons,
    RedisCounters,
    RedisUsers,
)
from mps.limits import Limit, RateLimiter, Verdict

SECRET = b"shared-state-test-secret-0123456789"
USER, OTHER = 424242, 515151


def _dead() -> aioredis.Redis:
    """A client of a Redis that is not there (nothing listens on port 1), without retries."""
    return aioredis.Redis(port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))


async def _keys(redis: aioredis.Redis, prefix: str) -> dict[str, Any]:
    names = [k async for k in redis.scan_iter(f"{prefix}*")]
    return {k.decode(): await redis.get(k) for k in names}


async def test_a_button_made_on_one_replica_is_found_on_another(
    redis: aioredis.Redis, prefix: str
) -> None:
    a, b = RedisButtons(redis, SECRET, prefix), RedisButtons(redis, SECRET, prefix)
    data = a.put(USER, '/choose_topic{"faq_topic":"lost_id"}')
    await a.flush()
    found = await b.find(data, USER)
    assert found is not None and found.payload == '/choose_topic{"faq_topic":"lost_id"}'
    assert found.user_id == USER
    other = await b.find(data, OTHER)
    assert other is not None and other.user_id == OTHER_USER
    assert await b.find("b:forged", USER) is None and await b.find(EXIT_CALLBACK, USER) is None
    [(key, value)] = (await _keys(redis, prefix)).items()
    assert str(USER).encode() not in value and str(USER) not in key
    assert BUTTON_SECONDS - 5 < await redis.ttl(key) <= BUTTON_SECONDS


async def test_own_buttons_work_while_redis_is_away(redis: aioredis.Redis, prefix: str) -> None:
    dead = _dead()
    store = RedisButtons(dead, SECRET, prefix)
    data = store.put(USER, "/help")
    await store.flush()  # the failed write is logged, not raised
    found = await store.find(data, USER)
    assert found is not None and found.payload == "/help"
    assert await store.find("b:someone-elses", USER) is None
    await dead.aclose()


async def test_a_language_chosen_on_one_replica_is_used_by_another(
    redis: aioredis.Redis, prefix: str
) -> None:
    a, b = RedisUsers(redis, SECRET, prefix), RedisUsers(redis, SECRET, prefix)
    assert b.language(USER, "en-GB") == "en"
    a.set_language(USER, "ckb")
    await a.flush()
    await b.load(USER)
    assert b.language(USER, "en-GB") == "ckb"
    a.set_language(USER, "ar")  # chosen again, through A
    await a.flush()
    await b.load(USER)
    assert b.language(USER) == "ar"
    await b.load(OTHER)
    assert b.language(OTHER, "ar") == "ar" and b.language(OTHER) == "en"
    [(key, value)] = (await _keys(redis, prefix)).items()
    assert value == b"ar" and str(USER) not in key
    assert LANGUAGE_SECONDS - 5 < await redis.ttl(key) <= LANGUAGE_SECONDS


async def test_counters_are_shared_and_expire_with_their_window(
    redis: aioredis.Redis, prefix: str
) -> None:
    limits = {"message": Limit(2, 60)}
    a = RateLimiter(limits, RedisCounters(redis, SECRET, prefix))
    b = RateLimiter(limits, RedisCounters(redis, SECRET, prefix))
    verdicts = [await limiter.check("message", USER) for limiter in (a, b, a, b)]
    assert verdicts == [Verdict.ALLOW, Verdict.ALLOW, Verdict.NOTIFY, Verdict.DROP]
    assert await b.check("message", OTHER) is Verdict.ALLOW
    keys = await _keys(redis, prefix)
    assert len(keys) == 2 and not any(str(USER) in k for k in keys)
    assert all(0 < ttl <= 60 for ttl in [await redis.ttl(k) for k in keys])
    # A window of 30.9 s is kept to the millisecond (whole seconds would give 30 or 31 s);
    # the 900 ms of slack is read time on a busy machine (a 50 ms window once expired
    # before its TTL was read).
    assert await RedisCounters(redis, SECRET, prefix).hit("join:1", 30.9) == 1
    [new] = (await _keys(redis, prefix)).keys() - keys
    assert 30_000 < await redis.pttl(new) <= 30_900


async def test_her_language_and_her_count_come_in_one_round_trip(
    redis: aioredis.Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = RedisUsers(redis, SECRET, prefix), RedisUsers(redis, SECRET, prefix)
    limiter = bot_limiter(2, 5)
    a.set_language(USER, "ckb")
    await a.flush()
    await b.load(OTHER, limiter.window("message", OTHER))  # Redis learns the script once
    sent: list[str] = []
    execute = redis.execute_command

    async def counted(*args: Any, **options: Any) -> Any:
        sent.append(str(args[0]))
        return await execute(*args, **options)

    monkeypatch.setattr(redis, "execute_command", counted)
    counts = [await users.load(USER, limiter.window("message", USER)) for users in (a, b, a)]
    assert sent == ["EVALSHA"] * 3  # one round trip each: language and count together
    assert counts == [1, 2, 3] and b.language(USER) == "ckb"
    assert [limiter.judge("message", n) for n in counts] == [
        Verdict.ALLOW,
        Verdict.ALLOW,
        Verdict.NOTIFY,
    ]
    assert await b.load(USER) == 0 and sent[-1] == "EVALSHA"  # no count asked: none made


async def test_counting_goes_on_while_redis_is_away() -> None:
    dead = _dead()
    limiter = RateLimiter({"message": Limit(1, 60)}, RedisCounters(dead, SECRET, "mpstest:"))
    assert [await limiter.check("message", USER) for _ in range(3)] == [Verdict.ALLOW] * 3
    users = RedisUsers(dead, SECRET)
    assert [await users.load(USER, limiter.window("message", USER)) for _ in range(3)] == [1] * 3
    await dead.aclose()


async def test_without_redis_the_state_stays_in_memory() -> None:
    shared = open_shared_state(None, SECRET)
    assert shared.redis is None and not isinstance(shared.buttons, RedisButtons)
    data = shared.buttons.put(USER, "/help")
    found = await shared.buttons.find(data, USER)
    assert found is not None and found.user_id == USER
    assert await shared.counters.hit("message:1", 60) == 1
