"""/exit and the Exit button: delete the chat from the phone and wipe the
conversation, leaving no trace.

The Exit button carries the fixed callback data `x:exit` (no stored token), so
it works after a restart and whatever other users did in between; it acts only
on the chat and the Rasa conversation of whoever presses it.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import handoff
from bot.chat_state import noted
from bot.payloads import to_rasa
from bot.rasa_client import RasaUnavailable
from bot.services import Services, services
from mps.chats import forget_chat

logger = logging.getLogger(__name__)


async def on_exit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/exit: delete this chat from the phone and wipe the conversation."""
    await exit_chat(update, context)


async def on_exit_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Exit button (in a private chat): the same as /exit."""
    query = update.callback_query
    assert query is not None
    with contextlib.suppress(TelegramError):
        await query.answer()
    chat = update.effective_chat
    if chat is not None and chat.type == "private":
        await exit_chat(update, context)


async def exit_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Mark the chat as exited, delete every message of it the bot can (48 h, both
    sides), wipe Rasa's tracker for this user, and unlink her reports and bookings
    from the chat. Nothing is said afterwards: an empty chat is the answer. A step
    that fails (a store down) does not stop the others."""
    svc = services(context)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    # First the mark, then the trail: a message sent meanwhile is caught by one of them.
    await svc.callbacks.forget_chat(chat.id)  # no word of a call-back comes after her exit
    ids: list[int] = []
    try:
        await svc.chats.close(chat.id, update.update_id)
        ids = await svc.chats.take(chat.id)
    except Exception as error:
        logger.warning("exit: the trail could not be read: %s", type(error).__name__)
    for start in range(0, len(ids), 100):  # deleteMessages takes up to 100 ids
        with contextlib.suppress(TelegramError):
            await context.bot.delete_messages(chat.id, ids[start : start + 100])
    try:  # her hand-off ends; a discreet one leaves nothing
        await handoff.leave(update, context)
    except Exception as error:
        logger.warning("exit: hand-off not ended: %s", type(error).__name__)
    await wipe_conversation(svc, user.id)
    try:
        async with svc.database.sessions.begin() as session:
            await forget_chat(session, chat.id)
    except Exception as error:
        logger.warning("exit: reports and bookings not unlinked: %s", type(error).__name__)
    logger.info("exit: %d messages deleted", len(ids))


async def wipe_conversation(svc: Services, user_id: int) -> None:
    """Remove the user's conversation from Rasa's tracker store (a restart if that fails)."""
    sender = svc.sender_id(user_id)
    if not await svc.rasa.wipe(sender):
        language = svc.users.language(user_id)
        with contextlib.suppress(RasaUnavailable):
            await svc.rasa.send(sender, to_rasa("/restart", language), language)


async def note_incoming(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remember the id of every message a user sends in a private chat (for /exit);
    a message after an /exit opens the chat to report updates and reminders again.

    A message from before her /exit that comes only now (handed over by the journal
    from a replica that died, or a slower parallel delivery) missed the wipe: it is
    deleted at once and nothing else is done with it (Rasa never sees its text)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or chat.type != "private":
        return
    state = services(context).chats
    exited = await noted(state, chat.id, message.message_id)
    if exited is not None and update.update_id < exited.update_id:
        with contextlib.suppress(TelegramError):
            await context.bot.delete_message(chat.id, message.message_id)
        logger.info("update %s from before an /exit: deleted", update.update_id)
        raise ApplicationHandlerStop
    if exited is not None and not exited.reopened and update.update_id > exited.update_id:
        with contextlib.suppress(Exception):
            await state.reopen(chat.id, update.update_id)
