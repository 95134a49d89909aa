"""Telegram's limits on the bot's sends: two replicas on one Redis share one budget
overall and one per chat, and a 429 seen by one holds the other; in one process
(no Redis) the same promises hold for that process. Counts and order only: no
test measures how long anything took."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis.asyncio as aioredis
from prometheus_client import REGISTRY
from telegram.error import RetryAfter

from bot.send_budgets import Budget, MemoryBudgets, RedisBudgets, Taken
from bot.send_limits import OUTBOX, HeldBack, SendLimiter, sending_as
from tests.test_shared_state import SECRET, _dead

MINUTE = 60.0  # a window far longer than any test: what is refused stays refused


@dataclass
class Telegram:
    """A stand-in Bot API that records each call (who, chat). `floods` times, a call
    starts a flood: it and every call in the next `retry_after` seconds get a 429."""

    floods: int = 0
    retry_after: int = 1
    calls: list[tuple[str, object]] = field(default_factory=list)
    answered_429: int = 0
    flood_until: float = 0.0

    def call(self, who: str, chat: object = None) -> Callable[[], Coroutine[Any, Any, bool]]:
        async def request() -> bool:
            self.calls.append((who, chat))
            now = asyncio.get_running_loop().time()
            if now >= self.flood_until and self.floods:
                self.floods -= 1
                self.flood_until = now + self.retry_after
            if now < self.flood_until:
                self.answered_429 += 1
                raise RetryAfter(self.retry_after)
            return True

        return request


class Recorded:
    """A replica's budgets, telling when a 429 pause has been recorded."""

    def __init__(self, budgets: Any) -> None:
        self.budgets, self.paused = budgets, asyncio.Event()

    async def take(self, budgets: Any, max_wait: float) -> Taken:
        return await self.budgets.take(budgets, max_wait)

    async def pause(self, seconds: float) -> None:
        await self.budgets.pause(seconds)
        self.paused.set()

    async def aclose(self) -> None:
        await self.budgets.aclose()


async def send(
    limiter: SendLimiter, telegram: Telegram, who: str, chat: object = 42, patience: float = 0
) -> bool:
    """One sendMessage through `limiter` (waiting at most `patience` s); False if it
    was held back."""
    try:
        await limiter.process_request(
            telegram.call(who, chat), (), {}, "sendMessage", {"chat_id": chat}, patience
        )
    except HeldBack:
        return False
    return True


