"""Chats waiting for word of a safe call-back request, in memory only (bot/callbacks.py)."""

from __future__ import annotations

import time
from collections import OrderedDict

KEEP_SECONDS = 6 * 3600
MAX_WATCHED = 10_000


class CallbackWatch:
    """Report reference → the chat waiting for word of it (bounded, expiring)."""

    def __init__(self) -> None:
        self._chats: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def add(self, reference: str, chat_id: int, now: float | None = None) -> None:
        """Wait for word on `reference` in `chat_id`."""
        self._chats[reference] = (chat_id, time.monotonic() if now is None else now)
        while len(self._chats) > MAX_WATCHED:
            self._chats.popitem(last=False)

    def take(self, reference: str, now: float | None = None) -> int | None:
        """The waiting chat, once: whoever takes it first tells her."""
        found = self._chats.pop(reference, None)
        if found is None:
            return None
        chat_id, since = found
        age = (time.monotonic() if now is None else now) - since
        return chat_id if age < KEEP_SECONDS else None

    def forget_chat(self, chat_id: int) -> None:
        """She left (/exit): nothing more goes to that chat."""
        for reference in [r for r, (c, _) in self._chats.items() if c == chat_id]:
            del self._chats[reference]
