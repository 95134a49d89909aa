"""The keyword safety net: danger gets the emergency numbers from the bot itself
when Rasa is slow or down, and anything else a polite apology when it is down."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Chat

from bot.services import Services
from mps.emergency import emergency_text

# A message matching the emergency keywords gets the numbers from the bot if Rasa
# has not answered by then.
NET_SECONDS = 1.5


def in_danger(svc: Services, text: str) -> bool:
    """The keywords of data/emergency.yml, or the emergency button."""
    return svc.keywords.matches(text) or text.startswith("/emergency")


async def answer_if_slow(
    svc: Services, chat: Chat, call: asyncio.Task[Any], text: str, language: str
) -> bool:
    """For danger, wait NET_SECONDS for Rasa's `call`, then send the numbers; True if sent."""
    if not in_danger(svc, text):
        return False
    done, _ = await asyncio.wait({call}, timeout=NET_SECONDS)
    if done:
        return False
    await chat.send_message(emergency_text(svc.emergency, svc.catalogue, language))
    return True


async def answer_without_rasa(svc: Services, chat: Chat, text: str, language: str) -> None:
    """Rasa is down: the emergency numbers for danger, else a polite apology."""
    if in_danger(svc, text):
        await chat.send_message(emergency_text(svc.emergency, svc.catalogue, language))
    else:
        await chat.send_message(svc.catalogue.get("service_down", language))
