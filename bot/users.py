"""What the bot remembers of each user: the language.

Only the language code is kept, in memory, for a bounded number of users; no
message text. `bot.shared_state.RedisUsers` also keeps it in Redis, so that
every replica answers in the language chosen through any of them. `load`, at
each of her updates, can also count the update against her rate limits, so
that on Redis both take one round trip.
"""

from __future__ import annotations

from collections import OrderedDict

from mps.language import LANGUAGES, detect_language
from mps.limits import Counters, MemoryCounters

_TELEGRAM_CODES = {"ar": "ar", "ckb": "ckb", "ku": "ckb", "en": "en"}


class UserMemory:
    """Per-user language, detected or chosen."""

    def __init__(self, capacity: int = 200_000, counters: Counters | None = None) -> None:
        self._capacity = capacity
        self._languages: OrderedDict[int, str] = OrderedDict()
        self._counters = counters if counters is not None else MemoryCounters()

    def language(self, user_id: int, telegram_code: str | None = None) -> str:
        """The user's language; at first contact, from Telegram's setting."""
        known = self._languages.get(user_id)
        if known:
            return known
        code = (telegram_code or "").split("-")[0].lower()
        return _TELEGRAM_CODES.get(code, "en")

    def set_language(self, user_id: int, language: str) -> None:
        """Remember the user's language."""
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        self._languages[user_id] = language
        self._languages.move_to_end(user_id)
        while len(self._languages) > self._capacity:
            self._languages.popitem(last=False)

    async def load(self, user_id: int, count: tuple[str, float] | None = None) -> int:
        """Bring in what other replicas know of the user (here: nothing to do); with
        `count` (a counter and its window, mps.limits.RateLimiter.window), count one
        event in it: the count so far (0 without)."""
        return await self._counters.hit(*count) if count is not None else 0

    async def flush(self) -> None:
        """Wait until other replicas can see the languages set so far (here: at once)."""

    def observe(self, user_id: int, text: str, telegram_code: str | None = None) -> str:
        """Detect the language of a message, remember it, and return it."""
        detected = detect_language(text)
        if detected is not None:
            self.set_language(user_id, detected)
            return detected
        return self.language(user_id, telegram_code)
