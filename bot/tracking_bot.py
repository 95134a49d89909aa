"""A Bot that notes the id of every message it sends to a private chat (for /exit),
and posts nothing into a chat that has just exited.

Before a send to a private chat, the chat's /exit is looked up: a reply to an
update older than the /exit (or a background job's message, until she writes
again) raises ChatExited instead. After the send, the id is noted in the trail
and the /exit looked up again: if /exit came in between, the message is deleted
at once. /exit marks the chat before it takes the trail, so every message is
either in the trail it takes or seen by that second look.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import Message
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.chat_state import CURRENT_UPDATE, ChatState, blocked, noted

logger = logging.getLogger(__name__)


class ChatExited(TelegramError):
    """The chat said /exit after the update this message answers: not sent."""


class TrackingBot(ExtBot[float]):
    """ExtBot that records sent message ids and respects /exit."""

    def __init__(self, *args: Any, chats: ChatState, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._chats = chats

    async def _send_message(self, endpoint: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        chat_id = data.get("chat_id") if isinstance(data, dict) else None
        if isinstance(chat_id, int) and chat_id > 0 and await blocked(self._chats, chat_id):
            raise ChatExited("the chat was wiped by /exit")
        result = await super()._send_message(endpoint, data, *args, **kwargs)
        if isinstance(result, Message) and result.chat.type == "private":
            exited = await noted(self._chats, result.chat_id, result.message_id)
            if exited is not None and exited.blocks(CURRENT_UPDATE.get()):
                with contextlib.suppress(TelegramError):
                    await self.delete_message(result.chat_id, result.message_id)
                raise ChatExited("the chat was wiped by /exit while sending")
        return result
