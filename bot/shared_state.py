"""Button tokens and languages in Redis, shared by every replica (the rate-limit
counters: mps/shared_counters.py).

Each store keeps the in-memory behaviour of the class it extends and adds Redis
behind it, so any replica can serve any update: a button made on one is found on
another, a language chosen through one is used by the next, and the limits count
a user's messages wherever they land. Keys expire by themselves (buttons after 7
days, a language after 30 days of silence, counters with their window) and are
named by a random token or a keyed hash: Redis never holds a Telegram id, nor any
message text.

Putting a button and setting a language stay synchronous (the renderer and many
handlers call them): the Redis write starts at once and is awaited by `flush()`
before the message that carries the button is sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import redis.asyncio as aioredis

from bot.buttons import OTHER_USER, PREFIX, ButtonStore, StoredButton
from bot.users import UserMemory
from mps.language import LANGUAGES
from mps.shared_counters import RedisCounters, counter_key, keyed_hash, open_redis, window_ms

__all__ = [  # the counters live in mps (the action servers share them too)
    "KEY_PREFIX",
    "RedisButtons",
    "RedisCounters",
    "RedisUsers",
    "keyed_hash",
    "open_redis",
]

logger = logging.getLogger(__name__)
KEY_PREFIX = "mps:bot:"
BUTTON_SECONDS = 7 * 24 * 3600  # as long as a button is worth pressing
LANGUAGE_SECONDS = 30 * 24 * 3600  # of silence
# She spoke: her language (GETEX, 30 more days), and one more event in a counter (as
# mps.shared_counters.HIT) when one is given: one round trip. Returns {language or nil,
# count or 0}.
_ARRIVE = """
local language = redis.call('GETEX', KEYS[1], 'EX', ARGV[1])
if #KEYS < 2 then return {language, 0} end
local n = redis.call('INCR', KEYS[2])
if redis.call('PTTL', KEYS[2]) < 0 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return {language, n}
"""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class WriteBehind:
    """Writes started by synchronous callers, awaited later by `flush()`."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[Any]] = set()

    def start(self, write: Awaitable[Any]) -> None:
        """Start `write` now; keep it until it is done."""
        task = asyncio.ensure_future(write)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("shared state not written: %s", type(task.exception()).__name__)

    async def flush(self) -> None:
        """Wait for every write started so far (failures are logged, not raised)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


class RedisButtons(ButtonStore):
    """Buttons in Redis ("<owner hash>:<payload>" under the token); this replica's own
    are also kept in memory, so they work even while Redis is away."""

    def __init__(self, redis: aioredis.Redis, secret: bytes, prefix: str = KEY_PREFIX) -> None:
        super().__init__()
        self._redis, self._secret, self._prefix = redis, secret, prefix
        self._writes = WriteBehind()

    def _owner(self, user_id: int) -> str:
        return keyed_hash(self._secret, "button-owner", user_id)

    def _key(self, data: str) -> str:
        return f"{self._prefix}button:{data[len(PREFIX) :]}"

    def put(self, user_id: int, payload: str) -> str:
        data = super().put(user_id, payload)
        value = f"{self._owner(user_id)}:{payload}"
        self._writes.start(self._redis.set(self._key(data), value, ex=BUTTON_SECONDS))
        return data

    async def find(self, data: str, user_id: int) -> StoredButton | None:
        local = self.get(data)
        if local is not None or not data.startswith(PREFIX):
            return local
        try:
            value = await self._redis.get(self._key(data))
        except Exception as error:  # Redis away: the button counts as expired
            logger.warning("button not looked up: %s", type(error).__name__)
            return None
        if value is None:
            return None
        owner, _, payload = _text(value).partition(":")
        return StoredButton(user_id if owner == self._owner(user_id) else OTHER_USER, payload)

    async def flush(self) -> None:
        await self._writes.flush()


class RedisUsers(UserMemory):
    """Languages in Redis under a keyed hash of the user, read at each of her updates
    (with her rate-limit count, in the same script, when asked)."""

    def __init__(self, redis: aioredis.Redis, secret: bytes, prefix: str = KEY_PREFIX) -> None:
        super().__init__()
        self._redis, self._secret, self._prefix = redis, secret, prefix
        self._writes = WriteBehind()
        self._arrive = redis.register_script(_ARRIVE)

    def _key(self, user_id: int) -> str:
        return f"{self._prefix}language:{keyed_hash(self._secret, 'user-language', user_id)}"

    def set_language(self, user_id: int, language: str) -> None:
        changed = self._languages.get(user_id) != language
        super().set_language(user_id, language)
        if changed:
            self._writes.start(self._redis.set(self._key(user_id), language, ex=LANGUAGE_SECONDS))

    async def load(self, user_id: int, count: tuple[str, float] | None = None) -> int:
        """Take the language another replica may have set; she spoke: 30 more days.
        With `count`, count one event in that counter (RedisCounters' keys) in the same
        round trip: the count so far; if Redis is away, 1 (a limit is not worth a
        dropped message), and this replica's memory of her language will do."""
        keys, args = [self._key(user_id)], [LANGUAGE_SECONDS]
        if count is not None:
            keys.append(counter_key(self._prefix, self._secret, count[0]))
            args.append(window_ms(count[1]))
        try:
            value, hits = await self._arrive(keys=keys, args=args)
        except Exception as error:
            logger.warning("language not loaded nor limit counted: %s", type(error).__name__)
            return 1 if count is not None else 0
        if value is not None and _text(value) in LANGUAGES:
            super().set_language(user_id, _text(value))
        return int(hits)

    async def flush(self) -> None:
        await self._writes.flush()
