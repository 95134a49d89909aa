"""A Bot that notes the id of every message it sends to a private chat (for /exit)."""

from __future__ import annotations

from typing import Any

from telegram import Message
from telegram.ext import ExtBot

from bot.trail import ChatTrail


class TrackingBot(ExtBot[None]):
    """ExtBot that records sent message ids in a ChatTrail."""

    def __init__(self, *args: Any, trail: ChatTrail, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._trail = trail

    async def _send_message(self, endpoint: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        result = await super()._send_message(endpoint, data, *args, **kwargs)
        if isinstance(result, Message) and result.chat.type == "private":
            self._trail.add(result.chat_id, result.message_id)
        return result
