"""Callback data for Rasa buttons: short, owned by one user, unforgeable.

Telegram limits callback data to 64 bytes, and anyone can send any callback
data. So a button carries only a random token; the payload stays here, bound
to the user it was shown to. Unknown tokens (forged, or expired) and other
users' tokens are refused by the caller. `ButtonStore` keeps them in this
process; `bot.shared_state.RedisButtons` in Redis, for every replica.

The Exit button is the exception: its data is fixed (`x:exit`), so it works
after a restart and however many buttons others were shown meanwhile. That
is safe because it acts only on the chat of whoever presses it.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass

PREFIX = "b:"
EXIT_CALLBACK = "x:exit"
OTHER_USER = -1  # the owner of a shared button pressed by someone else (no Telegram id is < 0)


@dataclass(frozen=True)
class StoredButton:
    """What a button token stands for."""

    user_id: int
    payload: str


class ButtonStore:
    """A bounded in-memory map from tokens to button payloads."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._items: OrderedDict[str, StoredButton] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, user_id: int, payload: str) -> str:
        """Store a payload for `user_id` and return its callback data."""
        token = secrets.token_urlsafe(12)
        self._items[token] = StoredButton(user_id, payload)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)
        return PREFIX + token

    def get(self, data: str) -> StoredButton | None:
        """The button behind callback data, or None if unknown."""
        if not data.startswith(PREFIX):
            return None
        return self._items.get(data[len(PREFIX) :])

    async def find(self, data: str, user_id: int) -> StoredButton | None:
        """The button behind callback data pressed by `user_id`, or None if unknown;
        a shared store, which keeps only a hash of the owner, gives `OTHER_USER` as
        the owner of someone else's button."""
        return self.get(data)

    async def flush(self) -> None:
        """Wait until every replica can find the buttons put so far (here: at once)."""
