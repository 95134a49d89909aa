"""The staff side of a hand-off: the card's buttons (Take, Close, Re-route) and the
owner's replies, relayed to the citizen as from the station.

Every press and reply is checked against the database (mps.handoff: staff of the
station, of the unit and in private for a discreet one; only the owner once it is
taken). A refusal is a mps.handoff.HandoffError, told by `refusal` alone. The
citizen never sees who answered: the bot sends the words, under the station's name.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.handoff_buttons import citizen_keyboard
from bot.handoff_cards import owner_name, work_now
from bot.services import Services, services, user_language
from bot.user_text import clean_text
from mps.contract import HANDOFF_PREFIX, HandoffAction, HandoffPress
from mps.file_ids import is_file_id
from mps.formatting import digits
from mps.handoff import (
    DISCREET_UNIT,
    HandoffError,
    HandoffGone,
    check_owner,
    close_by_staff,
    remember,
    reroute,
    staff_handoff,
    take,
    touch,
)
from mps.models import Handoff, Station
from mps.routing import distance_km
from mps.stations import all_stations

logger = logging.getLogger(__name__)
PATTERN = f"^{HANDOFF_PREFIX}"  # the callback data of hand-off card buttons
ROUTE_CHOICES = 12


async def refusal(svc: Services, error: HandoffError, language: str) -> str:
    """What staff are told when a press or a reply is refused."""
    who = await owner_name(svc, error.owner)
    number = digits(str(error.handoff_id), language)
    return svc.catalogue.get(error.key, language, number=number, who=who or "—")


@dataclass(frozen=True)
class Press:
    """A press on a hand-off card's button."""

    update: Update
    svc: Services
    query: CallbackQuery
    chat: Chat
    user: int
    language: str
    press: HandoffPress

    @property
    def in_group(self) -> bool:
        """Whether it was pressed in a group (never allowed for a discreet one)."""
        return self.chat.type != Chat.PRIVATE

    def text(self, key: str, **values: object) -> str:
        """A text in the presser's language, with the hand-off's number."""
        number = digits(str(self.press.handoff), self.language)
        return self.svc.catalogue.get(key, self.language, number=number, **values)


async def on_handoff_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on a hand-off card: its action's handler, or why it is refused."""
    svc = services(context)
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    language = user_language(svc, update)
    press = HandoffPress.decode(query.data or "")
    try:
        if press is None:
            raise HandoffGone(0)
        await HANDLERS[press.action](Press(update, svc, query, chat, user.id, language, press))
    except HandoffError as error:
        await query.answer(await refusal(svc, error, language), show_alert=True)


async def _take(p: Press) -> None:
    """Take: one winner; the card shows who (by staff number), the citizen hears that
    someone is reading."""
    async with p.svc.database.sessions.begin() as session:
        handoff = await take(
            session, p.press.handoff, p.user, p.chat.id, p.svc.clock(), p.in_group
        )
    logger.info("hand-off %s taken", handoff.id)
    await p.query.answer(p.text("handoff_took"))
    bot = p.update.get_bot()
    await work_now(bot, p.svc, handoff.id)
    await _say(bot, p.svc, handoff, handoff.chat_id, "handoff_taken_citizen")


async def _close(p: Press) -> None:
    """Close: the citizen is told, the cards show it (a discreet one is wiped)."""
    async with p.svc.database.sessions.begin() as session:
        chat_id = (await staff_handoff(session, p.press.handoff, p.user, p.in_group)).chat_id
        handoff = await close_by_staff(session, p.press.handoff, p.user, p.svc.clock(), p.in_group)
    logger.info("hand-off %s closed by staff", handoff.id)
    await p.query.answer(p.text("handoff_closed_done"))
    bot = p.update.get_bot()
    await _say(bot, p.svc, handoff, chat_id, "handoff_closed_citizen")
    await work_now(bot, p.svc, handoff.id)


