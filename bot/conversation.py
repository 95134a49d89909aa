"""Citizen conversation: commands, free text to Rasa, buttons, other media (the
replies are sent by bot.sender)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import handoff, report_staff, safety_net, survey_answers
from bot.chat_state import blocked
from bot.metrics import REPLY_SECONDS
from bot.payloads import to_rasa
from bot.quick_exit import wipe_conversation
from bot.rasa_client import RasaUnavailable
from bot.render import Outgoing, render
from bot.sender import keep_typing, send_language_menu, send_reply
from bot.services import Services, services, user_language
from bot.user_text import clean_text, plain_text
from mps.contract import TurnNote, intent_payload
from mps.language import LANGUAGES
from mps.question_counts import count_key, count_question

logger = logging.getLogger(__name__)

MAX_INPUT_CHARS = 2000


async def ask_rasa(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, language: str
) -> None:
    """Send a button payload (or text) to Rasa and deliver its replies; a survey
    waiting for her comment no longer does (she turned to something else)."""
    chat = update.effective_chat
    if chat is not None and chat.type == "private":
        await survey_answers.leave_comment(services(context), chat.id)
    await _turn(update, context, text, language)


async def _turn(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, language: str
) -> None:
    """Send text (or a button payload) to Rasa and deliver its replies."""
    started = time.monotonic()
    svc = services(context)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    typing = asyncio.create_task(keep_typing(update))
    # A turn handed over from a replica that died may have reached Rasa: ask "again".
    again = update.update_id in svc.replays
    call = asyncio.create_task(
        svc.rasa.turn(svc.sender_id(user.id), text, language, f"u{update.update_id}", again)
    )
    netted = await safety_net.answer_if_slow(svc, chat, call, text, language)
    try:
        turn = await call
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
    outgoing = render(turn.replies, user.id, svc.buttons)
    await svc.buttons.flush()  # before any replica can be asked for them
    if not outgoing:
        outgoing = [Outgoing("text", svc.catalogue.get("error", language))]
    for item in outgoing:
        await send_reply(update, context, item)
    REPLY_SECONDS.observe(time.monotonic() - started)
    await count_turn(svc, turn.note, language)


async def count_turn(svc: Services, note: TurnNote | None, language: str) -> None:
    """Count an FAQ topic answered or a message not understood, for the scorecards
    (mps.question_counts); a failure is logged, never shown: the reply went out."""
    key = count_key(note, language) if note is not None else None
    if key is None:
        return
    try:
        async with svc.database.sessions.begin() as session:
            await count_question(session, svc.clock().today, *key)
    except Exception as error:  # noqa: BLE001 - a lost count must not fail the turn
        logger.warning("question not counted: %s", type(error).__name__)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Free text: detect the language, check the length; a survey's comment, or to Rasa."""
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
    if await survey_answers.take_as_comment(update, context, text):  # never to Rasa
        return
    await _turn(update, context, text, language)


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
    await send_language_menu(update, context)


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
