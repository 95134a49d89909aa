"""Budgets of Telegram sends, in this process or shared by every replica through Redis.

A budget is "at most `count` sends in any `seconds`" (a sliding window, like
Telegram's own limits). A send takes a slot in each budget that applies to it
(its chat's, then the bot's overall one): the earliest moment at or after now,
after any pause Telegram asked for (429), at which the budget still holds. Slots
are reserved, so senders that have to wait queue in order and each learns its
wait in one step, instead of polling; a slot further away than the sender will
wait is not taken at all.

Each budget keeps the times of its last `count` slots, in order. A new slot comes
no earlier than the last one, and at least `seconds` after the `count`-th last:
then no window of `seconds` ever holds more than `count` slots.

`RedisBudgets` does the same in one Lua script per call (atomic, on Redis's
clock, so replicas on several hosts agree), and falls back to this process's
budgets while Redis is away (a pause a replica saw itself holds it in any case).
Chats are named by a keyed hash, never their id.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis

from bot.shared_state import KEY_PREFIX, keyed_hash, open_redis

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Budget:
    """At most `count` sends in any `seconds`."""

    count: int
    seconds: float


@dataclass(frozen=True)
class Taken:
    """What one call to `take` did: how many of the budgets asked for it reserved a
    slot in (in order), and the wait before the last of them; `refused`: the next
    slot was further away than the caller would wait (`wait` says how far), and
    was not taken."""

    count: int
    wait: float
    refused: bool = False


class Budgets(Protocol):
    """Where the slots and the pause are kept."""

    async def take(self, budgets: Sequence[tuple[str, Budget]], max_wait: float) -> Taken:
        """Reserve a slot in each budget in turn (key, budget), stopping after the
        first that is not free at once (the caller sleeps, then asks for the rest)."""
        ...

    async def pause(self, seconds: float) -> None:
        """No slot before `seconds` from now (Telegram's 429 `retry_after`)."""
        ...

    async def aclose(self) -> None:
        """Let go of what the store holds open."""
        ...


class MemoryBudgets:
    """The budgets of one process (what PTB's AIORateLimiter keeps, as sliding windows)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 1024) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._slots: dict[str, tuple[float, deque[float]]] = {}  # key: (window, last slots)
        self._paused_until = 0.0
        self._next_sweep = max_keys  # sweep when there are more keys than this

    async def take(self, budgets: Sequence[tuple[str, Budget]], max_wait: float) -> Taken:
        now = self._clock()
        earliest = max(now, self._paused_until)
        if earliest - now > max_wait:
            return Taken(0, earliest - now, refused=True)
        if len(self._slots) > self._next_sweep:
            self._forget_idle(now)
            # Many chats busy at once: sweep again only once they have doubled.
            self._next_sweep = max(self._max_keys, 2 * len(self._slots))
        for done, (key, budget) in enumerate(budgets):
            _, slots = self._slots.setdefault(key, (budget.seconds, deque(maxlen=budget.count)))
            at = earliest
            if slots:
                at = max(at, slots[-1])
                if len(slots) >= budget.count:
                    at = max(at, slots[-budget.count] + budget.seconds)
            if at - now > max_wait:
                return Taken(done, at - now, refused=True)
            slots.append(at)
            if at > now:
                return Taken(done + 1, at - now)
        return Taken(len(budgets), earliest - now)

    def _forget_idle(self, now: float) -> None:
        """Drop the budgets whose last slot is a window old (chats gone quiet)."""
        self._slots = {k: v for k, v in self._slots.items() if v[1] and v[1][-1] + v[0] > now}

    def __len__(self) -> int:
        return len(self._slots)

    async def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def paused_for(self) -> float:
        """Seconds of the pause still to run (0 when none)."""
        return max(0.0, self._paused_until - self._clock())

    async def aclose(self) -> None:
        """Nothing to close."""


# KEYS[1]: the pause (a time in ms); KEYS[2…]: the budgets, in order, each a list of
# its last slots (ms). ARGV[1]: the longest wait (ms); ARGV[2]: this replica's own
# pause, still to run (ms); then each budget's count and window (ms). Returns
# {budgets taken, wait (ms), refused (0|1)}.
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
local earliest = math.max(now, paused, now + tonumber(ARGV[2]))
local max_wait = tonumber(ARGV[1])
if earliest - now > max_wait then return {0, earliest - now, 1} end
for i = 2, #KEYS do
  local key, n, window = KEYS[i], tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local at = earliest
  local len = redis.call('LLEN', key)
  if len > 0 then
    at = math.max(at, tonumber(redis.call('LINDEX', key, -1)))
    if len >= n then
      at = math.max(at, tonumber(redis.call('LINDEX', key, -n)) + window)
    end
  end
  if at - now > max_wait then return {i - 2, at - now, 1} end
  redis.call('RPUSH', key, at)
  redis.call('LTRIM', key, -n, -1)
  redis.call('PEXPIRE', key, at - now + window)
  if at > now then return {i - 1, at - now, 0} end
end
return {#KEYS - 1, earliest - now, 0}
"""
# KEYS[1]: the pause; ARGV[1]: its length (ms). A shorter pause never cuts a longer one.
_PAUSE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local ends = now + tonumber(ARGV[1])
if ends > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], ends, 'PX', ARGV[1])
end
return ends
"""


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


class RedisBudgets:
    """The budgets and the pause in Redis, shared by every replica of the bot."""

    def __init__(self, redis: aioredis.Redis, secret: bytes, prefix: str = KEY_PREFIX) -> None:
        self._redis, self._secret, self._prefix = redis, secret, prefix
        self._take = redis.register_script(_TAKE)
        self._pause = redis.register_script(_PAUSE)
        self._local = MemoryBudgets()
        self._away = False

    @classmethod
    def from_url(cls, url: str, secret: bytes) -> RedisBudgets:
        """Budgets on their own client (closed by `aclose`)."""
        return cls(open_redis(url), secret)

    def key(self, name: str) -> str:
        """The Redis key of "pause", "all", or a chat's budget (by a keyed hash)."""
        if name.startswith("chat:"):
            name = "chat:" + keyed_hash(self._secret, "telegram-chat", name[5:])
        return f"{self._prefix}telegram:{name}"

    async def take(self, budgets: Sequence[tuple[str, Budget]], max_wait: float) -> Taken:
        keys = [self.key("pause"), *(self.key(name) for name, _ in budgets)]
        # What this replica saw itself holds it even if Redis lost the pause.
        args = [_ms(max_wait), _ms(self._local.paused_for())]
        for _, budget in budgets:
            args += [budget.count, _ms(budget.seconds)]
        try:
            done, wait, refused = await self._take(keys=keys, args=args)
        except Exception as error:  # Redis away: this replica keeps its own budgets
            self._went_away(error)
            return await self._local.take(budgets, max_wait)
        self._came_back()
        return Taken(int(done), int(wait) / 1000, bool(refused))

    async def pause(self, seconds: float) -> None:
        await self._local.pause(seconds)
        try:
            await self._pause(keys=[self.key("pause")], args=[_ms(seconds)])
        except Exception as error:
            self._went_away(error)

    def _went_away(self, error: Exception) -> None:
        if not self._away:
            logger.warning(
                "Telegram's budgets kept per replica while Redis is away: %s",
                type(error).__name__,
            )
        self._away = True

    def _came_back(self) -> None:
        if self._away:
            logger.info("Telegram's budgets shared through Redis again")
        self._away = False

    async def aclose(self) -> None:
        await self._redis.aclose()
