"""What the bot must remember beyond one process: the /exit trail, exited chats
and the updates already handled. In Redis when REDIS_URL is set, else in the
database, so a restart (or another replica) loses none of it.

* **Trail.** The id and time of every message in a private chat (never its
  text), kept 48 hours (Telegram lets a bot delete both sides of a private chat
  within that window), so that /exit can delete them.
* **Exited chats.** For ten minutes after /exit, a chat holds the id of the
  /exit update: a reply to an earlier update (a slow Rasa answer) is not posted,
  and neither is a report update or reminder until she writes again.
* **Handled updates.** Every update id, kept 48 hours, so that one Telegram
  delivers twice is handled once, whatever the order in which they arrive.

Chats are stored under a keyed hash of their id, not the id itself.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger(__name__)
DELETE_WINDOW_SECONDS = 48 * 3600  # Telegram's window, and how long ids are kept
UPDATE_MEMORY_SECONDS = 48 * 3600
EXIT_SECONDS = 600
PER_CHAT = 2000  # the most message ids kept for one chat

# The update the running handler serves (None in background jobs: outbox, reminders).
CURRENT_UPDATE: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "current_update", default=None
)


@dataclass(frozen=True)
class Exited:
    """A chat that said /exit a moment ago."""

    update_id: int  # the /exit update
    reopened: bool  # she has written again since

    def blocks(self, update_id: int | None) -> bool:
        """Whether a message for `update_id` (None: a background job) must not be posted."""
        if update_id is None:
            return not self.reopened
        return update_id <= self.update_id


class ChatState(Protocol):
    """The shared store; RedisChatState and DatabaseChatState implement it."""

    async def note(self, chat_id: int, message_id: int) -> Exited | None:
        """Remember a message of a private chat; whether the chat has just exited."""

    async def take(self, chat_id: int) -> list[int]:
        """Forget the chat's trail; its message ids still deletable, oldest first."""

    async def close(self, chat_id: int, update_id: int) -> None:
        """Mark the chat as exited by update `update_id`."""

    async def exited(self, chat_id: int) -> Exited | None:
        """The chat's /exit of the last minutes, if any."""

    async def reopen(self, chat_id: int, update_id: int) -> None:
        """She wrote again (update `update_id`): later jobs may post again."""

    async def first_time(self, update_id: int) -> bool:
        """Record an update id; False if it was recorded before."""

    async def purge(self) -> None:
        """Drop what has expired (a no-op where the store expires keys itself)."""

    async def aclose(self) -> None:
        """Release connections."""


def chat_key(secret: bytes, chat_id: int) -> str:
    """The name a chat is stored under (a keyed hash: the store never holds the id)."""
    return hmac.new(secret, f"chat-state:{chat_id}".encode(), hashlib.sha256).hexdigest()[:32]


async def blocked(state: ChatState, chat_id: int) -> bool:
    """Whether the running handler (or job) must not post into `chat_id`. If the
    store cannot be reached, False: an answer (maybe the emergency numbers)
    matters more than the rare message after an /exit."""
    try:
        exited = await state.exited(chat_id)
    except Exception as error:
        logger.warning("exit mark not checked: %s", type(error).__name__)
        return False
    return exited is not None and exited.blocks(CURRENT_UPDATE.get())


async def noted(state: ChatState, chat_id: int, message_id: int) -> Exited | None:
    """`state.note`, logging (not raising) when the store cannot be reached."""
    try:
        return await state.note(chat_id, message_id)
    except Exception as error:
        logger.warning("message id not noted for /exit: %s", type(error).__name__)
        return None
