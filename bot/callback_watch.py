"""Chats waiting for word of a safe call-back request (bot/callbacks.py): in this
process's memory, or in Redis, shared by every bot replica.

With several replicas, the one that took her request is seldom the one whose outbox
delivers its card, so the waiting chat is kept in Redis: under a keyed hash of the
request's reference, her chat id sealed with a pad that only the reference and the
bot's secret give (HMAC-SHA256 of both, used once: the reference is new). Redis alone
holds no chat id and no reference; the keys expire after KEEP_SECONDS. Taking is
GETDEL, so whichever replica takes it first tells her, once. /exit deletes her
entries through a set of them kept under a keyed hash of her chat. While Redis is
away, a replica keeps what it could not share and tells her itself.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections import OrderedDict

import redis.asyncio as aioredis

from mps.shared_counters import keyed_hash

logger = logging.getLogger(__name__)
KEEP_SECONDS = 6 * 3600
MAX_WATCHED = 10_000
PREFIX = "mps:bot:"
_MASK = (1 << 64) - 1


class CallbackWatch:
    """Report reference → the chat waiting for word of it (bounded, expiring), in this
    process's memory (one bot)."""

    def __init__(self) -> None:
        self._chats: OrderedDict[str, tuple[int, float]] = OrderedDict()

    async def add(self, reference: str, chat_id: int, now: float | None = None) -> None:
        """Wait for word on `reference` in `chat_id`."""
        self._chats[reference] = (chat_id, time.monotonic() if now is None else now)
        while len(self._chats) > MAX_WATCHED:
            self._chats.popitem(last=False)

    async def take(self, reference: str, now: float | None = None) -> int | None:
        """The waiting chat, once: whoever takes it first tells her."""
        found = self._chats.pop(reference, None)
        if found is None:
            return None
        chat_id, since = found
        age = (time.monotonic() if now is None else now) - since
        return chat_id if age < KEEP_SECONDS else None

    async def forget_chat(self, chat_id: int) -> None:
        """She left (/exit): nothing more goes to that chat."""
        for reference in [r for r, (c, _) in self._chats.items() if c == chat_id]:
            del self._chats[reference]


class RedisCallbackWatch(CallbackWatch):
    """The waiting chats in Redis, for every replica; in memory only what Redis did not
    take (it was away), until Redis takes it or this replica tells her."""

    def __init__(self, redis: aioredis.Redis, secret: bytes, prefix: str = PREFIX) -> None:
        super().__init__()
        self._redis, self._secret, self._prefix = redis, secret, prefix

    def _name(self, reference: str) -> str:
        return keyed_hash(self._secret, "callback", reference)

    def _key(self, name: str) -> str:
        return f"{self._prefix}callback:{name}"

    def _chat_key(self, chat_id: int) -> str:
        return f"{self._prefix}callback-chat:{keyed_hash(self._secret, 'callback-chat', chat_id)}"

    def _pad(self, reference: str) -> int:
        digest = hmac.new(self._secret, f"callback-pad:{reference}".encode(), hashlib.sha256)
        return int.from_bytes(digest.digest()[:8], "big")

    def _seal(self, reference: str, chat_id: int) -> str:
        return str((chat_id & _MASK) ^ self._pad(reference))

    def _open(self, reference: str, sealed: bytes | str) -> int:
        value = int(sealed) ^ self._pad(reference)
        return value - (1 << 64) if value >= 1 << 63 else value

    async def add(self, reference: str, chat_id: int, now: float | None = None) -> None:
        name, chat = self._name(reference), self._chat_key(chat_id)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(self._key(name), self._seal(reference, chat_id), ex=KEEP_SECONDS)
                pipe.sadd(chat, name)
                pipe.expire(chat, KEEP_SECONDS)
                await pipe.execute()
        except Exception as error:  # Redis away: this replica tells her itself
            logger.warning("call-back watch not shared: %s", type(error).__name__)
            await super().add(reference, chat_id, now)

    async def take(self, reference: str, now: float | None = None) -> int | None:
        own = await super().take(reference, now)  # kept here only if Redis was away
        try:
            sealed = await self._redis.getdel(self._key(self._name(reference)))
        except Exception as error:
            logger.warning("call-back watch not read: %s", type(error).__name__)
            return own
        return self._open(reference, sealed) if sealed is not None else own

    async def forget_chat(self, chat_id: int) -> None:
        await super().forget_chat(chat_id)
        chat = self._chat_key(chat_id)
        try:
            names = await self._redis.smembers(chat)
            keys = [self._key(n.decode() if isinstance(n, bytes) else n) for n in names]
            await self._redis.delete(*keys, chat)
        except Exception as error:
            logger.warning("call-back watch not forgotten: %s", type(error).__name__)


def open_callback_watch(redis: aioredis.Redis | None, secret: bytes) -> CallbackWatch:
    """Shared in Redis when the bot has it (any replica tells her), else in memory."""
    return CallbackWatch() if redis is None else RedisCallbackWatch(redis, secret)
