"""Rate-limit counters in Redis (mps.limits.Counters), shared by every process that
counts the same thing: the bot replicas' per-user limits, and the action servers'
reports and call-backs a day.

A counter is `INCR` with the window's expiry set on its first event, in one script
(one round trip). Keys are a keyed hash of what is counted, so Redis never holds a
Telegram id or a pseudonym. If Redis is away an event counts as the first of its
window: a limit is not worth a dropped message or a report not filed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

import redis.asyncio as aioredis

logger = logging.getLogger(__name__)
# INCR, and the window's expiry on its first event (or if a key somehow has none).
HIT = """
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""


def open_redis(url: str) -> aioredis.Redis:
    """A client with short timeouts: a slow Redis must not hold up a reply for long."""
    return aioredis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def keyed_hash(secret: bytes, kind: str, value: str | int) -> str:
    """The name `value` is stored under (the store never holds the value itself)."""
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def counter_key(prefix: str, secret: bytes, key: str) -> str:
    """The Redis key of the counter `key`."""
    return f"{prefix}rate:{keyed_hash(secret, 'rate', key)}"


def window_ms(seconds: float) -> int:
    """A window in milliseconds, at least one."""
    return max(1, int(seconds * 1000))


class RedisCounters:
    """Rate-limit windows in Redis (mps.limits.Counters): INCR, expiring with the window."""

    def __init__(self, redis: aioredis.Redis, secret: bytes, prefix: str) -> None:
        self._redis, self._secret, self._prefix = redis, secret, prefix
        self._hit = redis.register_script(HIT)

    async def hit(self, key: str, seconds: float) -> int:
        """Count one event for `key`; if Redis is away, 1 (a limit is not worth a
        dropped message)."""
        name = counter_key(self._prefix, self._secret, key)
        try:
            return int(await self._hit(keys=[name], args=[window_ms(seconds)]))
        except Exception as error:
            logger.warning("rate limit not counted: %s", type(error).__name__)
            return 1