async def _choose_station(p: Press) -> None:
    """Re-route: the other stations, nearest first (with the unit, for a discreet one)."""
    async with p.svc.database.sessions() as session:
        handoff = await staff_handoff(session, p.press.handoff, p.user, p.in_group)
        if handoff.status == "taken":
            check_owner(handoff, p.user)
        stations = await all_stations(session)
        here = await session.get(Station, handoff.station_code)
    if handoff.sensitive:
        stations = [s for s in stations if DISCREET_UNIT in s.units]
    if here is not None and here.longitude:
        anchor = (here.longitude, here.latitude)
        stations.sort(key=lambda s: distance_km((s.longitude, s.latitude), anchor))
    choices = [s for s in stations if s.code != handoff.station_code][:ROUTE_CHOICES]
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    s.display_name(p.language),
                    callback_data=HandoffPress(
                        HandoffAction.ROUTE_TO, handoff.id, s.code
                    ).encode(),
                )
            ]
            for s in choices
        ]
    )
    await p.chat.send_message(p.text("handoff_route_choose"), reply_markup=keyboard)
    await p.query.answer()


async def _route_to(p: Press) -> None:
    """A station chosen: the hand-off waits there, new cards go out, the old ones say
    where it went, and the citizen hears of it."""
    code = str(p.press.station)
    async with p.svc.database.sessions.begin() as session:
        handoff = await reroute(session, p.press.handoff, p.user, code, p.svc.clock(), p.in_group)
        target = await session.get(Station, code)
    logger.info("hand-off %s re-routed", handoff.id)
    name = target.display_name(p.language) if target else "?"
    done = p.text("handoff_route_done", station=name)
    await p.query.answer(done)
    if p.query.message is not None:
        await p.query.edit_message_text(done)
    bot = p.update.get_bot()
    await work_now(bot, p.svc, handoff.id)
    await _say(bot, p.svc, handoff, handoff.chat_id, "handoff_rerouted_citizen")


HANDLERS: dict[HandoffAction, Callable[[Press], Awaitable[None]]] = {
    HandoffAction.TAKE: _take,
    HandoffAction.CLOSE: _close,
    HandoffAction.ROUTE: _choose_station,
    HandoffAction.ROUTE_TO: _route_to,
}


async def _say(bot: Bot, svc: Services, handoff: Handoff, chat_id: int | None, key: str) -> None:
    """A line to the citizen about her hand-off, with the station's name in her language."""
    if chat_id is None:
        return
    async with svc.database.sessions() as session:
        station = await session.get(Station, handoff.station_code)
    name = station.display_name(handoff.language) if station else "?"
    text = svc.catalogue.get(key, handoff.language, station=name)
    keyboard = citizen_keyboard(svc, handoff, handoff.status == "closed")
    try:
        await bot.send_message(chat_id, text, reply_markup=keyboard)
    except TelegramError as error:  # she blocked the bot, or left with /exit
        logger.info("hand-off: citizen not told: %s", type(error).__name__)


async def staff_reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, handoff: Handoff
) -> None:
    """The owner's reply in the thread: to the citizen, as from the station."""
    svc = services(context)
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    language = user_language(svc, update)
    try:
        async with svc.database.sessions() as session:
            current = await staff_handoff(session, handoff.id, user.id, chat.type != Chat.PRIVATE)
            check_owner(current, user.id)
            station = await session.get(Station, current.station_code)
    except HandoffError as error:
        await message.reply_text(await refusal(svc, error, language))
        return
    assert current.chat_id is not None
    name = station.display_name(current.language) if station else "?"
    text = clean_text(message.text or message.caption or "")
    photo = message.photo[-1].file_id if message.photo else None
    said = svc.catalogue.get(
        "handoff_from_station", current.language, station=name, text=text or "📷"
    )
    keyboard = citizen_keyboard(svc, current)
    try:
        if photo is not None and is_file_id(photo):
            await context.bot.send_photo(
                current.chat_id, photo, caption=said, reply_markup=keyboard
            )
        elif text:
            await context.bot.send_message(current.chat_id, said, reply_markup=keyboard)
        else:
            return
    except TelegramError as error:
        logger.warning("hand-off reply not delivered: %s", type(error).__name__)
        await message.reply_text(svc.catalogue.get("handoff_reply_failed", language))
        return
    async with svc.database.sessions.begin() as session:
        await remember(session, chat.id, message.message_id, current.id, "reply")
        await touch(session, current, svc.clock())
    logger.info("hand-off %s: staff reply relayed", current.id)
