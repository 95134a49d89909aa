"""Sending a conversation's replies: rendered messages, the actions' directives,
the language menu and "typing…".

Telegram's budgets and its 429s are kept by the bot's rate limiter
(bot.send_limits): a reply waits there, for up to five minutes, rather than here.
"""

from __future__ import annotations

import asyncio
import contextlib

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot import callbacks, handoff
from bot.metrics import REPLIES_OUT
from bot.render import Outgoing
from bot.send_limits import TYPING, sending_as
from bot.services import services, user_language
from bot.tickets import send_ticket
from mps.catalogue import Catalogue
from mps.contract import HandoffStart
from mps.language import LANGUAGES
from mps.reports import link_chat

DIRECTIVES = ("ticket", "report", "callback", "language_menu", "handoff")
TYPING_AFTER = 1.0  # seconds: most turns are answered before anyone would see "typing…"


async def send_reply(update: Update, context: ContextTypes.DEFAULT_TYPE, item: Outgoing) -> None:
    """Send one rendered message, or carry out a directive."""
    chat = update.effective_chat
    assert chat is not None
    if item.kind in DIRECTIVES:
        await _carry_out(update, context, item)
    else:
        await _post(chat, item)
    REPLIES_OUT.labels(item.kind).inc()


async def _post(chat: Chat, item: Outgoing) -> None:
    """A text, photo, document or map pin."""
    if item.kind == "text":
        await chat.send_message(item.text, reply_markup=item.keyboard)
    elif item.kind == "photo":
        await chat.send_photo(item.media, caption=item.text or None)
    elif item.kind == "document":
        await chat.send_document(item.media, caption=item.text or None, filename=item.filename)
    elif item.kind == "location":
        latitude, longitude = (float(x) for x in item.media.split(","))
        await chat.send_location(latitude=latitude, longitude=longitude)


async def _carry_out(update: Update, context: ContextTypes.DEFAULT_TYPE, item: Outgoing) -> None:
    """A directive from the actions: a booking's ticket, a report's updates to this
    chat, a call-back to watch, the language menu, a hand-off to open."""
    svc = services(context)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    if item.kind == "ticket":
        language = user_language(svc, update)
        await send_ticket(chat, svc, item.text, svc.sender_id(user.id), language)
    elif item.kind == "report":
        async with svc.database.sessions.begin() as session:
            await link_chat(session, item.text, svc.sender_id(user.id), chat.id)
    elif item.kind == "callback":
        await callbacks.watch(context.bot, svc, item.text, chat.id)
    elif item.kind == "language_menu":
        await send_language_menu(update, context)
    elif item.kind == "handoff" and isinstance(item.directive, HandoffStart):
        await handoff.start(update, context, item.directive)


def language_keyboard(texts: Catalogue) -> InlineKeyboardMarkup:
    """The language menu: each language named in itself."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.get("language_name", c), callback_data=f"lang:{c}")]
            for c in LANGUAGES
        ]
    )


async def send_language_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The language menu, asked in the sender's language."""
    chat = update.effective_chat
    assert chat is not None
    svc = services(context)
    text = svc.catalogue.get("choose_language", user_language(svc, update))
    await chat.send_message(text, reply_markup=language_keyboard(svc.catalogue))


async def keep_typing(update: Update) -> None:
    """Show "typing…" from TYPING_AFTER on, until cancelled (Telegram shows it ~5 s).

    Not at once: an instant chat action per turn was a third of the bot's CPU under
    load (issue 12's profile) and one more call against Telegram's limits. Sent as
    TYPING: only when a slot is free at once, never ahead of a reply.
    """
    chat = update.effective_chat
    assert chat is not None
    await asyncio.sleep(TYPING_AFTER)
    with sending_as(TYPING):
        while True:
            with contextlib.suppress(Exception):
                await chat.send_action(ChatAction.TYPING)
            await asyncio.sleep(4)
