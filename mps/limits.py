"""Per-user rate limits: fixed windows counted in a small counter store.

`RateLimiter.check(kind, who)` counts one event and says whether it may go on.
Past the limit, the first refused event is marked `NOTIFY` (say once, politely,
that the user should slow down) and the rest of the window `DROP` (say nothing).

The counters live in memory by default (one process). The store is one async
call, `hit(key, seconds)`: count one event in the window that began with the
key's first event, and return the count so far. That is Redis's
`INCR key` + `EXPIRE key seconds` (on the first count), so a Redis-backed store
can replace `MemoryCounters` when several processes must share the limits.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol


class Counters(Protocol):
    """Where the counts are kept."""

    async def hit(self, key: str, seconds: float) -> int:
        """Count one event for `key` in its current window; the count so far."""
        ...


class MemoryCounters:
    """Counters in this process's memory; expired windows are dropped as it grows."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self._clock = clock
        self._max_keys = max_keys
        self._windows: dict[str, tuple[float, float, int]] = {}  # key: (ends, seconds, n)

    async def hit(self, key: str, seconds: float) -> int:
        """Count one event for `key`; a new window starts when the last one ended."""
        now = self._clock()
        ends, _, count = self._windows.get(key, (now, seconds, 0))
        if now >= ends:
            ends, count = now + seconds, 0
        self._windows[key] = (ends, seconds, count + 1)
        if len(self._windows) > self._max_keys:
            self._forget_expired(now)
        return count + 1

    def _forget_expired(self, now: float) -> None:
        self._windows = {k: v for k, v in self._windows.items() if v[0] > now}

    def __len__(self) -> int:
        return len(self._windows)


@dataclass(frozen=True)
class Limit:
    """At most `count` events per `seconds`."""

    count: int
    seconds: float


class Verdict(enum.Enum):
    """What to do with one event."""

    ALLOW = "allow"
    NOTIFY = "notify"  # the first one over the limit: say so once
    DROP = "drop"  # over the limit, already told


class RateLimiter:
    """Named limits (e.g. "message", "join") per user, over one counter store."""

    def __init__(self, limits: Mapping[str, Limit], counters: Counters | None = None) -> None:
        self.limits = dict(limits)
        self.counters = counters if counters is not None else MemoryCounters()

    async def check(self, kind: str, who: str | int) -> Verdict:
        """Count one `kind` event of `who` and judge it."""
        return self.judge(kind, await self.counters.hit(*self.window(kind, who)))

    def window(self, kind: str, who: str | int) -> tuple[str, float]:
        """The counter of `kind` events of `who`, and its window in seconds (for a
        caller that counts in the same step as something else)."""
        return f"{kind}:{who}", self.limits[kind].seconds

    def judge(self, kind: str, count: int) -> Verdict:
        """The verdict on the `count`-th `kind` event of one window."""
        limit = self.limits[kind].count
        if count <= limit:
            return Verdict.ALLOW
        return Verdict.NOTIFY if count == limit + 1 else Verdict.DROP
