"""The citizen's side of a hand-off: opening it (the actions' HandoffStart directive),
relaying what she sends (text, photos, locations) to the station's thread, /end and
the End button, and ending it when she leaves with /exit.

Every handler asks the database whether her chat has an open hand-off, so any
replica, before or after a restart, relays the same way; nothing is kept in the
process. Her words are relayed, never stored. An emergency phrase still gets the
emergency numbers at once, before the message goes on to the staff, who are told.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Bot, InlineKeyboardButton, Message, ReplyParameters, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import handoff_staff
from bot.handoff_buttons import citizen_keyboard
from bot.handoff_cards import View, delete_thread, read_view, thread_chats, work_now
from bot.safety_net import in_danger
from bot.services import Services, services, user_language
from bot.user_text import clean_text
from mps.contract import HandoffStart, intent_payload
from mps.emergency import emergency_text
from mps.file_ids import is_file_id
from mps.formatting import day_text, digits, time_text
from mps.handoff import (
    citizen_handoff,
    close,
    forget,
    message_handoff,
    open_handoff,
    remember,
    thread,
    touch,
)
from mps.handoff_hours import hours_text, next_opening, periods, staffed_at
from mps.models import Handoff, Station

logger = logging.getLogger(__name__)
MAX_RELAY_CHARS = 2000  # what the bot takes from a citizen at all (bot/conversation.py)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, order: HandoffStart) -> None:
    """Open the hand-off the actions asked for, send its cards, and say who will answer
    and when (outside staffed hours: when someone will read it, and what to do meanwhile)."""
    svc = services(context)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    language = user_language(svc, update)
    clock = svc.clock()
    async with svc.database.sessions.begin() as session:
        handoff, new = await open_handoff(
            session, chat.id, order.station, language, clock, order.discreet, order.question
        )
        station = await session.get(Station, handoff.station_code)
        assert station is not None
    name = station.display_name(language)
    if not new:
        text = svc.catalogue.get("handoff_already", language, station=name)
        await chat.send_message(text, reply_markup=citizen_keyboard(svc, handoff))
        return
    logger.info("hand-off %s opened%s", handoff.id, " (discreet)" if handoff.sensitive else "")
    await work_now(context.bot, svc, handoff.id)  # the cards, before she writes
    hours = periods(station.staffed_hours)
    local = clock.now.astimezone(clock.zone)
    values = {"station": name, "hours": hours_text(hours, language)}
    extra: list[InlineKeyboardButton] = []
    if staffed_at(hours, local):
        key = "handoff_opened_discreet" if handoff.sensitive else "handoff_opened"
    else:
        key = "handoff_opened_discreet_later" if handoff.sensitive else "handoff_opened_later"
        opening = next_opening(hours, local)
        values["next"] = (
            f"{day_text(opening.date(), language)} {time_text(opening.time(), language)}"
            if opening is not None
            else "—"
        )
        extra.append(_later_button(svc, user.id, handoff, station))
    await svc.buttons.flush()
    text = svc.catalogue.get(key, language, **values)
    await chat.send_message(text, reply_markup=citizen_keyboard(svc, handoff, False, *extra))


def _later_button(
    svc: Services, user: int, handoff: Handoff, station: Station
) -> InlineKeyboardButton:
    """Outside hours: the FAQ meanwhile, or for a discreet one the safe call-back."""
    if handoff.sensitive:
        title = svc.catalogue.get("callback_offer", handoff.language)
        payload = intent_payload("request_callback", station=station.code)
    else:
        title = svc.catalogue.get("handoff_faq_button", handoff.language)
        payload = "/help"
    return InlineKeyboardButton(title, callback_data=svc.buttons.put(user, payload))


async def route_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A staff reply in a hand-off's thread, or a citizen's message while her hand-off
    is open: relayed, and True; False if it is neither (handled as usual)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return False
    svc = services(context)
    if message.reply_to_message is not None:
        async with svc.database.sessions() as session:
            found = await message_handoff(session, chat.id, message.reply_to_message.message_id)
        if found is not None:
            await handoff_staff.staff_reply(update, context, found)
            return True
    if chat.type != "private":
        return False
    async with svc.database.sessions() as session:
        handoff = await citizen_handoff(session, chat.id)
    if handoff is None:
        return False
    await _relay(update, svc, context.bot, message, handoff)
    return True


async def _relay(
    update: Update, svc: Services, bot: Bot, message: Message, handoff: Handoff
) -> None:
    """Her message to the thread's chats (the owner's, once taken), under the card."""
    language = handoff.language
    text = clean_text(message.text or message.caption or "")
    photo = message.photo[-1].file_id if message.photo else None
    if photo is not None and not is_file_id(photo):
        photo = None
    if not (text or photo or message.location):
        await message.reply_text(svc.catalogue.get("handoff_media_only", language))
        return
    if len(text) > MAX_RELAY_CHARS:
        await message.reply_text(svc.catalogue.get("too_long", language, limit=MAX_RELAY_CHARS))
        return
    danger = bool(text) and in_danger(svc, text)
    if danger:  # the numbers first, whatever happens to the relay
        numbers = emergency_text(svc.emergency, svc.catalogue, language)
        told = svc.catalogue.get("handoff_emergency_told", language)
        await message.reply_text(f"{numbers}\n\n{told}")
    view = await read_view(svc, handoff.id)
    assert view is not None
    sent = 0
    for chat_id in thread_chats(view):
        sent += await _relay_to(svc, bot, view, chat_id, message, text, photo, danger)
    if not sent:
        await message.reply_text(svc.catalogue.get("handoff_relay_failed", language))
        return
    async with svc.database.sessions.begin() as session:
        await touch(session, handoff, svc.clock())
    logger.info("hand-off %s: citizen message relayed to %d chat(s)", handoff.id, sent)


async def _relay_to(
    svc: Services,
    bot: Bot,
    view: View,
    chat_id: int,
    message: Message,
    text: str,
    photo: str | None,
    danger: bool,
) -> bool:
    """One staff chat's copy, as a reply to its card; whether it went out."""
    language = svc.staff_language
    number = digits(str(view.handoff.id), language)
    card = next((c.message_id for c in view.cards if c.chat_id == chat_id), None)
    reply = ReplyParameters(card, allow_sending_without_reply=True) if card else None
    said = svc.catalogue.get("handoff_from_citizen", language, number=number, text=text or "📷")
    sent: list[Message] = []
    try:
        if photo is not None:
            sent.append(await bot.send_photo(chat_id, photo, caption=said, reply_parameters=reply))
        elif message.location is not None:
            where = svc.catalogue.get("handoff_location_from_citizen", language, number=number)
            sent.append(await bot.send_message(chat_id, where, reply_parameters=reply))
            sent.append(
                await bot.send_location(
                    chat_id, message.location.latitude, message.location.longitude
                )
            )
        else:
            sent.append(await bot.send_message(chat_id, said, reply_parameters=reply))
        if danger:
            alarm = svc.catalogue.get("handoff_emergency_staff", language, number=number)
            sent.append(await bot.send_message(chat_id, alarm, reply_parameters=reply))
    except TelegramError as error:
        logger.warning("hand-off relay to a staff chat failed: %s", type(error).__name__)
    async with svc.database.sessions.begin() as session:
        for copy in sent:
            await remember(session, chat_id, copy.message_id, view.handoff.id, "relay")
    return bool(sent)


