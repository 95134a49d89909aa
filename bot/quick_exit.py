"""/exit: delete the chat from the phone and wipe the conversation, leaving no trace."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.payloads import to_rasa
from bot.rasa_client import RasaUnavailable
from bot.services import services

logger = logging.getLogger(__name__)


async def on_exit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/exit: delete this chat from the phone and wipe the conversation."""
    await exit_chat(update, context)


async def exit_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Delete every message of the chat the bot can (48 h), both sides, and wipe Rasa's
    tracker for this user. Nothing is said afterwards: an empty chat is the answer."""
    svc = services(context)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    svc.callbacks.forget_chat(chat.id)  # no word of a call-back comes after her exit
    ids = svc.trail.take(chat.id)
    for start in range(0, len(ids), 100):  # deleteMessages takes up to 100 ids
        with contextlib.suppress(TelegramError):
            await context.bot.delete_messages(chat.id, ids[start : start + 100])
    sender = svc.sender_id(user.id)
    if not await svc.rasa.wipe(sender):
        language = svc.users.language(user.id, user.language_code)
        with contextlib.suppress(RasaUnavailable):
            await svc.rasa.send(sender, to_rasa("/restart", language), language)
    logger.info("exit: %d messages deleted", len(ids))


async def note_incoming(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remember the id of every message a user sends in a private chat (for /exit)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is not None and chat is not None and chat.type == "private":
        services(context).trail.add(chat.id, message.message_id)