@pytest.fixture
async def redis_stores() -> AsyncIterator[list[Recorded]]:
    """Two replicas' budgets on one Redis, each with its own client."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set (`.ci/run` sets it)")
    prefix = f"mpstest:{secrets.token_hex(4)}:"
    clients = [aioredis.Redis.from_url(url) for _ in range(2)]
    yield [Recorded(RedisBudgets(client, SECRET, prefix)) for client in clients]
    async for key in clients[0].scan_iter(f"{prefix}*"):
        await clients[0].delete(key)
    for client in clients:
        await client.aclose()


@pytest.fixture(params=["redis", "memory"])
def stores(request: pytest.FixtureRequest) -> list[Recorded]:
    """Two replicas on one Redis, or one process's budgets (both "replicas" are then
    this one process)."""
    if request.param == "memory":
        one = Recorded(MemoryBudgets())
        return [one, one]
    found: list[Recorded] = request.getfixturevalue("redis_stores")
    return found


def _limiters(stores: list[Recorded], **limits: Budget | None) -> tuple[SendLimiter, SendLimiter]:
    return SendLimiter(stores[0], **limits), SendLimiter(stores[1], **limits)


async def test_replicas_together_keep_the_overall_budget(stores: list[Recorded]) -> None:
    a, b = _limiters(stores, overall=Budget(5, MINUTE), group=None, private=None)
    telegram = Telegram()
    # 12 private chats at once, half through each replica: 5 go out, the rest are
    # held back (their slot is a minute away) without reaching Telegram.
    sent = await asyncio.gather(
        *(
            send(limiter, telegram, name, 100 + i)
            for i in range(6)
            for limiter, name in ((a, "a"), (b, "b"))
        )
    )
    assert sum(sent) == 5 and len(telegram.calls) == 5


async def test_waiting_calls_all_go_out_within_the_budget(stores: list[Recorded]) -> None:
    a, b = _limiters(stores, overall=Budget(3, 0.2), group=None, private=None)
    telegram = Telegram()
    # Twice the budget at once, with time to wait: every call goes out, none twice.
    sent = await asyncio.gather(
        *(
            send(limiter, telegram, f"{name}{i}", patience=30)
            for i in range(3)
            for limiter, name in ((a, "a"), (b, "b"))
        )
    )
    assert all(sent) and sorted(w for w, _ in telegram.calls) == sorted(
        f"{n}{i}" for i in range(3) for n in "ab"
    )


async def test_a_groups_budget_is_shared_and_other_groups_are_not_slowed(
    stores: list[Recorded],
) -> None:
    a, b = _limiters(stores, overall=Budget(30, 1.0), group=Budget(3, MINUTE), private=None)
    telegram = Telegram()
    through = [await send(limiter, telegram, "x", -100) for limiter in (a, b, a, b, a)]
    assert through == [True, True, True, False, False]
    assert await send(b, telegram, "x", -200) and await send(a, telegram, "x", 42)
    assert [chat for _, chat in telegram.calls] == [-100, -100, -100, -200, 42]


async def test_a_private_chat_gets_short_bursts_only(stores: list[Recorded]) -> None:
    a, b = _limiters(stores, overall=None, group=None, private=Budget(2, MINUTE))
    telegram = Telegram()
    assert [await send(limiter, telegram, "x", 7) for limiter in (a, b, a)] == [1, 1, 0]
    assert await send(b, telegram, "x", 8)  # another chat
    # "typing…" is not a message: the chat's budget does not count it.
    action = telegram.call("typing", 7)
    await a.process_request(action, (), {}, "sendChatAction", {"chat_id": 7}, 0)
    assert [who for who, _ in telegram.calls][-1] == "typing"


async def test_a_429_on_one_replica_holds_the_other(stores: list[Recorded]) -> None:
    a, b = _limiters(stores, overall=None, group=None, private=None)
    telegram = Telegram(floods=1, retry_after=2)
    before = REGISTRY.get_sample_value("mps_bot_telegram_429_total", {"sender": "reply"}) or 0
    first = asyncio.create_task(send(a, telegram, "a", patience=30))
    await stores[0].paused.wait()  # Telegram refused A, and A holds every replica
    # B with no patience is held back at once, without asking Telegram...
    assert not await send(b, telegram, "b-hurried")
    # ...and B with patience waits for the pause to end, as A does: nobody called
    # Telegram during its flood, so it answered one 429 only.
    assert await send(b, telegram, "b", patience=30) and await first
    assert telegram.answered_429 == 1
    assert [who for who, _ in telegram.calls] in (["a", "b", "a"], ["a", "a", "b"])
    after = REGISTRY.get_sample_value("mps_bot_telegram_429_total", {"sender": "reply"}) or 0
    assert after == before + 1


async def test_a_reply_waits_out_429s_in_a_row_an_outbox_call_does_not(
    stores: list[Recorded],
) -> None:
    a, b = _limiters(stores, overall=None, group=None, private=None)
    telegram = Telegram(floods=3)
    await a.process_request(telegram.call("reply"), (), {}, "sendMessage", {}, None)
    assert telegram.answered_429 == 3 and len(telegram.calls) == 4  # the fourth went out
    telegram.floods, telegram.retry_after = 1, 5
    with sending_as(OUTBOX), pytest.raises(RetryAfter) as refused:
        await b.process_request(telegram.call("outbox"), (), {}, "sendMessage", {}, None)
    assert not isinstance(refused.value, HeldBack)  # Telegram's own 429, for its table
    # While that pause lasts, the outbox is held back at once, without asking Telegram.
    with sending_as(OUTBOX), pytest.raises(HeldBack):
        await a.process_request(telegram.call("outbox"), (), {}, "sendMessage", {}, None)
    assert len(telegram.calls) == 5


def _at_most_in_any_window(slots: list[float], count: int, seconds: float) -> bool:
    ordered = sorted(slots)
    pairs = zip(ordered, ordered[count:], strict=False)
    return all(later - earlier >= seconds for earlier, later in pairs)


async def test_slots_never_put_more_than_the_budget_in_a_window() -> None:
    now = [100.0]
    budgets = MemoryBudgets(clock=lambda: now[0])
    slots = []
    for _ in range(10):  # ten sends asked for at one moment
        taken = await budgets.take([("all", Budget(3, 1.0))], max_wait=MINUTE)
        slots.append(now[0] + taken.wait)
    assert slots == [100.0] * 3 + [101.0] * 3 + [102.0] * 3 + [103.0]
    now[0] = 102.5  # later asks queue behind the slots already given
    taken = await budgets.take([("all", Budget(3, 1.0))], max_wait=MINUTE)
    assert now[0] + taken.wait == 103.0
    await budgets.pause(5)
    taken = await budgets.take([("all", Budget(3, 1.0))], max_wait=MINUTE)
    assert now[0] + taken.wait == 107.5  # after the pause
    assert (await budgets.take([("chat:1", Budget(1, 1.0))], max_wait=1.0)).refused


async def test_quiet_chats_budgets_do_not_pile_up_in_memory() -> None:
    now = [0.0]
    budgets = MemoryBudgets(clock=lambda: now[0], max_keys=100)
    for chat in range(100):
        await budgets.take([(f"chat:{chat}", Budget(5, 5.0))], max_wait=0)
    now[0] += 6  # their windows are over
    for chat in range(100, 150):
        await budgets.take([(f"chat:{chat}", Budget(5, 5.0))], max_wait=0)
    assert len(budgets) <= 100


async def test_two_replicas_slots_in_redis_keep_the_budget(redis_stores: list[Recorded]) -> None:
    redis_a, redis_b = (s.budgets for s in redis_stores)
    assert isinstance(redis_a, RedisBudgets) and isinstance(redis_b, RedisBudgets)
    budget = [("all", Budget(3, 1.0))]
    slots: list[float] = []
    for replica in (redis_a, redis_b) * 5:  # ten sends asked for through two replicas
        await replica.take(budget, max_wait=MINUTE)
        last = await replica._redis.lindex(replica.key("all"), -1)
        assert last is not None
        slots.append(int(last) / 1000)
    assert len(set(slots)) >= 4 and _at_most_in_any_window(slots, 3, 1.0)
    assert not _at_most_in_any_window(slots, 2, 1.0)  # bursts of 3 do pass


async def test_while_redis_is_away_each_replica_keeps_its_own_budget() -> None:
    dead = _dead()
    limiter = SendLimiter(RedisBudgets(dead, SECRET), overall=Budget(2, MINUTE))
    telegram = Telegram()
    assert [await send(limiter, telegram, "x", 100 + i) for i in range(3)] == [1, 1, 0]
    await limiter.shutdown()


async def test_chat_ids_are_hashed_in_redis() -> None:
    budgets = RedisBudgets(_dead(), SECRET, "p:")
    assert budgets.key("all") == "p:telegram:all"
    assert "424242" not in budgets.key("chat:424242")
    await budgets.aclose()