async def on_end(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/end: she ends the hand-off; the assistant answers again."""
    svc = services(context)
    chat = update.effective_chat
    assert chat is not None
    ended = await end(context.bot, svc, chat.id, "citizen")
    if ended is None:
        language = user_language(svc, update)
        await chat.send_message(svc.catalogue.get("handoff_not_open", language))
        return
    handoff, station = ended
    text = svc.catalogue.get("handoff_ended_citizen", handoff.language, station=station)
    await chat.send_message(text, reply_markup=citizen_keyboard(svc, handoff, ended=True))


async def on_end_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The End button (in her private chat): the same as /end."""
    query = update.callback_query
    assert query is not None
    with contextlib.suppress(TelegramError):
        await query.answer()
    chat = update.effective_chat
    if chat is not None and chat.type == "private":
        await on_end(update, context)


async def end(bot: Bot, svc: Services, chat_id: int, by: str) -> tuple[Handoff, str] | None:
    """End the chat's open hand-off (`by` the citizen, or her /exit): the staff see it
    ended. A discreet one is deleted in the same transaction (nothing of it is left
    once this returns), then wiped from the officers' chats. The hand-off and the
    station's name; None if none was open."""
    async with svc.database.sessions.begin() as session:
        handoff = await citizen_handoff(session, chat_id)
        closed = await close(session, handoff.id, by, svc.clock()) if handoff else None
        if closed is None:
            return None
        station = await session.get(Station, closed.station_code)
        messages = await thread(session, closed.id) if closed.sensitive else []
        if closed.sensitive:
            await forget(session, closed.id)
    if closed.sensitive:
        await delete_thread(bot, svc, closed.id, messages)
    else:
        await work_now(bot, svc, closed.id)
    logger.info("hand-off %s ended (%s)", closed.id, by)
    return closed, station.display_name(closed.language) if station else "?"


async def leave(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/exit: end her hand-off silently (bot/quick_exit.py says nothing afterwards)."""
    chat = update.effective_chat
    if chat is not None:
        await end(context.bot, services(context), chat.id, "exit")


async def on_staff_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo in a group: relayed if it replies to a hand-off's thread."""
    await route_message(update, context)
