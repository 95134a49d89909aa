"""Message ids of each private chat, in memory only, so /exit can delete them.

Only ids and times are kept (never text), for at most 48 hours: Telegram lets a
bot delete both sides of a private chat within that window.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque

DELETE_WINDOW_SECONDS = 48 * 3600
PER_CHAT = 2000


class ChatTrail:
    """Recent message ids per chat, bounded in chats and in ids per chat."""

    def __init__(self, max_chats: int = 50_000) -> None:
        self._chats: OrderedDict[int, deque[tuple[int, float]]] = OrderedDict()
        self._max_chats = max_chats

    def add(self, chat_id: int, message_id: int, now: float | None = None) -> None:
        """Remember that `message_id` is in `chat_id`."""
        ids = self._chats.get(chat_id)
        if ids is None:
            ids = self._chats[chat_id] = deque(maxlen=PER_CHAT)
            while len(self._chats) > self._max_chats:
                self._chats.popitem(last=False)
        else:
            self._chats.move_to_end(chat_id)
        ids.append((message_id, time.time() if now is None else now))

    def take(self, chat_id: int, now: float | None = None) -> list[int]:
        """Forget the chat and return its ids that can still be deleted, oldest first."""
        ids = self._chats.pop(chat_id, deque())
        cutoff = (time.time() if now is None else now) - DELETE_WINDOW_SECONDS
        return sorted({message_id for message_id, at in ids if at > cutoff})
