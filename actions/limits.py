"""How many reports and call-back requests one user may file a day.

Counted per pseudonym (`mps.limits`): in Redis when REDIS_URL is set, so that every
action server (replicas, and Sanic's workers) counts the same filings
(`mps.shared_counters`, under a keyed hash of the pseudonym); else in this
process's memory (one action server).
"""

from __future__ import annotations

import redis.asyncio as aioredis

from mps.limits import Counters, Limit, MemoryCounters, RateLimiter, Verdict
from mps.settings import StoreSettings
from mps.shared_counters import RedisCounters, open_redis

DAY_SECONDS = 86_400.0
KEY_PREFIX = "mps:actions:"
_limiter: RateLimiter | None = None
_redis: aioredis.Redis | None = None


def filing_counters(settings: StoreSettings) -> Counters:
    """Where the filings are counted: Redis, shared, when REDIS_URL is set."""
    global _redis
    if not settings.redis_url:
        return MemoryCounters()
    _redis = open_redis(settings.redis_url)
    return RedisCounters(_redis, settings.reference_key(), KEY_PREFIX)


def filing_limiter(settings: StoreSettings) -> RateLimiter:
    """The process's limiter, made on first use from the settings."""
    global _limiter
    if _limiter is None:
        _limiter = RateLimiter(
            {
                "report": Limit(settings.rate_reports_per_day, DAY_SECONDS),
                "callback": Limit(settings.rate_callbacks_per_day, DAY_SECONDS),
            },
            filing_counters(settings),
        )
    return _limiter


async def may_file(settings: StoreSettings, kind: str, owner: str) -> bool:
    """Count one filing of `kind` ("report" or "callback") by `owner`; False past the limit."""
    return await filing_limiter(settings).check(kind, owner) is Verdict.ALLOW


async def forget_counts() -> None:
    """Start counting afresh, with a new connection (tests: another action server)."""
    global _limiter, _redis
    if _redis is not None:
        await _redis.aclose()
    _limiter, _redis = None, None
