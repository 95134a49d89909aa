"""Citizen conversation: commands, free text to Rasa, buttons, other media."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.error import RetryAfter
from telegram.ext import ContextTypes

from bot import callbacks, handoff, report_staff, safety_net
from bot.chat_state import blocked
from bot.errors import retry_seconds
from bot.metrics import REPLIES_OUT, REPLY_SECONDS, TELEGRAM_429
from bot.payloads import to_rasa
from bot.quick_exit import wipe_conversation
from bot.rasa_client import RasaUnavailable
from bot.render import Outgoing, render
from bot.services import services, user_language
from bot.tickets import send_ticket
from bot.user_text import clean_text, plain_text
from mps.catalogue import Catalogue
from mps.contract import HandoffStart, intent_payload
from mps.language import LANGUAGES
from mps.reports import link_chat

logger = logging.getLogger(__name__)

MAX_INPUT_CHARS = 2000


def language_keyboard(texts: Catalogue) -> InlineKeyboardMarkup:
    """The language menu: each language named in itself."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.get("language_name", c), callback_data=f"lang:{c}")]
            for c in LANGUAGES
        ]
    )


REPLY_PATIENCE = 300.0  # seconds a reply waits out Telegram's 429s before it is given up


async def _send(update: Update, context: ContextTypes.DEFAULT_TYPE, item: Outgoing) -> None:
    """Send one rendered message, or carry out a directive. While Telegram asks us to
    slow down (429), wait as long as it says and try again, for up to REPLY_PATIENCE:
    the webhook has already answered, so a reply given up here would be lost."""
    chat = update.effective_chat
    assert chat is not None
    deadline = time.monotonic() + REPLY_PATIENCE
    while True:
        try:
            if item.kind in ("ticket", "report", "callback", "language_menu", "handoff"):
                await _carry_out(update, context, item)
            else:
                await _post(chat, item)
            REPLIES_OUT.labels(item.kind).inc()
            return
        except RetryAfter as error:
            TELEGRAM_429.labels("reply").inc()
            wait = retry_seconds(error)
            if time.monotonic() + wait > deadline:
                raise
            await asyncio.sleep(wait)


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
    chat, a call-back to watch, the language menu."""
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
        await on_language(update, context)
    elif item.kind == "handoff" and isinstance(item.directive, HandoffStart):
        await handoff.start(update, context, item.directive)


TYPING_AFTER = 1.0  # seconds: most turns are answered before anyone would see "typing…"


async def _keep_typing(update: Update) -> None:
    """Show "typing…" from TYPING_AFTER on, until cancelled (Telegram shows it ~5 s).

    Not at once: an instant chat action per turn was a third of the bot's CPU under
    load (issue 12's profile) and one more call against Telegram's limits.
    """
    chat = update.effective_chat
    assert chat is not None
    await asyncio.sleep(TYPING_AFTER)
    while True:
        with contextlib.suppress(Exception):
            await chat.send_action(ChatAction.TYPING)
        await asyncio.sleep(4)


async def ask_rasa(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, language: str
) -> None:
    """Send text (or a button payload) to Rasa and deliver its replies."""
    started = time.monotonic()
    svc = services(context)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    typing = asyncio.create_task(_keep_typing(update))
    call = asyncio.create_task(svc.rasa.send(svc.sender_id(user.id), text, language))
    netted = await safety_net.answer_if_slow(svc, chat, call, text, language)
    try:
        replies = await call
    except RasaUnavailable:
        typing.cancel()
        if not netted:
            await safety_net.answer_without_rasa(svc, chat, text, language)
        return
    finally:
        typing.cancel()
    chat = update.effective_chat
    assert chat is not None
    if await blocked(svc.chats, chat.id):
        # She left with /exit while Rasa was answering: post nothing, and wipe what
        # this late turn wrote into the new conversation.
        await wipe_conversation(svc, user.id)
        logger.info("reply after /exit dropped")
        return
    outgoing = render(replies, user.id, svc.buttons)
    await svc.buttons.flush()  # before any replica can be asked for them
    if not outgoing:
        outgoing = [Outgoing("text", svc.catalogue.get("error", language))]
    for item in outgoing:
        await _send(update, context, item)
    REPLY_SECONDS.observe(time.monotonic() - started)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Free text: detect the language, check the length, ask Rasa."""
    svc = services(context)
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    if message.reply_to_message is not None and await report_staff.on_reply(update, context):
        return
    if await handoff.route_message(update, context):  # a hand-off's thread, either side
        return
    text = plain_text(clean_text(message.text or ""))
    language = svc.users.observe(user.id, text, user.language_code)
    if len(text) > MAX_INPUT_CHARS:
        await message.reply_text(svc.catalogue.get("too_long", language, limit=MAX_INPUT_CHARS))
        return
    if not any(ch.isalnum() for ch in text):
        await message.reply_text(svc.catalogue.get("empty_text", language))
        return
    await ask_rasa(update, context, text, language)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: welcome and the main menu."""
    svc = services(context)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    language = user_language(svc, update)
    get = svc.catalogue.get
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    get("menu_questions", language),
                    callback_data=svc.buttons.put(user.id, "/help"),
                )
            ],
            *(
                [
                    InlineKeyboardButton(
                        get(key, language), callback_data=svc.buttons.put(user.id, payload)
                    )
                ]
                for key, payload in (
                    ("menu_station", "/find_station"),
                    ("menu_book", "/book_visit"),
                    ("menu_bookings", "/my_bookings"),
                )
            ),
            [
                InlineKeyboardButton(
                    get("menu_emergency", language),
                    callback_data=svc.buttons.put(user.id, "/emergency"),
                )
            ],
            [InlineKeyboardButton(get("menu_language", language), callback_data="lang:menu")],
        ]
    )
    await svc.buttons.flush()
    await chat.send_message(get("welcome", language), reply_markup=keyboard)


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: what the assistant does, with the topics (from Rasa)."""
    language = user_language(services(context), update)
    await ask_rasa(update, context, to_rasa("/help", language), language)


async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language: the language menu."""
    chat = update.effective_chat
    assert chat is not None
    svc = services(context)
    text = svc.catalogue.get("choose_language", user_language(svc, update))
    await chat.send_message(text, reply_markup=language_keyboard(svc.catalogue))


async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel: restart the Rasa conversation and confirm."""
    svc = services(context)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    language = user_language(svc, update)
    with contextlib.suppress(RasaUnavailable):
        await svc.rasa.send(svc.sender_id(user.id), to_rasa("/restart", language), language)
    await chat.send_message(svc.catalogue.get("cancelled", language))


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A pressed button: a language choice or a Rasa payload; refuse the rest."""
    svc = services(context)
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    data = query.data or ""
    language = user_language(svc, update)
    if data == "lang:menu":
        await query.answer()
        await on_language(update, context)
        return
    if data.startswith("lang:") and data[5:] in LANGUAGES:
        svc.users.set_language(user.id, data[5:])
        await svc.users.flush()
        await query.answer()
        await query.edit_message_text(svc.catalogue.get("language_set", data[5:]))
        return
    stored = await svc.buttons.find(data, user.id)
    if stored is None:
        await query.answer(svc.catalogue.get("stale_button", language), show_alert=True)
        return
    if stored.user_id != user.id:
        await query.answer(svc.catalogue.get("not_your_button", language), show_alert=True)
        return
    await query.answer()
    await ask_rasa(update, context, to_rasa(stored.payload, language), language)


async def on_tips(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/tips: the discreet-help flow, behind a neutral word."""
    language = user_language(services(context), update)
    await ask_rasa(update, context, to_rasa("/discreet_help", language), language)


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location: find its station, or answer the booking form's question."""
    svc = services(context)
    message = update.effective_message
    assert message is not None and message.location is not None
    if await handoff.route_message(update, context):
        return
    language = user_language(svc, update)
    position = f"{message.location.latitude:.5f},{message.location.longitude:.5f}"
    payload = intent_payload("share_location", location=position)
    await ask_rasa(update, context, to_rasa(payload, language), language)


async def on_other_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, voice, photos, files…: say politely that only text works."""
    message = update.effective_message
    assert message is not None
    if await handoff.route_message(update, context):
        return
    svc = services(context)
    await message.reply_text(svc.catalogue.get("unsupported_media", user_language(svc, update)))


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have."""
    message = update.effective_message
    assert message is not None
    svc = services(context)
    await message.reply_text(svc.catalogue.get("unknown_command", user_language(svc, update)))


async def on_group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Citizens are served in private chats only; staff replies to prompts are read."""
    message = update.effective_message
    if message is not None and message.reply_to_message is not None:
        if await report_staff.on_reply(update, context):
            return
        if await handoff.route_message(update, context):
            return
    if message is None or not (message.text or "").startswith("/"):
        return
    svc = services(context)
    await message.reply_text(svc.catalogue.get("private_only", user_language(svc, update)))
