"""How many reports and call-back requests one user may file a day.

Counted per pseudonym in the action server's memory (`mps.limits`); a
Redis-backed counter store would share them between several action servers.
"""

from __future__ import annotations

from mps.limits import Limit, RateLimiter, Verdict
from mps.settings import StoreSettings

DAY_SECONDS = 86_400.0
_limiter: RateLimiter | None = None


def filing_limiter(settings: StoreSettings) -> RateLimiter:
    """The process's limiter, made on first use from the settings."""
    global _limiter
    if _limiter is None:
        _limiter = RateLimiter(
            {
                "report": Limit(settings.rate_reports_per_day, DAY_SECONDS),
                "callback": Limit(settings.rate_callbacks_per_day, DAY_SECONDS),
            }
        )
    return _limiter


async def may_file(settings: StoreSettings, kind: str, owner: str) -> bool:
    """Count one filing of `kind` ("report" or "callback") by `owner`; False past the limit."""
    return await filing_limiter(settings).check(kind, owner) is Verdict.ALLOW


def forget_counts() -> None:
    """Start counting afresh (tests)."""
    global _limiter
    _limiter = None
