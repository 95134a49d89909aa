"""Rate limits: a user past the limit is told once, then ignored until the window
ends; nobody else is slowed."""

from __future__ import annotations

from mps.limits import Limit, MemoryCounters, RateLimiter, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_past_the_limit_one_notice_then_silence_then_a_new_window() -> None:
    clock = Clock()
    limiter = RateLimiter({"message": Limit(3, 60)}, MemoryCounters(clock))
    verdicts = [await limiter.check("message", 7) for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.NOTIFY] + [Verdict.DROP] * 2
    assert await limiter.check("message", 8) is Verdict.ALLOW  # someone else
    clock.now += 59
    assert await limiter.check("message", 7) is Verdict.DROP
    clock.now += 1  # the window has ended
    assert await limiter.check("message", 7) is Verdict.ALLOW


async def test_kinds_are_counted_apart() -> None:
    limiter = RateLimiter({"message": Limit(1, 60), "join": Limit(1, 3600)})
    assert await limiter.check("message", 1) is Verdict.ALLOW
    assert await limiter.check("join", 1) is Verdict.ALLOW
    assert await limiter.check("join", 1) is Verdict.NOTIFY


async def test_expired_windows_do_not_pile_up() -> None:
    clock = Clock()
    counters = MemoryCounters(clock, max_keys=100)
    for user in range(100):
        await counters.hit(f"message:{user}", 60)
    clock.now += 61
    for user in range(100, 150):
        await counters.hit(f"message:{user}", 60)
    assert len(counters) <= 100
